package compliance.deadline_test

import data.compliance.deadline

# Every date asserted below was counted by hand against the State Council's
# schedules (2025: 国庆 10-01..10-08 off, make-up Sun 09-28 and Sat 10-11;
# 2026: 春节 02-15..02-23 off, make-up Sat 02-14 and Sat 02-28; 清明 04-04..04-06).
# 2026-03-02 is a Monday; March 2026 has no holiday.

# ---------------------------------------------------------------- fixtures

ts(d) := sprintf("%sT10:00:00+08:00", [d])

fstep(code, name, limit, ends) := {
	"code": code, "name": name, "time_limit_days": limit,
	"risk_checkpoint": false, "requires_approval": "", "ends_clock": ends,
}

# licensing flow: accept → review → decide (ends the clock) → deliver
licence_flow := [
	fstep("accept", "受理", 0, false),
	fstep("review", "审查", 0, false),
	fstep("decide", "决定", 0, true),
	fstep("deliver", "送达", 0, false),
]

penalty_flow := [
	fstep("accept", "立案", 0, false),
	fstep("investigate", "调查取证", 0, false),
	fstep("decide", "处罚决定", 0, false),
]

item(days, unit, category, flow) := {
	"code": "XK-001", "version": 1, "name": "建筑工程施工许可", "category": category,
	"department_code": "ZJJ",
	"legal_bases": [{"id": "LB1", "title": "《中华人民共和国行政许可法》", "article": "第四十二条"}],
	"time_limit": {"days": days, "unit": unit},
	"steps": flow, "discretion": {}, "status": "active",
}

licence(days) := item(days, "workday", "行政许可", licence_flow)

penalty := item(90, "calendar", "行政处罚", penalty_flow)

st(code, d) := {
	"id": sprintf("C1-%s-%s", [code, d]), "case_no": "C1", "step_code": code, "handler": "张三",
	"occurred_at": ts(d), "recorded_at": ts(d), "legal_basis_ids": [], "approvals": [], "attributes": {},
}

extend(d, days) := object.union(st("extend", d), {
	"approvals": [{"role": "dept_admin", "by": "王局长", "at": ts(d)}],
	"attributes": {"extension_days": days},
})

extend_unapproved(d, days) := object.union(st("extend", d), {"attributes": {"extension_days": days}})

case_doc(accepted, steps) := {
	"case_no": "C1", "applicant": "某建设公司", "accepted_at": ts(accepted),
	"status": "open", "department_code": "ZJJ", "steps": steps,
	"approvals": signed(steps),
}

# signed(steps): the fixtures' extension approvals, as their approvers sign
# them (input.case.approvals); a step's own approvals are only declared.
signed(steps) := [{
	"step_code": s.step_code, "decision": "approve", "opinion": "", "role": a.role,
	"username": "wang", "real_name": a.by, "at": a.at,
} |
	some s in steps
	some a in s.approvals
]

# on_step: the step s is submitted on its own day.
on_step(it, accepted, earlier, s) := with_facts({
	"event": "step", "now": s.occurred_at, "department": {"code": "ZJJ", "name": "住建局"},
	"item": it, "case": object.union(case_doc(accepted, earlier), {"approvals": signed(array.concat(earlier, [s]))}),
	"step": s,
})

on_tick(it, accepted, steps, now) := with_facts({
	"event": "tick", "now": ts(now), "department": {"code": "ZJJ", "name": "住建局"},
	"item": it, "case": case_doc(accepted, steps),
})

# with_facts(inp): inp with the facts the engine adds to input.case
# (input.case.deadlines, input.case.facts), counted from inp's steps, item
# and now; a test that changes one of those counts again.
with_facts(inp) := object.union(inp, {"case": object.union(inp.case, powercheck.case_facts(inp))})

found(ws) := {[w.rule, w.level, w.key] | some w in ws}

only(ws, rule) := [w | some w in ws; w.rule == rule]

overdue := {["deadline.item_overdue", "alarm", "item"]}

due_soon := {["deadline.item_due_soon", "prewarning", "item"]}

# decide step on day d of a licensing case accepted on `accepted`
decided(days, accepted, d) := on_step(licence(days), accepted, [st("accept", accepted), st("review", accepted)], st("decide", d))

# ---------------------------------------------------------------- start day not counted

test_start_day_not_counted_due_next_day if {
	inp := decided(1, "2026-03-02", "2026-03-03")
	ws := deadline.warnings with input as inp
	count(ws) == 0
}

