package compliance.deadline

# The module as it was before the counting moved to Go, kept whole and unchanged as
# the oracle of TestOracle (internal/policy/oracle_test.go): not to be edited.

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
# 计算规则（边界约定）：
#   - 期间开始之日不计算在内（民法典第二百零一条）：期限 = workday.due(起算时刻,
#     天数, 单位)，到期日当天办结不算超期；办结日期（上海时区日期）> 到期日才算超期。
#   - 单位：time_limit.unit 为 "calendar" 时按自然日，其余一律按工作日（行政许可法第八十二条）。
#     按自然日计算的期间，最后一日是法定休假日（周末、节假日）的，以休假日结束的次日
#     即其后第一个工作日为期间的最后一日（民法典第二百零三条、民事诉讼法第八十五条）；
#     调休上班日是工作日。最后一日落在尚未录入日历的年份时，到期日无法确定，不作猜测。
#   - 受理时刻取 input.case.accepted_at；为空时取本案最早一个环节的办理时刻。
#   - 已办环节 = input.case.steps 加上本次提交的 input.step，按 occurred_at 排序
#     （时刻相同则保持提交顺序）；判断环节是否办结、取“第一次”/“最近一次”都以此为准。
#   - 中止计时（行政许可法第四十五条）：一个 suspend 与其后第一个 resume 构成一次已结束
#     的中止。已处于中止状态时再提交的 suspend 不另起一次；没有 suspend 在前的 resume
#     不起作用。每次中止扣除的天数：工作日单位为 workday.count(suspend, resume)，即
#     suspend 当日之后至 resume 当日（含）之间的工作日数——suspend 当日照常计入期限、
#     resume 当日不计入；自然日单位为两者日期相差的天数。尚未 resume 的中止不扣除天数，
#     但中止期间（最后一个 suspend/resume 为 suspend）不发出“未办结”类预警/报警。
#   - 延长期限：事项的 extension {max_days, unit, times, approver_role} 规定上限、
#     单位、次数和批准角色，未写明的按法律规定的默认值（extension_rule）：行政许可
#     一次、至多 10 个工作日、本机关负责人（部门负责人 dept_admin）批准（行政许可法
#     第四十二条）；行政强制中的查封、扣押一次、至多 30 日、负责人批准（行政强制法
#     第二十五条）；其他类别按事项规定，未规定的不限。step_code 为 extend、有规定
#     角色的批准（未规定角色的，有任一批准）、attributes.extension_days 为正整数的，
#     为经批准的延长；只计入合法部分：超过上限的只计上限天数
#     （deadline.extension_over_cap 报警），超过允许次数的不计入（deadline.extension_too_many
#     报警）；未经批准、批准角色不对（checkpoint 模块报警）或天数不合法的不顺延。
#     延长天数按延长的单位计算；与期间单位不同的，自原到期日起另行计算。
#   - 总时限只计入发生在终止计时环节之前（未办结时：至今）的中止与延长；延长本身迟于
#     “延长前的到期日”的，另报 deadline.extension_late，但该延长仍计入到期日（不重复报警）。
#   - 环节时限只扣除前一环节办理之后开始、本环节办理之前（未办理时：至今）已结束的中止
#     （按环节时限的单位计）；延长只作用于事项总时限（及法定时限），不作用于环节时限。
#   - 环节时限只对流程中第 2 个及以后的环节起算；环节已办结的，以其第一次办理为准，
#     起点取此前前一环节的最近一次办理；未办结的环节，只有在前一环节已办、且流程中其后
#     的环节都未办（案件尚未越过该环节）时才预警/报警。
#   - 案件状态为 closed，或处于中止状态时，不发出“未办结”类预警/报警；已办结环节的
#     超期报警不受影响。
#   - 日历：计算触及尚未录入节假日安排的年份时，内置函数无定义，此时不猜测，改为发出
#     deadline.calendar_unknown 预警（key "calendar"）。
#
# 除 warnings 外，本模块还给出（不产生预警）：
#   - next_check：本案期限状况下一次会自行变化的日期（引擎取其中晚于今天的最早一天，
#     作为定时巡检该案的日期）；
#   - deadlines、suspensions、extensions：供查看办件时限（view 事件）使用。
#
# 性能约定：每提交一个环节、每次定时巡检都要评估本模块，而求值器每求一个表达式、
# 每引用一次其他规则、每调用一次函数都有可观的开销，因此：
#   - 共用的事实写成无参数的完整规则，每次评估只算一次（done、_idx、_item、
#     _steps）；预警规则先取这些事实，最便宜、最能排除的条件放在最前；
#   - 按环节代码查位置用对象索引 _idx，不反复扫描已办环节；
#   - 一条规则内对同一规则只引用一次（先赋给局部变量）；
#   - 没有中止、延长的办件走直接计算的快路径；
#   - 消息等字符串只在预警成立后才生成。

# 到期前多少个工作日开始预警（剩余工作日数 0..warn_days，含到期日当天；规则参数 deadline.warn_days）。
warn_days := data.params.deadline.warn_days

