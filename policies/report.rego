package compliance.report

# 月报与书面说明
#
# 每月结束后按部门评估一次（month_close 事件，input.month 为当月的办件数、预警数、
# 是否须作书面说明、说明期限、已交说明的时间和连续零办件月数）。当月有预警或
# 零办件的，须在次月 3 日（遇节假日顺延至下一个工作日，即 explanation_due）前
# 提交由主要负责人签字的书面说明。key 为月份，同一月份不会重复预警。

basis := "《行政权力依法规范公开运行工作方案》月报及书面说明制度"

closing if input.event == "month_close"

m := input.month

# METADATA
# title: 逾期未提交书面说明
# description: 当月有预警或零办件，须在次月 3 日（遇节假日顺延）前提交书面说明；期限已过仍未提交的报警。
# custom:
#   level: alarm
#   basis: 《行政权力依法规范公开运行工作方案》月报及书面说明制度
warnings contains {
	"rule": "report.explanation_missing",
	"level": "alarm",
	"message": sprintf("%s（%s）%s 月须作书面说明，提交期限 %s 已过，仍未提交", [input.department.name, input.department.code, m.month, m.explanation_due]),
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
# description: 书面说明晚于次月 3 日（遇节假日顺延）提交的预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》月报及书面说明制度
warnings contains {
	"rule": "report.explanation_late",
	"level": "prewarning",
	"message": sprintf("%s（%s）%s 月的书面说明于 %s 提交，晚于期限 %s", [input.department.name, input.department.code, m.month, submitted, m.explanation_due]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.explanation != null
	submitted := workday.date(m.explanation.submitted_at)
	submitted > m.explanation_due
}

# METADATA
# title: 当月零办件
# description: 部门当月没有受理任何办件，须作书面说明。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》月报及书面说明制度
warnings contains {
	"rule": "report.zero_cases",
	"level": "prewarning",
	"message": sprintf("%s（%s）%s 月未受理任何办件", [input.department.name, input.department.code, m.month]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.cases_accepted == 0
}

# METADATA
# title: 连续三个月零办件
# description: 部门连续三个月（含）以上没有受理任何办件，报警，提请政管办、监察局介入。
# custom:
#   level: alarm
#   basis: 《行政权力依法规范公开运行工作方案》月报及书面说明制度
warnings contains {
	"rule": "report.zero_cases_three_months",
	"level": "alarm",
	"message": sprintf("%s（%s）截至 %s 月已连续 %d 个月未受理任何办件，请政管办、监察局介入核查", [input.department.name, input.department.code, m.month, m.zero_case_months_in_a_row]),
	"basis": basis,
	"key": m.month,
} if {
	closing
	m.cases_accepted == 0
	m.zero_case_months_in_a_row >= 3
}
