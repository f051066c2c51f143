# 法律依据：作出决定的环节必须援引法律依据，且所援引的依据必须是权力清单为
# 该事项列明的依据（法无授权不可为）。

# METADATA
# custom:
#   events: [step]
package compliance.legal_basis

catalog_basis := "《关于推行地方各级政府工作部门权力清单制度的指导意见》（法无授权不可为）"

# missing_basis is the legal source that requires a decision of each category
# to state its legal basis.
missing_basis := {
	"行政处罚": "《中华人民共和国行政处罚法》第三十八条、第五十九条",
	"行政许可": "《中华人民共和国行政许可法》第四条、第三十八条",
	"行政强制": "《中华人民共和国行政强制法》第四条、第二十四条",
}

default_missing_basis := "《法治政府建设实施纲要（2021—2025年）》依法行政要求"

# METADATA
# title: 决定环节未援引法律依据
# description: >-
#   作出决定的环节（结束计时的环节，没有时为流程的最后一个环节）没有援引任何法律依据。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政处罚法》第三十八条、第五十九条；《中华人民共和国行政许可法》第四条、第三十八条；《中华人民共和国行政强制法》第四条
warnings contains {
	"rule": "legal_basis.missing",
	"level": "alarm",
	"message": sprintf("%s事项“%s”的决定环节“%s”未援引法律依据（权力清单列明的依据：%s）", [
		input.item.category,
		input.item.name,
		step_label,
		listed_text,
	]),
	"basis": object.get(missing_basis, input.item.category, default_missing_basis),
} if {
	input.event == "step"
	count(cited) == 0
	input.step.step_code == decision_step_code
}

# METADATA
# title: 援引的法律依据不在权力清单之内
# description: >-
#   环节援引的法律依据编号不是权力清单为该事项列明的依据。
# custom:
#   level: alarm
#   basis: 《关于推行地方各级政府工作部门权力清单制度的指导意见》
warnings contains {
	"rule": "legal_basis.unknown",
	"level": "alarm",
	"message": sprintf("环节“%s”援引的法律依据 %s 不在事项“%s”的权力清单之内（列明的依据：%s）", [
		step_label,
		concat("、", sort(unknown_ids)),
		input.item.name,
		listed_text,
	]),
	"basis": catalog_basis,
} if {
	input.event == "step"
	count(unknown_ids) > 0
}

# cited are the basis ids the step cites, ignoring blanks.
cited contains id if {
	some raw in input.step.legal_basis_ids
	id := sprintf("%v", [raw])
	trim_space(id) != ""
}

listed contains b.id if some b in input.item.legal_bases

unknown_ids contains id if {
	some id in cited
	not id in listed
}

listed_text := "无" if {
	count(listed) == 0
} else := concat("、", [sprintf("%s %s%s", [b.id, b.title, b.article]) | some b in input.item.legal_bases])

# decision_step_code is the step that decides the case: the one that ends the
# clock, else the last step of the flow.
decision_step_code := codes[0] if {
	codes := [input.item.steps[i].code | input.item.steps[i].ends_clock == true]
	count(codes) > 0
} else := input.item.steps[count(input.item.steps) - 1].code

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

step_label := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == input.step.step_code; s.name != ""]
	count(names) > 0
} else := clock_step_names[input.step.step_code] if {
	clock_step_names[input.step.step_code]
} else := input.step.step_code
