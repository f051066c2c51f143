package compliance.followup_test

import data.compliance.followup

# An alarm raised on Friday 2026-02-13: five working days after it, across the
# Spring Festival (make-up Saturday 02-14 counts, 02-15..02-23 do not), end on
# 2026-02-27.
alarm := {"id": 7, "rule": "checkpoint.approval_missing", "level": "alarm", "status": "open", "created_at": "2026-02-13T10:00:00+08:00"}

input_at(now, warnings) := {"event": "tick", "now": now, "case": {"warnings": warnings}}

test_within_the_period_nothing if {
	count(followup.warnings) == 0 with input as input_at("2026-02-27T18:00:00+08:00", [alarm])
}

test_after_the_period_a_follow_up if {
	some w in followup.warnings with input as input_at("2026-02-28T09:00:00+08:00", [alarm])
	w.rule == "followup.alarm_unanswered"
	w.level == "alarm"
	w.key == "alarm:7"
	w.message == "报警“checkpoint.approval_missing”（编号 7）于2026年2月13日产生，应于2026年2月27日（含）前作出书面说明或整改，逾期部门仍未答复"
	contains(w.basis, "攀仁府办〔2016〕77号")
}

test_answered_alarm_nothing if {
	answered := object.union(alarm, {"status": "explained"})
	count(followup.warnings) == 0 with input as input_at("2026-03-30T09:00:00+08:00", [answered])
}

test_prewarnings_and_follow_ups_are_not_followed if {
	pre := object.union(alarm, {"level": "prewarning"})
	own := object.union(alarm, {"rule": "followup.alarm_unanswered"})
	count(followup.warnings) == 0 with input as input_at("2026-03-30T09:00:00+08:00", [pre, own])
}

test_next_check_is_the_day_after_the_period if {
	followup.next_check == {"2026-02-28"} with input as input_at("2026-02-14T09:00:00+08:00", [alarm])
}

test_no_warnings_no_next_check if {
	count(followup.next_check) == 0 with input as {"event": "tick", "now": "2026-02-14T09:00:00+08:00", "case": {}}
}
