package compliance.report

# 月报与书面说明
#
# 每月结束后按部门评估一次（month_close 事件，input.month 为当月的办件数、预警数、
# 是否须作书面说明、说明期限、已交说明的时间、连续零办件月数和部门的设立日期）。
# 当月有预警或零办件的，须于次月 3 日（遇节假日顺延至下一个工作日，即
# explanation_due）当日或之前提交由主要负责人签字的书面说明。部门设立以前的月份
# 和设立当月（设立于当月 1 日的除外）不算零办件月。key 为月份，同一月份不会重复预警。

basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度"

closing if input.event == "month_close"

m := input.month

# METADATA
# title: 逾期未提交书面说明
# description: 当月有预警或零办件，须于次月 3 日（含；遇节假日顺延）前提交书面说明；期限已过仍未提交的报警。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度
warnings contains {
	"rule": "report.explanation_missing",
	"level": "alarm",
	"message": sprintf("%s（%s）%s须提交书面说明，应于%s（含）前提交，逾期仍未提交", [input.department.name, input.department.code, month_text, due_text]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.explanation_required
	m.explanation == null
	workday.date(input.now) > m.explanation_due
}

# METADATA
# title: 书面说明逾期提交
# description: 须作书面说明的月份，书面说明晚于次月 3 日（含；遇节假日顺延）提交的预警；无须说明而主动提交的不论早晚。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度
warnings contains {
	"rule": "report.explanation_late",
	"level": "prewarning",
	"message": sprintf("%s（%s）%s的书面说明于%s提交，晚于%s（含）的提交期限", [input.department.name, input.department.code, month_text, date_text(submitted), due_text]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.explanation_required
	m.explanation != null
	submitted := workday.date(m.explanation.submitted_at)
	submitted > m.explanation_due
}

# METADATA
# title: 当月零办件
# description: 部门当月没有受理任何办件，也没有立案任何案件，须作书面说明；部门设立以前的月份和设立当月（设立于当月 1 日的除外）不计。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度
warnings contains {
	"rule": "report.zero_cases",
	"level": "prewarning",
	"message": sprintf("%s（%s）%s未受理任何办件，也未立案任何案件", [input.department.name, input.department.code, month_text]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.cases_accepted == 0
	whole_month
}

# METADATA
# title: 连续三个月零办件
# description: 部门连续三个月（含）以上没有受理任何办件，也没有立案任何案件，报警，提请政管办、监察局介入；只计部门设立以后的整月。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度
warnings contains {
	"rule": "report.zero_cases_three_months",
	"level": "alarm",
	"message": sprintf("%s（%s）截至%s已连续 %d 个月未受理任何办件，也未立案任何案件，请政管办、监察局介入核查", [input.department.name, input.department.code, month_text, m.zero_case_months_in_a_row]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.cases_accepted == 0
	whole_month
	m.zero_case_months_in_a_row >= 3
}

# whole_month: the department existed from the month's first day. The months
# before it was set up, and the month it was set up in part-way, are not held
# against it as months without cases. Without a date, it always existed.
whole_month if not is_string(object.get(m, "department_created_on", null))

whole_month if m.department_created_on <= sprintf("%s-01", [m.month])

# month_text is the month as 2025年9月.
month_text := time.format([time.parse_ns("2006-01", m.month), "UTC", "2006年1月"])

due_text := date_text(m.explanation_due)

# date_text shows a YYYY-MM-DD date as 2025年10月9日.
date_text(d) := time.format([time.parse_ns("2006-01-02", d), "UTC", "2006年1月2日"])
