# METADATA
# custom:
#   events: [step, tick, view]
package compliance.deadline

# 办理时限（期限）监察
#
# 对每个办件检查两类时限，在 step（环节提交）和 tick（定时巡检）两种事件上都作判断：
#   1. 事项的总办理时限 input.item.time_limit：自受理起算，至“终止计时环节”（流程中
#      ends_clock 为 true 的环节；没有则为流程最后一个环节）止；
#   2. 各环节自己的时限 time_limit_days：自流程中前一环节（最近一次）办理之日起算，
#      单位为环节的 time_limit_unit（省略时同事项）。
# 事项另设法定时限 statutory_limit 的，time_limit 为承诺时限：承诺时限将到时预警，
# 已过承诺时限、未过法定时限的，以 deadline.promised_overdue 预警；过了法定时限才报警
# （deadline.item_overdue）。未设法定时限的，time_limit 即为判断超期的时限。
# 期限快到（剩余不超过 warn_days 个工作日）时预警，已过而环节未办时报警；环节办结晚于
# 期限的，报警。同一期限的预警与报警使用同一个 key（"item"、"step:<环节代码>"），
# 因此 tick 与 step 反复评估同样的事实不会重复入库。
#
# 期限按法律规定的计算方法（期间开始之日不计算在内；按自然日计算的期间最后一日是
# 法定休假日的，顺延至其后第一个工作日；中止计时的天数不计入；经批准的延长只计入
# 合法部分）由系统依据日历在 Go 中计算一次，作为事实放在输入中，本模块只比较事实、
# 措辞预警：
#   - input.case.deadlines：每个期限一项（key 为 "item"、"statutory" 或
#     "step:<环节代码>"），含起算日 start、天数 days、单位 unit、到期日 due（日历无法
#     确定时为 null）、办结日 done、计入的延长天数 extension_days、超出上限或次数不予
#     计入的 extension_cut、未经批准的延长次数 unapproved_extensions、扣除的中止天数
#     period_suspended_days（按该期限的单位；无法计算时为 null）与 suspended_days
#     （按事项单位，供查看）、今天到到期日的剩余工作日 remaining_workdays 与自然日
#     days_left、到期日到办结日（未办结：今天）的工作日 late_workdays 与自然日
#     late_days；环节期限另有 index、code、step_name、from_name 与 open（尚未办理、
#     仍在追踪）。
#   - input.case.facts：suspended（当前处于中止状态）、plain（没有延长和已结束的中止）、
#     accepted（受理日）、end_code / end_name（终止计时环节）、unknown_year（受理年起
#     三年内第一个未录入节假日安排的年份）、extension_rule / extension_unit、
#     suspensions / extensions（供查看）、extension_checks（每次延长与延长前的到期日）、
#     extension_counts（每次经批准的延长：申请天数 asked、计入天数 counted、序次 rank）、
#     steps（各环节第一次、最近一次办理的日期）。
# 案件状态为 closed，或处于中止状态时，不发出“未办结”类预警/报警；已办结环节的超期
# 报警不受影响。计算触及尚未录入节假日安排的年份时，不猜测，改为发出
# deadline.calendar_unknown 预警（key "calendar"）。
#
# 除 warnings 外，本模块还给出 next_check（本案期限状况下一次会自行变化的日期）与
# deadlines、suspensions、extensions（查看办件时限用）。法制办自己编写的规则仍可使用
# workday.* 内置函数计算工作日。
#
# 本族各规则共用 _timing、_running 与期限的表述等辅助规则，按一个族整体阅读和修改，
# 故不拆分为多个模块。

# 到期前多少个工作日开始预警（剩余工作日数 0..warn_days，含到期日当天；规则参数 deadline.warn_days）。
warn_days := data.params.deadline.warn_days

# 按自然日计的期限，到期日落在尚未录入日历的年份、剩余工作日数无法计算时：
# 距到期日不超过这么多个自然日才报告 deadline.calendar_unknown（更远的，待日历录入后再判断）。
calendar_lookahead_days := data.params.deadline.calendar_lookahead_days

facts := input.case.facts

unit := "calendar" if input.item.time_limit.unit == "calendar"

else := "workday"

unit_name := "日" if input.item.time_limit.unit == "calendar"

else := "个工作日"

category := object.get(input.item, "category", "")