# 按自然日计的期限，到期日落在尚未录入日历的年份、剩余工作日数无法计算时：
# 距到期日不超过这么多个自然日才报告 deadline.calendar_unknown（更远的，待日历录入后再判断）。
calendar_lookahead_days := data.params.deadline.calendar_lookahead_days

flow := input.item.steps

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

closed if input.case.status == "closed"

# ---------------------------------------------------------------- 已办环节

# done: every step of the case so far, ordered by occurrence (ties keep the
# order in which they were given); a step whose time cannot be read takes no
# part. The first body is the usual case: the steps are in order already.
done := raw if {
	input.event == "step"
	is_object(input.step)
	raw := array.concat(input.case.steps, [input.step])
	ns := [time.parse_rfc3339_ns(t) | t := raw[_].occurred_at]
	count(ns) == count(raw)
	ns == sort(ns)
} else := raw if {
	not input.event == "step"
	raw := input.case.steps
	ns := [time.parse_rfc3339_ns(t) | t := raw[_].occurred_at]
	count(ns) == count(raw)
	ns == sort(ns)
} else := [raw[pair[1]] | raw := raw_steps; some pair in sort(_keys)]

raw_steps := array.concat(input.case.steps, [input.step]) if {
	input.event == "step"
	is_object(input.step)
} else := input.case.steps

# _keys: [occurrence in ns, position in raw_steps] of each step whose time can be read.
_keys := [[ns, i] | some i, s in raw_steps; ns := _ns(s.occurred_at)]

_ns(ts) := n if {
	n := time.parse_rfc3339_ns(ts)
} else := time.parse_ns("2006-01-02", ts) if count(ts) == 10

n_done := count(done)

# _idx: [first, last]: step code → index in done of its first / latest occurrence.
_idx := [object.union_n(array.reverse(at)), object.union_n(at)] if {
	at := [{c: k} | c := done[k].step_code]
}

first_idx := _idx[0]

last_idx := _idx[1]

date_of(k) := workday.date(done[k].occurred_at)

# _latest_before(li, d, code, limit): the index in d of the latest occurrence of
# code before index limit (li: the latest occurrence of each code in d).
_latest_before(li, d, code, limit) := k if {
	k := li[code]
	k < limit
} else := idx[count(idx) - 1] if {
	idx := [k | some k, s in d; k < limit; s.step_code == code]
	count(idx) > 0
}

