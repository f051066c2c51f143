package compliance.patrol

# 日常巡查
#
# 部门监察人员每个工作日（含调休上班日）至少巡查两次。每个工作日结束后，按部门
# 评估一次（patrol_day 事件，input.day 为当日日期、类型和巡查次数）：只巡查一次的
# 预警，未巡查的报警。key 为日期，同一天不会重复预警。

# 每个工作日应巡查的次数。
required := 2

basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）日常巡查要求（每个工作日不少于两次）"

working_day if {
	input.event == "patrol_day"
	input.day.kind in {"workday", "makeup_workday"}
}

# METADATA
# title: 工作日巡查次数不足
# description: 工作日只巡查了一次，少于规定的两次。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）日常巡查要求（每个工作日不少于两次）
warnings contains {
	"rule": "patrol.insufficient",
	"level": "prewarning",
	"message": sprintf("%s（%s）%s%s仅巡查 %d 次，未达到每个工作日不少于 %d 次的要求", [input.department.name, input.department.code, day_text, makeup_text, input.day.patrols, required]),
	"basis": basis,
	"key": input.day.date,
} if {
	working_day
	input.day.patrols > 0
	input.day.patrols < required
}

# METADATA
# title: 工作日未巡查
# description: 工作日没有任何巡查记录。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）日常巡查要求（每个工作日不少于两次）
warnings contains {
	"rule": "patrol.missing",
	"level": "alarm",
	"message": sprintf("%s（%s）%s%s为工作日，未进行日常巡查", [input.department.name, input.department.code, day_text, makeup_text]),
	"basis": basis,
	"key": input.day.date,
} if {
	working_day
	input.day.patrols == 0
}

# day_text is the day as 2025年10月11日.
day_text := time.format([time.parse_ns("2006-01-02", input.day.date), "UTC", "2006年1月2日"])

makeup_text := "（调休上班日）" if {
	input.day.kind == "makeup_workday"
} else := ""
