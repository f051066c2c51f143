package compliance.discretion_test

import data.compliance.discretion

penalty_item := {
	"code": "CF-001",
	"version": 1,
	"name": "对违法建设行为的行政处罚",
	"category": "行政处罚",
	"department_code": "ZJJ",
	"legal_bases": [{"id": "LB1", "title": "《中华人民共和国城乡规划法》", "article": "第六十四条"}],
	"time_limit": {"days": 90, "unit": "calendar"},
	"steps": [
		{"code": "file", "name": "立案", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "investigate", "name": "调查取证", "time_limit_days": 0, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
		{"code": "decide", "name": "处罚决定", "time_limit_days": 0, "risk_checkpoint": true, "requires_approval": "dept_admin", "ends_clock": true},
		{"code": "deliver", "name": "送达", "time_limit_days": 7, "risk_checkpoint": false, "requires_approval": "", "ends_clock": false},
	],
	"discretion": {
		"轻微": {"min": 0, "max": 1000, "description": "首次违法且及时改正"},
		"一般": {"min": 1000, "max": 5000, "description": "一般情形"},
		"严重": {"min": 5000, "max": 20000, "description": "拒不改正或造成严重后果"},
	},
	"status": "active",
}

base_doc := {
	"event": "step",
	"now": "2026-03-10T10:00:00+08:00",
	"department": {"code": "ZJJ", "name": "区住建局"},
	"item": penalty_item,
	"case": {"case_no": "ZJJ-2026-0001", "applicant": "某建设公司", "accepted_at": "2026-03-02T09:00:00+08:00", "status": "open", "department_code": "ZJJ", "steps": []},
	"step": {
		"id": "S3", "case_no": "ZJJ-2026-0001", "step_code": "decide", "handler": "张三",
		"occurred_at": "2026-03-10T09:00:00+08:00", "recorded_at": "2026-03-10T09:30:00+08:00",
		"legal_basis_ids": ["LB1"], "approvals": [], "attributes": {},
	},
}

# decided returns the input of a decision recording discretion d.
decided(d) := object.union(base_doc, {"step": {"discretion": d}})

# with_step returns the input of step code recording discretion d.
with_step(code, d) := object.union(base_doc, {"step": {"step_code": code, "discretion": d}})

fired(doc) := {w.rule | some w in ws} if {
	ws := discretion.warnings with input as doc
}

only(doc, rule) := [w | some w in ws; w.rule == rule] if {
	ws := discretion.warnings with input as doc
}

# amount_table: a tier, an amount, whether it is out of range.
amount_table := [
	{"tier": "一般", "amount": 1000, "out": false}, # == min
	{"tier": "一般", "amount": 5000, "out": false}, # == max
	{"tier": "一般", "amount": 3000, "out": false},
	{"tier": "一般", "amount": 999.99, "out": true},
	{"tier": "一般", "amount": 5000.01, "out": true},
	{"tier": "一般", "amount": 0, "out": true},
	{"tier": "轻微", "amount": 0, "out": false}, # == min of 0
	{"tier": "轻微", "amount": -1, "out": true},
	{"tier": "严重", "amount": 20000, "out": false},
	{"tier": "严重", "amount": 20001, "out": true},
]

test_amount_table if {
	every row in amount_table {
		got := "discretion.amount_out_of_range" in fired(decided({"tier": row.tier, "amount": row.amount}))
		got == row.out
	}
}

test_amount_out_of_range_object if {
	[w] := only(decided({"tier": "一般", "amount": 6000}), "discretion.amount_out_of_range")
	w.level == "alarm"
	w.basis == "《中华人民共和国行政处罚法》第三十四条"
	w.message == "环节“处罚决定”记录的金额 6000 元高于“一般”情形的裁量幅度 1000–5000 元"
}

test_amount_below_says_below if {
	[w] := only(decided({"tier": "严重", "amount": 4999.5}), "discretion.amount_out_of_range")
	w.message == "环节“处罚决定”记录的金额 4999.50 元低于“严重”情形的裁量幅度 5000–20000 元"
}

test_large_amounts_are_not_in_exponent_form if {
	doc := object.union(decided({"tier": "特别严重", "amount": 3000000}), {"item": {"discretion": {"特别严重": {"min": 200000, "max": 2000000}}}})
	[w] := only(doc, "discretion.amount_out_of_range")
	contains(w.message, "金额 3000000 元高于“特别严重”情形的裁量幅度 200000–2000000 元")
}

test_amount_checked_on_any_step if {
	"discretion.amount_out_of_range" in fired(with_step("investigate", {"tier": "轻微", "amount": 1500}))
}

test_in_range_fires_nothing if {
	count(discretion.warnings) == 0 with input as decided({"tier": "一般", "amount": 3000})
}

test_unknown_tier if {
	[w] := only(decided({"tier": "特别严重", "amount": 3000}), "discretion.unknown_tier")
	w.level == "alarm"
	w.message == "环节“处罚决定”记录的裁量情形“特别严重”不在事项的裁量基准之内（设定的情形：一般、严重、轻微）"
	not "discretion.amount_out_of_range" in fired(decided({"tier": "特别严重", "amount": 3000}))
}

test_unknown_tier_when_item_has_none if {
	doc := json.patch(decided({"tier": "一般", "amount": 3000}), [{"op": "replace", "path": "/item/discretion", "value": {}}])
	[w] := only(doc, "discretion.unknown_tier")
	endswith(w.message, "但事项未设定任何裁量基准")
}

test_known_tier_is_not_unknown if {
	every tier in ["轻微", "一般", "严重"] {
		not "discretion.unknown_tier" in fired(decided({"tier": tier, "amount": 1000}))
	}
}

test_missing_on_penalty_decision if {
	[w] := only(base_doc, "discretion.missing")
	w.level == "prewarning"
	w.message == "行政处罚事项“对违法建设行为的行政处罚”设有裁量基准，但决定环节“处罚决定”未记录适用的裁量情形和金额（可选情形：一般、严重、轻微）"
}

test_missing_uses_last_step_without_ends_clock if {
	doc := json.patch(base_doc, [
		{"op": "replace", "path": "/item/steps/2/ends_clock", "value": false},
		{"op": "replace", "path": "/step/step_code", "value": "deliver"},
	])
	"discretion.missing" in fired(doc)
	not "discretion.missing" in fired(json.patch(doc, [{"op": "replace", "path": "/step/step_code", "value": "decide"}]))
}

test_missing_not_on_other_steps if {
	every code in ["file", "investigate", "deliver", "suspend", "extend"] {
		not "discretion.missing" in fired(json.patch(base_doc, [{"op": "replace", "path": "/step/step_code", "value": code}]))
	}
}

test_missing_not_for_other_categories if {
	every category in ["行政许可", "行政强制", "行政征收"] {
		not "discretion.missing" in fired(json.patch(base_doc, [{"op": "replace", "path": "/item/category", "value": category}]))
	}
}

test_missing_not_without_tiers if {
	count(discretion.warnings) == 0 with input as json.patch(base_doc, [{"op": "replace", "path": "/item/discretion", "value": {}}])
}

test_missing_not_when_recorded if {
	not "discretion.missing" in fired(decided({"tier": "轻微", "amount": 0}))
}

test_tick_is_ignored if {
	count(discretion.warnings) == 0 with input as json.patch(decided({"tier": "一般", "amount": 9000}), [{"op": "replace", "path": "/event", "value": "tick"}])
	count(discretion.warnings) == 0 with input as json.patch(base_doc, [{"op": "replace", "path": "/event", "value": "tick"}])
}

test_non_numeric_amount_is_not_compared if {
	not "discretion.amount_out_of_range" in fired(decided({"tier": "一般", "amount": "9000"}))
}

# ---------------------------------------------------------------- 按基数设定的裁量幅度与减轻处罚

# food_item: 《食品安全法》第一百二十四条 — 货值金额一万元以上的，并处货值金额十倍以上
# 二十倍以下罚款；货值金额不足一万元的，并处五万元以上十万元以下罚款。
food_item := object.union(penalty_item, {
	"legal_bases": [
		{"id": "LB1", "title": "《中华人民共和国食品安全法》", "article": "第一百二十四条"},
		{"id": "LB2", "title": "《中华人民共和国行政处罚法》", "article": "第三十二条"},
	],
	"discretion": {
		"货值一万元以上": {"base": "goods_value", "min_multiple": 10, "max_multiple": 20, "description": ""},
		"货值不足一万元": {"min": 50000, "max": 100000, "description": ""},
		"工程款": {"base": "contract_price", "min_rate": 0.005, "max_rate": 0.01, "description": ""},
	},
})

food(d) := object.union(base_doc, {"item": food_item, "step": {"discretion": d}})

test_multiple_tier_inside if {
	count(fired(food({"tier": "货值一万元以上", "amount": 300000, "base_amount": 20000}))) == 0
}

test_multiple_tier_bounds_inclusive if {
	count(fired(food({"tier": "货值一万元以上", "amount": 200000, "base_amount": 20000}))) == 0
	count(fired(food({"tier": "货值一万元以上", "amount": 400000, "base_amount": 20000}))) == 0
}

test_multiple_tier_above if {
	[w] := only(food({"tier": "货值一万元以上", "amount": 400001, "base_amount": 20000}), "discretion.amount_out_of_range")
	w.level == "alarm"
	contains(w.message, "高于“货值一万元以上”情形的裁量幅度 200000–400000 元（货值金额 20000 元的 10–20 倍）")
}

test_rate_tier if {
	count(fired(food({"tier": "工程款", "amount": 6000, "base_amount": 1000000}))) == 0
	[w] := only(food({"tier": "工程款", "amount": 4999, "base_amount": 1000000}), "discretion.amount_out_of_range")
	contains(w.message, "5000–10000 元（合同价款 1000000 元的 0.5%–1%）")
}

test_base_missing if {
	fired(food({"tier": "货值一万元以上", "amount": 300000})) == {"discretion.base_missing"}
	[w] := only(food({"tier": "货值一万元以上", "amount": 300000}), "discretion.base_missing")
	w.level == "prewarning"
}

test_reduced_with_ground_is_prewarning if {
	d := {
		"tier": "货值一万元以上", "amount": 150000, "base_amount": 20000,
		"mitigation": {"kind": "减轻", "basis_ids": ["LB2"], "reason": "主动消除违法行为危害后果"},
	}
	fired(food(d)) == {"discretion.mitigated_below_range"}
	[w] := only(food(d), "discretion.mitigated_below_range")
	w.level == "prewarning"
	contains(w.message, "系减轻（依据：《中华人民共和国行政处罚法》第三十二条；理由：主动消除违法行为危害后果）")
}

test_reduced_without_ground_stays_alarm if {
	no_ids := {
		"tier": "货值一万元以上", "amount": 150000, "base_amount": 20000,
		"mitigation": {"kind": "减轻", "basis_ids": [], "reason": "初次违法"},
	}
	fired(food(no_ids)) == {"discretion.amount_out_of_range"}
	[w] := only(food(no_ids), "discretion.amount_out_of_range")
	endswith(w.message, "；所称减轻处罚未引用本事项的法律依据作为理由")
	foreign := json.patch(no_ids, [{"op": "replace", "path": "/mitigation/basis_ids", "value": ["LB9"]}])
	fired(food(foreign)) == {"discretion.amount_out_of_range"}
}

test_lighter_below_range_stays_alarm if {
	d := {
		"tier": "货值一万元以上", "amount": 150000, "base_amount": 20000,
		"mitigation": {"kind": "从轻", "basis_ids": ["LB2"], "reason": "配合调查"},
	}
	[w] := only(food(d), "discretion.amount_out_of_range")
	endswith(w.message, "低于下限须有减轻处罚的法定情形")
}

test_reduction_never_excuses_an_amount_above if {
	d := {
		"tier": "货值一万元以上", "amount": 500000, "base_amount": 20000,
		"mitigation": {"kind": "减轻", "basis_ids": ["LB2"], "reason": "x"},
	}
	fired(food(d)) == {"discretion.amount_out_of_range"}
}

test_no_penalty_with_ground if {
	d := {
		"tier": "货值不足一万元", "amount": 0,
		"mitigation": {"kind": "不予处罚", "basis_ids": ["LB2"], "reason": "违法行为轻微并及时改正，没有造成危害后果"},
	}
	fired(food(d)) == {"discretion.mitigated_below_range"}
}
