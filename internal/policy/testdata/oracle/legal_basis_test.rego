package compliance.legal_basis_test

import data.compliance.legal_basis

licence_item := {
	"code": "XK-001",
	"version": 2,
	"name": "建筑工程施工许可",
	"category": "行政许可",
	"department_code": "ZJJ",
	"legal_bases": [
		{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第八条"},
		{"id": "LB2", "title": "《建筑工程施工许可管理办法》", "article": "第四条"},
	],
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

# step_doc is the input of step code citing ids.
step_doc(code, ids) := {
	"event": "step",
	"now": "2026-03-10T10:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": licence_item,
	"case": {"case_no": "ZJJ-2026-0001", "applicant": "某建设公司", "accepted_at": "2026-03-02T09:30:00+08:00", "status": "open", "department_code": "ZJJ", "steps": []},
	"step": {
		"id": "S1", "case_no": "ZJJ-2026-0001", "step_code": code, "handler": "张三",
		"occurred_at": "2026-03-10T09:00:00+08:00", "recorded_at": "2026-03-10T09:30:00+08:00",
		"legal_basis_ids": ids, "approvals": [], "attributes": {},
	},
}

fired(doc) := {w.rule | some w in ws} if {
	ws := legal_basis.warnings with input as doc
}

only(doc, rule) := [w | some w in ws; w.rule == rule] if {
	ws := legal_basis.warnings with input as doc
}

patched(doc, ops) := json.patch(doc, ops)

test_missing_on_decision if {
	[w] := only(step_doc("decide", []), "legal_basis.missing")
	w.level == "alarm"
	w.basis == "《中华人民共和国行政许可法》第四条、第三十八条"
	w.message == "行政许可事项“建筑工程施工许可”的决定环节“决定”未援引法律依据（权力清单列明的依据：LB1 《中华人民共和国建筑法》第八条、LB2 《建筑工程施工许可管理办法》第四条）"
}

test_missing_blank_ids_count_as_none if {
	"legal_basis.missing" in fired(step_doc("decide", ["", "  "]))
	"legal_basis.missing" in fired(step_doc("decide", null))
}

test_missing_basis_follows_category if {
	every category, basis in {
		"行政处罚": "《中华人民共和国行政处罚法》第三十八条、第五十九条",
		"行政强制": "《中华人民共和国行政强制法》第四条、第二十四条",
		"行政给付": "《法治政府建设实施纲要（2021—2025年）》依法行政要求",
	} {
		[w] := only(patched(step_doc("decide", []), [{"op": "replace", "path": "/item/category", "value": category}]), "legal_basis.missing")
		w.basis == basis
	}
}

test_missing_uses_last_step_without_ends_clock if {
	doc := patched(step_doc("deliver", []), [{"op": "replace", "path": "/item/steps/2/ends_clock", "value": false}])
	"legal_basis.missing" in fired(doc)
	not "legal_basis.missing" in fired(patched(doc, [{"op": "replace", "path": "/step/step_code", "value": "decide"}]))
}

test_missing_not_on_other_steps if {
	every code in ["accept", "review", "deliver", "suspend", "resume", "extend"] {
		count(legal_basis.warnings) == 0 with input as step_doc(code, [])
	}
}

test_cited_decision_is_fine if {
	count(legal_basis.warnings) == 0 with input as step_doc("decide", ["LB1"])
	count(legal_basis.warnings) == 0 with input as step_doc("decide", ["LB2", "LB1"])
}

test_missing_with_no_listed_bases if {
	doc := patched(step_doc("decide", []), [{"op": "replace", "path": "/item/legal_bases", "value": []}])
	[w] := only(doc, "legal_basis.missing")
	endswith(w.message, "（权力清单列明的依据：无）")
}

test_unknown_names_the_ids if {
	[w] := only(step_doc("review", ["LB9", "LB1", "LB3"]), "legal_basis.unknown")
	w.level == "alarm"
	w.message == "环节“审查”援引的法律依据 LB3、LB9 不在事项“建筑工程施工许可”的权力清单之内（列明的依据：LB1 《中华人民共和国建筑法》第八条、LB2 《建筑工程施工许可管理办法》第四条）"
	w.basis == legal_basis.catalog_basis
}

test_unknown_on_decision_is_not_also_missing if {
	fired(step_doc("decide", ["LB9"])) == {"legal_basis.unknown"}
}

test_unknown_table if {
	every row in [
		{"ids": ["LB1"], "want": false},
		{"ids": ["LB1", "LB2"], "want": false},
		{"ids": [], "want": false},
		{"ids": ["lb1"], "want": true}, # ids are exact
		{"ids": ["LB1", "LB10"], "want": true},
	] {
		got := "legal_basis.unknown" in fired(step_doc("review", row.ids))
		got == row.want
	}
}

test_tick_is_ignored if {
	count(legal_basis.warnings) == 0 with input as patched(step_doc("decide", ["LB9"]), [{"op": "replace", "path": "/event", "value": "tick"}])
	count(legal_basis.warnings) == 0 with input as patched(step_doc("decide", []), [{"op": "replace", "path": "/event", "value": "tick"}])
}