step_name(code) := names[0] if {
	names := [n | input.item.steps[i].code == code; n := input.item.steps[i].name; n != ""]
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

# _clock: indexes in done of the suspend and resume steps, in order.
_clock := [k | done[k].step_code in _clock_codes] if {
	first_idx.suspend >= 0
} else := []

# _periods: [suspend index, index of the next resume or -1] for each suspend
# that stops a running clock (a suspend while already suspended does not).
_periods := [[k, r] |
	some j, k in _clock
	done[k].step_code == "suspend"
	_starts_clock_stop(j)
	r := _resume_after(j)
]

_starts_clock_stop(j) if j == 0

_starts_clock_stop(j) if done[_clock[j - 1]].step_code == "resume"

_resume_after(j) := rs[0] if {
	rs := [k | some j2, k in _clock; j2 > j; done[k].step_code == "resume"]
	count(rs) > 0
} else := -1

# suspended: the clock is stopped now (the latest suspend/resume is a suspend).
suspended if {
	li := _idx[1]
	li.suspend > object.get(li, "resume", -1)
}

# _live: the case's clocks run (it is neither suspended nor closed): open
# deadlines are chased.
_live if {
	not input.case.status == "closed"
	not suspended
}

# excluded(k, r): the days the suspension from index k to index r takes out
# of a period, in the item's unit.
excluded(k, r) := excluded_in(k, r, unit)

# excluded_in(k, r, u): the same, in unit u.
excluded_in(k, r, u) := workday.count(done[k].occurred_at, done[r].occurred_at) if u == "workday"

excluded_in(k, r, u) := _days_between(date_of(k), date_of(r)) if u == "calendar"

_excluded_or_null(k, r) := d if {
	d := excluded(k, r)
} else := null

# _completed: [suspend index, resume index, days excluded or null when they
# cannot be counted (unknown calendar year)] of each suspension that has ended.
_completed := [[k, r, d] |
	some p in _periods
	k := p[0]
	r := p[1]
	r >= 0
	d := _excluded_or_null(k, r)
]

# suspension_days(from, upto): days excluded by the suspensions that start
# after index from and are resumed before index upto; undefined when one of
# them cannot be counted (unknown calendar year).
suspension_days(from, upto) := sum(days) if {
	days := [p[2] | some p in _completed; p[0] > from; p[1] < upto]
	not null in days
}

# suspension_days_in(from, upto, u): the same, in unit u.
suspension_days_in(from, upto, u) := suspension_days(from, upto) if {
	u == unit
} else := sum([excluded_in(p[0], p[1], u) | some p in _completed; p[0] > from; p[1] < upto])

# extension_rule: how the item's limit may be extended, {max_days, unit, times,
# approver_role} (0 or "": not limited), and basis: the item's own extension,
# each part it leaves open taken from the law's default for its category.
extension_rule := object.union(_law_extension, {k: v |
	some k, v in object.get(input.item, "extension", {})
	k in {"max_days", "unit", "times", "approver_role"}
	not v in {0, "", null}
})

_law_extension := {"max_days": 10, "unit": "workday", "times": 1, "approver_role": "dept_admin", "basis": "《中华人民共和国行政许可法》第四十二条"} if {
	category == "行政许可"
} else := {"max_days": 30, "unit": "calendar", "times": 1, "approver_role": "dept_admin", "basis": "《中华人民共和国行政强制法》第二十五条"} if {
	category == "行政强制"
	_seizure
} else := {"max_days": 0, "unit": unit, "times": 0, "approver_role": "", "basis": sprintf("权力清单“%s”载明的延长期限规定", [input.item.name])}

# _seizure: an enforcement item that seizes or detains (查封、扣押).
_seizure if contains(input.item.name, "查封")

_seizure if contains(input.item.name, "扣押")

ext_unit := extension_rule.unit if extension_rule.unit in {"workday", "calendar"}

else := unit

ext_unit_name := "日" if ext_unit == "calendar"

else := "个工作日"

# approved_extension(s): extend step s was approved lawfully: an approval
# that the approver signed with their own account (input.case.approvals,
# step_code "extend", decision "approve") before the step occurred and
# after the extension before it, by the role the extension rule names.
# Approvals that a step's body declares do not count.
approved_extension(s) if {
	s.step_code == "extend"
	_approved_by(_extension_approvals_for(s), extension_rule.approver_role)
	_valid_days(object.get(object.get(s, "attributes", {}), "extension_days", null))
}

_extension_approvals_for(s) := [a |
	some a in object.get(input.case, "approvals", [])
	a.step_code == "extend"
	a.decision == "approve"
	signed := time.parse_rfc3339_ns(a.at)
	signed <= time.parse_rfc3339_ns(s.occurred_at)
	not _served_earlier_extension(signed, s)
]

# _served_earlier_extension(signed, s): an approval signed then was there
# for an extension done before s.
_served_earlier_extension(signed, s) if {
	some e in done
	e.step_code == "extend"
	at := time.parse_rfc3339_ns(e.occurred_at)
	at >= signed
	at < time.parse_rfc3339_ns(s.occurred_at)
}

_approved_by(approvals, "") if count(approvals) > 0

_approved_by(approvals, role) if {
	role != ""
	some a in approvals
	a.role == role
}

# _ext_counted: [index in done, days asked, days counted] of each approved
# extension, in order: capped at max_days, and 0 past the times allowed.
_ext_counted := [[k, n, _ext_cap(n, j)] |
	some j, k in [k | some k in _ext; approved_extension(done[k])]
	n := done[k].attributes.extension_days
]

_ext_cap(n, j) := 0 if {
	extension_rule.times > 0
	j >= extension_rule.times
} else := min([n, extension_rule.max_days]) if {
	extension_rule.max_days > 0
} else := n

# _ext: indexes in done of the extend steps.
_ext := [k | some k, s in done; s.step_code == "extend"] if {
	first_idx.extend >= 0
} else := []

extension_days(upto) := sum([c | some [k, _, c] in _ext_counted; k < upto])

# extension_cut(upto): approved extension days that the cap or the number of
# times allowed leave out.
extension_cut(upto) := sum([d | some [k, n, c] in _ext_counted; k < upto; d := n - c])

unapproved_extensions(upto) := count([k | some k in _ext; k < upto; not approved_extension(done[k])])

# _plain_unit: the item's unit when nothing moves a due date (the case has no
# extend and no suspension that has ended), else null.
_plain_unit := unit if {
	fi := _idx[0]
	not fi.suspend
	not fi.extend
} else := unit if {
	not _idx[0].extend
	_completed == []
} else := null

# ---------------------------------------------------------------- 事项总时限

# _item: [due, e] when the item has an overall time limit: due is its due date
# as it stands (null when the calendar cannot tell), e the index in done of the
# step that ends its clock (-1 while that step has not been done). The first
# body is the usual case (nothing moves the due date).
_item := [due, e] if {
	days := input.item.time_limit.days
	is_number(days)
	days > 0
	days == round(days)
	days <= 3650
	input.item.steps[0]
	u := _plain_unit
	is_string(u)
	e := object.get(_idx[0], end_code, -1)
	due := workday.due(accepted_at, days, u)
} else := [due, e] if {
	item_limited
	e := object.get(first_idx, end_code, -1)
	due := _or_null(item_upto)
}

# _item_timing: while the item's clock runs and its due date is known, [soon,
# after] (see _timing); nulls otherwise.
_item_timing := _timing(due, unit) if {
	[due, -1] = _item
	is_string(due)
	_live
} else := [null, null]

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

# _in_window(t, due, soon): on day t the pre-warning of a deadline due on due
# applies (soon: see _timing).
_in_window(t, due, soon) if {
	is_string(soon)
	t >= soon
	t <= due
} else if {
	soon == null
	due_soon(t, due)
}

# _or_null(upto): item_due(upto), or null when the calendar cannot tell.
_or_null(upto) := d if {
	d := item_due(upto)
} else := null

item_limited if {
	_valid_days(input.item.time_limit.days)
	count(input.item.steps) > 0
	workday.date(accepted_at)
}

end_code := input.item.steps[e].code if {
	ends := [i | input.item.steps[i].ends_clock == true]
	count(ends) > 0
	e := ends[0]
} else := flow[count(flow) - 1].code

end_index := first_idx[end_code]

# item_due(upto): the item's due date as it stands at index upto of done.
item_due(upto) := _due_with(input.item.time_limit.days, unit, upto)

# _due_with(days, u, upto): the due date of a period of days in unit u from
# acceptance, with the suspensions (counted in u) and the lawful extensions
# before index upto; an extension in another unit runs from the end of the
# period it extends.
_due_with(days, u, upto) := workday.due(accepted_at, (days + suspension_days_in(-1, upto, u)) + extension_days(upto), u) if {
	ext_unit == u
} else := workday.due(workday.due(accepted_at, days + suspension_days_in(-1, upto, u), u), extension_days(upto), ext_unit)

# the index up to which the item's clock runs: its end step, or now.
item_upto := e if {
	e := end_index
} else := n_done

item_period_text(upto) := item_limit_text if {
	is_string(_plain_unit) # no suspension or extension to mention
} else := concat("", [
	item_limit_text,
	_adjust_text(suspension_days(-1, upto), extension_days(upto), unapproved_extensions(upto)),
	_part(extension_cut(upto) > 0, sprintf("，超出法定上限或次数的延长 %v %s 不予计入", [extension_cut(upto), ext_unit_name])),
])

_adjust_text(susp, ext, unapproved) := concat("", [
	_part(susp > 0, sprintf("，扣除中止计时 %v %s", [susp, unit_name])),
	_part(ext > 0, sprintf("，经批准延长 %v %s", [ext, ext_unit_name])),
	_part(unapproved > 0, sprintf("，另有 %d 次延长未经批准、不予计入", [unapproved])),
])

_part(cond, text) := text if cond

else := ""

item_basis := "《中华人民共和国行政许可法》第四十二条、第四十五条、第八十二条" if category == "行政许可"

else := "《中华人民共和国行政处罚法》第六十条、第八十五条" if category == "行政处罚"

else := sprintf("权力清单“%s”载明的办理时限", [input.item.name])

# overdue_text(due, d): how far d is past due.
overdue_text(due, d) := overdue_text_in(due, d, unit)

# overdue_text_in(due, d, u): how far d is past due, in unit u.
overdue_text_in(due, d, u) := sprintf("%d 个工作日", [n]) if {
	u == "workday"
	n := workday.count(due, d)
	n > 0
} else := sprintf("%d 天", [_days_between(due, d)])

# unit_name_of(u): how a message names unit u.
unit_name_of("calendar") := "日"

unit_name_of(u) := "个工作日" if u != "calendar"

# remaining(due): working days from today (exclusive) to due (inclusive).
remaining(due) := workday.count(today, due)

remaining_text(due) := text if {
	text := _remaining_text(remaining(due))
} else := sprintf("仅剩 %d 天（节假日安排未录入，按自然日估算）", [_days_between(today, due)])

_remaining_text(0) := "今天是最后一天"

_remaining_text(n) := sprintf("仅剩 %d 个工作日", [n]) if n > 0

# due_soon(t, due): on day t, at most warn_days working days remain until due;
# when the working days cannot be counted (a calendar-day period ending in an
# unknown year), at most warn_days calendar days remain.
due_soon(t, due) if {
	t <= due
	workday.count(t, due) <= warn_days
} else if {
	t <= due
	not workday.count(t, due)
	_days_between(t, due) <= warn_days
}



# METADATA
# title: 办件超过办理时限办结
# description: 终止计时环节的办理日期晚于事项办理时限（已计入中止计时与经批准的延长）的到期日。
# custom:
#   level: alarm
#   basis: 《中华人民共和国行政许可法》第四十二条；《中华人民共和国行政处罚法》第六十条
warnings contains w if {
	[due, e, u] := _over
	e >= 0
	is_string(due)
	d := workday.date(done[e].occurred_at)
	d > due
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办结，超过%s（%s，至 %s 届满），超期 %s。", [
			case_word, case_no, step_name(end_code), d, _over_name, over_period_text(e), due, overdue_text_in(due, d, u),
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
	[due, e, u] := _over
	e == -1
	is_string(due)
	t := today
	t > due
	_live
	w := {
		"rule": "deadline.item_overdue",
		"level": "alarm",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的%s（%s）已于 %s 届满，至今（%s）尚未完成“%s”环节，已超期 %s，请立即办理并书面说明超期原因。", [
			case_word, case_no, _over_name, over_period_text(n_done), due, t, step_name(end_code), overdue_text_in(due, t, u),
		]),
	}
}

