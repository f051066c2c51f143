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
signed(steps) := [{"step_code": s.step_code, "decision": "approve", "opinion": "", "role": a.role,
	"username": "wang", "real_name": a.by, "at": a.at} |
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

# ---------------------------------------------------------------- penalty: 90 calendar days

penalty_decided(d) := on_step(penalty, "2026-03-04", [st("accept", "2026-03-04"), st("investigate", "2026-03-10")], st("decide", d))

test_penalty_90_days_on_time if {
	# 03-04 + 27 = 03-31, + 30 = 04-30 (57), + 31 = 05-31 (88), + 2 = 06-02 (90)
	count(deadline.warnings) == 0 with input as penalty_decided("2026-06-02")
}

test_penalty_90_days_late if {
	ws := deadline.warnings with input as penalty_decided("2026-06-03")
	found(ws) == overdue
	some w in ws
	contains(w.message, "90 日")
	contains(w.message, "至 2026-06-02 届满")
	contains(w.message, "超期 1 天")
	w.basis == "《中华人民共和国行政处罚法》第六十条、第八十五条"
}

test_penalty_due_soon_counts_working_days if {
	# Fri 05-29: 06-01 and 06-02 remain (2 working days) → due soon
	inp := on_tick(penalty, "2026-03-04", [st("accept", "2026-03-04")], "2026-05-29")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "仅剩 2 个工作日")
}

test_penalty_not_yet_due_soon if {
	# Wed 05-27: 05-28, 05-29, 06-01, 06-02 remain (4)
	inp := on_tick(penalty, "2026-03-04", [st("accept", "2026-03-04")], "2026-05-27")
	count(deadline.warnings) == 0 with input as inp
}

test_penalty_overdue_on_tick_in_days if {
	inp := on_tick(penalty, "2026-03-04", [st("accept", "2026-03-04")], "2026-06-06")
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "已超期 4 天")
}

