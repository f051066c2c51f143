package compliance.deadline

# 办理时限（期限）监察
#
# 对每个办件检查两类时限，在 step（环节提交）和 tick（定时巡检）两种事件上都作判断：
#   1. 事项的总办理时限 input.item.time_limit：自受理起算，至“终止计时环节”（流程中
#      ends_clock 为 true 的环节；没有则为流程最后一个环节）止；
#   2. 各环节自己的时限 time_limit_days：自流程中前一环节（最近一次）办理之日起算。
# 期限快到（剩余不超过 warn_days 个工作日）时预警，已过而环节未办时报警；环节办结晚于
# 期限的，报警。同一期限的预警与报警使用同一个 key（"item"、"step:<环节代码>"），
# 因此 tick 与 step 反复评估同样的事实不会重复入库。
#
# 计算规则（边界约定）：
#   - 期间开始之日不计算在内（民法典第二百零一条）：期限 = workday.add_days(起算时刻,
#     天数, 单位)，到期日当天办结不算超期；办结日期（上海时区日期）> 到期日才算超期。
#   - 单位：time_limit.unit 为 "calendar" 时按自然日，其余一律按工作日（行政许可法第八十二条）。
#     注意：按自然日计算时，本策略不作“最后一日为法定节假日顺延”的处理，到期日可能落在周末。
#   - 受理时刻取 input.case.accepted_at；为空时取本案最早一个环节的办理时刻。
#   - 已办环节 = input.case.steps 加上本次提交的 input.step，按 occurred_at 排序
#     （时刻相同则保持提交顺序）；判断环节是否办结、取“第一次”/“最近一次”都以此为准。
#   - 中止计时（行政许可法第四十五条）：一个 suspend 与其后第一个 resume 构成一次已结束
#     的中止。已处于中止状态时再提交的 suspend 不另起一次；没有 suspend 在前的 resume
#     不起作用。每次中止扣除的天数：工作日单位为 workday.count(suspend, resume)，即
#     suspend 当日之后至 resume 当日（含）之间的工作日数——suspend 当日照常计入期限、
#     resume 当日不计入；自然日单位为两者日期相差的天数。尚未 resume 的中止不扣除天数，
#     但中止期间（最后一个 suspend/resume 为 suspend）不发出“未办结”类预警/报警。
#   - 延长期限（行政许可法第四十二条）：step_code 为 extend、至少有一个 approvals、
#     attributes.extension_days 为正整数的，按事项单位顺延相应天数；未经批准或天数
#     不合法的 extend 不顺延。
#   - 总时限只计入发生在终止计时环节之前（未办结时：至今）的中止与延长；延长本身迟于
#     “延长前的到期日”的，另报 deadline.extension_late，但该延长仍计入到期日（不重复报警）。
#   - 环节时限只扣除前一环节办理之后开始、本环节办理之前（未办理时：至今）已结束的中止；
#     延长只作用于事项总时限，不作用于环节时限。
#   - 环节时限只对流程中第 2 个及以后的环节起算；环节已办结的，以其第一次办理为准，
#     起点取此前前一环节的最近一次办理；未办结的环节，只有在前一环节已办、且流程中其后
#     的环节都未办（案件尚未越过该环节）时才预警/报警。
#   - 案件状态为 closed，或处于中止状态时，不发出“未办结”类预警/报警；已办结环节的
#     超期报警不受影响。
#   - 日历：计算触及尚未录入节假日安排的年份时，内置函数无定义，此时不猜测，改为发出
#     deadline.calendar_unknown 预警（key "calendar"）。

# 到期前多少个工作日开始预警（剩余工作日数 0..warn_days，含到期日当天）。
warn_days := 3

# 按自然日计的期限，到期日落在尚未录入日历的年份、剩余工作日数无法计算时：
# 距到期日不超过这么多个自然日才报告 deadline.calendar_unknown（更远的，待日历录入后再判断）。
calendar_lookahead_days := 14

flow := input.item.steps

unit := "calendar" if input.item.time_limit.unit == "calendar"

else := "workday"

unit_name := "日" if unit == "calendar"

else := "个工作日"

category := object.get(input.item, "category", "")

case_no := object.get(input.case, "case_no", "")

today := workday.date(input.now)

closed if input.case.status == "closed"

# ---------------------------------------------------------------- 已办环节

_ns(ts) := time.parse_rfc3339_ns(ts)

_ns(ts) := time.parse_ns("2006-01-02", ts) if count(ts) == 10

raw_steps := array.concat(input.case.steps, [input.step]) if {
	input.event == "step"
	is_object(input.step)
} else := input.case.steps