test_start_day_not_counted_one_day_late if {
	inp := decided(1, "2026-03-02", "2026-03-04")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "C1")
	contains(w.message, "“决定”环节于 2026-03-04 办结")
	contains(w.message, "至 2026-03-03 届满")
	contains(w.message, "超期 1 个工作日")
	contains(w.basis, "第四十二条")
}

test_accepted_friday_due_monday if {
	inp := decided(1, "2026-03-06", "2026-03-09")
	ws := deadline.warnings with input as inp
	count(ws) == 0
}

test_accepted_friday_decided_tuesday_late if {
	# due Mon 03-09; decided on Tue 03-10 → 1 working day late
	inp := decided(1, "2026-03-06", "2026-03-10")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
}

test_timestamp_counts_in_shanghai_time if {
	# 2026-03-03T17:30Z is 2026-03-04 01:30 in Shanghai: one day late
	inp := on_step(licence(1), "2026-03-02", [st("accept", "2026-03-02")], object.union(st("decide", "2026-03-03"), {"occurred_at": "2026-03-03T17:30:00Z"}))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
}

# ---------------------------------------------------------------- 2025 National Day

test_national_day_makeup_sunday_counts if {
	# accepted Fri 2025-09-26 + 1 working day = Sun 2025-09-28 (make-up working day)
	inp := decided(1, "2025-09-26", "2025-09-28")
	count(deadline.warnings) == 0 with input as inp
}

test_national_day_makeup_sunday_missed if {
	inp := decided(1, "2025-09-26", "2025-09-29")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2025-09-28 届满")
}

test_national_day_holiday_skipped if {
	# 09-28 (1), 09-29 (2), 09-30 (3), 10-01..10-08 off, 10-09 (4), 10-10 (5), 10-11 Sat make-up (6), 10-13 (7)
	inp := decided(7, "2025-09-26", "2025-10-13")
	count(deadline.warnings) == 0 with input as inp
}

test_national_day_holiday_overdue if {
	inp := decided(7, "2025-09-26", "2025-10-14")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2025-10-13 届满")
	contains(w.message, "超期 1 个工作日")
}

test_national_day_due_soon_on_tick_before_holiday if {
	# 5 working days from 09-26 → due 10-10; on 09-30, 2 working days remain (10-09, 10-10)
	inp := on_tick(licence(5), "2025-09-26", [st("accept", "2025-09-26")], "2025-09-30")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "将于 2025-10-10 届满")
	contains(w.message, "仅剩 2 个工作日")
}

test_national_day_nothing_before_window if {
	# on 09-29: 09-30, 10-09, 10-10 … that is 3 → due soon; on 09-28 it is 4 → nothing
	inp := on_tick(licence(5), "2025-09-26", [st("accept", "2025-09-26")], "2025-09-28")
	count(deadline.warnings) == 0 with input as inp
}

# ---------------------------------------------------------------- 2026 Spring Festival

test_spring_festival_20_workdays_due_0313 if {
	# 02-10..02-13 (4), 02-14 Sat make-up (5), 02-15..02-23 off, 02-24..02-27 (9),
	# 02-28 Sat make-up (10), 03-02..03-06 (15), 03-09..03-13 (20)
	inp := decided(20, "2026-02-09", "2026-03-13")
	count(deadline.warnings) == 0 with input as inp
}

test_spring_festival_20_workdays_overdue if {
	inp := decided(20, "2026-02-09", "2026-03-16")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2026-03-13 届满")
	contains(w.message, "超期 1 个工作日")
}

test_spring_festival_makeup_saturday_is_the_due_day if {
	# accepted Fri 02-13 + 1 = Sat 02-14 (make-up); decided 02-24, the next working day after the holiday
	inp := decided(1, "2026-02-13", "2026-02-24")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2026-02-14 届满")
	contains(w.message, "超期 1 个工作日")
}

test_spring_festival_holiday_not_counted if {
	# accepted Sat 02-14 (make-up) + 1 = Tue 02-24
	inp := decided(1, "2026-02-14", "2026-02-24")
	count(deadline.warnings) == 0 with input as inp
}

# ---------------------------------------------------------------- tick: due soon vs overdue

spring_tick(now) := on_tick(licence(20), "2026-02-09", [st("accept", "2026-02-09"), st("review", "2026-02-10")], now)

