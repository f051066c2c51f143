# METADATA
# custom:
#   events: [catalog]
package compliance.catalog

# 职权清理与动态调整
#
# 权力事项新建或调整生效时（法制办直接保存，或审定通过部门的调整），以及每月对
# 全部事项各评估一次（catalog 事件）。input.item 为生效的事项版本；
# input.catalog 为 Go 汇总的事实：last_case_at（最近一次受理办件的时间，从未受理
# 为 null）、cases_total（累计办件数）和 item_created_at（事项首次录入的时间）。
# 预警不属于任何办件：case_no 为空，key 为事项编码，同一事项同一规则不会重复预警。

basis := "《行政权力依法规范公开运行工作方案》职权清理和动态调整要求"

checking if input.event == "catalog"

it := input.item

# 休眠期限：两年内无办件的事项列为取消或调整的候选（规则参数 catalog.dormant_years）。
dormant_years := data.params.catalog.dormant_years

# METADATA
# title: 权力事项无法律依据
# description: 权力事项没有列明任何法律、法规或规章依据（职权法定），报警。
# custom:
#   level: alarm
#   basis: 《行政权力依法规范公开运行工作方案》职权清理和动态调整要求
warnings contains {
	"rule": "catalog.no_legal_basis",
	"level": "alarm",
	"message": sprintf("权力事项 %s（%s）未列明任何法律依据，须补充依据或予以取消", [it.name, it.code]),
	"basis": basis,
	"key": it.code,
} if {
	checking
	count(object.get(it, "legal_bases", [])) == 0
}

# METADATA
# title: 行政处罚事项无裁量基准
# description: 行政处罚类事项没有设定任何裁量情形和幅度（裁量基准），预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》职权清理和动态调整要求
warnings contains {
	"rule": "catalog.penalty_without_discretion",
	"level": "prewarning",
	"message": sprintf("行政处罚事项 %s（%s）未设定裁量基准，须细化裁量情形和幅度", [it.name, it.code]),
	"basis": basis,
	"key": it.code,
} if {
	checking
	it.category == "行政处罚"
	count(object.get(it, "discretion", {})) == 0
}

# 未设时限的风险点环节：风险点环节既无自身时限，又不是结束办理时限的环节
# （结束时限的环节受事项总时限约束）。
unlimited_checkpoints := [s.name |
	some s in it.steps
	s.risk_checkpoint
	object.get(s, "time_limit_days", 0) <= 0
	not s.ends_clock
]

time_limit_problems contains sprintf("风险点环节未设办理时限：%s", [concat("、", unlimited_checkpoints)]) if {
	count(unlimited_checkpoints) > 0
}

time_limit_problems contains "未设总办理时限" if object.get(it, "time_limit", {}).days <= 0

# METADATA
# title: 事项或风险点环节未设办理时限
# description: 事项未设总办理时限，或风险点环节既无自身时限、又不受总时限约束（不是结束时限的环节），预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》职权清理和动态调整要求
warnings contains {
	"rule": "catalog.no_time_limit",
	"level": "prewarning",
	"message": sprintf("权力事项 %s（%s）%s", [it.name, it.code, concat("；", sort(time_limit_problems))]),
	"basis": basis,
	"key": it.code,
} if {
	checking
	count(time_limit_problems) > 0
}

cutoff := time.add_date(time.parse_rfc3339_ns(input.now), 0 - dormant_years, 0, 0)

dormant_reason := sprintf("最近一次受理办件在 %s，两年以上无办件", [workday.date(input.catalog.last_case_at)]) if {
	input.catalog.last_case_at != null
	time.parse_rfc3339_ns(input.catalog.last_case_at) < cutoff
}

dormant_reason := sprintf("自 %s 录入以来从未受理办件，已超过两年", [workday.date(input.catalog.item_created_at)]) if {
	input.catalog.last_case_at == null
	input.catalog.item_created_at != null
	time.parse_rfc3339_ns(input.catalog.item_created_at) < cutoff
}

# METADATA
# title: 事项两年以上无办件
# description: 最近两年没有受理任何办件（或录入两年以上从未受理），列为职权清理（取消或调整）的候选，预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》职权清理和动态调整要求
warnings contains {
	"rule": "catalog.dormant",
	"level": "prewarning",
	"message": sprintf("权力事项 %s（%s）%s，建议清理（取消或调整）", [it.name, it.code, dormant_reason]),
	"basis": basis,
	"key": it.code,
} if {
	checking
	dormant_reason
}

# 行政处罚法第八十五条：“二日、三日、五日、七日”的规定是指工作日；行政强制法第六十九条：
# 十日以内期限的规定是指工作日。这两类事项十日以内的时限（事项时限与各环节时限，
# 环节省略单位时同事项）按自然日设定的，与法律不符。
short_days := 10

short_laws := {
	"行政处罚": "《中华人民共和国行政处罚法》第八十五条",
	"行政强制": "《中华人民共和国行政强制法》第六十九条",
}

short_law := short_laws[it.category]

short_calendar_periods contains sprintf("办理时限 %v 日", [it.time_limit.days]) if {
	it.time_limit.unit == "calendar"
	it.time_limit.days <= short_days
}

short_calendar_periods contains sprintf("“%s”环节时限 %v 日", [s.name, s.time_limit_days]) if {
	some s in it.steps
	s.time_limit_days > 0
	s.time_limit_days <= short_days
	object.get(s, "time_limit_unit", it.time_limit.unit) == "calendar"
}

# METADATA
# title: 十日以内的期限按自然日设定
# description: 行政处罚、行政强制事项十日以内的期限应按工作日计算，事项或环节时限却按自然日设定，预警。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政处罚法》第八十五条；《中华人民共和国行政强制法》第六十九条
warnings contains {
	"rule": "catalog.short_period_in_calendar_days",
	"level": "prewarning",
	"message": sprintf("权力事项 %s（%s）的%s按自然日设定；依%s，十日以内的期限按工作日计算，请将单位改为工作日", [
		it.name, it.code, concat("、", sort(short_calendar_periods)), law,
	]),
	"basis": law,
	"key": it.code,
} if {
	checking
	law := short_law
	count(short_calendar_periods) > 0
}
