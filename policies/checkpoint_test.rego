package compliance.checkpoint_test

import data.compliance.checkpoint

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
		{"code": "review", "name": "审查", "time_limit_days": 10, "risk_checkpoint": true, "requires_approval": "", "ends_clock": false},
		{"code": "decide", "name": "决定", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "dept_inspector", "ends_clock": true},
		{"code": "deliver", "name": "送达", "time_limit_days": 10, "risk_checkpoint": false, "requires_approval": "dept_admin", "ends_clock": false},
	],
	"discretion": {},
	"status": "active",
}

inspector := {"role": "dept_inspector", "by": "李四", "at": "2026-03-10T08:30:00+08:00"}

leader := {"role": "dept_admin", "by": "王五", "at": "2026-03-10T08:00:00+08:00"}

# sign(code, a) is approval a ({role, by, at}) of step code as its approver
# signs it with their own account.
sign(code, a) := {
	"id": 1, "step_code": code, "decision": object.get(a, "decision", "approve"), "opinion": object.get(a, "opinion", ""),
	"role": a.role, "username": sprintf("u-%s", [a.by]), "real_name": a.by, "at": a.at,
}

# step_doc is the input of step code, handled by 张三 at 09:00 on 10 March
# (recorded by the account zjj-clerk), with approvals signed for it.
step_doc(code, approvals) := {
	"event": "step",
	"now": "2026-03-10T10:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": licence_item,
	"case": {
		"case_no": "ZJJ-2026-0001", "applicant": "某建设公司", "accepted_at": "2026-03-02T09:30:00+08:00", "status": "open",
		"department_code": "ZJJ", "steps": [], "approvals": [sign(code, a) | some a in approvals],
	},
	"step": {
		"id": "S1", "case_no": "ZJJ-2026-0001", "step_code": code, "handler": "张三",
		"occurred_at": "2026-03-10T09:00:00+08:00", "recorded_at": "2026-03-10T09:30:00+08:00",
		"legal_basis_ids": ["LB1"], "approvals": [], "attributes": {}, "recorded_by": "zjj-clerk",
	},
}

# declared_doc is step_doc with approvals only declared in the step's body.
declared_doc(code, approvals) := json.patch(step_doc(code, []), [{"op": "replace", "path": "/step/approvals", "value": approvals}])

# tick_doc: the sweeper visits the case on 11 March, after step code was
# recorded, with approvals signed for it.
tick_doc(code, approvals) := json.patch(step_doc(code, approvals), [
	{"op": "replace", "path": "/event", "value": "tick"},
	{"op": "replace", "path": "/now", "value": "2026-03-11T12:00:00+08:00"},
	{"op": "replace", "path": "/case/steps", "value": [step_doc(code, []).step]},
	{"op": "remove", "path": "/step"},
])

fired(doc) := {w.rule | some w in ws} if {
	ws := checkpoint.warnings with input as with_facts(doc)
}

only(doc, rule) := [w | some w in ws; w.rule == rule] if {
	ws := checkpoint.warnings with input as with_facts(doc)
}

# approval_table: a step, its approvals, whether checkpoint.approval_missing fires.
approval_table := [
	{"code": "accept", "approvals": [], "missing": false}, # no checkpoint
	{"code": "review", "approvals": [], "missing": true}, # checkpoint, any role
	{"code": "review", "approvals": [leader], "missing": false},
	{"code": "review", "approvals": [inspector], "missing": false},
	{"code": "decide", "approvals": [], "missing": true}, # checkpoint with a role
	{"code": "decide", "approvals": [leader], "missing": true}, # wrong role
	{"code": "decide", "approvals": [inspector], "missing": false},
	{"code": "decide", "approvals": [leader, inspector], "missing": false},
	{"code": "deliver", "approvals": [], "missing": true}, # a role without checkpoint
	{"code": "deliver", "approvals": [inspector], "missing": true},
	{"code": "deliver", "approvals": [leader], "missing": false},
	{"code": "suspend", "approvals": [], "missing": false}, # not in the flow
]

