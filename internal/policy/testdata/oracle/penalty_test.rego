package compliance.penalty_test

import data.compliance.penalty

item := {
	"code": "CF-SCJ-001", "version": 1, "name": "对经营超过保质期食品的行政处罚", "category": "行政处罚",
	"department_code": "SCJ",
	"legal_bases": [{"id": "LB1", "title": "《中华人民共和国食品安全法》", "article": "第一百二十四条"}],
	"time_limit": {"days": 90, "unit": "calendar"},
	"steps": [
		{"code": "file", "name": "立案", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "notify", "name": "告知", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "hearing", "name": "听证", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{
			"code": "decide", "name": "处罚决定", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "dept_admin",
			"ends_clock": true, "requires_legal_review": true, "requires_hearing_notice": false,
		},
		{"code": "deliver", "name": "送达", "time_limit_days": 7, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
	],
	"discretion": {},
	"status": "active",
}

file_step := {
	"id": "F", "case_no": "SCJ-2026-0001", "step_code": "file", "handler": "吴六",
	"occurred_at": "2026-03-02T09:00:00+08:00", "recorded_at": "2026-03-02T09:10:00+08:00",
	"legal_basis_ids": [], "approvals": [], "attributes": {},
}

# decide(attrs, earlier) is the input of the decision with attributes attrs
# after the steps earlier (the filing first).
decide(attrs, earlier) := {
	"event": "step",
	"now": "2026-04-01T10:00:00+08:00",
	"department": {"code": "SCJ", "name": "区市场监督管理局"},
	"item": item,
	"case": {
		"case_no": "SCJ-2026-0001", "applicant": "某超市", "accepted_at": "2026-03-02T09:00:00+08:00",
		"status": "open", "department_code": "SCJ", "steps": array.concat([file_step], earlier),
	},
	"step": {
		"id": "D", "case_no": "SCJ-2026-0001", "step_code": "decide", "handler": "吴六",
		"occurred_at": "2026-03-31T09:00:00+08:00", "recorded_at": "2026-03-31T09:10:00+08:00",
		"legal_basis_ids": ["LB1"], "approvals": [], "attributes": attrs,
	},
}

# at(code, ts, attrs) is an earlier step.
at(code, ts, attrs) := {
	"id": code, "case_no": "SCJ-2026-0001", "step_code": code, "handler": "吴六",
	"occurred_at": ts, "recorded_at": ts, "legal_basis_ids": [], "approvals": [], "attributes": attrs,
}

fired(doc) := {w.rule | some w in penalty.warnings with input as doc}

reviewed := {"legal_reviewed_at": "2026-03-30T15:00:00+08:00"}

test_legal_review_required_by_the_flow if {
	fired(decide({}, [])) == {"penalty.legal_review_missing"}
	count(fired(decide(reviewed, []))) == 0
}

test_legal_review_after_the_decision if {
	doc := decide({"legal_reviewed_at": "2026-03-31T10:00:00+08:00"}, [])
	[w] := [w | some w in penalty.warnings with input as doc]
	w.rule == "penalty.legal_review_missing"
	w.level == "alarm"
	contains(w.message, "晚于本环节办理时间")
}

test_legal_review_recorded_on_an_earlier_step if {
	count(fired(decide({}, [at("notify", "2026-03-20T09:00:00+08:00", reviewed)]))) == 0
}

test_legal_review_required_by_the_case if {
	no_flag := json.patch(item, [{"op": "replace", "path": "/steps/3/requires_legal_review", "value": false}])
	count(fired(object.union(decide({}, []), {"item": no_flag}))) == 0
	fired(object.union(decide({"legal_review_required": true}, []), {"item": no_flag})) == {"penalty.legal_review_missing"}
}

test_not_a_penalty_item if {
	count(fired(object.union(decide({}, []), {"item": {"category": "行政许可"}}))) == 0
}

test_complex_case_needs_collective_discussion if {
	fired(decide(object.union(reviewed, {"complex": true}), [])) == {"penalty.collective_discussion_missing"}
	fired(decide(reviewed, [at("file", "2026-03-02T09:00:00+08:00", {"serious": true})])) == {"penalty.collective_discussion_missing"}
	count(fired(decide(object.union(reviewed, {"complex": true, "collective_discussion_at": "2026-03-30T16:00:00+08:00"}), []))) == 0
}

test_hearing_notice_required if {
	fired(decide(object.union(reviewed, {"hearing_eligible": true}), [])) == {"penalty.hearing_notice_missing"}
	count(fired(decide(object.union(reviewed, {"hearing_eligible": true, "hearing_notified_at": "2026-03-10T09:00:00+08:00"}), []))) == 0
}

test_hearing_notice_required_by_the_flow if {
	flagged := json.patch(item, [{"op": "replace", "path": "/steps/3/requires_hearing_notice", "value": true}])
	fired(object.union(decide(reviewed, []), {"item": flagged})) == {"penalty.hearing_notice_missing"}
}

# 2026-03-10 (Tue) + 5 working days = 2026-03-17 (Tue).
hearing_doc(requested) := decide(reviewed, [at("notify", "2026-03-20T09:00:00+08:00", {
	"hearing_notified_at": "2026-03-10T09:00:00+08:00",
	"hearing_requested_at": requested,
})])

test_hearing_request_on_the_fifth_working_day if {
	count(fired(hearing_doc("2026-03-17T17:00:00+08:00"))) == 0
}

test_hearing_request_late if {
	# only the step that records the facts raises it (stored once per case)
	doc := object.union(hearing_doc("2026-03-18T09:00:00+08:00"), {"step": {"step_code": "notify", "attributes": {"hearing_requested_at": "2026-03-18T09:00:00+08:00"}}})
	[w] := [w | some w in penalty.warnings with input as doc]
	w.rule == "penalty.hearing_request_late"
	w.level == "prewarning"
	w.key == "hearing_request"
	contains(w.message, "应于 2026-03-17 前提出")
}

# Across the 2026 Spring Festival (15–23 February off, 14 and 28 February worked):
# served on Thursday 2026-02-12, the 7th working day after is Saturday 2026-02-28.
summons(held) := object.union(decide(reviewed, []), {"step": {"step_code": "hearing", "attributes": {
	"hearing_notice_served_at": "2026-02-12T10:00:00+08:00", "hearing_at": held,
}}})

test_hearing_notice_across_the_spring_festival if {
	count(fired(summons("2026-02-28T09:00:00+08:00"))) == 0
	[w] := [w | some w in penalty.warnings with input as summons("2026-02-27T09:00:00+08:00")]
	w.rule == "penalty.hearing_notice_short"
	w.level == "alarm"
	contains(w.message, "相隔仅 6 个工作日")
}

test_hearing_notice_falls_back_to_the_rights_notice if {
	doc := object.union(decide(reviewed, []), {"step": {"step_code": "hearing", "attributes": {
		"hearing_notified_at": "2026-03-10T09:00:00+08:00", "hearing_at": "2026-03-13T09:00:00+08:00",
	}}})
	fired(doc) == {"penalty.hearing_notice_short"}
}
