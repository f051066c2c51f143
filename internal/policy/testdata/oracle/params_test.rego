package compliance.params_test

# The rules read their numbers from data.params; these tests change the
# numbers the way the legal affairs office would and check that the rules
# follow. The other modules' tests run with the shipped parameters.

import data.compliance.catalog
import data.compliance.followup
import data.compliance.patrol
import data.compliance.sync

# shipped is the parameters document that powercheck ships (params.json).
shipped := data.params

with_section(section, values) := object.union(shipped, {section: object.union(shipped[section], values)})

test_shipped_numbers if {
	shipped.deadline.warn_days == 3
	shipped.deadline.calendar_lookahead_days == 14
	shipped.followup.answer_days == 5
	shipped.patrol.per_workday == 2
	shipped.patrol.entry_window_hours == 2
	shipped.sync.late_after_days == 1
	shipped.sync.very_late_after_days == 3
	shipped.report.explanation_due_day == 3
	shipped.catalog.dormant_years == 2
}

patrol_day(n) := {
	"event": "patrol_day", "now": "2026-03-03T01:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"day": {"date": "2026-03-02", "kind": "workday", "patrols": n},
}

test_patrol_per_workday if {
	count(patrol.warnings) == 0 with input as patrol_day(2)
	three := with_section("patrol", {"per_workday": 3})
	ws := patrol.warnings with input as patrol_day(2) with data.params as three
	[w] := [w | some w in ws; w.rule == "patrol.insufficient"]
	w.message == "区住房和城乡建设局（ZJJ）2026年3月2日仅巡查 2 次，未达到每个工作日不少于 3 次的要求"
	count([w | some w in patrol.warnings with input as patrol_day(3) with data.params as three; w.rule == "patrol.insufficient"]) == 0
}

patrol_entry(at, recorded_at) := {
	"event": "patrol", "now": recorded_at,
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"patrol": {"inspector": "zjj-insp", "at": at, "recorded_at": recorded_at},
}

test_patrol_entry_window_hours if {
	late := patrol_entry("2026-03-02T09:00:00+08:00", "2026-03-02T11:30:00+08:00")
	count([w | some w in patrol.warnings with input as late; w.rule == "patrol.backdated"]) == 1
	three := with_section("patrol", {"entry_window_hours": 3})
	count([w | some w in patrol.warnings with input as late with data.params as three; w.rule == "patrol.backdated"]) == 0
}

# An alarm raised on Monday 2026-03-02.
alarm := {"id": 9, "rule": "checkpoint.approval_missing", "level": "alarm", "status": "open", "created_at": "2026-03-02T10:00:00+08:00"}

tick(now) := {"event": "tick", "now": now, "case": {"warnings": [alarm]}}

test_followup_answer_days if {
	# Five working days end on Monday 2026-03-09: nothing on the Tuesday before.
	count(followup.warnings) == 0 with input as tick("2026-03-04T09:00:00+08:00")
	two := with_section("followup", {"answer_days": 2})
	some w in followup.warnings with input as tick("2026-03-05T09:00:00+08:00") with data.params as two
	w.rule == "followup.alarm_unanswered"
	contains(w.message, "应于2026年3月4日（含）前")
	followup.next_check == {"2026-03-05"} with input as tick("2026-03-03T09:00:00+08:00") with data.params as two
}

step_doc(recorded) := {
	"event": "step",
	"item": {"steps": [{"code": "accept", "name": "受理"}, {"code": "review", "name": "审查"}]},
	"case": {"steps": []},
	"step": {"id": "S1", "step_code": "review", "occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": recorded},
}

sync_rules(recorded, params) := {w.rule | some w in ws} if {
	ws := sync.warnings with input as step_doc(recorded) with data.params as params
}

test_sync_thresholds if {
	# Recorded two working days after: late with the shipped numbers …
	sync_rules("2026-03-04T10:00:00+08:00", shipped) == {"sync.late_entry"}

	# … in time when two days are allowed, and very late when more than one
	# day is an alarm.
	sync_rules("2026-03-04T10:00:00+08:00", with_section("sync", {"late_after_days": 2, "very_late_after_days": 4})) == set()
	sync_rules("2026-03-04T10:00:00+08:00", with_section("sync", {"late_after_days": 0, "very_late_after_days": 1})) == {"sync.very_late_entry"}
}

test_catalog_dormant_years if {
	catalog.dormant_years == 2
	catalog.dormant_years == 5 with data.params as with_section("catalog", {"dormant_years": 5})
}

test_deadline_numbers if {
	deadline_params := with_section("deadline", {"warn_days": 5, "calendar_lookahead_days": 30})
	data.compliance.deadline.warn_days == 5 with data.params as deadline_params
	data.compliance.deadline.calendar_lookahead_days == 30 with data.params as deadline_params
}