case_no := object.get(input.case, "case_no", "")

# A penalty is a 案件 opened by 立案; any other item's case is a 办件 accepted by 受理.
case_word := "案件" if category == "行政处罚"

else := "办件"

start_word := "立案" if category == "行政处罚"

else := "受理"

today := substring(input.now, 0, 10) if {
	endswith(input.now, "+08:00")
} else := workday.date(input.now)

suspended if facts.suspended

# _live: the case's clocks run (it is neither suspended nor closed): open
# deadlines are chased.
_live if {
	not input.case.status == "closed"
	not facts.suspended
}

# The case's deadlines by kind: _item (the item's limit), _stat (its
# statutory limit), _steps (the flow steps' own limits).
_item := d if {
	some d in input.case.deadlines
	d.kind == "item"
}

_stat := d if {
	some d in input.case.deadlines
	d.kind == "statutory"
}

_steps := [d | some d in input.case.deadlines; d.kind == "step"]

# _over: the deadline after which the item is overdue (an alarm): the
# statutory limit when the item has one, else its own limit.
_over := _stat if {
	_item
} else := _item

_over_name := "法定时限" if _stat

else := "办理时限"

extension_rule := facts.extension_rule

ext_unit_name := unit_name_of(facts.extension_unit)

# unit_name_of(u): how a message names unit u.
unit_name_of("calendar") := "日"

unit_name_of(u) := "个工作日" if u != "calendar"

item_limit_text := sprintf("自 %s %s起 %v %s", [facts.accepted, start_word, input.item.time_limit.days, unit_name])

# item_period_text(p): the item's limit as it stood (p: a deadline or an
# extension check), with its suspensions and extensions; undefined when the
# suspensions cannot be counted.
item_period_text(p) := item_limit_text if {
	facts.plain # no suspension or extension to mention
} else := concat("", [
	item_limit_text,
	_adjust_text(susp, p.extension_days, p.unapproved_extensions),
	_part(p.extension_cut > 0, sprintf("，超出法定上限或次数的延长 %v %s 不予计入", [p.extension_cut, ext_unit_name])),
]) if {
	susp := _susp(p)
}

# _susp(p): the suspended days of p's own period, when they can be counted.
_susp(p) := n if {
	n := p.period_suspended_days
	is_number(n)
}

_adjust_text(susp, ext, unapproved) := concat("", [
	_part(susp > 0, sprintf("，扣除中止计时 %v %s", [susp, unit_name])),
	_part(ext > 0, sprintf("，经批准延长 %v %s", [ext, ext_unit_name])),
	_part(unapproved > 0, sprintf("，另有 %d 次延长未经批准、不予计入", [unapproved])),
])

_part(cond, text) := text if cond

else := ""

statutory_text(s) := sprintf("自 %s %s起 %v %s", [facts.accepted, start_word, s.days, unit_name_of(s.unit)]) if {
	facts.plain
} else := concat("", [
	sprintf("自 %s %s起 %v %s", [facts.accepted, start_word, s.days, unit_name_of(s.unit)]),
	_part(susp > 0, sprintf("，扣除中止计时 %v %s", [susp, unit_name_of(s.unit)])),
	_part(s.extension_days > 0, sprintf("，经批准延长 %v %s", [s.extension_days, ext_unit_name])),
]) if {
	susp := _susp(s)
}

over_period_text(d) := statutory_text(d) if d.kind == "statutory"

else := item_period_text(d)

step_period_text(d) := text if {
	facts.plain # no suspension to mention
	text := sprintf("自“%s”环节 %s 办理起 %v %s", [d.from_name, d.start, d.days, unit_name_of(d.unit)])
} else := concat("", [
	sprintf("自“%s”环节 %s 办理起 %v %s", [d.from_name, d.start, d.days, unit_name_of(d.unit)]),
	_part(susp > 0, sprintf("，扣除中止计时 %v %s", [susp, unit_name_of(d.unit)])),
]) if {
	susp := _susp(d)
}

item_basis := "《中华人民共和国行政许可法》第四十二条、第四十五条、第八十二条" if category == "行政许可"

else := "《中华人民共和国行政处罚法》第六十条、第八十五条" if category == "行政处罚"

else := sprintf("权力清单“%s”载明的办理时限", [input.item.name])

