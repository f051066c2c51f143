package compliance.sync_test

import data.compliance.sync

# 2026-03-02 is a Monday. 2026-04-04..06 (清明) and 2026-05-01..05 (劳动节) are
# holidays, 2026-05-09 (a Saturday) a make-up working day; 2026-01-01..03 are
# holidays and 2026-01-04 (a Sunday) a make-up working day.

step_doc(occurred, recorded) := {
	"event": "step",
	"item": {"steps": [{"code": "accept", "name": "受理"}, {"code": "review", "name": "审查"}]},
	"case": {"steps": []},
	"step": {"id": "S1", "step_code": "review", "occurred_at": occurred, "recorded_at": recorded},
}

fired(doc) := {w.rule | some w in ws} if {
	ws := sync.warnings with input as doc
}

only(doc, rule) := [w | some w in ws; w.rule == rule] if {
	ws := sync.warnings with input as doc
}

# Each row: when the step occurred, when it was recorded, the rules wanted.
delay_table := [
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-02T17:00:00+08:00", "want": set()}, # same day
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-03T23:59:59+08:00", "want": set()}, # 1: the allowed day
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-04T00:00:01+08:00", "want": {"sync.late_entry"}}, # 2
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-05T18:00:00+08:00", "want": {"sync.late_entry"}}, # 3: last prewarning day
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-06T08:00:00+08:00", "want": {"sync.very_late_entry"}}, # 4
	{"occurred": "2026-03-02T09:00:00+08:00", "recorded": "2026-03-20T08:00:00+08:00", "want": {"sync.very_late_entry"}}, # 14
	{"occurred": "2026-03-06T16:00:00+08:00", "recorded": "2026-03-09T09:00:00+08:00", "want": set()}, # Friday → Monday
	{"occurred": "2026-03-07T10:00:00+08:00", "recorded": "2026-03-10T09:00:00+08:00", "want": {"sync.late_entry"}}, # Saturday → Tuesday: 2
	{"occurred": "2026-04-03T16:00:00+08:00", "recorded": "2026-04-07T09:00:00+08:00", "want": set()}, # over 清明
	{"occurred": "2026-04-30T16:00:00+08:00", "recorded": "2026-05-06T09:00:00+08:00", "want": set()}, # over 劳动节
	{"occurred": "2026-04-30T16:00:00+08:00", "recorded": "2026-05-08T09:00:00+08:00", "want": {"sync.late_entry"}}, # 3
	{"occurred": "2026-04-30T16:00:00+08:00", "recorded": "2026-05-09T09:00:00+08:00", "want": {"sync.very_late_entry"}}, # make-up Saturday: 4
	{"occurred": "2025-12-31T16:00:00+08:00", "recorded": "2026-01-05T09:00:00+08:00", "want": {"sync.late_entry"}}, # make-up Sunday: 2
	{"occurred": "2026-03-02T23:30:00+00:00", "recorded": "2026-03-04T09:00:00+08:00", "want": set()}, # UTC evening is 3 March in Shanghai
	{"occurred": "2026-03-05T09:00:00+08:00", "recorded": "2026-03-02T09:00:00+08:00", "want": set()}, # recorded before: not late
	{"occurred": "2027-03-01T09:00:00+08:00", "recorded": "2027-03-10T09:00:00+08:00", "want": set()}, # unknown year: undefined
]

test_delay_table if {
	every row in delay_table {
		fired(step_doc(row.occurred, row.recorded)) == row.want
	}
}

test_late_entry_object if {
	[w] := only(step_doc("2026-03-02T09:00:00+08:00", "2026-03-04T10:00:00+08:00"), "sync.late_entry")
	w.level == "prewarning"
	w.basis == sync.basis
	w.message == "环节“审查”于2026年3月2日办理，2026年3月4日才录入，相隔 2 个工作日（应于办理当日或其后 1 个工作日内同步录入）"
	not "key" in object.keys(w)
}

