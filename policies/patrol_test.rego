package compliance.patrol_test

import data.compliance.patrol

day(date, kind, n) := {
	"event": "patrol_day", "now": "2025-10-12T01:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"day": {"date": date, "kind": kind, "patrols": n},
}

test_two_patrols_nothing if {
	count(patrol.warnings) == 0 with input as day("2025-09-30", "workday", 2)
}

test_one_patrol_prewarning if {
	some w in patrol.warnings with input as day("2025-09-30", "workday", 1)
	w.rule == "patrol.insufficient"
	w.level == "prewarning"
	w.key == "2025-09-30"
	count(patrol.warnings) == 1 with input as day("2025-09-30", "workday", 1)
}

# 2025-10-11 (Saturday) was a make-up working day after National Day.
test_no_patrol_on_a_makeup_day_alarm if {
	some w in patrol.warnings with input as day("2025-10-11", "makeup_workday", 0)
	w.rule == "patrol.missing"
	w.level == "alarm"
	contains(w.message, "2025-10-11")
}

test_holidays_and_weekends_not_required if {
	count(patrol.warnings) == 0 with input as day("2025-10-03", "holiday", 0)
	count(patrol.warnings) == 0 with input as day("2025-10-12", "weekend", 0)
}

test_other_events_nothing if {
	count(patrol.warnings) == 0 with input as object.union(day("2025-09-30", "workday", 0), {"event": "tick"})
}