# late_text(d, u): how far d's step (or today) is past its due date, in unit u.
late_text(d, u) := sprintf("%d 个工作日", [n]) if {
	u == "workday"
	n := d.late_workdays
	is_number(n)
	n > 0
} else := sprintf("%d 天", [d.late_days])

remaining_text(d) := text if {
	text := _remaining_text(d.remaining_workdays)
} else := sprintf("仅剩 %d 天（节假日安排未录入，按自然日估算）", [d.days_left])

_remaining_text(0) := "今天是最后一天"

_remaining_text(n) := sprintf("仅剩 %d 个工作日", [n]) if {
	is_number(n)
	n > 0
}

# due_soon(d): today, at most warn_days working days remain until d is due;
# when the working days cannot be counted (a calendar-day period ending in
# an unknown year), at most warn_days calendar days remain.
due_soon(d) if {
	today <= d.due
	is_number(d.remaining_workdays)
	d.remaining_workdays <= warn_days
} else if {
	today <= d.due
	d.remaining_workdays == null
	d.days_left <= warn_days
}

# _timing(due, u): [soon, after] of a deadline due on due and counted in unit
# u: soon is the first day of its pre-warning, from which at most warn_days
# working days remain (null when the calendar cannot tell), after the day
# after due, from which it is overdue. A due date in working days is itself a
# working day, so its pre-warning starts warn_days working days before it.
_timing(due, u) := [soon, after] if {
	u == "workday"
	soon := workday.add(due, 0 - warn_days)
	after := workday.add_days(due, 1, "calendar")
} else := [soon, after] if {
	after := workday.add_days(due, 1, "calendar")
	soon := workday.add(after, -1 - warn_days)
} else := [null, workday.add_days(due, 1, "calendar")]

# _running(d): d is chased now: its step not done, its due date known, the
# case's clocks running; [soon, after] as _timing gives them.
_running(d) := _timing(d.due, d.unit) if {
	d.done == null
	is_string(d.due)
	_live
}

# _in_window(d, soon): today the pre-warning of d applies.
_in_window(d, soon) if {
	is_string(soon)
	today >= soon
	today <= d.due
} else if {
	soon == null
	due_soon(d)
}

# ---------------------------------------------------------------- 事项总时限

# METADATA
# title: 办件超过办理时限办结
# description: 终止计时环节的办理日期晚于事项办理时限（已计入中止计时与经批准的延长）的到期日。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政处罚法》第六十条
warnings contains w if {
	o := _over
	is_string(o.done)
	is_string(o.due)
	o.done > o.due
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办结，超过%s（%s，至 %s 届满），超期 %s。", [
			case_word, case_no, facts.end_name, o.done, _over_name, over_period_text(o), o.due, late_text(o, o.unit),
		]),
	}
}

# METADATA
# title: 办件已超过办理时限未办结
# description: 事项办理时限已届满，终止计时环节仍未办理（案件未中止、未关闭）。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政处罚法》第六十条
warnings contains w if {
	o := _over
	o.done == null
	is_string(o.due)
	t := today
	t > o.due
	_live
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的%s（%s）已于 %s 届满，至今（%s）尚未完成“%s”环节，已超期 %s，请立即办理并书面说明超期原因。", [
			case_word, case_no, _over_name, over_period_text(o), o.due, t, facts.end_name, late_text(o, o.unit),
		]),
	}
}

# ---------------------------------------------------------------- 法定时限与承诺时限

promised_basis := "《行政权力依法规范公开运行工作方案》承诺办理时限要求"

# METADATA
# title: 办件超过承诺时限办结
# description: 事项设有法定时限的，终止计时环节晚于承诺时限、未晚于法定时限办结，预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》承诺办理时限要求
warnings contains w if {
	s := _stat
	d := _item
	is_string(d.done)
	is_string(d.due)
	d.done > d.due
	is_string(s.due)
	d.done <= s.due
	w := {
		"rule": "deadline.promised_overdue",
		"level": "prewarning",
		"key": "item",
		"basis": promised_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办结，超过承诺时限（%s，至 %s 届满）%s，未超过法定时限（%s，至 %s 届满）。", [
			case_word, case_no, facts.end_name, d.done, item_period_text(d), d.due, late_text(d, unit), statutory_text(s), s.due,
		]),
	}
}