# ---------------------------------------------------------------- 法定时限与承诺时限

# statutory: the item's statutory limit (法定时限) {days, unit}, when it has a
# valid one; time_limit is then the promised limit (承诺时限).
statutory := {"days": n, "unit": u} if {
	sl := input.item.statutory_limit
	n := sl.days
	_valid_days(n)
	u := _unit_of(object.get(sl, "unit", "workday"))
}

_unit_of(u) := "calendar" if u == "calendar"

else := "workday"

# _stat_due: the statutory limit's due date as it stands (null when the
# calendar cannot tell).
_stat_due := d if {
	sl := statutory
	is_string(_plain_unit)
	d := workday.due(accepted_at, sl.days, sl.unit)
} else := d if {
	sl := statutory
	d := _due_with(sl.days, sl.unit, item_upto)
} else := null if statutory

# _over: [due, e, u]: the due date after which the item is overdue (an alarm)
# and its unit: the statutory limit's when the item has one, else its own
# limit's; e as in _item.
_over := [sd, e, sl.unit] if {
	input.item.statutory_limit
	sl := statutory
	[_, e] := _item
	sd := _stat_due
} else := [due, e, unit] if {
	[due, e] := _item
}

_over_name := "法定时限" if statutory

else := "办理时限"

over_period_text(upto) := item_period_text(upto) if {
	not statutory
} else := statutory_text(upto)

