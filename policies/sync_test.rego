package compliance.sync_test

import data.compliance.sync

test_late_entry if {
	some w in sync.warnings with input as {"event": "step", "step": {"step_code": "accept", "occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": "2026-03-04T09:00:00+08:00"}}
	w.rule == "sync.late_entry"
}

test_on_time if {
	count(sync.warnings) == 0 with input as {"event": "step", "step": {"step_code": "accept", "occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": "2026-03-03T18:00:00+08:00"}}
}