# done: every step of the case so far, ordered by occurrence (ties keep the
# order in which they were given).
done := [raw_steps[k] |
	some pair in sort([[_ns(s.occurred_at), i] | some i, s in raw_steps])
	k := pair[1]
]

date_of(k) := workday.date(done[k].occurred_at)

# first_index(code): index in done of the first occurrence of code.
first_index(code) := idx[0] if {
	idx := [k | some k, s in done; s.step_code == code]
	count(idx) > 0
}

# last_index_before(code, limit): index of the latest occurrence of code before index limit.
last_index_before(code, limit) := idx[count(idx) - 1] if {
	idx := [k | some k, s in done; k < limit; s.step_code == code]
	count(idx) > 0
}

is_done(code) if {
	some s in done
	s.step_code == code
}

step_name(code) := names[0] if {
	names := [s.name | some s in flow; s.code == code; s.name != ""]
	count(names) > 0
} else := "中止计时" if code == "suspend"

else := "恢复计时" if code == "resume"

else := "延长期限" if code == "extend"

else := code

accepted_at := a if {
	a := input.case.accepted_at
	is_string(a)
	workday.date(a)
} else := done[0].occurred_at

accepted_date := workday.date(accepted_at)

_valid_days(n) if {
	is_number(n)
	n > 0
	n == round(n)
	n <= 3650
}

_days_between(a, b) := round((time.parse_ns("2006-01-02", b) - time.parse_ns("2006-01-02", a)) / 86400000000000)

# ---------------------------------------------------------------- 中止与延长

_clock_codes := {"suspend", "resume"}

# suspension_starts: indexes of the suspends that stop a running clock.
suspension_starts contains k if {
	some k, s in done
	s.step_code == "suspend"
	not _suspended_before(k)
}

_suspended_before(k) if {
	prev := [c.step_code | some j, c in done; j < k; c.step_code in _clock_codes]
	count(prev) > 0
	prev[count(prev) - 1] == "suspend"
}

# completed_suspensions: [suspend index, index of the next resume].
completed_suspensions contains [k, r] if {
	some k in suspension_starts
	rs := [j | some j, s in done; j > k; s.step_code == "resume"]
	count(rs) > 0
	r := rs[0]
}

# suspended: the clock is stopped now (the latest suspend/resume is a suspend).
suspended if {
	codes := [s.step_code | some s in done; s.step_code in _clock_codes]
	count(codes) > 0
	codes[count(codes) - 1] == "suspend"
}

# excluded(p): the days suspension p takes out of a period, in the item's unit.
excluded(p) := workday.count(done[p[0]].occurred_at, done[p[1]].occurred_at) if unit == "workday"

excluded(p) := _days_between(date_of(p[0]), date_of(p[1])) if unit == "calendar"

# suspension_days(from, upto): days excluded by the suspensions that start
# after index from and are resumed before index upto; undefined when one of
# them cannot be counted (unknown calendar year).
suspension_days(from, upto) := sum(days) if {
	ps := [p | some p in completed_suspensions; p[0] > from; p[1] < upto]
	days := [n | some p in ps; n := excluded(p)]
	count(days) == count(ps)
}

approved_extension(s) if {
	s.step_code == "extend"
	count(object.get(s, "approvals", [])) > 0
	_valid_days(object.get(object.get(s, "attributes", {}), "extension_days", null))
}

extension_days(upto) := sum([s.attributes.extension_days | some k, s in done; k < upto; approved_extension(s)])

unapproved_extensions(upto) := count([k | some k, s in done; k < upto; s.step_code == "extend"; not approved_extension(s)])

# ---------------------------------------------------------------- 事项总时限

item_limited if {
	_valid_days(input.item.time_limit.days)
	count(flow) > 0
	workday.date(accepted_at)
}

end_code := flow[e].code if {
	ends := [i | some i, s in flow; s.ends_clock == true]
	count(ends) > 0
	e := ends[0]
} else := flow[count(flow) - 1].code

end_index := first_index(end_code)

end_done if end_index

# item_extra(upto): suspended and extended days that push the item's due date,
# counting what happened before index upto.
item_extra(upto) := suspension_days(-1, upto) + extension_days(upto)

# item_due(upto): the item's due date as it stands at index upto of done.
item_due(upto) := workday.add_days(accepted_at, input.item.time_limit.days + item_extra(upto), unit)

# the index up to which the item's clock runs: its end step, or now.
item_upto := e if {
	e := end_index
} else := count(done)

item_period_text(upto) := concat("", [
	sprintf("自 %s 受理起 %v %s", [accepted_date, input.item.time_limit.days, unit_name]),
	_adjust_text(suspension_days(-1, upto), extension_days(upto), unapproved_extensions(upto)),
])