statutory_text(upto) := text if {
	is_string(_plain_unit)
	sl := statutory
	text := sprintf("自 %s %s起 %v %s", [accepted_date, start_word, sl.days, unit_name_of(sl.unit)])
} else := concat("", [
	sprintf("自 %s %s起 %v %s", [accepted_date, start_word, statutory.days, unit_name_of(statutory.unit)]),
	_part(suspension_days_in(-1, upto, statutory.unit) > 0, sprintf("，扣除中止计时 %v %s", [suspension_days_in(-1, upto, statutory.unit), unit_name_of(statutory.unit)])),
	_part(extension_days(upto) > 0, sprintf("，经批准延长 %v %s", [extension_days(upto), ext_unit_name])),
])

promised_basis := "《行政权力依法规范公开运行工作方案》承诺办理时限要求"

# METADATA
# title: 办件超过承诺时限办结
# description: 事项设有法定时限的，终止计时环节晚于承诺时限、未晚于法定时限办结，预警。
# custom:
#   level: prewarning
#   basis: 《行政权力依法规范公开运行工作方案》承诺办理时限要求
warnings contains w if {
	[due, e] := _item
	e >= 0
	statutory
	is_string(due)
	d := workday.date(done[e].occurred_at)
	d > due
	sd := _stat_due
	is_string(sd)
	d <= sd
	w := {
		"rule": "deadline.promised_overdue",
		"level": "prewarning",
		"key": "item",
		"basis": promised_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办结，超过承诺时限（%s，至 %s 届满）%s，未超过法定时限（%s，至 %s 届满）。", [
			case_word, case_no, step_name(end_code), d, item_period_text(e), due, overdue_text(due, d), statutory_text(e), sd,
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
	[due, -1] = _item
	statutory
	is_string(due)
	t := today
	t > due
	_live
	sd := _stat_due
	is_string(sd)
	t <= sd
	w := {
		"rule": "deadline.promised_overdue",
		"level": "prewarning",
		"key": "item",
		"basis": promised_basis,
		"message": sprintf("%s %s 的承诺时限（%s）已于 %s 届满，“%s”环节尚未办理；法定时限（%s）至 %s 届满，须于 %s（含）前办结。", [
			case_word, case_no, item_period_text(n_done), due, step_name(end_code), statutory_text(n_done), sd, sd,
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
	[due, e] := _item
	e == -1
	_live
	[soon, _] := _item_timing
	_in_window(today, due, soon)
	w := {
		"rule": "deadline.item_due_soon",
		"level": "prewarning",
		"key": "item",
		"basis": item_basis,
		"message": sprintf("%s %s 的办理时限（%s）将于 %s 届满，%s，“%s”环节尚未办理，请抓紧办结。", [
			case_word, case_no, item_period_text(n_done), due, remaining_text(due), step_name(end_code),
		]),
	}
}

# ---------------------------------------------------------------- 环节时限

step_basis := sprintf("权力清单“%s”载明的环节办理时限；《中华人民共和国行政许可法》第八十二条", [input.item.name]) if category == "行政许可"

else := sprintf("权力清单“%s”载明的环节办理时限", [input.item.name])

# limited_steps: [i, code, days, predecessor's code, unit] of each flow step
# i after the first that has its own time limit.
limited_steps := [[i, fl[i].code, n, fl[i - 1].code, step_unit(fl[i])] |
	fl := input.item.steps
	n := fl[i].time_limit_days
	n > 0
	i > 0
	is_number(n)
	n == round(n)
	n <= 3650
]

# step_unit(f): the unit of flow step f's own limit: its time_limit_unit, else
# the item's.
step_unit(f) := _unit_of(f.time_limit_unit) if is_string(f.time_limit_unit)

else := unit

# _steps: [done_steps, open_steps]:
#   done_steps: [i, f, p, due] for each limited flow step i that has been done
#     after its predecessor: f is the index in done of its first occurrence, p
#     the latest occurrence of the predecessor before f, due its due date (null
#     when the calendar cannot tell);
#   open_steps: [i, p, due, soon, after] for each limited flow step i that has
#     not been done while its predecessor has (p: its latest occurrence in
#     done), and no later flow step has been done (the case has not gone past
#     it); due as above, soon and after as _timing gives them (nulls when the
#     calendar cannot tell).
# The first body is the usual case: no suspend or extend (nothing moves a due
# date), no step done twice (so a step's predecessor occurred once).
_steps := [dn, op] if {
	is_string(_plain_unit)
	[fi, li] := _idx
	fi == li
	d := done
	fl := input.item.steps
	dn := [[i, f, p, due] |
		n := fl[i].time_limit_days
		n > 0
		f := fi[fl[i].code]
		p := fi[fl[i - 1].code]
		p < f
		is_number(n)
		n == round(n)
		n <= 3650
		due := _due_or_null(d[p].occurred_at, n, step_unit(fl[i]), true, p, f)
	]
	op := [[i, p, due, soon, after] |
		n := fl[i].time_limit_days
		n > 0
		i > 0
		code := fl[i].code
		not fi[code]
		p := fi[fl[i - 1].code]
		is_number(n)
		n == round(n)
		n <= 3650
		not _passed(fl, fi, i)
		[due, soon, after] := _times(d[p].occurred_at, n, step_unit(fl[i]))
	]
} else := [dn, op] if {
	[fi, li] := _idx
	d := done
	dn := [[i, f, p, due] |
		some [i, code, n, prev, u] in limited_steps
		f := fi[code]
		p := _latest_before(li, d, prev, f)
		due := _due_or_null(d[p].occurred_at, n, u, false, p, f)
	]
	op := [[i, p, due, soon, after] |
		some [i, code, n, prev, u] in limited_steps
		not fi[code]
		p := li[prev]
		not _passed(input.item.steps, fi, i)
		due := _due_or_null(d[p].occurred_at, n, u, false, p, count(d))
		[soon, after] := _timing_or_nulls(due, u)
	]
}

# _times(from, n, u): [due, soon, after] of a limit of n days in unit u
# counted from the timestamp from (see _timing); nulls when the calendar
# cannot tell.
_times(from, n, u) := [due, soon, after] if {
	u == "workday"
	due := workday.add(from, n)
	soon := workday.add(due, 0 - warn_days)
	after := workday.add_days(due, 1, "calendar")
} else := [due, soon, after] if {
	due := workday.due(from, n, u)
	[soon, after] := _timing(due, u)
} else := [null, null, null]

_timing_or_nulls(due, u) := _timing(due, u) if {
	is_string(due)
	_live # only running deadlines need them
} else := [null, null]

done_steps := _steps[0]

open_steps := _steps[1]

# _passed(fl, fi, i): a step of the flow fl after position i has been done
# (fi: the first occurrence of each code in done).
_passed(fl, fi, i) if {
	some s in array.slice(fl, i + 1, count(fl))
	fi[s.code]
}

# _due_or_null(from, days, u, plain, p, upto): the due date of a limit of
# days in unit u counted from the timestamp from (the step at index p of
# done), with the suspensions before index upto (plain: there are none); null
# when the calendar cannot tell.
_due_or_null(from, days, u, true, _, _) := d if {
	d := workday.due(from, days, u)
} else := null

_due_or_null(from, days, u, false, p, upto) := d if {
	d := workday.due(from, days + suspension_days_in(p, upto, u), u)
} else := null

step_period_text(i, p, upto) := text if {
	is_string(_plain_unit) # no suspension to mention
	text := sprintf("自“%s”环节 %s 办理起 %v %s", [step_name(flow[i - 1].code), date_of(p), flow[i].time_limit_days, unit_name_of(step_unit(flow[i]))])
} else := concat("", [
	sprintf("自“%s”环节 %s 办理起 %v %s", [step_name(flow[i - 1].code), date_of(p), flow[i].time_limit_days, unit_name_of(step_unit(flow[i]))]),
	_part(suspension_days_in(p, upto, step_unit(flow[i])) > 0, sprintf("，扣除中止计时 %v %s", [suspension_days_in(p, upto, step_unit(flow[i])), unit_name_of(step_unit(flow[i]))])),
])

# METADATA
# title: 环节超过时限办理
# description: 环节第一次办理的日期晚于该环节自身时限（自前一环节办理起算）的到期日。
# custom:
#   level: alarm
#   basis: 权力清单载明的环节办理时限
warnings contains w if {
	[rows, _] := _steps
	some [i, f, p, due] in rows
	is_string(due)
	d := workday.date(done[f].occurred_at)
	d > due
	code := flow[i].code
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节于 %s 办理，超过该环节时限（%s，至 %s 届满），超期 %s。", [
			case_word, case_no, step_name(code), d, step_period_text(i, p, f), due, overdue_text_in(due, d, step_unit(flow[i])),
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
	[_, rows] := _steps
	some [i, p, due, _, _] in rows
	is_string(due)
	t := today
	t > due
	_live
	code := flow[i].code
	w := {
		"rule": "deadline.step_overdue",
		"level": "alarm",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节时限（%s）已于 %s 届满，至今（%s）尚未办理，已超期 %s。", [
			case_word, case_no, step_name(code), step_period_text(i, p, n_done), due, t, overdue_text_in(due, t, step_unit(flow[i])),
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
	[_, rows] := _steps
	some [i, p, due, soon, _] in rows
	is_string(due)
	_live
	_in_window(today, due, soon)
	code := flow[i].code
	w := {
		"rule": "deadline.step_due_soon",
		"level": "prewarning",
		"key": sprintf("step:%s", [code]),
		"basis": step_basis,
		"message": sprintf("%s %s 的“%s”环节须于 %s（含）前办理（%s），%s，请抓紧办理。", [
			case_word, case_no, step_name(code), due, step_period_text(i, p, n_done), remaining_text(due),
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
	_idx[0].extend >= 0
	some x in _ext
	item_limited
	due := item_due(x)
	d := date_of(x)
	d > due
	s := done[x]
	w := {
		"rule": "deadline.extension_late",
		"level": "alarm",
		"key": sprintf("extend:%s", [object.get(s, "id", sprintf("%d", [x]))]),
		"basis": extension_basis,
		"message": sprintf("%s %s 于 %s 办理延长期限（申请延长 %v %s），但延长前的办理时限（%s）已于 %s 届满，已逾期 %s；延长期限应在办理时限届满前经负责人批准作出。", [
			case_word, case_no, d, object.get(s.attributes, "extension_days", "?"), unit_name, item_period_text(x), due, overdue_text(due, d),
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
	_idx[0].extend >= 0
	some [x, n, c] in _ext_counted
	c > 0
	c < n
	rule := extension_rule
	w := {
		"rule": "deadline.extension_over_cap",
		"level": "alarm",
		"key": sprintf("extend:%s", [object.get(done[x], "id", sprintf("%d", [x]))]),
		"basis": rule.basis,
		"message": sprintf("%s %s 于 %s 延长办理期限 %v %s，超过%s规定的延长上限 %v %s；超出的 %v %s不予计入办理期限。", [
			case_word, case_no, date_of(x), n, ext_unit_name, rule.basis, rule.max_days, ext_unit_name, n - c, ext_unit_name,
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
	_idx[0].extend >= 0
	some j, [x, n, 0] in _ext_counted
	rule := extension_rule
	rule.times > 0
	j >= rule.times
	w := {
		"rule": "deadline.extension_too_many",
		"level": "alarm",
		"key": sprintf("extend:%s", [object.get(done[x], "id", sprintf("%d", [x]))]),
		"basis": rule.basis,
		"message": sprintf("%s %s 于 %s 第 %d 次延长办理期限（%v %s），而%s只允许延长 %d 次；本次延长不计入办理期限。", [
			case_word, case_no, date_of(x), j + 1, n, ext_unit_name, rule.basis, rule.times,
		]),
	}
}

# ---------------------------------------------------------------- 日历缺失

# calendar_gaps: the deadlines of this case that cannot be computed because
# the holiday schedule of a year they reach has not been entered.
calendar_gaps contains sprintf("办理时限（%s）", [item_limit_text]) if {
	_item[0] == null
}

calendar_gaps contains "法定时限" if {
	input.item.statutory_limit
	_stat_due == null
}

calendar_gaps contains sprintf("办理时限（%s）的剩余工作日数", [item_limit_text]) if {
	[due, -1] = _item
	is_string(due)
	_live
	t := today
	t <= due
	_days_between(t, due) <= calendar_lookahead_days
	not workday.count(t, due)
}

calendar_gaps contains sprintf("“%s”环节时限", [step_name(flow[i].code)]) if {
	[rows, _] := _steps
	some [i, _, _, null] in rows
}

calendar_gaps contains sprintf("“%s”环节时限", [step_name(flow[i].code)]) if {
	[_, rows] := _steps
	some [i, _, null, _, _] in rows
	_live
}

item_limit_text := sprintf("自 %s %s起 %v %s", [accepted_date, start_word, input.item.time_limit.days, unit_name])

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
	_item[1] == -1
	_live
	[soon, after] := _item_timing
	t := today
	some d in [soon, after]
	is_string(d)
	d > t
}

next_check contains d if {
	input.item.statutory_limit
	input.event in {"step", "tick"}
	_item[1] == -1
	sd := _stat_due
	is_string(sd)
	_live
	d := workday.add_days(sd, 1, "calendar")
	d > today
}

next_check contains d if {
	input.event in {"step", "tick"}
	[_, rows] := _steps
	some [_, _, _, soon, after] in rows
	_live
	t := today
	some d in [soon, after]
	is_string(d)
	d > t
}

next_check contains d if {
	input.event in {"step", "tick"}
	[due, -1] = _item
	[null, _] = _item_timing
	_live
	t := today
	some d in _estimates(t, due)
	d > t
}

next_check contains d if {
	input.event in {"step", "tick"}
	[_, rows] := _steps
	some [_, _, due, null, _] in rows
	_live
	t := today
	some d in _estimates(t, due)
	d > t
}

# _estimates(t, due): when the calendar cannot tell the pre-warning of a
# deadline due on due (null: not even that), the days to look at it again:
# the calendar-day estimates that due_soon and calendar_gaps use, and a week
# from t until the holiday schedule is entered.
_estimates(t, due) := [gap, soon, weekly] if {
	is_string(due)
	not workday.count(t, due)
	gap := workday.add_days(due, 0 - calendar_lookahead_days, "calendar")
	soon := workday.add_days(due, 0 - warn_days, "calendar")
	weekly := workday.add_days(t, 7, "calendar")
} else := [workday.add_days(t, 7, "calendar")]

# ---------------------------------------------------------------- 时限一览（view）

# deadlines: one object per deadline of the case, for people to look at:
#   key                "item" (the item's overall limit) or "step:<code>" (a
#                      flow step's own limit, once its predecessor has occurred)
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
	"key": "item",
	"name": "办理时限",
	"start": accepted_date,
	"days": input.item.time_limit.days,
	"unit": unit,
	"extension_days": extension_days(upto),
	"suspended_days": _suspension_days_or_null(-1, upto),
	"due": due,
	"done": fin,
	"state": _state(due, fin),
	"remaining_workdays": _remaining_or_null(due, fin),
} if {
	[due, e] := _item
	upto := item_upto
	fin := _date_or_null(e)
}

deadlines contains {
	"key": "statutory",
	"name": "法定时限",
	"start": accepted_date,
	"days": sl.days,
	"unit": sl.unit,
	"extension_days": extension_days(upto),
	"suspended_days": _suspension_days_or_null(-1, upto),
	"due": due,
	"done": fin,
	"state": _state(due, fin),
	"remaining_workdays": _remaining_or_null(due, fin),
} if {
	sl := statutory
	due := _stat_due
	[_, e] := _item
	upto := item_upto
	fin := _date_or_null(e)
}

deadlines contains {
	"key": sprintf("step:%s", [code]),
	"name": sprintf("“%s”环节时限", [step_name(code)]),
	"start": date_of(p),
	"days": flow[i].time_limit_days,
	"unit": step_unit(flow[i]),
	"extension_days": 0,
	"suspended_days": _suspension_days_or_null(p, f),
	"due": due,
	"done": fin,
	"state": _state(due, fin),
	"remaining_workdays": null,
} if {
	some [i, f, p, due] in done_steps
	code := flow[i].code
	fin := date_of(f)
}

deadlines contains {
	"key": sprintf("step:%s", [code]),
	"name": sprintf("“%s”环节时限", [step_name(code)]),
	"start": date_of(p),
	"days": flow[i].time_limit_days,
	"unit": step_unit(flow[i]),
	"extension_days": 0,
	"suspended_days": _suspension_days_or_null(p, n_done),
	"due": due,
	"done": null,
	"state": _state(due, null),
	"remaining_workdays": _remaining_or_null(due, null),
} if {
	some [i, p, due, _, _] in open_steps
	code := flow[i].code
}

_suspension_days_or_null(from, upto) := n if {
	n := suspension_days(from, upto)
} else := null

_remaining_or_null(due, fin) := n if {
	fin == null
	due != null
	n := remaining(due)
} else := null

_state(due, fin) := "calendar_unknown" if {
	due == null
} else := "done_late" if {
	fin != null
	fin > due
} else := "done_on_time" if {
	fin != null
} else := "suspended" if {
	suspended
} else := "overdue" if {
	today > due
} else := "due_soon" if {
	due_soon(today, due)
} else := "calendar_unknown" if {
	not remaining(due)
} else := "running"

# suspensions: each stop of the clock, {"from": date, "to": date or null while
# it lasts}; a suspend while already suspended is not a new one.
suspensions := [{"from": date_of(p[0]), "to": _date_or_null(p[1])} | some p in _periods]

_date_or_null(k) := date_of(k) if k >= 0

else := null

# extensions: each extend step, {"step_id", "days" (attributes.extension_days,
# 0 when not a whole number), "approved" (it has an approval and valid days,
# so it counts), "at" (its date)}.
extensions := [{"step_id": object.get(s, "id", ""), "days": _extension_days_of(s), "approved": _counts(s), "at": date_of(k)} |
	some k in _ext
	s := done[k]
]

_extension_days_of(s) := n if {
	n := s.attributes.extension_days
	is_number(n)
	n == round(n)
} else := 0

_counts(s) := true if approved_extension(s)

else := false
