package compliance.followup

# 报警答复期限跟踪
#
# 部门收到报警后，须在 answer_days 个工作日内作出书面说明或整改（即报警状态离开
# "open"）；期满仍未答复的，再发一条报警（每条原报警一次，key 为 "alarm:<编号>"），
# 提请政管办、监察局关注。答复期限自报警产生之日的次日起算（期间开始之日不计算在内）。
# 由 step（环节提交）和 tick（定时巡检）两种事件触发；next_check 告诉巡检何时再看。

# 报警须在多少个工作日内答复（规则参数 followup.answer_days）。
answer_days := data.params.followup.answer_days

basis := "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）报（预）警处置要求；四川省人民政府办公厅川办发〔2014〕2号文件电子监察要求"

# 需要答复的报警：仍为 open 的报警，跟踪报警本身除外。
pending contains w if {
	input.event in {"step", "tick"}
	some w in object.get(input.case, "warnings", [])
	w.level == "alarm"
	w.status == "open"
	not startswith(w.rule, "followup.")
}

# METADATA
# title: 报警逾期未答复
# description: 部门须在报警产生后 5 个工作日内作出书面说明或整改；逾期仍未答复的，再次报警，提请政管办、监察局督办。
# custom:
#   level: alarm
#   basis: 《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）报（预）警处置要求；四川省人民政府办公厅川办发〔2014〕2号文件电子监察要求
warnings contains {
	"rule": "followup.alarm_unanswered",
	"level": "alarm",
	"message": sprintf("报警“%s”（编号 %v）于%s产生，应于%s（含）前作出书面说明或整改，逾期部门仍未答复", [w.rule, w.id, day_text(workday.date(w.created_at)), day_text(due)]),
	"basis": basis,
	"key": sprintf("alarm:%v", [w.id]),
} if {
	some w in pending
	due := workday.add(w.created_at, answer_days)
	workday.date(input.now) > due
}

# 答复期限届满的次日需要再看一次。
next_check contains d if {
	some w in pending
	d := workday.add_days(workday.add(w.created_at, answer_days), 1, "calendar")
}

# day_text shows a YYYY-MM-DD date as 2026年3月9日.
day_text(d) := time.format([time.parse_ns("2006-01-02", d), "UTC", "2006年1月2日"])