test_generic_category_basis if {
	it := item(1, "workday", "行政确认", licence_flow)
	inp := on_step(it, "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-03-04"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	w.basis == "权力清单“建筑工程施工许可”载明的办理时限"
}

# ---------------------------------------------------------------- a step's own limit

# accept → review (5 working days) → decide (ends the clock, 20 working days overall)
review_flow := [
	fstep("accept", "受理", 0, false),
	fstep("review", "审查", 5, false),
	fstep("decide", "决定", 0, true),
]

review_item := item(20, "workday", "行政许可", review_flow)

step_overdue_review := {["deadline.step_overdue", "alarm", "step:review"]}

test_step_limit_on_time if {
	# 03-02 + 5 = 03-09 (Mon)
	inp := on_step(review_item, "2026-03-02", [st("accept", "2026-03-02")], st("review", "2026-03-09"))
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_late if {
	inp := on_step(review_item, "2026-03-02", [st("accept", "2026-03-02")], st("review", "2026-03-10"))
	ws := deadline.warnings with input as inp
	found(ws) == step_overdue_review
	some w in ws
	contains(w.message, "“审查”环节于 2026-03-10 办理")
	contains(w.message, "自“受理”环节 2026-03-02 办理起 5 个工作日")
	contains(w.message, "至 2026-03-09 届满")
	contains(w.message, "超期 1 个工作日")
}

test_step_limit_late_still_reported_later if {
	# the late review is reported again (same key) when the decision comes
	inp := on_step(review_item, "2026-03-02", [st("accept", "2026-03-02"), st("review", "2026-03-10")], st("decide", "2026-03-11"))
	found(deadline.warnings) == step_overdue_review with input as inp
}

test_step_limit_tick_nothing_yet if {
	# on 03-03: 03-04, 05, 06, 09 remain (4)
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-03")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_tick_due_soon if {
	# on 03-05: 03-06, 03-09 remain (2)
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-05")
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.step_due_soon", "prewarning", "step:review"]}
	some w in ws
	contains(w.message, "“审查”环节须于 2026-03-09（含）前办理")
	contains(w.message, "仅剩 2 个工作日")
}

test_step_limit_tick_overdue if {
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-10")
	ws := deadline.warnings with input as inp
	found(ws) == step_overdue_review
	some w in ws
	contains(w.message, "至今（2026-03-10）尚未办理")
}

test_step_limit_and_item_due_soon_together if {
	# review still open on 03-25: step 5 days overdue... and the item (due 03-30) is due soon
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-25")
	want := step_overdue_review | due_soon
	found(deadline.warnings) == want with input as inp
}

test_step_limit_runs_from_latest_predecessor if {
	# accept → review (0) → decide (3); review done twice: decide is counted from 03-05 → due 03-10
	flow := [fstep("accept", "受理", 0, false), fstep("review", "审查", 0, false), fstep("decide", "决定", 3, true)]
	it := item(20, "workday", "行政许可", flow)
	earlier := [st("accept", "2026-03-02"), st("review", "2026-03-03"), st("review", "2026-03-05")]
	ok := on_step(it, "2026-03-02", earlier, st("decide", "2026-03-10"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(it, "2026-03-02", earlier, st("decide", "2026-03-11"))
	found(deadline.warnings) == {["deadline.step_overdue", "alarm", "step:decide"]} with input as late
}

test_step_limit_waits_for_predecessor if {
	# decide has a limit but review (its predecessor) has not been done
	flow := [fstep("accept", "受理", 0, false), fstep("review", "审查", 0, false), fstep("decide", "决定", 3, true)]
	it := item(60, "workday", "行政许可", flow)
	inp := on_tick(it, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_skipped_step_not_chased if {
	# the case went on to the decision without review: no alarm on the open review
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02"), st("decide", "2026-03-12")], "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_first_step_has_none if {
	flow := [fstep("accept", "受理", 2, false), fstep("decide", "决定", 0, true)]
	it := item(20, "workday", "行政许可", flow)
	inp := on_tick(it, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-09")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_calendar_unit if {
	# penalty items count step limits in calendar days: investigate within 7 days of 03-04 → 03-11
	flow := [fstep("accept", "立案", 0, false), fstep("investigate", "调查取证", 7, false), fstep("decide", "处罚决定", 0, true)]
	it := item(90, "calendar", "行政处罚", flow)
	ok := on_step(it, "2026-03-04", [st("accept", "2026-03-04")], st("investigate", "2026-03-11"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(it, "2026-03-04", [st("accept", "2026-03-04")], st("investigate", "2026-03-12"))
	ws := deadline.warnings with input as late
	found(ws) == {["deadline.step_overdue", "alarm", "step:investigate"]}
	some w in ws
	contains(w.message, "7 日")
	contains(w.message, "超期 1 天")
}

# ---------------------------------------------------------------- suspension

# licensing, 20 working days from 03-02 (due 03-30); suspended 03-10, resumed 03-17:
# workday.count(03-10, 03-17) = 03-11, 12, 13, 16, 17 = 5 → due is the 25th working
# day: 03-31 (21), 04-01 (22), 04-02 (23), 04-03 (24), 04-04..06 清明, 04-07 (25).
suspended_steps := [st("accept", "2026-03-02"), st("review", "2026-03-03"), st("suspend", "2026-03-10"), st("resume", "2026-03-17")]

test_suspension_pushes_due_date if {
	inp := on_step(licence(20), "2026-03-02", suspended_steps, st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as inp
}

test_suspension_pushed_due_date_missed if {
	inp := on_step(licence(20), "2026-03-02", suspended_steps, st("decide", "2026-04-08"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "扣除中止计时 5 个工作日")
	contains(w.message, "至 2026-04-07 届满")
}

test_suspension_tick_after_original_due_is_fine if {
	# 03-31 is after the original due date 03-30 but 4 working days before 04-07
	inp := on_tick(licence(20), "2026-03-02", suspended_steps, "2026-03-31")
	count(deadline.warnings) == 0 with input as inp
}

test_suspension_tick_due_soon if {
	inp := on_tick(licence(20), "2026-03-02", suspended_steps, "2026-04-03")
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "将于 2026-04-07 届满")
	contains(w.message, "仅剩 1 个工作日")
}

test_suspended_case_is_not_chased if {
	steps := [st("accept", "2026-03-02"), st("suspend", "2026-03-10")]
	inp := on_tick(licence(20), "2026-03-02", steps, "2026-05-20")
	count(deadline.warnings) == 0 with input as inp
}

test_suspended_case_decision_still_checked if {
	# decided while still suspended, and the suspension was never resumed: not counted
	steps := [st("accept", "2026-03-02"), st("suspend", "2026-03-10")]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-07"))
	found(deadline.warnings) == overdue with input as inp
}

test_second_suspend_while_suspended_not_double_counted if {
	steps := [
		st("accept", "2026-03-02"), st("suspend", "2026-03-10"), st("suspend", "2026-03-12"),
		st("resume", "2026-03-17"),
	]
	ok := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-08"))
	found(deadline.warnings) == overdue with input as late
}

test_two_suspensions_add_up if {
	# 03-10→03-12 (2: 11, 12) and 03-16→03-19 (3: 17, 18, 19) = 5 → due 04-07 again
	steps := [
		st("accept", "2026-03-02"), st("suspend", "2026-03-10"), st("resume", "2026-03-12"),
		st("suspend", "2026-03-16"), st("resume", "2026-03-19"),
	]
	ok := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-08"))
	found(deadline.warnings) == overdue with input as late
}

test_resume_without_suspend_ignored if {
	steps := [st("accept", "2026-03-02"), st("resume", "2026-03-17")]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-03-31"))
	found(deadline.warnings) == overdue with input as inp
}

test_backdated_suspend_is_ordered_by_occurrence if {
	# the suspend of 03-10 is entered after the resume of 03-17: it still counts
	earlier := [st("accept", "2026-03-02"), st("resume", "2026-03-17")]
	inp := with_facts(json.patch(on_step(licence(20), "2026-03-02", earlier, st("suspend", "2026-03-10")), [{"op": "replace", "path": "/now", "value": ts("2026-04-03")}]))
	ws := deadline.warnings with input as inp
	found(ws) == due_soon
	some w in ws
	contains(w.message, "将于 2026-04-07 届满")
}

test_suspension_calendar_days if {
	# penalty due 06-02; suspended 04-01 → 04-11: 10 calendar days → 06-12
	steps := [st("accept", "2026-03-04"), st("suspend", "2026-04-01"), st("resume", "2026-04-11")]
	ok := on_step(penalty, "2026-03-04", steps, st("decide", "2026-06-12"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(penalty, "2026-03-04", steps, st("decide", "2026-06-13"))
	ws := deadline.warnings with input as late
	found(ws) == overdue
	some w in ws
	contains(w.message, "扣除中止计时 10 日")
	contains(w.message, "至 2026-06-12 届满")
}

test_suspension_pushes_step_limit if {
	# review (5 working days from 03-02 → 03-09) suspended 03-04 → 03-06 (2: 05, 06) → 03-11
	steps := [st("accept", "2026-03-02"), st("suspend", "2026-03-04"), st("resume", "2026-03-06")]
	ok := on_step(review_item, "2026-03-02", steps, st("review", "2026-03-11"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(review_item, "2026-03-02", steps, st("review", "2026-03-12"))
	found(deadline.warnings) == step_overdue_review with input as late
}

test_suspended_step_not_chased if {
	steps := [st("accept", "2026-03-02"), st("suspend", "2026-03-04")]
	inp := on_tick(review_item, "2026-03-02", steps, "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}

# ---------------------------------------------------------------- extension

# licensing 20 working days from 03-02 → 03-30; + 10: 03-31 (21), 04-01, 04-02, 04-03 (24),
# 04-07 (25), 04-08, 04-09, 04-10 (28), 04-13 (29), 04-14 (30)

test_approved_extension_pushes_due_date if {
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", 10)]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-14"))
	count(deadline.warnings) == 0 with input as inp
}

test_approved_extension_missed if {
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", 10)]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-15"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "经批准延长 10 个工作日")
	contains(w.message, "至 2026-04-14 届满")
}

test_unapproved_extension_not_counted if {
	steps := [st("accept", "2026-03-02"), extend_unapproved("2026-03-20", 10)]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-14"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "另有 1 次延长未经批准、不予计入")
	contains(w.message, "至 2026-03-30 届满")
	contains(w.message, "超期 10 个工作日")
}

test_extension_with_bad_days_not_counted if {
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", "十")]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-14"))
	found(deadline.warnings) == overdue with input as inp
}

test_extension_pushes_tick_window if {
	# on 04-09, with the extension, 04-10, 04-13, 04-14 remain (3)
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", 10)]
	inp := on_tick(licence(20), "2026-03-02", steps, "2026-04-09")
	found(deadline.warnings) == due_soon with input as inp
}

test_extension_and_suspension_combine if {
	# 20 + 5 (suspension) + 10 (extension) = 35 working days: 04-07 (25) + 10 → 04-21
	# 04-08 (26), 09, 10, 13, 14 (30), 15, 16, 17, 20 (34), 21 (35)
	steps := array.concat(suspended_steps, [extend("2026-03-20", 10)])
	ok := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-21"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-22"))
	found(deadline.warnings) == overdue with input as late
}

test_extension_on_due_day_not_late if {
	steps := [st("accept", "2026-03-02")]
	inp := on_step(licence(20), "2026-03-02", steps, extend("2026-03-30", 10))
	count(deadline.warnings) == 0 with input as inp
}

test_extension_late if {
	steps := [st("accept", "2026-03-02")]
	x := extend("2026-03-31", 10)
	inp := on_step(licence(20), "2026-03-02", steps, x)
	ws := deadline.warnings with input as inp

	# the extension still counts (due 04-14), so the case itself is not chased again
	found(ws) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-03-31"]}
	some w in ws
	contains(w.message, "于 2026-03-31 办理延长期限")
	contains(w.message, "已于 2026-03-30 届满")
	w.basis == "《中华人民共和国行政许可法》第四十二条"
}

test_extension_late_reported_with_decision_too if {
	steps := [st("accept", "2026-03-02"), extend("2026-03-31", 10)]
	inp := on_step(licence(20), "2026-03-02", steps, st("decide", "2026-04-10"))
	found(deadline.warnings) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-03-31"]} with input as inp
}

test_extension_late_counts_earlier_extension if {
	# a first extension (+10 → 04-14) makes a second one on 04-13 timely, where the
	# item allows two (a licence allows one: see test_licence_second_extension_*)
	it := object.union(item(20, "workday", "行政确认", licence_flow), {"extension": {"times": 2}})
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", 10)]
	inp := on_step(it, "2026-03-02", steps, extend("2026-04-13", 5))
	count(deadline.warnings) == 0 with input as inp
}

test_extension_late_penalty_basis if {
	x := extend("2026-06-03", 30)
	inp := on_step(penalty, "2026-03-04", [st("accept", "2026-03-04")], x)
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-06-03"]}
	some w in ws
	w.basis == "《中华人民共和国行政处罚法》第六十条"
}

# ---------------------------------------------------------------- calendar unknown

calendar_unknown := {["deadline.calendar_unknown", "prewarning", "calendar"]}

test_calendar_unknown_on_tick if {
	# 2026-12-20 + 20 working days reaches 2027, whose schedule is not known
	inp := on_tick(licence(20), "2026-12-20", [st("accept", "2026-12-20")], "2026-12-21")
	ws := deadline.warnings with input as inp
	found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "2027 年的节假日和调休安排尚未录入系统日历")
	contains(w.message, "自 2026-12-20 受理起 20 个工作日")
}

test_calendar_unknown_on_step if {
	inp := decided(20, "2026-12-20", "2026-12-28")
	found(deadline.warnings) == calendar_unknown with input as inp
}

test_calendar_unknown_one_warning_for_item_and_step if {
	# review (5 working days from 12-28: 12-29, 12-30, 12-31, then 2027) and the item both unknown
	inp := on_tick(review_item, "2026-12-28", [st("accept", "2026-12-28")], "2026-12-29")
	ws := deadline.warnings with input as inp
	found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "“审查”环节时限")
	contains(w.message, "办理时限（自 2026-12-28 受理起 20 个工作日）")
}

test_calendar_known_no_unknown_warning if {
	# 2026-12-01 + 20 working days = 2026-12-29: computable
	inp := on_tick(licence(20), "2026-12-01", [st("accept", "2026-12-01")], "2026-12-02")
	count(deadline.warnings) == 0 with input as inp
}

# 2026-11-02 + 90 days = 2027-01-31, a Sunday: the period ends on the first working
# day after it (民法典第二百零三条), which only 2027's schedule can tell. The due date
# is not guessed, whether far off or near: the gap is reported instead.
test_calendar_unit_due_in_unknown_year_far_away if {
	it := item(90, "calendar", "行政处罚", penalty_flow)
	inp := on_tick(it, "2026-11-02", [st("accept", "2026-11-02")], "2026-12-01")
	ws := deadline.warnings with input as inp
	found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "2027 年的节假日和调休安排尚未录入系统日历")
}

test_calendar_unit_due_in_unknown_year_near if {
	it := item(90, "calendar", "行政处罚", penalty_flow)
	inp := on_tick(it, "2026-11-02", [st("accept", "2026-11-02")], "2027-01-29")
	found(deadline.warnings) == calendar_unknown with input as inp
}

test_calendar_unit_overdue_in_unknown_year if {
	# no alarm on a due date that cannot be known
	it := item(90, "calendar", "行政处罚", penalty_flow)
	inp := on_tick(it, "2026-11-02", [st("accept", "2026-11-02")], "2027-02-03")
	found(deadline.warnings) == calendar_unknown with input as inp
}

# ---------------------------------------------------------------- robustness

test_accepted_at_missing_uses_first_step if {
	inp := with_facts(json.patch(decided(1, "2026-03-02", "2026-03-04"), [{"op": "replace", "path": "/case/accepted_at", "value": ""}]))
	found(deadline.warnings) == overdue with input as inp
}

test_first_step_of_case if {
	# the accept step itself: nothing to say
	inp := on_step(licence(20), "2026-03-02", [], st("accept", "2026-03-02"))
	count(deadline.warnings) == 0 with input as inp
}

test_every_warning_well_formed if {
	inputs := [
		decided(1, "2026-03-02", "2026-03-04"),
		spring_tick("2026-03-10"),
		on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-10"),
		on_step(licence(20), "2026-03-02", [st("accept", "2026-03-02")], extend("2026-03-31", 10)),
		on_tick(licence(20), "2026-12-20", [st("accept", "2026-12-20")], "2026-12-21"),
	]
	every inp in inputs {
		ws := deadline.warnings with input as inp
		count(ws) > 0
		every w in ws {
			startswith(w.rule, "deadline.")
			w.level in {"prewarning", "alarm"}
			w.message != ""
			w.basis != ""
			w.key != ""
		}
	}
}

test_other_events_ignored if {
	cat := {"event": "catalog", "now": ts("2026-03-05"), "department": {"code": "ZJJ", "name": "住建局"}, "item": review_item}
	count(deadline.warnings) == 0 with input as cat
	patrol := {"event": "patrol_day", "now": ts("2026-03-05"), "department": {"code": "ZJJ", "name": "住建局"}}
	count(deadline.warnings) == 0 with input as patrol
}

test_duplicate_flow_codes_do_not_break_evaluation if {
	flow := [
		fstep("accept", "受理", 0, false), fstep("review", "初审", 0, false),
		fstep("review", "复审", 0, false), fstep("decide", "决定", 0, true),
	]
	inp := on_step(item(1, "workday", "行政许可", flow), "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-03-04"))
	found(deadline.warnings) == overdue with input as inp
}

# ---------------------------------------------------------------- next_check

# next(inp): the dates on which the case is to be looked at again.
next(inp) := ds if {
	ds := deadline.next_check with input as inp
}

test_next_check_running_case if {
	# due 03-13 (Spring Festival case): the pre-warning starts on 03-10 (03-11, 03-12,
	# 03-13 remain), the alarm on 03-14
	next(spring_tick("2026-03-02")) == {"2026-03-10", "2026-03-14"}
}

test_next_check_on_step_too if {
	inp := on_step(licence(20), "2026-02-09", [st("accept", "2026-02-09")], st("review", "2026-02-10"))
	next(inp) == {"2026-03-10", "2026-03-14"}
}

test_next_check_due_soon_only_the_alarm_is_ahead if {
	next(spring_tick("2026-03-10")) == {"2026-03-14"}
	next(spring_tick("2026-03-13")) == {"2026-03-14"}
}

test_next_check_overdue_nothing_ahead if {
	next(spring_tick("2026-03-14")) == set()
	next(spring_tick("2026-04-20")) == set()
}

test_next_check_dates_agree_with_the_warnings if {
	# accepted Tue 02-10 with 5 working days: 02-11, 02-12, 02-13, Sat 02-14 (make-up),
	# then the Spring Festival, 02-24 → due 02-24; at most 3 working days remain from 02-12
	it := licence(5)
	steps := [st("accept", "2026-02-10")]
	next(on_tick(it, "2026-02-10", steps, "2026-02-11")) == {"2026-02-12", "2026-02-25"}
	count(deadline.warnings) == 0 with input as on_tick(it, "2026-02-10", steps, "2026-02-11")
	found(deadline.warnings) == due_soon with input as on_tick(it, "2026-02-10", steps, "2026-02-12")
	found(deadline.warnings) == due_soon with input as on_tick(it, "2026-02-10", steps, "2026-02-24")
	found(deadline.warnings) == overdue with input as on_tick(it, "2026-02-10", steps, "2026-02-25")
}

test_next_check_step_and_item_limits if {
	# review (5 working days from 03-02) due 03-09: pre-warning from 03-04, alarm 03-10;
	# the item (20 working days) due 03-30: pre-warning from 03-25, alarm 03-31
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-03")
	next(inp) == {"2026-03-04", "2026-03-10", "2026-03-25", "2026-03-31"}
}

test_next_check_calendar_days if {
	# penalty due 06-02 (a Tuesday): the pre-warning starts on Thu 05-28 (05-29, 06-01,
	# 06-02 remain), the alarm on 06-03
	inp := on_tick(penalty, "2026-03-04", [st("accept", "2026-03-04")], "2026-05-20")
	next(inp) == {"2026-05-28", "2026-06-03"}
}

test_next_check_calendar_day_due_on_a_weekend if {
	# 90 calendar days from 2026-03-08 is Sat 06-06: the period ends on Mon 06-08
	# (民法典第二百零三条). From Wed 06-03, 3 working days remain (06-04, 06-05, 06-08);
	# the alarm comes on 06-09.
	inp := on_tick(penalty, "2026-03-08", [st("accept", "2026-03-08")], "2026-05-20")
	next(inp) == {"2026-06-03", "2026-06-09"}
	count(deadline.warnings) == 0 with input as on_tick(penalty, "2026-03-08", [st("accept", "2026-03-08")], "2026-06-02")
	found(deadline.warnings) == due_soon with input as on_tick(penalty, "2026-03-08", [st("accept", "2026-03-08")], "2026-06-03")
	found(deadline.warnings) == due_soon with input as on_tick(penalty, "2026-03-08", [st("accept", "2026-03-08")], "2026-06-08")
	found(deadline.warnings) == overdue with input as on_tick(penalty, "2026-03-08", [st("accept", "2026-03-08")], "2026-06-09")
}

test_next_check_suspended_case_waits_for_the_resume if {
	steps := [st("accept", "2026-03-02"), st("suspend", "2026-03-10")]
	next(on_tick(licence(20), "2026-03-02", steps, "2026-03-12")) == set()
}

test_next_check_after_resume if {
	# suspended 03-10 → 03-17 (5 working days): due 04-07, pre-warning from 04-02
	# (04-03, 04-07, with 清明 04-04..04-06 off … 04-02 leaves 04-03 and 04-07: 2 days;
	# 04-01 leaves 04-02, 04-03, 04-07: 3)
	next(on_tick(licence(20), "2026-03-02", suspended_steps, "2026-03-20")) == {"2026-04-01", "2026-04-08"}
}

test_next_check_closed_case if {
	inp := json.patch(spring_tick("2026-03-02"), [{"op": "replace", "path": "/case/status", "value": "closed"}])
	next(inp) == set()
}

test_next_check_done_case if {
	# the item's end step is done and no step limit is running: nothing to look at
	inp := decided(20, "2026-02-09", "2026-03-12")
	next(inp) == set()
}

test_next_check_calendar_unknown_weekly if {
	# the due date reaches 2027, whose schedule is not known: look again in a week
	inp := on_tick(licence(20), "2026-12-20", [st("accept", "2026-12-20")], "2026-12-21")
	next(inp) == {"2026-12-28"}
}

test_next_check_calendar_day_due_in_unknown_year if {
	# 2026-11-02 + 90 days = 2027-01-31, a Sunday: the due date waits for 2027's
	# schedule, so look again in a week
	it := item(90, "calendar", "行政处罚", penalty_flow)
	inp := on_tick(it, "2026-11-02", [st("accept", "2026-11-02")], "2026-12-01")
	next(inp) == {"2026-12-08"}
}

test_next_check_only_on_step_and_tick if {
	inp := json.patch(spring_tick("2026-03-02"), [{"op": "replace", "path": "/event", "value": "view"}])
	next(inp) == set()
}

test_next_check_well_formed if {
	every d in next(on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-03")) {
		regex.match(`^\d{4}-\d{2}-\d{2}$`, d)
		d > "2026-03-03"
	}
}

# ---------------------------------------------------------------- deadlines

# view(inp): the deadlines by key, with the suspensions and extensions.
view(inp) := {d.key: d | some d in ds} if {
	ds := deadline.deadlines with input as inp
}

view_of(steps, now) := json.patch(on_tick(licence(20), "2026-03-02", steps, now), [{"op": "replace", "path": "/event", "value": "view"}])

test_deadlines_running if {
	v := view(spring_tick("2026-03-02"))
	v == {"item": {
		"key": "item", "name": "办理时限", "start": "2026-02-09", "days": 20, "unit": "workday",
		"extension_days": 0, "suspended_days": 0, "due": "2026-03-13", "done": null,
		"state": "running", "remaining_workdays": 9,
	}}
}

test_deadlines_due_soon_and_overdue if {
	v := view(spring_tick("2026-03-10"))
	v.item.state == "due_soon"
	v.item.remaining_workdays == 3
	last := view(spring_tick("2026-03-13"))
	last.item.state == "due_soon"
	last.item.remaining_workdays == 0
	late := view(spring_tick("2026-03-17"))
	late.item.state == "overdue"
	late.item.remaining_workdays == -2
}

test_deadlines_done if {
	on_time := view(decided(20, "2026-02-09", "2026-03-13"))
	on_time.item.state == "done_on_time"
	on_time.item.done == "2026-03-13"
	on_time.item.remaining_workdays == null
	late := view(decided(20, "2026-02-09", "2026-03-16"))
	late.item.state == "done_late"
	late.item.due == "2026-03-13"
}

test_deadlines_on_the_view_event if {
	v := view(view_of([st("accept", "2026-03-02")], "2026-03-10"))
	v.item.due == "2026-03-30"
	v.item.state == "running"
	v.item.remaining_workdays == 14
}

test_deadlines_suspended if {
	steps := [st("accept", "2026-03-02"), st("review", "2026-03-03"), st("suspend", "2026-03-10")]
	v := view(view_of(steps, "2026-03-12"))
	v.item.state == "suspended"
	v.item.suspended_days == 0
	v.item.due == "2026-03-30"
	deadline.suspensions == [{"from": "2026-03-10", "to": null}] with input as view_of(steps, "2026-03-12")
}

test_deadlines_after_suspension if {
	v := view(view_of(suspended_steps, "2026-03-20"))
	v.item.suspended_days == 5
	v.item.due == "2026-04-07"
	v.item.state == "running"
	deadline.suspensions == [{"from": "2026-03-10", "to": "2026-03-17"}] with input as view_of(suspended_steps, "2026-03-20")
}

test_deadlines_closed_case_keeps_its_dates if {
	inp := json.patch(spring_tick("2026-03-20"), [{"op": "replace", "path": "/case/status", "value": "closed"}])
	v := view(inp)
	v.item.state == "overdue"
	v.item.done == null
}

test_deadlines_calendar_unknown if {
	v := view(on_tick(licence(20), "2026-12-20", [st("accept", "2026-12-20")], "2026-12-21"))
	v.item.due == null
	v.item.state == "calendar_unknown"
	v.item.remaining_workdays == null
}

test_deadlines_calendar_days_in_unknown_year if {
	it := item(90, "calendar", "行政处罚", penalty_flow)
	v := view(on_tick(it, "2026-11-02", [st("accept", "2026-11-02")], "2026-12-01"))
	v.item.due == null
	v.item.unit == "calendar"
	v.item.state == "calendar_unknown"
	v.item.remaining_workdays == null
}

test_deadlines_steps if {
	# review (5 working days) done late on 03-10; decide (ends the clock) not yet
	inp := on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02"), st("review", "2026-03-10")], "2026-03-11")
	v := view(inp)
	v["step:review"] == {
		"key": "step:review", "name": "“审查”环节时限", "start": "2026-03-02", "days": 5, "unit": "workday",
		"extension_days": 0, "suspended_days": 0, "due": "2026-03-09", "done": "2026-03-10",
		"state": "done_late", "remaining_workdays": null,
	}
	v.item.state == "running"
	object.keys(v) == {"item", "step:review"}
}

test_deadlines_open_step if {
	v := view(on_tick(review_item, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-05"))
	v["step:review"].state == "due_soon"
	v["step:review"].due == "2026-03-09"
	v["step:review"].done == null
	v["step:review"].remaining_workdays == 2
}

test_deadlines_step_not_started_is_not_listed if {
	flow := [fstep("accept", "受理", 0, false), fstep("review", "审查", 0, false), fstep("decide", "决定", 3, true)]
	v := view(on_tick(item(60, "workday", "行政许可", flow), "2026-03-02", [st("accept", "2026-03-02")], "2026-03-05"))
	object.keys(v) == {"item"}
}

test_deadlines_extensions if {
	steps := [st("accept", "2026-03-02"), extend("2026-03-20", 10), extend_unapproved("2026-03-25", 5)]
	inp := view_of(steps, "2026-04-01")
	v := view(inp)
	v.item.extension_days == 10
	v.item.days == 20
	v.item.due == "2026-04-14"
	deadline.extensions == [
		{"step_id": "C1-extend-2026-03-20", "days": 10, "approved": true, "at": "2026-03-20"},
		{"step_id": "C1-extend-2026-03-25", "days": 5, "approved": false, "at": "2026-03-25"},
	] with input as inp
}

test_deadlines_none_without_a_limit if {
	inp := on_tick(licence(0), "2026-02-09", [st("accept", "2026-02-09")], "2026-12-01")
	count(deadline.deadlines) == 0 with input as inp
	deadline.suspensions == [] with input as inp
	deadline.extensions == [] with input as inp
}