test_approval_table if {
	every row in approval_table {
		got := "checkpoint.approval_missing" in fired(step_doc(row.code, row.approvals))
		got == row.missing
	}
}

test_approval_missing_object if {
	[w] := only(step_doc("decide", [leader]), "checkpoint.approval_missing")
	w.level == "alarm"
	w.basis == checkpoint.checkpoint_basis
	w.message == "环节“决定”为廉政风险防控点，须经监察人员审核，但办理前未签署该审核（已签署：部门负责人王五）"
}

test_approval_missing_any_role_message if {
	[w] := only(step_doc("review", []), "checkpoint.approval_missing")
	w.message == "环节“审查”为廉政风险防控点，须经审核，但办理前未签署任何审核"
}

test_approval_missing_required_role_message if {
	[w] := only(step_doc("deliver", []), "checkpoint.approval_missing")
	w.message == "环节“送达”按权力清单要求，须经部门负责人审核，但办理前未签署该审核"
}

test_roles_are_named_in_chinese if {
	every role, name in {"admin": "电子政务办管理员", "legal": "法制办", "oversight": "政管办", "supervision": "监察局", "dept_admin": "部门负责人", "clerk": "录入员", "dept_inspector": "监察人员"} {
		checkpoint.role_label(role) == name
	}
}

test_unknown_role_is_not_named_by_its_code if {
	doc := json.patch(step_doc("decide", [{"role": "x_role", "by": "王五", "at": "2026-03-10T08:00:00+08:00"}]), [{"op": "replace", "path": "/item/steps/2/requires_approval", "value": "y_role"}])
	[w] := only(doc, "checkpoint.approval_missing")
	w.message == "环节“决定”为廉政风险防控点，须经审核人员审核，但办理前未签署该审核（已签署：审核人员王五）"
	not contains(w.message, "_role")
}

test_approved_checkpoint_is_quiet if {
	count(checkpoint.warnings) == 0 with input as with_facts(step_doc("decide", [inspector]))
}

test_self_approval if {
	doc := step_doc("decide", [{"role": "dept_inspector", "by": "张三", "at": "2026-03-10T08:00:00+08:00"}])
	[w] := only(doc, "checkpoint.self_approval")
	w.level == "alarm"
	w.message == "环节“决定”的经办人张三同时作为监察人员审核了本环节，审核与经办未分离"

	# The approval is there, so it is not also missing.
	not "checkpoint.approval_missing" in fired(doc)
}

test_self_approval_on_any_checkpoint if {
	"checkpoint.self_approval" in fired(step_doc("review", [{"role": "dept_admin", "by": "张三", "at": "2026-03-10T08:00:00+08:00"}]))
}

test_self_approval_by_the_recording_account if {
	# Signed by the account that recorded the step, whatever handler it named.
	a := object.union(sign("decide", inspector), {"username": "zjj-clerk"})
	doc := json.patch(step_doc("decide", []), [{"op": "replace", "path": "/case/approvals", "value": [a]}])
	[w] := only(doc, "checkpoint.self_approval")
	w.key == "S1"
}

test_self_approval_not_for_others if {
	not "checkpoint.self_approval" in fired(step_doc("decide", [inspector, leader]))
}

test_self_approval_needs_a_handler if {
	doc := json.patch(step_doc("decide", [{"role": "dept_inspector", "by": "", "at": "2026-03-10T08:00:00+08:00"}]), [{"op": "replace", "path": "/step/handler", "value": ""}])
	not "checkpoint.self_approval" in fired(doc)
}

test_approval_after_step if {
	late := {"role": "dept_inspector", "by": "李四", "at": "2026-03-11T10:00:00+08:00"}
	[w] := only(step_doc("decide", [leader, late]), "checkpoint.approval_after_step")
	w.level == "prewarning"
	w.message == "环节“决定”于2026年3月10日09时00分办理，而监察人员李四的审核时间为2026年3月11日10时00分，审核晚于办理"
}