# METADATA
# title: 办件已超过承诺时限未办结
# description: 事项设有法定时限的，承诺时限已届满、法定时限尚未届满，终止计时环节仍未办理，预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》承诺办理时限要求
warnings contains w if {
	s := _stat
	d := _item
	d.done == null
	is_string(d.due)
	t := today
	t > d.due
	_live
	is_string(s.due)
	t <= s.due
	w := {
		"rule": "deadline.promised_overdue",
		"level": "prewarning",
		"key": "item",
		"basis": promised_basis,
		"message": sprintf("%s %s 的承诺时限（%s）已于 %s 届满，“%s”环节尚未办理；法定时限（%s）至 %s 届满，须于 %s（含）前办结。", [
			case_word, case_no, item_period_text(d), d.due, facts.end_name, statutory_text(s), s.due, s.due,
		]),
	}
}

# METADATA
# title: 办件即将到期
# description: 距事项办理时限届满不超过 warn_days（3）个工作日，终止计时环节仍未办理。
# custom:
#   level: prewarning
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政处罚法》第六十条
warnings contains w if {
	d := _item
	[soon, _] := _running(d)
	_in_window(d, soon)
	w := {
		"rule": "deadline.item_due_soon",
		"level": "prewarning",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的办理时限（%s）将于 %s 届满，%s，“%s”环节尚未办理，请抓紧办结。", [
			case_word, case_no, item_period_text(d), d.due, remaining_text(d), facts.end_name,
		]),
	}
}

# ---------------------------------------------------------------- 环节时限

step_basis := sprintf("权力清单“%s”载明的环节办理时限；《中华人民共和国行政许可法》第八十二条", [input.item.name]) if category == "行政许可"

else := sprintf("权力清单“%s”载明的环节办理时限", [input.item.name])

# METADATA
# title: 环节超过时限办理
# description: 环节第一次办理的日期晚于该环节自身时限（自前一环节办理起算）的到期日。
# custom:
#   level: alarm
#   basis: 权力清单载明的环节办理时限
warnings contains w if {
	some d in _steps
	d.open == false
	is_string(d.due)
	d.done > d.due
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": d.key,
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办理，超过该环节时限（%s，至 %s 届满），超期 %s。", [
			case_word, case_no, d.step_name, d.done, step_period_text(d), d.due, late_text(d, d.unit),
		]),
	}
}

# METADATA
# title: 环节已超过时限未办理
# description: 前一环节已办理，本环节时限已届满仍未办理（案件未中止、未关闭）。
# custom:
#   level: alarm
#   basis: 权力清单载明的环节办理时限
warnings contains w if {
	some d in _steps
	d.open == true
	is_string(d.due)
	t := today
	t > d.due
	_live
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": d.key,
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节时限（%s）已于 %s 届满，至今（%s）尚未办理，已超期 %s。", [
			case_word, case_no, d.step_name, step_period_text(d), d.due, t, late_text(d, d.unit),
		]),
	}
}

# METADATA
# title: 环节即将到期
# description: 距环节自身时限届满不超过 warn_days（3）个工作日，该环节仍未办理。
# custom:
#   level: prewarning
#   basis: 权力清单载明的环节办理时限
warnings contains w if {
	some d in _steps
	d.open == true
	[soon, _] := _running(d)
	_in_window(d, soon)
	w := {
		"rule": "deadline.step_due_soon",
		"level": "prewarning",
		"key": d.key,
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节须于 %s（含）前办理（%s），%s，请抓紧办理。", [
			case_word, case_no, d.step_name, d.due, step_period_text(d), remaining_text(d),
		]),
	}
}

# ---------------------------------------------------------------- 延长期限

extension_basis := "《中华人民共和国行政处罚法》第六十条" if category == "行政处罚"

else := "《中华人民共和国行政许可法》第四十二条"

# METADATA
# title: 延长期限晚于原办理时限
# description: 延长期限（extend）环节的办理日期晚于延长前的到期日：延长应在办理时限届满前经批准作出。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条
warnings contains w if {
	some x in facts.extension_checks
	is_string(x.due)
	x.at > x.due
	w := {
		"rule": "deadline.extension_late",
		"level": "alarm",
		"key": x.key,
		"basis": extension_basis,
		"message": sprintf("%s %s 于 %s 办理延长期限（申请延长 %v %s），但延长前的办理时限（%s）已于 %s 届满，已逾期 %s；延长期限应在办理时限届满前经负责人批准作出。", [
			case_word, case_no, x.at, x.asked, unit_name, item_period_text(x), x.due, late_text(x, unit),
		]),
	}
}

