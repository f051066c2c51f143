# 裁量基准：环节记录的裁量情形（档次）必须是权力清单为该事项设定的情形之一，
# 金额必须落在该情形的裁量幅度之内；设有裁量基准的行政处罚事项，作出决定时
# 必须记录所适用的情形和金额。
package compliance.discretion

basis := "《中华人民共和国行政处罚法》第三十四条"

# METADATA
# title: 裁量金额超出裁量基准
# description: >-
#   环节记录的金额低于或高于所适用裁量情形的最低、最高金额（等于边界值的不算超出）。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第三十四条
warnings contains {
	"rule": "discretion.amount_out_of_range",
	"level": "alarm",
	"message": sprintf("环节“%s”记录的金额 %s 元%s“%s”情形的裁量幅度 %s–%s 元", [
		step_label,
		yuan(d.amount),
		direction(d.amount, tier),
		d.tier,
		yuan(tier.min),
		yuan(tier.max),
	]),
	"basis": basis,
} if {
	d := recorded
	tier := input.item.discretion[d.tier]
	is_number(d.amount)
	not within(d.amount, tier)
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

within(amount, tier) if {
	amount >= tier.min
	amount <= tier.max
}

direction(amount, tier) := "低于" if amount < tier.min

direction(amount, tier) := "高于" if amount > tier.max

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