test_approval_after_step_compares_instants if {
	# 01:30 UTC is 09:30 in Shanghai, after the 09:00 step; 00:30 UTC is before it.
	"checkpoint.approval_after_step" in fired(step_doc("decide", [{"role": "dept_inspector", "by": "李四", "at": "2026-03-10T01:30:00Z"}]))
	not "checkpoint.approval_after_step" in fired(step_doc("decide", [{"role": "dept_inspector", "by": "李四", "at": "2026-03-10T00:30:00Z"}]))
}

test_approval_at_the_same_moment_is_fine if {
	not "checkpoint.approval_after_step" in fired(step_doc("decide", [{"role": "dept_inspector", "by": "李四", "at": "2026-03-10T09:00:00+08:00"}]))
}

test_approval_without_time_is_not_late if {
	not "checkpoint.approval_after_step" in fired(step_doc("decide", [{"role": "dept_inspector", "by": "李四", "at": null}]))
}

test_extension_unapproved if {
	doc := json.patch(step_doc("extend", []), [{"op": "replace", "path": "/step/attributes", "value": {"extension_days": 10}}])
	[w] := only(doc, "checkpoint.extension_unapproved")
	w.level == "alarm"
	w.basis == "《中华人民共和国行政许可法》第四十二条"
	w.message == "办件 ZJJ-2026-0001 延长办理期限 10 日，未记录本行政机关负责人的批准"
	fired(doc) == {"checkpoint.extension_unapproved"}
}

test_extension_without_days if {
	[w] := only(step_doc("extend", []), "checkpoint.extension_unapproved")
	w.message == "办件 ZJJ-2026-0001 延长办理期限，未记录本行政机关负责人的批准"
}

test_extension_of_a_penalty_names_a_case if {
	doc := json.patch(step_doc("extend", []), [
		{"op": "replace", "path": "/item/category", "value": "行政处罚"},
		{"op": "replace", "path": "/step/attributes", "value": {"extension_days": 30}},
	])
	[w] := only(doc, "checkpoint.extension_unapproved")
	w.message == "案件 ZJJ-2026-0001 延长办案期限 30 日，未记录本行政机关负责人的批准"
}

test_extension_approved if {
	count(checkpoint.warnings) == 0 with input as with_facts(step_doc("extend", [leader]))
}

test_extension_in_flow_is_reported_once if {
	doc := json.patch(step_doc("extend", []), [{"op": "add", "path": "/item/steps/-", "value": {"code": "extend", "name": "延期", "risk_checkpoint": true, "requires_approval": "dept_admin", "ends_clock": false, "time_limit_days": 0}}])
	fired(doc) == {"checkpoint.extension_unapproved"}
	fired(json.patch(doc, [{"op": "replace", "path": "/case/approvals", "value": [sign("extend", inspector)]}])) == {"checkpoint.approval_missing"}
}

test_tick_is_ignored if {
	count(checkpoint.warnings) == 0 with input as with_facts(json.patch(step_doc("decide", []), [{"op": "replace", "path": "/event", "value": "tick"}]))
	count(checkpoint.warnings) == 0 with input as with_facts(json.patch(step_doc("extend", []), [{"op": "replace", "path": "/event", "value": "tick"}]))
}

# ---------------------------------------------------------------- signed, not declared

test_declared_approval_does_not_pass if {
	doc := declared_doc("decide", [inspector])
	[w] := only(doc, "checkpoint.approval_missing")
	w.message == "环节“决定”为廉政风险防控点，须经监察人员审核，但办理前未签署该审核；环节记录中申报的审核仅作申报，不作为审核依据"
}

