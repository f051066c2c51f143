package compliance.catalog_test

import data.compliance.catalog

item(fields) := object.union(
	{
		"code": "XK-001", "version": 1, "name": "建筑工程施工许可", "category": "行政许可",
		"department_code": "ZJJ",
		"legal_bases": [{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第八条"}],
		"time_limit": {"days": 20, "unit": "workday"},
		"steps": [
			{"code": "accept", "name": "受理", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
			{"code": "decide", "name": "决定", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "dept_admin", "ends_clock": true},
		],
		"discretion": {}, "status": "active",
	},
	fields,
)

doc(it, facts) := {
	"event": "catalog", "now": "2026-03-02T09:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"item": it,
	"catalog": object.union({"last_case_at": "2026-01-05T09:00:00+08:00", "cases_total": 3, "item_created_at": "2020-01-01T09:00:00+08:00"}, facts),
}

rules(d) := {w.rule | some w in catalog.warnings with input as d}

test_a_sound_item_nothing if {
	rules(doc(item({}), {})) == set()
}

test_no_legal_basis_alarm if {
	d := doc(item({"legal_bases": []}), {})
	rules(d) == {"catalog.no_legal_basis"}
	some w in catalog.warnings with input as d
	w.level == "alarm"
	w.key == "XK-001"
}

test_penalty_without_tiers if {
	rules(doc(item({"category": "行政处罚"}), {})) == {"catalog.penalty_without_discretion"}
	rules(doc(item({"category": "行政处罚", "discretion": {"一般": {"min": 1, "max": 2, "description": ""}}}), {})) == set()
}

test_checkpoint_without_limit if {
	steps := [{"code": "review", "name": "审查", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "", "ends_clock": false}]
	rules(doc(item({"steps": steps}), {})) == {"catalog.no_time_limit"}
	limited := [object.union(steps[0], {"time_limit_days": 5})]
	rules(doc(item({"steps": limited}), {})) == set()
}

test_dormant_by_last_case if {
	rules(doc(item({}), {"last_case_at": "2024-03-01T09:00:00+08:00"})) == {"catalog.dormant"}
	rules(doc(item({}), {"last_case_at": "2024-03-03T09:00:00+08:00"})) == set()
}

test_dormant_never_used if {
	rules(doc(item({}), {"last_case_at": null, "cases_total": 0})) == {"catalog.dormant"}
	rules(doc(item({}), {"last_case_at": null, "cases_total": 0, "item_created_at": "2025-01-01T09:00:00+08:00"})) == set()
}

test_other_events_nothing if {
	rules(object.union(doc(item({"legal_bases": []}), {}), {"event": "tick"})) == set()
}
