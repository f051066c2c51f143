# 裁量基准：环节记录的裁量情形（档次）必须是权力清单为该事项设定的情形之一，
# 金额必须落在该情形的裁量幅度之内；设有裁量基准的行政处罚事项，作出决定时
# 必须记录所适用的情形和金额。
#
# 裁量幅度按法律条文的写法设定：
#   - 金额：{"min": 10000, "max": 50000}；
#   - 计算基数的倍数：{"base": "goods_value", "min_multiple": 10, "max_multiple": 20}
#     （如《食品安全法》第一百二十四条“货值金额十倍以上二十倍以下罚款”）；
#   - 计算基数的比例：{"base": "contract_price", "min_rate": 0.005, "max_rate": 0.01}
#     （如“合同价款千分之五以上千分之十以下”）。
# 按基数设定的，幅度 = 环节记录的 discretion.base_amount × 倍数（比例），精确到分。
#
# 从轻、减轻、不予处罚（《行政处罚法》第三十二条、第三十三条）：环节可在
# discretion.mitigation 中写明 {kind: 从轻|减轻|不予处罚, basis_ids, reason}。
# 从轻处罚仍须在幅度之内；金额低于下限、以“减轻”或“不予处罚”为由并引用了本事项的
# 法律依据（basis_ids 非空且都是事项 legal_bases 中的编号）的，报预警
# discretion.mitigated_below_range 提请复核，不报警；没有依据的，仍报警。
package compliance.discretion

basis := "《中华人民共和国行政处罚法》第三十四条"

# METADATA
# title: 裁量金额超出裁量基准
# description: >-
#   环节记录的金额低于或高于所适用裁量情形的最低、最高金额（等于边界值的不算超出；
#   按倍数、比例设定的情形，以计算基数折算）。低于下限而以减轻处罚、不予处罚为由并
#   引用了事项法律依据的，不在此列（另报 discretion.mitigated_below_range）。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第三十四条
warnings contains {
	"rule": "discretion.amount_out_of_range",
	"level": "alarm",
	"message": sprintf("环节“%s”记录的金额 %s 元%s“%s”情形的裁量幅度 %s–%s 元%s%s", [
		step_label,
		yuan(d.amount),
		direction(d.amount, lo, hi),
		d.tier,
		yuan(lo),
		yuan(hi),
		base_text(tier, d),
		unfounded_text(d, lo),
	]),
	"basis": basis,
} if {
	d := recorded
	tier := input.item.discretion[d.tier]
	is_number(d.amount)
	[lo, hi] := bounds(tier, d)
	not within(d.amount, lo, hi)
	not founded_reduction(d, lo)
}

# METADATA
# title: 减轻处罚低于裁量幅度，提请复核
# description: >-
#   环节记录的金额低于所适用裁量情形的下限，并以减轻处罚或不予处罚为由、引用了事项
#   的法律依据（《行政处罚法》第三十二条、第三十三条）。依法可以低于幅度，但须由
#   法制机构复核理由是否成立。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政处罚法》第三十二条、第三十三条
warnings contains {
	"rule": "discretion.mitigated_below_range",
	"level": "prewarning",
	"message": sprintf("环节“%s”记录的金额 %s 元低于“%s”情形的裁量幅度 %s–%s 元%s，系%s（依据：%s；理由：%s），请复核减轻处罚的理由是否成立", [
		step_label,
		yuan(d.amount),
		d.tier,
		yuan(lo),
		yuan(hi),
		base_text(tier, d),
		d.mitigation.kind,
		concat("、", [basis_label(id) | some id in d.mitigation.basis_ids]),
		object.get(d.mitigation, "reason", ""),
	]),
	"basis": "《中华人民共和国行政处罚法》第三十二条、第三十三条",
} if {
	d := recorded
	tier := input.item.discretion[d.tier]
	is_number(d.amount)
	[lo, hi] := bounds(tier, d)
	d.amount < lo
	founded_reduction(d, lo)
}

# METADATA
# title: 未记录裁量的计算基数
# description: >-
#   所适用的裁量情形按计算基数（如货值金额）的倍数或比例设定，但环节没有记录
#   discretion.base_amount，无法核对金额是否在幅度之内。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政处罚法》第三十四条
warnings contains {
	"rule": "discretion.base_missing",
	"level": "prewarning",
	"message": sprintf("“%s”情形的裁量幅度按%s的%s设定，但环节“%s”未记录%s（discretion.base_amount），无法核对罚款金额", [
		d.tier,
		base_name(tier.base),
		tier_kind_name(tier),
		step_label,
		base_name(tier.base),
	]),
	"basis": basis,
} if {
	d := recorded
	tier := input.item.discretion[d.tier]
	on_base(tier)
	not is_number(object.get(d, "base_amount", null))
}

# METADATA
# title: 裁量情形不在裁量基准之内
# description: >-
#   环节记录的裁量情形不是权力清单为该事项设定的情形之一，裁量无据可依。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第三十四条
warnings contains {
	"rule": "discretion.unknown_tier",
	"level": "alarm",
	"message": sprintf("环节“%s”记录的裁量情形“%s”%s", [step_label, recorded.tier, known_tiers_text]),
	"basis": basis,
} if {
	d := recorded
	not input.item.discretion[d.tier]
}

