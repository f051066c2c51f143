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
	w.message == "区住房和城乡建设局（ZJJ）2025年9月30日仅巡查 1 次，未达到每个工作日不少于 2 次的要求"
	w.basis == "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）日常巡查要求（每个工作日不少于两次）"
}

# 2025-10-11 (Saturday) was a make-up working day after National Day.
test_no_patrol_on_a_makeup_day_alarm if {
	some w in patrol.warnings with input as day("2025-10-11", "makeup_workday", 0)
	w.rule == "patrol.missing"
	w.level == "alarm"
	w.message == "区住房和城乡建设局（ZJJ）2025年10月11日（调休上班日）为工作日，未进行日常巡查"
}

test_holidays_and_weekends_not_required if {
	count(patrol.warnings) == 0 with input as day("2025-10-03", "holiday", 0)
	count(patrol.warnings) == 0 with input as day("2025-10-12", "weekend", 0)
}

test_other_events_nothing if {
	count(patrol.warnings) == 0 with input as object.union(day("2025-09-30", "workday", 0), {"event": "tick"})
}
