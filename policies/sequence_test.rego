package compliance.sequence_test

import data.compliance.sequence

licence_item := {
	"code": "XK-001",
	"version": 1,
	"name": "建筑工程施工许可",
	"category": "行政许可",
	"department_code": "ZJJ",
	"legal_bases": [{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第八条"}],
	"time_limit": {"days": 15, "unit": "workday"},
	"steps": [
		{"code": "accept", "name": "受理", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "review", "name": "审查", "time_limit_days": 10, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "decide", "name": "决定", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "dept_inspector", "ends_clock": true},
		{"code": "deliver", "name": "送达", "time_limit_days": 10, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
	],
	"discretion": {},
	"status": "active",
}

# recorded is an earlier step: code, occurring on day d of March 2026 at 09:00.
recorded(code, d) := {
	"id": sprintf("E-%s-%d", [code, d]), "case_no": "ZJJ-2026-0001", "step_code": code, "handler": "张三",
	"occurred_at": sprintf("2026-03-%02dT09:00:00+08:00", [d]), "recorded_at": sprintf("2026-03-%02dT10:00:00+08:00", [d]),
	"legal_basis_ids": [], "approvals": [], "attributes": {},
}

# step_doc is the input of step code occurring on 20 March 2026 after the
# earlier steps.
step_doc(code, earlier) := {
	"event": "step",
	"now": "2026-03-20T10:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": licence_item,
	"case": {"case_no": "ZJJ-2026-0001", "applicant": "某建设公司", "accepted_at": "2026-03-02T09:00:00+08:00", "status": "open", "department_code": "ZJJ", "steps": earlier},
	"step": {
		"id": "S-new", "case_no": "ZJJ-2026-0001", "step_code": code, "handler": "张三",
		"occurred_at": "2026-03-20T09:00:00+08:00", "recorded_at": "2026-03-20T09:30:00+08:00",
		"legal_basis_ids": [], "approvals": [], "attributes": {},
	},
}

fired(doc) := {w.rule | some w in ws} if {
	ws := sequence.warnings with input as with_facts(doc)
}

only(doc, rule) := [w | some w in ws; w.rule == rule] if {
	ws := sequence.warnings with input as with_facts(doc)
}

accepted := [recorded("accept", 2)]

reviewed := [recorded("accept", 2), recorded("review", 3)]

test_normal_flow_is_quiet if {
	count(sequence.warnings) == 0 with input as with_facts(step_doc("accept", []))
	count(sequence.warnings) == 0 with input as with_facts(step_doc("review", accepted))
	count(sequence.warnings) == 0 with input as with_facts(step_doc("decide", reviewed))
	count(sequence.warnings) == 0 with input as with_facts(step_doc("deliver", array.concat(reviewed, [recorded("decide", 4)])))
}

test_first_step_not_accept if {
	[w] := only(step_doc("review", []), "sequence.out_of_order")
	w.level == "alarm"
	w.message == "办件 ZJJ-2026-0001 的首个环节应为“受理”，实际记录的是“审查”"
}

test_first_step_suspend_is_out_of_order if {
	[w] := only(step_doc("suspend", []), "sequence.out_of_order")
	w.message == "办件 ZJJ-2026-0001 的首个环节应为“受理”，实际记录的是“中止”"
}

test_first_step_later_in_flow_fires_once if {
	count(only(step_doc("decide", []), "sequence.out_of_order")) == 1
}

# A penalty is a 案件 opened by 立案, not a 办件 accepted by 受理.
penalty_item := json.patch(licence_item, [
	{"op": "replace", "path": "/category", "value": "行政处罚"},
	{"op": "replace", "path": "/steps/0/name", "value": "立案"},
])

test_penalty_messages_name_a_case if {
	doc := json.patch(step_doc("review", []), [{"op": "replace", "path": "/item", "value": penalty_item}])
	[w] := only(doc, "sequence.out_of_order")
	w.message == "案件 ZJJ-2026-0001 的首个环节应为“立案”，实际记录的是“审查”"
	[v] := only(json.patch(step_doc("decide", accepted), [{"op": "replace", "path": "/item", "value": penalty_item}]), "sequence.out_of_order")
	v.message == "环节“决定”办理前应先办理“审查”，但案件 ZJJ-2026-0001 中没有该环节的记录"
	[r] := only(json.patch(step_doc("resume", accepted), [{"op": "replace", "path": "/item", "value": penalty_item}]), "sequence.resume_without_suspend")
	r.message == "案件 ZJJ-2026-0001 记录了“恢复”，但此前没有尚未恢复的“中止”"
}

test_basis_cites_the_district_notice if {
	[w] := only(step_doc("review", []), "sequence.out_of_order")
	w.basis == "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）按流程办理要求"
}

test_skipped_predecessor if {
	[w] := only(step_doc("decide", accepted), "sequence.out_of_order")
	w.message == "环节“决定”办理前应先办理“审查”，但办件 ZJJ-2026-0001 中没有该环节的记录"
}

test_out_of_order_table if {
	every row in [
		{"code": "review", "earlier": accepted, "want": false},
		{"code": "decide", "earlier": accepted, "want": true},
		{"code": "deliver", "earlier": reviewed, "want": true},
		{"code": "deliver", "earlier": array.concat(reviewed, [recorded("decide", 4)]), "want": false},
		{"code": "accept", "earlier": [], "want": false},
		{"code": "extend", "earlier": accepted, "want": false}, # clock steps have no predecessor
		{"code": "review", "earlier": [recorded("accept", 2), recorded("suspend", 3), recorded("resume", 4)], "want": false},
	] {
		got := "sequence.out_of_order" in fired(step_doc(row.code, row.earlier))
		got == row.want
	}
}

test_repeated if {
	[w] := only(step_doc("review", reviewed), "sequence.repeated")
	w.level == "prewarning"
	w.message == "环节“审查”已于2026年3月3日09时00分办理过，本次为重复记录"
}

test_repeated_counts_occurrences if {
	[w] := only(step_doc("review", array.concat(reviewed, [recorded("review", 5)])), "sequence.repeated")
	w.message == "环节“审查”已于2026年3月3日09时00分办理过（此前已记录 2 次），本次为重复记录"
}

test_repeated_not_for_clock_steps if {
	earlier := [recorded("accept", 2), recorded("suspend", 3), recorded("resume", 4), recorded("extend", 5)]
	not "sequence.repeated" in fired(step_doc("suspend", earlier))
	not "sequence.repeated" in fired(step_doc("extend", earlier))
}

test_recheck_of_the_same_step_is_not_a_repeat if {
	# Should the step itself be listed among the earlier ones, it is not its own repeat.
	self := object.union(recorded("review", 20), {"id": "S-new"})
	not "sequence.repeated" in fired(step_doc("review", [recorded("accept", 2), self]))
}

test_time_reversed if {
	earlier := array.concat(reviewed, [recorded("decide", 25)])
	[w] := only(step_doc("deliver", earlier), "sequence.time_reversed")
	w.level == "prewarning"
	w.message == "环节“送达”的办理时间2026年3月20日09时00分早于此前已记录的环节“决定”的办理时间2026年3月25日09时00分"
}

test_time_reversed_edges if {
	# The same instant is not reversed; one second earlier is.
	not "sequence.time_reversed" in fired(step_doc("review", [recorded("accept", 20)]))
	later := object.union(recorded("accept", 20), {"occurred_at": "2026-03-20T09:00:01+08:00"})
	"sequence.time_reversed" in fired(step_doc("review", [later]))

	# Instants, not strings, are compared: 01:30Z is 09:30 in Shanghai.
	utc := object.union(recorded("accept", 20), {"occurred_at": "2026-03-20T01:30:00Z"})
	"sequence.time_reversed" in fired(step_doc("review", [utc]))
}

test_time_reversed_ignores_unparseable_times if {
	bad := object.union(recorded("accept", 2), {"occurred_at": "someday"})
	not "sequence.time_reversed" in fired(step_doc("review", [bad]))
}

test_resume_without_suspend if {
	[w] := only(step_doc("resume", reviewed), "sequence.resume_without_suspend")
	w.level == "alarm"
	w.message == "办件 ZJJ-2026-0001 记录了“恢复”，但此前没有尚未恢复的“中止”"
}

test_resume_table if {
	every row in [
		{"earlier": [recorded("accept", 2), recorded("suspend", 3)], "want": false},
		{"earlier": [recorded("accept", 2), recorded("suspend", 3), recorded("review", 4)], "want": false},
		{"earlier": [recorded("accept", 2), recorded("suspend", 3), recorded("resume", 4)], "want": true},
		{"earlier": [recorded("accept", 2), recorded("suspend", 3), recorded("resume", 4), recorded("suspend", 5)], "want": false},
		{"earlier": accepted, "want": true},
	] {
		got := "sequence.resume_without_suspend" in fired(step_doc("resume", row.earlier))
		got == row.want
	}
}

test_already_suspended if {
	earlier := [recorded("accept", 2), recorded("suspend", 3)]
	[w] := only(step_doc("suspend", earlier), "sequence.already_suspended")
	w.level == "prewarning"
	w.message == "办件 ZJJ-2026-0001 已于2026年3月3日09时00分中止且尚未恢复，又记录了“中止”"
}

test_suspend_after_resume_is_fine if {
	earlier := [recorded("accept", 2), recorded("suspend", 3), recorded("resume", 4)]
	count(sequence.warnings) == 0 with input as with_facts(step_doc("suspend", earlier))
	count(sequence.warnings) == 0 with input as with_facts(step_doc("suspend", accepted))
}

test_step_while_suspended if {
	earlier := [recorded("accept", 2), recorded("review", 3), recorded("suspend", 4)]
	[w] := only(step_doc("decide", earlier), "sequence.step_while_suspended")
	w.level == "prewarning"
	w.message == "办件 ZJJ-2026-0001 于2026年3月4日09时00分中止后尚未恢复，却办理了环节“决定”，应先记录“恢复”"
	not "sequence.step_while_suspended" in fired(step_doc("extend", earlier))
	not "sequence.step_while_suspended" in fired(step_doc("decide", array.concat(earlier, [recorded("resume", 5)])))
}

test_tick_is_ignored if {
	count(sequence.warnings) == 0 with input as with_facts(json.patch(step_doc("decide", []), [{"op": "replace", "path": "/event", "value": "tick"}]))
}

# with_facts(inp): inp with the facts the engine adds to input.case.
with_facts(inp) := object.union(inp, {"case": object.union(inp.case, powercheck.case_facts(inp))})
