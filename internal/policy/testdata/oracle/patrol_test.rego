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

recorded(at, recorded_at) := {
	"event": "patrol", "now": recorded_at,
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"patrol": {"inspector": "zjj-insp", "at": at, "recorded_at": recorded_at},
}

test_patrol_recorded_in_time_nothing if {
	count(patrol.warnings) == 0 with input as recorded("2026-03-02T09:00:00+08:00", "2026-03-02T09:05:00+08:00")
	count(patrol.warnings) == 0 with input as recorded("2026-03-02T09:00:00+08:00", "2026-03-02T11:00:00+08:00")
}

test_patrol_recorded_three_hours_later_prewarning if {
	some w in patrol.warnings with input as recorded("2026-03-02T09:00:00+08:00", "2026-03-02T12:00:00+08:00")
	w.rule == "patrol.backdated"
	w.level == "prewarning"
	w.key == "2026-03-02T09:00:00+08:00"
	w.message == "区住房和城乡建设局（ZJJ）监察人员 zjj-insp 于2026年3月2日 12:00录入巡查时间为2026年3月2日 09:00的巡查记录，录入时间晚于巡查时间 3 小时 0 分，超过 2 小时，不计入当日巡查次数"
}

test_patrol_recorded_next_day_prewarning if {
	some w in patrol.warnings with input as recorded("2026-03-02T23:30:00+08:00", "2026-03-03T00:10:00+08:00")
	w.rule == "patrol.backdated"
	w.message == "区住房和城乡建设局（ZJJ）监察人员 zjj-insp 于2026年3月3日 00:10录入巡查时间为2026年3月2日 23:30的巡查记录，录入日与巡查日不是同一天，不计入当日巡查次数"
}

test_patrol_a_few_minutes_ahead_nothing if {
	count(patrol.warnings) == 0 with input as recorded("2026-03-02T09:03:00+08:00", "2026-03-02T09:00:00+08:00")
}

test_patrol_day_ignores_backdating if {
	ws := patrol.warnings with input as day("2025-09-30", "workday", 1)
	every w in ws {
		w.rule != "patrol.backdated"
	}
}