# METADATA
# title: 延长期限超过法定上限
# description: 经批准的延长天数超过事项（或法律对该类事项）规定的延长上限；超出部分不计入办理期限。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政强制法》第二十五条
warnings contains w if {
	some x in facts.extension_counts
	x.counted > 0
	x.counted < x.asked
	rule := extension_rule
	w := {
		"rule": "deadline.extension_over_cap",
		"level": "alarm",
		"key": x.key,
		"basis": rule.basis,
		"message": sprintf("%s %s 于 %s 延长办理期限 %v %s，超过%s规定的延长上限 %v %s；超出的 %v %s不予计入办理期限。", [
			case_word, case_no, x.at, x.asked, ext_unit_name, rule.basis, rule.max_days, ext_unit_name, x.asked - x.counted, ext_unit_name,
		]),
	}
}

# METADATA
# title: 延长期限次数超过规定
# description: 事项（或法律对该类事项）只允许延长规定的次数，超过次数的延长不计入办理期限。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政强制法》第二十五条
warnings contains w if {
	some x in facts.extension_counts
	x.counted == 0
	rule := extension_rule
	rule.times > 0
	x.rank >= rule.times
	w := {
		"rule": "deadline.extension_too_many",
		"level": "alarm",
		"key": x.key,
		"basis": rule.basis,
		"message": sprintf("%s %s 于 %s 第 %d 次延长办理期限（%v %s），而%s只允许延长 %d 次；本次延长不计入办理期限。", [
			case_word, case_no, x.at, x.rank + 1, x.asked, ext_unit_name, rule.basis, rule.times,
		]),
	}
}

# ---------------------------------------------------------------- 日历缺失

# calendar_gaps: the deadlines of this case that cannot be computed because
# the holiday schedule of a year they reach has not been entered.
calendar_gaps contains sprintf("办理时限（%s）", [item_limit_text]) if {
	_item.due == null
}

calendar_gaps contains "法定时限" if {
	_stat.due == null
}

calendar_gaps contains sprintf("办理时限（%s）的剩余工作日数", [item_limit_text]) if {
	d := _item
	d.done == null
	is_string(d.due)
	_live
	today <= d.due
	d.days_left <= calendar_lookahead_days
	d.remaining_workdays == null
}

calendar_gaps contains sprintf("“%s”环节时限", [d.step_name]) if {
	some d in _steps
	d.due == null
	_step_gap(d)
}

_step_gap(d) if d.open == false

_step_gap(d) if {
	d.open == true
	_live
}

# _uncounted: some deadline has a due date or a count of working days that
# the calendar could not give, which each of calendar_gaps needs.
_uncounted if {
	some d in input.case.deadlines
	d.due == null
}

_uncounted if {
	some d in input.case.deadlines
	d.remaining_workdays == null
}

unknown_period := sprintf("%d 年", [facts.unknown_year]) if is_number(facts.unknown_year)

else := "所涉期间"

# METADATA
# title: 节假日安排未录入，无法计算办理期限
# description: 期限计算触及系统日历中尚未录入节假日与调休安排的年份，无法判断是否超期。
# custom:
#   level: prewarning
#   basis: 国务院办公厅关于部分节假日安排的通知
warnings contains w if {
	_uncounted # a cheap look first: every gap is a deadline the calendar left uncounted
	count(calendar_gaps) > 0
	w := {
		"rule": "deadline.calendar_unknown",
		"level": "prewarning",
		"key": "calendar",
		"basis": "国务院办公厅关于部分节假日安排的通知",
		"message": sprintf("%s %s：%s的节假日和调休安排尚未录入系统日历，无法计算%s，暂不能判断是否超期。请电子政务办录入该年度节假日安排，系统将自动重新核算。", [
			case_word, case_no, unknown_period, concat("、", sort(calendar_gaps)),
		]),
	}
}

# ---------------------------------------------------------------- 下次巡检

