package compliance.sync

# METADATA
# title: 环节录入不及时
# description: 环节办理后超过 1 个工作日才录入平台（同步录入要求）。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》同步录入要求
warnings contains {
	"rule": "sync.late_entry",
	"level": "prewarning",
	"message": sprintf("环节“%s”于 %s 办理，%s 才录入，超过 %d 个工作日", [input.step.step_code, workday.date(input.step.occurred_at), workday.date(input.step.recorded_at), late_days]),
	"basis": "《行政权力依法规范公开运行工作方案》同步录入要求",
} if {
	input.event == "step"
	workday.count(input.step.occurred_at, input.step.recorded_at) > late_days
}

late_days := 1
