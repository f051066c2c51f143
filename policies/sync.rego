# 同步录入：环节应在办理当时或次个工作日内录入平台。录入越晚，监督越滞后，
# 也越容易事后补造记录，因此按迟延的工作日数分为预警和报警两级。

# METADATA
# custom:
#   events: [step]
package compliance.sync

# 办理后第几个工作日之内录入不算迟延（办理当日为 0，次个工作日为 1）。
late_after_days := data.params.sync.late_after_days

# 超过这一工作日数录入即报警。
very_late_after_days := data.params.sync.very_late_after_days

basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）同步录入要求；四川省人民政府办公厅川办发〔2014〕2号文件行政权力网上运行要求"

# METADATA
# title: 环节录入不及时
# description: >-
#   环节办理后超过 1 个工作日、不超过 3 个工作日才录入平台（同步录入要求），
#   发出预警。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）同步录入要求；四川省人民政府办公厅川办发〔2014〕2号文件行政权力网上运行要求
warnings contains {
	"rule": "sync.late_entry",
	"level": "prewarning",
	"message": message(days),
	"basis": basis,
} if {
	days := delay_days
	days > late_after_days
	days <= very_late_after_days
}

# METADATA
# title: 环节严重滞后录入
# description: >-
#   环节办理后超过 3 个工作日才录入平台，违反同步录入要求，发出报警。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）同步录入要求；四川省人民政府办公厅川办发〔2014〕2号文件行政权力网上运行要求
warnings contains {
	"rule": "sync.very_late_entry",
	"level": "alarm",
	"message": message(days),
	"basis": basis,
} if {
	days := delay_days
	days > very_late_after_days
}

# METADATA
# title: 经办人不是本部门在用账号的实名
# description: >-
#   程序（令牌）报送的环节所填经办人不是本部门任何在用账号的实名，经办人无法
#   对应到具体的人；通过控制台录入的环节以登录账号的实名为经办人，不发此预警。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）同步录入要求；四川省人民政府办公厅川办发〔2014〕2号文件行政权力网上运行要求
warnings contains {
	"rule": "sync.unknown_handler",
	"level": "prewarning",
	"message": sprintf("环节“%s”的经办人“%s”不是%s在用账号的实名，无法对应到具体经办人，请核实", [
		step_label(input.step.step_code),
		input.step.handler,
		department_name,
	]),
	"basis": basis,
} if {
	input.event == "step"
	input.step.handler_known == false
}

department_name := input.department.name if {
	is_string(input.department.name)
	input.department.name != ""
} else := "本部门"

# delay_days is the number of working days between the occurrence and the
# recording of the step; undefined when a date falls in a year without a
# holiday schedule (the engine then notes the built-in error).
delay_days := workday.count(input.step.occurred_at, input.step.recorded_at) if {
	input.event == "step"
	is_string(input.step.occurred_at)
	is_string(input.step.recorded_at)
}

message(days) := sprintf("环节“%s”于%s办理，%s才录入，相隔 %d 个工作日（应于办理当日或其后 %d 个工作日内同步录入）", [
	step_label(input.step.step_code),
	day_text(input.step.occurred_at),
	day_text(input.step.recorded_at),
	days,
	late_after_days,
])

# day_text is the date of a timestamp in Asia/Shanghai, as 2026年3月2日.
day_text(ts) := time.format([time.parse_rfc3339_ns(ts), "Asia/Shanghai", "2006年1月2日"])

clock_step_names := {"suspend": "中止", "resume": "恢复", "extend": "延期"}

# step_label names a step as the item's flow does, falling back to the names
# of the steps every flow allows, then to the code itself.
step_label(code) := names[0] if {
	names := [s.name | some s in input.item.steps; s.code == code; s.name != ""]
	count(names) > 0
} else := clock_step_names[code] if {
	clock_step_names[code]
} else := code