test_declared_extension_approval_does_not_pass if {
	doc := json.patch(declared_doc("extend", [leader]), [{"op": "replace", "path": "/step/attributes", "value": {"extension_days": 10}}])
	fired(doc) == {"checkpoint.extension_unapproved"}
}

test_declared_self_approval_is_not_looked_at if {
	not "checkpoint.self_approval" in fired(declared_doc("decide", [{"role": "dept_inspector", "by": "张三", "at": "2026-03-10T08:00:00+08:00"}]))
}

test_late_approval_is_also_missing if {
	# Signed after the step occurred: nothing was signed before it.
	late := {"role": "dept_inspector", "by": "李四", "at": "2026-03-10T09:20:00+08:00"}
	fired(step_doc("decide", [late])) == {"checkpoint.approval_missing", "checkpoint.approval_after_step"}
}

# ---------------------------------------------------------------- rejected

test_approval_rejected if {
	no := object.union(inspector, {"decision": "reject", "opinion": "材料不全"})
	doc := step_doc("decide", [no])
	fired(doc) == {"checkpoint.approval_rejected"}
	[w] := only(doc, "checkpoint.approval_rejected")
	w.level == "alarm"
	w.message == "环节“决定”于2026年3月10日09时00分办理，而监察人员李四已于2026年3月10日08时30分审核不同意（意见：材料不全），该环节不应办理"
}

test_rejection_overtaken_by_a_later_approve if {
	no := object.union(inspector, {"decision": "reject", "opinion": "材料不全", "at": "2026-03-10T08:00:00+08:00"})
	doc := json.patch(step_doc("decide", []), [{"op": "replace", "path": "/case/approvals", "value": [
		sign("decide", no),
		object.union(sign("decide", inspector), {"id": 2}),
	]}])
	count(checkpoint.warnings) == 0 with input as with_facts(doc)
}

test_rejected_extension if {
	no := object.union(leader, {"decision": "reject", "opinion": "理由不充分"})
	doc := json.patch(step_doc("extend", [no]), [{"op": "replace", "path": "/step/attributes", "value": {"extension_days": 10}}])
	fired(doc) == {"checkpoint.approval_rejected"}
}

test_rejection_of_another_step_does_not_count if {
	no := object.union(inspector, {"decision": "reject", "opinion": "材料不全"})
	doc := json.patch(step_doc("decide", [inspector]), [{"op": "add", "path": "/case/approvals/-", "value": sign("review", no)}])
	count(checkpoint.warnings) == 0 with input as with_facts(doc)
}

# ---------------------------------------------------------------- the sweeper sees late approvals

test_tick_sees_an_approval_signed_after_the_step if {
	late := {"role": "dept_inspector", "by": "李四", "at": "2026-03-11T10:00:00+08:00"}
	doc := tick_doc("decide", [late])
	fired(doc) == {"checkpoint.approval_after_step"}
	[w] := only(doc, "checkpoint.approval_after_step")
	w.key == "S1"
	w.message == "环节“决定”于2026年3月10日09时00分办理，而监察人员李四的审核时间为2026年3月11日10时00分，审核晚于办理"
}

test_tick_quiet_for_timely_approvals if {
	count(checkpoint.warnings) == 0 with input as with_facts(tick_doc("decide", [inspector]))
}

test_tick_sees_self_approval if {
	fired(tick_doc("decide", [{"role": "dept_inspector", "by": "张三", "at": "2026-03-10T08:00:00+08:00"}])) == {"checkpoint.self_approval"}
}

test_tick_leaves_extensions_to_their_step if {
	# A later extension approval may be meant for the next extension.
	late := {"role": "dept_admin", "by": "王五", "at": "2026-03-11T10:00:00+08:00"}
	count(checkpoint.warnings) == 0 with input as with_facts(tick_doc("extend", [late]))
}

# with_facts(inp): inp with the facts the engine adds to input.case.
with_facts(inp) := object.union(inp, {"case": object.union(inp.case, powercheck.case_facts(inp))})