test_tick_four_workdays_left_nothing if {
	# 03-10, 03-11, 03-12, 03-13 remain
	inp := spring_tick("2026-03-09")
	count(deadline.warnings) == 0 with input as inp
}

test_tick_three_workdays_left_due_soon if {
	inp := spring_tick("2026-03-10")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "仅剩 3 个工作日")
	contains(w.message, "“决定”环节尚未办理")
}

test_tick_last_day_due_soon if {
	inp := spring_tick("2026-03-13")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "今天是最后一天")
}

test_tick_day_after_overdue if {
	inp := spring_tick("2026-03-14")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
}

test_tick_overdue_counts_workdays if {
	inp := spring_tick("2026-03-17")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "已于 2026-03-13 届满")
	contains(w.message, "至今（2026-03-17）尚未完成“决定”环节")
	contains(w.message, "已超期 2 个工作日")
}

test_step_event_also_warns if {
	# a review step submitted on 03-16, after the due date: the open end step is overdue
	inp := on_step(licence(20), "2026-02-09", [st("accept", "2026-02-09")], st("review", "2026-03-16"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
}

test_tick_and_step_share_the_key if {
	tick := spring_tick("2026-03-16")
	late := decided(20, "2026-02-09", "2026-03-16")
	a := found(deadline.warnings) with input as tick
	b := found(deadline.warnings) with input as late
	a == b
	a == overdue
}

test_same_facts_same_warning if {
	inp := decided(20, "2026-02-09", "2026-03-16")
	a := deadline.warnings with input as inp
	b := deadline.warnings with input as inp
	a == b
	count(a) == 1
}

test_end_step_done_on_time_no_tick_warning if {
	# decided on time; deliver still open long after: nothing
	inp := on_tick(licence(20), "2026-02-09", [st("accept", "2026-02-09"), st("decide", "2026-03-12")], "2026-04-20")
	count(deadline.warnings) == 0 with input as inp
}

test_closed_case_not_warned if {
	inp := json.patch(spring_tick("2026-03-20"), [{"op": "replace", "path": "/case/status", "value": "closed"}])
	count(deadline.warnings) == 0 with input as inp
}

test_no_time_limit_no_warning if {
	inp := on_tick(licence(0), "2026-02-09", [st("accept", "2026-02-09")], "2026-12-01")
	count(deadline.warnings) == 0 with input as inp
}

test_ends_clock_defaults_to_last_flow_step if {
	flow := [fstep("accept", "受理", 0, false), fstep("review", "审查", 0, false), fstep("issue", "发证", 0, false)]
	it := item(1, "workday", "行政许可", flow)
	late := on_step(it, "2026-03-02", [st("accept", "2026-03-02")], st("issue", "2026-03-04"))
	ws := deadline.warnings with input as late
	found(ws) == overdue
	some w in ws
	contains(w.message, "“发证”环节")

	# review is not the end of the clock: on the due day the case is only due soon
	rev := on_step(it, "2026-03-02", [st("accept", "2026-03-02")], st("review", "2026-03-03"))
	found(deadline.warnings) == due_soon with input as rev
}

# ---------------------------------------------------------------- 清明 2026

test_qingming_holiday_skipped if {
	# accepted Fri 04-03 + 1: 04-04..04-06 off → Tue 04-07
	inp := decided(1, "2026-04-03", "2026-04-07")
	count(deadline.warnings) == 0 with input as inp
}

test_qingming_overdue if {
	inp := decided(1, "2026-04-03", "2026-04-08")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2026-04-07 届满")
}

test_qingming_due_soon_on_holiday if {
	# ticking on Mon 04-06 (a holiday): 1 working day (04-07) remains
	inp := on_tick(licence(1), "2026-04-03", [st("accept", "2026-04-03")], "2026-04-06")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "仅剩 1 个工作日")
}

# ---------------------------------------------------------------- licensing: 20 working days

test_licence_20_workdays_on_time if {
	# 03-03..03-06 (4), 03-09..13 (9), 16..20 (14), 23..27 (19), 03-30 (20)
	inp := decided(20, "2026-03-02", "2026-03-30")
	count(deadline.warnings) == 0 with input as inp
}

test_licence_20_workdays_late if {
	inp := decided(20, "2026-03-02", "2026-03-31")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "自 2026-03-02 受理起 20 个工作日")
	contains(w.message, "至 2026-03-30 届满")
	w.basis == "《中华人民共和国行政许可法》第四十二条、第四十五条、第八十二条"
}