_adjust_text(susp, ext, unapproved) := concat("", [
	_part(susp > 0, sprintf("，扣除中止计时 %v %s", [susp, unit_name])),
	_part(ext > 0, sprintf("，经批准延长 %v %s", [ext, unit_name])),
	_part(unapproved > 0, sprintf("，另有 %d 次延长未经批准、不予计入", [unapproved])),
])

_part(cond, text) := text if cond

else := ""

item_basis := "《中华人民共和国行政许可法》第四十二条、第四十五条、第八十二条" if category == "行政许可"

else := "《中华人民共和国行政处罚法》第六十条、第八十五条" if category == "行政处罚"

else := sprintf("权力清单“%s”载明的办理时限", [input.item.name])

# overdue_text(due, d): how far d is past due.
overdue_text(due, d) := sprintf("%d 个工作日", [n]) if {
	unit == "workday"
	n := workday.count(due, d)
	n > 0
} else := sprintf("%d 天", [_days_between(due, d)])

# remaining(due): working days from today (exclusive) to due (inclusive).
remaining(due) := workday.count(today, due)

remaining_text(due) := "今天是最后一天" if remaining(due) == 0

else := sprintf("仅剩 %d 个工作日", [remaining(due)]) if remaining(due) > 0

else := sprintf("仅剩 %d 天（节假日安排未录入，按自然日估算）", [_days_between(today, due)])

# due_soon(due): today is on or before due and at most warn_days working days
# remain; when the working days cannot be counted (a calendar-day period ending
# in an unknown year), at most warn_days calendar days remain.
due_soon(due) if {
	today <= due
	remaining(due) <= warn_days
}

due_soon(due) if {
	today <= due
	not remaining(due)
	_days_between(today, due) <= warn_days
}