test_basis_cites_the_district_and_provincial_notices if {
	[w] := only(step_doc("2026-03-02T09:00:00+08:00", "2026-03-04T10:00:00+08:00"), "sync.late_entry")
	contains(w.basis, "攀仁府办〔2016〕77号")
	contains(w.basis, "川办发〔2014〕2号")
}

test_dates_are_shanghai_days if {
	# 23:30 UTC on 2 March is 07:30 on 3 March in Shanghai.
	[w] := only(step_doc("2026-03-02T23:30:00Z", "2026-03-06T10:00:00+08:00"), "sync.late_entry")
	startswith(w.message, "环节“审查”于2026年3月3日办理，2026年3月6日才录入")
}

test_very_late_entry_object if {
	[w] := only(step_doc("2026-03-02T09:00:00+08:00", "2026-03-09T10:00:00+08:00"), "sync.very_late_entry")
	w.level == "alarm"
	w.basis == sync.basis
	contains(w.message, "相隔 5 个工作日")
}

test_levels_are_exclusive if {
	every recorded in ["2026-03-04T10:00:00+08:00", "2026-03-05T10:00:00+08:00", "2026-03-06T10:00:00+08:00", "2026-03-31T10:00:00+08:00"] {
		count(sync.warnings) == 1 with input as step_doc("2026-03-02T09:00:00+08:00", recorded)
	}
}

test_thresholds if {
	sync.late_after_days == 1
	sync.very_late_after_days == 3
}

test_clock_step_named if {
	doc := json.patch(step_doc("2026-03-02T09:00:00+08:00", "2026-03-06T10:00:00+08:00"), [{"op": "replace", "path": "/step/step_code", "value": "suspend"}])
	[w] := only(doc, "sync.very_late_entry")
	startswith(w.message, "环节“中止”")
}

test_unknown_code_named_by_code if {
	doc := json.patch(step_doc("2026-03-02T09:00:00+08:00", "2026-03-06T10:00:00+08:00"), [{"op": "replace", "path": "/step/step_code", "value": "X9"}])
	[w] := only(doc, "sync.very_late_entry")
	startswith(w.message, "环节“X9”")
}

test_tick_is_ignored if {
	doc := json.patch(step_doc("2026-03-02T09:00:00+08:00", "2026-03-20T10:00:00+08:00"), [{"op": "replace", "path": "/event", "value": "tick"}])
	count(sync.warnings) == 0 with input as doc
}

test_missing_times_are_ignored if {
	count(sync.warnings) == 0 with input as {"event": "step", "step": {"step_code": "accept", "occurred_at": null, "recorded_at": "2026-03-20T10:00:00+08:00"}}
}

# ---------------------------------------------------------------- handlers

handler_doc(known) := {
	"event": "step", "now": "2026-03-02T10:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": {"code": "XK-001", "name": "建筑工程施工许可", "steps": [{"code": "accept", "name": "受理"}]},
	"case": {"case_no": "ZJJ-2026-0001", "steps": [], "approvals": []},
	"step": {
		"id": "S1", "case_no": "ZJJ-2026-0001", "step_code": "accept", "handler": "张三",
		"occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": "2026-03-02T09:10:00+08:00",
		"handler_known": known,
	},
}

test_unknown_handler if {
	ws := sync.warnings with input as handler_doc(false)
	[w] := [w | some w in ws; w.rule == "sync.unknown_handler"]
	w.level == "prewarning"
	w.message == "环节“受理”的经办人“张三”不是区住建局在用账号的实名，无法对应到具体经办人，请核实"
}

test_known_handler if {
	ws := sync.warnings with input as handler_doc(true)
	count([w | some w in ws; w.rule == "sync.unknown_handler"]) == 0
}

test_unchecked_handler if {
	doc := json.remove(handler_doc(true), ["/step/handler_known"])
	ws := sync.warnings with input as doc
	count([w | some w in ws; w.rule == "sync.unknown_handler"]) == 0
}