# next_check: the dates ("YYYY-MM-DD", Asia/Shanghai) after today on which this
# case's deadline situation changes by itself, on step and tick. For each
# running deadline (not done; the case neither suspended nor closed): the first
# day of its pre-warning and the day after its due date (the alarm). The engine
# looks at the case again on the earliest. A deadline the calendar cannot
# compute asks for a look every 7 days until the schedule is entered. No date
# means no timed look is needed (a resume or any other change comes as a step).
next_check contains d if {
	input.event in {"step", "tick"}
	some dl in _chased
	t := today
	some d in _running(dl)
	is_string(d)
	d > t
}

next_check contains d if {
	input.event in {"step", "tick"}
	_item.done == null
	sd := _stat.due
	is_string(sd)
	_live
	d := workday.add_days(sd, 1, "calendar")
	d > today
}

next_check contains d if {
	input.event in {"step", "tick"}
	some dl in _chased
	dl.done == null
	_live
	_no_soon(dl)
	t := today
	some d in _estimates(t, dl)
	d > t
}

# _chased: the deadlines that are chased while they run: the item's limit
# and the open flow steps' limits.
_chased contains _item

_chased contains d if {
	some d in _steps
	d.open == true
}

# _no_soon(d): the calendar cannot tell d's pre-warning (nor, when due is
# null, d's due date).
_no_soon(d) if d.due == null

_no_soon(d) if [null, _] = _running(d)

# _estimates(t, d): when the calendar cannot tell the pre-warning of d, the
# days to look at it again: the calendar-day estimates that due_soon and
# calendar_gaps use, and a week from t until the holiday schedule is entered.
_estimates(t, d) := [gap, soon, weekly] if {
	is_string(d.due)
	d.remaining_workdays == null
	gap := workday.add_days(d.due, 0 - calendar_lookahead_days, "calendar")
	soon := workday.add_days(d.due, 0 - warn_days, "calendar")
	weekly := workday.add_days(t, 7, "calendar")
} else := [workday.add_days(t, 7, "calendar")]

# ---------------------------------------------------------------- 时限一览（view）

# deadlines: one object per deadline of the case, for people to look at:
#   key                "item" (the item's overall limit), "statutory" or
#                      "step:<code>" (a flow step's own limit, once its
#                      predecessor has occurred)
#   name               e.g. "办理时限", "“审查”环节时限"
#   start              the date the period runs from (its day is not counted)
#   days, unit         the limit as the catalogue sets it, before extensions
#   extension_days     approved extensions counted in the due date (item only)
#   suspended_days     days taken out by ended suspensions (null: not countable)
#   due                the due date, null when the calendar cannot tell
#   done               the date of the step that ends it, or null
#   state              running | due_soon | overdue | suspended | done_on_time
#                      | done_late | calendar_unknown
#   remaining_workdays working days from today to due (negative when overdue),
#                      null when done or not countable
# A flow step the case has gone past without doing it is not listed (it is not
# chased either). For a closed case, a deadline whose step was never done keeps
# the state its dates give.
deadlines contains {
	"key": d.key,
	"name": d.name,
	"start": d.start,
	"days": d.days,
	"unit": d.unit,
	"extension_days": d.extension_days,
	"suspended_days": d.suspended_days,
	"due": d.due,
	"done": d.done,
	"state": _state(d),
	"remaining_workdays": _remaining_or_null(d),
} if {
	some d in input.case.deadlines
	_viewed(d)
}

# _viewed(d): the item's limits are shown when it has an overall one.
_viewed(d) if d.kind == "step"

_viewed(d) if {
	d.kind in {"item", "statutory"}
	_item
}

_remaining_or_null(d) := d.remaining_workdays if {
	d.done == null
	d.due != null
} else := null

_state(d) := "calendar_unknown" if {
	d.due == null
} else := "done_late" if {
	d.done != null
	d.done > d.due
} else := "done_on_time" if {
	d.done != null
} else := "suspended" if {
	facts.suspended
} else := "overdue" if {
	today > d.due
} else := "due_soon" if {
	due_soon(d)
} else := "calendar_unknown" if {
	d.remaining_workdays == null
} else := "running"

# suspensions: each stop of the clock, {"from": date, "to": date or null while
# it lasts}; a suspend while already suspended is not a new one.
suspensions := facts.suspensions

# extensions: each extend step, {"step_id", "days" (attributes.extension_days,
# 0 when not a whole number), "approved" (it has an approval and valid days,
# so it counts), "at" (its date)}.
extensions := facts.extensions
