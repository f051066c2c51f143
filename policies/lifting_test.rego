package compliance.lifting_test

import data.compliance.lifting

# A licence: accepted Monday 2026-03-02, 5 working days, due Monday
# 2026-03-09; review within 3 working days of acceptance (due 2026-03-05).
item := {
	"code": "XK-001", "version": 1, "name": "建筑工程施工许可", "category": "行政许可", "department_code": "ZJJ",
	"legal_bases": [{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第八条"}],
	"time_limit": {"days": 5, "unit": "workday"},
	"steps": [
		{"code": "accept", "name": "受理", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "review", "name": "审查", "time_limit_days": 3, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "decide", "name": "决定", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": true},
	],
	"discretion": {},
	"status": "active",
}

accept := {
	"id": "A", "case_no": "ZJJ-2026-0001", "step_code": "accept", "handler": "张三",
	"occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": "2026-03-02T09:00:00+08:00",
	"legal_basis_ids": [], "approvals": [], "attributes": {},
}

review := object.union(accept, {"id": "R", "step_code": "review", "occurred_at": "2026-03-04T09:00:00+08:00", "recorded_at": "2026-03-04T09:00:00+08:00"})

prewarning(id, rule, key) := {"id": id, "rule": rule, "level": "prewarning", "status": "open", "key": key, "step_id": "", "created_at": "2026-03-04T00:00:00+08:00"}

item_soon := prewarning(7, "deadline.item_due_soon", "item")

# submit(code, at, earlier, warnings) is the input of step code at time at.
submit(code, at, earlier, warnings) := with_facts({
	"event": "step",
	"now": at,
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": item,
	"case": {
		"case_no": "ZJJ-2026-0001", "applicant": "某公司", "accepted_at": "2026-03-02T09:00:00+08:00",
		"status": "open", "department_code": "ZJJ", "steps": earlier, "warnings": warnings,
	},
	"step": object.union(accept, {"id": code, "step_code": code, "occurred_at": at, "recorded_at": at}),
})

# with_facts(inp): inp with the facts the engine adds to input.case,
# counted from inp's steps, item and now.
with_facts(inp) := object.union(inp, {"case": object.union(inp.case, powercheck.case_facts(inp))})

ids(doc) := {l.id | some l in lifting.lifted with input as doc}

test_decided_in_time_lifts_the_item_prewarning if {
	doc := submit("decide", "2026-03-06T10:00:00+08:00", [accept, review], [item_soon])
	[l] := [l | some l in lifting.lifted with input as doc]
	l.id == 7
	contains(l.reason, "办理时限已于 2026-03-06 办结，未超过期限（2026-03-09 届满）")
}

test_decided_on_the_due_date_lifts if {
	ids(submit("decide", "2026-03-09T17:00:00+08:00", [accept, review], [item_soon])) == {7}
}

test_decided_late_does_not_lift if {
	count(ids(submit("decide", "2026-03-10T09:00:00+08:00", [accept, review], [item_soon]))) == 0
}

test_a_step_in_time_lifts_its_own_prewarning_only if {
	step_soon := prewarning(8, "deadline.step_due_soon", "step:review")
	ids(submit("review", "2026-03-04T09:00:00+08:00", [accept], [item_soon, step_soon])) == {8}
}

test_suspension_lifts if {
	[l] := [l | some l in lifting.lifted with input as submit("suspend", "2026-03-05T09:00:00+08:00", [accept, review], [item_soon])]
	l.id == 7
	contains(l.reason, "中止计时")
}

test_alarms_and_answered_prewarnings_are_not_lifted if {
	alarm := object.union(item_soon, {"id": 9, "level": "alarm", "rule": "deadline.item_overdue"})
	explained := object.union(item_soon, {"id": 10, "status": "explained"})
	other := prewarning(11, "checkpoint.approval_after_step", "")
	count(ids(submit("decide", "2026-03-06T10:00:00+08:00", [accept, review], [alarm, explained, other]))) == 0
}

test_a_tick_while_suspended_lifts if {
	suspend := object.union(accept, {"id": "S", "step_code": "suspend", "occurred_at": "2026-03-05T09:00:00+08:00"})
	doc := object.union(submit("decide", "2026-03-06T10:00:00+08:00", [accept, review, suspend], [item_soon]), {"event": "tick"})
	ids(with_facts(object.remove(doc, {"step"}))) == {7}
}