# METADATA
# title: 办件超过办理时限办结
# description: 终止计时环节的办理日期晚于事项办理时限（已计入中止计时与经批准的延长）的到期日。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政处罚法》第六十条
warnings contains w if {
	item_limited
	e := end_index
	due := item_due(e)
	d := date_of(e)
	d > due
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("办件 %s 的“%s”环节于 %s 办结，超过办理时限（%s，至 %s 届满），超期 %s。", [
			case_no, step_name(end_code), d, item_period_text(e), due, overdue_text(due, d),
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
	item_limited
	not end_done
	not suspended
	not closed
	due := item_due(count(done))
	today > due
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("办件 %s 的办理时限（%s）已于 %s 届满，至今（%s）尚未完成“%s”环节，已超期 %s，请立即办理并书面说明超期原因。", [
			case_no, item_period_text(count(done)), due, today, step_name(end_code), overdue_text(due, today),
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
	item_limited
	not end_done
	not suspended
	not closed
	due := item_due(count(done))
	due_soon(due)
	w := {
		"rule": "deadline.item_due_soon",
		"level": "prewarning",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("办件 %s 的办理时限（%s）将于 %s 届满，%s，“%s”环节尚未办理，请抓紧办结。", [
			case_no, item_period_text(count(done)), due, remaining_text(due), step_name(end_code),
		]),
	}
}

# ---------------------------------------------------------------- 环节时限

# limited_steps: indexes (> 0) of flow steps that have their own time limit.
limited_steps contains i if {
	some i, s in flow
	i > 0
	_valid_days(s.time_limit_days)
}

step_basis := sprintf("权力清单“%s”载明的环节办理时限；《中华人民共和国行政许可法》第八十二条", [input.item.name]) if category == "行政许可"

else := sprintf("权力清单“%s”载明的环节办理时限", [input.item.name])

# step_due(i, p, upto): the due date of flow step i counted from the
# predecessor's occurrence at index p, with the suspensions before index upto.
step_due(i, p, upto) := workday.add_days(done[p].occurred_at, flow[i].time_limit_days + suspension_days(p, upto), unit)

step_period_text(i, p, upto) := concat("", [
	sprintf("自“%s”环节 %s 办理起 %v %s", [step_name(flow[i - 1].code), date_of(p), flow[i].time_limit_days, unit_name]),
	_adjust_text(suspension_days(p, upto), 0, 0),
])

# passed(i): a flow step after i has been done: the case has moved on.
passed(i) if {
	some j, s in flow
	j > i
	is_done(s.code)
}

# open_steps: [i, p] where flow step i is not done and is waiting on the
# predecessor occurrence at index p of done.
open_steps contains [i, p] if {
	some i in limited_steps
	not is_done(flow[i].code)
	not passed(i)
	p := last_index_before(flow[i - 1].code, count(done))
}

# METADATA
# title: 环节超过时限办理
# description: 环节第一次办理的日期晚于该环节自身时限（自前一环节办理起算）的到期日。
# custom:
#   level: alarm
#   basis: 权力清单载明的环节办理时限
warnings contains w if {
	some i in limited_steps
	code := flow[i].code
	f := first_index(code)
	p := last_index_before(flow[i - 1].code, f)
	due := step_due(i, p, f)
	d := date_of(f)
	d > due
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("办件 %s 的“%s”环节于 %s 办理，超过该环节时限（%s，至 %s 届满），超期 %s。", [
			case_no, step_name(code), d, step_period_text(i, p, f), due, overdue_text(due, d),
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
	not suspended
	not closed
	some op in open_steps
	i := op[0]
	p := op[1]
	code := flow[i].code
	due := step_due(i, p, count(done))
	today > due
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("办件 %s 的“%s”环节时限（%s）已于 %s 届满，至今（%s）尚未办理，已超期 %s。", [
			case_no, step_name(code), step_period_text(i, p, count(done)), due, today, overdue_text(due, today),
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
	not suspended
	not closed
	some op in open_steps
	i := op[0]
	p := op[1]
	code := flow[i].code
	due := step_due(i, p, count(done))
	due_soon(due)
	w := {
		"rule": "deadline.step_due_soon",
		"level": "prewarning",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("办件 %s 的“%s”环节须于 %s 前办理（%s），%s，请抓紧办理。", [
			case_no, step_name(code), due, step_period_text(i, p, count(done)), remaining_text(due),
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
	item_limited
	some x, s in done
	s.step_code == "extend"
	due := item_due(x)
	d := date_of(x)
	d > due
	w := {
		"rule": "deadline.extension_late",
		"level": "alarm",
		"key": sprintf("extend:%s", [object.get(s, "id", sprintf("%d", [x]))]),
		"basis": extension_basis,
		"message": sprintf("办件 %s 于 %s 办理延长期限（申请延长 %v %s），但延长前的办理时限（%s）已于 %s 届满，已逾期 %s；延长期限应在办理时限届满前经负责人批准作出。", [
			case_no, d, object.get(s.attributes, "extension_days", "?"), unit_name, item_period_text(x), due, overdue_text(due, d),
		]),
	}
}

# ---------------------------------------------------------------- 日历缺失

# calendar_gaps: the deadlines of this case that cannot be computed because
# the holiday schedule of a year they reach has not been entered.
calendar_gaps contains sprintf("办理时限（%s）", [item_limit_text]) if {
	item_limited
	not item_due(item_upto)
}

calendar_gaps contains sprintf("办理时限（%s）的剩余工作日数", [item_limit_text]) if {
	item_limited
	not end_done
	not suspended
	not closed
	due := item_due(count(done))
	today <= due
	not remaining(due)
	_days_between(today, due) <= calendar_lookahead_days
}

calendar_gaps contains sprintf("“%s”环节时限", [step_name(code)]) if {
	some i in limited_steps
	code := flow[i].code
	f := first_index(code)
	p := last_index_before(flow[i - 1].code, f)
	not step_due(i, p, f)
}

calendar_gaps contains sprintf("“%s”环节时限", [step_name(code)]) if {
	not suspended
	not closed
	some op in open_steps
	i := op[0]
	p := op[1]
	code := flow[i].code
	not step_due(i, p, count(done))
}

item_limit_text := sprintf("自 %s 受理起 %v %s", [accepted_date, input.item.time_limit.days, unit_name])

# unknown_years: years from the acceptance on whose schedule is missing.
unknown_years := {y |
	y0 := to_number(substring(accepted_date, 0, 4))
	some y in numbers.range(y0, y0 + 2)
	not _known_year(y)
}

# _known_year(y): the calendar answers for y (is_workday is undefined otherwise;
# its value itself may be false, 1 January being a holiday).
_known_year(y) if is_boolean(workday.is_workday(sprintf("%d-01-01", [y])))

unknown_period := sprintf("%d 年", [min(unknown_years)]) if count(unknown_years) > 0

else := "所涉期间"

# METADATA
# title: 节假日安排未录入，无法计算办理期限
# description: 期限计算触及系统日历中尚未录入节假日与调休安排的年份，无法判断是否超期。
# custom:
#   level: prewarning
#   basis: 国务院办公厅关于部分节假日安排的通知
warnings contains w if {
	count(calendar_gaps) > 0
	w := {
		"rule": "deadline.calendar_unknown",
		"level": "prewarning",
		"key": "calendar",
		"basis": "国务院办公厅关于部分节假日安排的通知",
		"message": sprintf("办件 %s：%s的节假日和调休安排尚未录入系统日历，无法计算%s，暂不能判断是否超期。请电子政务办录入该年度节假日安排，系统将自动重新核算。", [
			case_no, unknown_period, concat("、", sort(calendar_gaps)),
		]),
	}
}