# METADATA
# title: 处罚决定未记录裁量情形
# description: >-
#   设有裁量基准的行政处罚事项，作出决定的环节没有记录所适用的裁量情形和金额。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政处罚法》第三十四条
warnings contains {
	"rule": "discretion.missing",
	"level": "prewarning",
	"message": sprintf("行政处罚事项“%s”设有裁量基准，但决定环节“%s”未记录适用的裁量情形和金额（可选情形：%s）", [
		input.item.name,
		step_label,
		concat("、", sort(object.keys(input.item.discretion))),
	]),
	"basis": basis,
} if {
	input.event == "step"
	input.item.category == "行政处罚"
	count(input.item.discretion) > 0
	input.step.step_code == decision_step_code
	not recorded
}

# recorded is the discretion the step exercised, when it records one.
recorded := d if {
	input.event == "step"
	d := input.step.discretion
	is_object(d)
}

within(amount, lo, hi) if {
	amount >= lo
	amount <= hi
}

direction(amount, lo, _) := "低于" if amount < lo

direction(amount, _, hi) := "高于" if amount > hi

# bounds(tier, d): the [lowest, highest] amount of the tier for the step's
# discretion d: the tier's amounts, or the base amount the step gives times
# the tier's multiples or rates, to the cent. Undefined for a tier on a base
# when the step gives no base amount (discretion.base_missing).
bounds(tier, _) := [tier.min, tier.max] if {
	not on_base(tier)
}

bounds(tier, d) := [cents(b * object.get(tier, "min_multiple", 0)), cents(b * tier.max_multiple)] if {
	on_base(tier)
	b := d.base_amount
	is_number(b)
	is_number(tier.max_multiple)
}

bounds(tier, d) := [cents(b * object.get(tier, "min_rate", 0)), cents(b * tier.max_rate)] if {
	on_base(tier)
	b := d.base_amount
	is_number(b)
	not by_multiple(tier)
	is_number(tier.max_rate)
}

cents(x) := round(x * 100) / 100

# by_multiple(tier): the tier is set in multiples of its base (else in rates).
by_multiple(tier) if is_number(tier.max_multiple)

# on_base(tier): the tier is set on a base amount, not in amounts.
on_base(tier) if {
	is_string(tier.base)
	tier.base != ""
}

# base_names are the Chinese names of the bases tiers are set on; another
# base keeps its code.
base_names := {
	"goods_value": "货值金额",
	"illegal_income": "违法所得",
	"contract_price": "合同价款",
	"project_price": "工程合同价款",
	"bid_amount": "中标项目金额",
	"tax_amount": "应纳税款",
	"illegal_turnover": "违法经营额",
}

base_name(b) := base_names[b] if {
	base_names[b]
} else := b

tier_kind_name(tier) := "倍数" if is_number(tier.max_multiple)

else := "比例"

# base_text explains a tier set on a base: （货值金额 8000 元的 10–20 倍）.
base_text(tier, _) := "" if {
	not on_base(tier)
}

base_text(tier, d) := sprintf("（%s %s 元的 %v–%v 倍）", [base_name(tier.base), yuan(d.base_amount), object.get(tier, "min_multiple", 0), tier.max_multiple]) if {
	on_base(tier)
	is_number(tier.max_multiple)
}

base_text(tier, d) := sprintf("（%s %s 元的 %s–%s）", [base_name(tier.base), yuan(d.base_amount), percent(object.get(tier, "min_rate", 0)), percent(tier.max_rate)]) if {
	on_base(tier)
	not by_multiple(tier)
	is_number(tier.max_rate)
}

percent(r) := sprintf("%v%%", [round(r * 100000) / 1000])

# item_basis_ids are the ids of the item's legal bases.
item_basis_ids := {b.id | some b in input.item.legal_bases}

# founded_reduction(d, lo): the amount is below the tier, and the step claims
# a reduced penalty or none (减轻处罚、不予处罚) on grounds it cites from the
# item's legal bases.
founded_reduction(d, lo) if {
	d.amount < lo
	m := d.mitigation
	m.kind in {"减轻", "不予处罚"}
	count(m.basis_ids) > 0
	every id in m.basis_ids {
		id in item_basis_ids
	}
}

# unfounded_text says why a claimed mitigation did not excuse an amount below
# the tier.
unfounded_text(d, lo) := "；从轻处罚应在裁量幅度内确定，低于下限须有减轻处罚的法定情形" if {
	d.amount < lo
	d.mitigation.kind == "从轻"
} else := "；所称减轻处罚未引用本事项的法律依据作为理由" if {
	d.amount < lo
	d.mitigation.kind in {"减轻", "不予处罚"}
} else := ""

basis_label(id) := sprintf("%s%s", [b.title, b.article]) if {
	some b in input.item.legal_bases
	b.id == id
} else := id

known_tiers_text := "，但事项未设定任何裁量基准" if {
	count(input.item.discretion) == 0
} else := sprintf("不在事项的裁量基准之内（设定的情形：%s）", [concat("、", sort(object.keys(input.item.discretion)))])

# yuan formats an amount without the exponent notation that large numbers
# take when they arrive as floating point (2e+06).
yuan(x) := format_int(x, 10) if {
	x == floor(x)
} else := sprintf("%.2f", [x])

# decision_step_code is the step that decides the case: the one that ends the
# clock, else the last step of the flow.
decision_step_code := codes[0] if {
	codes := [s.code | some s in input.item.steps; s.ends_clock == true]
	count(codes) > 0
} else := input.item.steps[count(input.item.steps) - 1].code

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

step_label := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == input.step.step_code; s.name != ""]
	count(names) > 0
} else := clock_step_names[input.step.step_code] if {
	clock_step_names[input.step.step_code]
} else := input.step.step_code
