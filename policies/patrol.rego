# METADATA
# custom:
#   events: [patrol, patrol_day]
package compliance.patrol

# 日常巡查
#
# 部门监察人员每个工作日（含调休上班日）至少巡查两次。每个工作日结束后，按部门
# 评估一次（patrol_day 事件，input.day 为当日日期、类型和巡查次数）：只巡查一次的
# 预警，未巡查的报警。key 为日期，同一天不会重复预警。

# 每个工作日应巡查的次数（规则参数 patrol.per_workday）。
required := data.params.patrol.per_workday

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

# 补录巡查：每录入一条巡查记录评估一次（patrol 事件，input.patrol 为巡查人员、所填
# 巡查时间 at 和平台记录的录入时间 recorded_at）。巡查记录应在巡查当日（北京时间）、
# 巡查后 entry_window_hours 小时内录入，否则不计入当日巡查次数（台账同样不计），并予以预警。
# key 为所填巡查时间。

# 巡查后多少小时内录入才计入当日（规则参数 patrol.entry_window_hours；此前发布、
# 未含该参数的版本按 2 小时）。
entry_window_hours := object.get(data.params.patrol, "entry_window_hours", 2)

# METADATA
# title: 巡查记录事后补录
# description: 巡查记录在所填巡查时间 2 小时以后才录入，或者不在巡查当日（北京时间）录入，不计入当日巡查次数，予以预警。
# custom:
#   level: prewarning
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）日常巡查要求（每个工作日不少于两次）
warnings contains {
	"rule": "patrol.backdated",
	"level": "prewarning",
	"message": sprintf("%s（%s）监察人员 %s 于%s录入巡查时间为%s的巡查记录，%s，不计入当日巡查次数", [input.department.name, input.department.code, input.patrol.inspector, stamp_text(input.patrol.recorded_at), stamp_text(input.patrol.at), backdated_reason]),
	"basis": basis,
	"key": input.patrol.at,
} if {
	input.event == "patrol"
	backdated_reason
}

backdated_reason := "录入日与巡查日不是同一天" if {
	workday.date(input.patrol.recorded_at) != workday.date(input.patrol.at)
} else := sprintf("录入时间晚于巡查时间 %d 小时 %d 分，超过 %d 小时", [hours, minutes, entry_window_hours]) if {
	delay_minutes > entry_window_hours * 60
	hours := floor(delay_minutes / 60)
	minutes := delay_minutes - (hours * 60)
}

# delay_minutes is how many whole minutes after the claimed time the patrol was recorded.
delay_minutes := floor((time.parse_rfc3339_ns(input.patrol.recorded_at) - time.parse_rfc3339_ns(input.patrol.at)) / 60000000000)

# stamp_text shows an RFC 3339 time of Asia/Shanghai as 2025年10月9日 09:00.
stamp_text(ts) := sprintf("%s %s", [time.format([time.parse_ns("2006-01-02", workday.date(ts)), "UTC", "2006年1月2日"]), substring(ts, 11, 5)])
