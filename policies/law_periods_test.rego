package compliance.law_periods_test

# Periods as the law counts them: a calendar-day period ending on a rest day
# or holiday ends on the next working day (民法典第二百零三条); each step's limit
# has its own unit (行政处罚法第八十五条); statutory and promised limits; the
# lawful cap, number and approver of extensions (行政许可法第四十二条,
# 行政强制法第二十五条). Dates counted by hand against the State Council's
# schedules: 2025 国庆 10-01..10-08 off, make-up Sun 09-28 and Sat 10-11;
# 2026 春节 02-15..02-23 off, make-up Sat 02-14 and Sat 02-28; 劳动节 05-01..05-05.

import data.compliance.catalog
import data.compliance.checkpoint
import data.compliance.deadline

ts(d) := sprintf("%sT10:00:00+08:00", [d])

fstep(code, name, limit, ends) := {
	"code": code, "name": name, "time_limit_days": limit,
	"risk_checkpoint": false, "requires_approval": "", "ends_clock": ends,
}

item(days, unit, category, name, flow) := {
	"code": "XK-001", "version": 1, "name": name, "category": category,
	"department_code": "ZJJ", "legal_bases": [],
	"time_limit": {"days": days, "unit": unit},
	"steps": flow, "discretion": {}, "status": "active",
}

penalty_flow := [
	fstep("accept", "立案", 0, false),
	fstep("decide", "处罚决定", 0, true),
	object.union(fstep("deliver", "送达", 7, false), {"time_limit_unit": "workday"}),
]

penalty := item(90, "calendar", "行政处罚", "违法建设处罚", penalty_flow)

licence_flow := [fstep("accept", "受理", 0, false), fstep("decide", "决定", 0, true)]

licence := item(20, "workday", "行政许可", "建筑工程施工许可", licence_flow)

seizure := item(30, "calendar", "行政强制", "查封扣押违法建设施工设备", licence_flow)

st(code, d) := {
	"id": sprintf("C1-%s-%s", [code, d]), "case_no": "C1", "step_code": code, "handler": "张三",
	"occurred_at": ts(d), "recorded_at": ts(d), "legal_basis_ids": [], "approvals": [], "attributes": {},
}

extend(d, days, role) := object.union(st("extend", d), {
	"approvals": [{"role": role, "by": "王局长", "at": ts(d)}],
	"attributes": {"extension_days": days},
})

case_doc(accepted, steps) := {
	"case_no": "C1", "applicant": "某公司", "accepted_at": ts(accepted),
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

overdue := {["deadline.item_overdue", "alarm", "item"]}

# ---------------------------------------------------------------- 1. the last day rolls over

test_builtin_due if {
	workday.due("2025-07-03", 90, "calendar") == "2025-10-09"
	workday.due("2025-07-13", 90, "calendar") == "2025-10-11" # a make-up Saturday is a working day
	workday.due("2025-11-17", 90, "calendar") == "2026-02-24"
	workday.due("2026-01-10", 90, "calendar") == "2026-04-10"
	workday.due("2025-09-30", 3, "workday") == "2025-10-11"
	not workday.due("2026-12-30", 2, "calendar") # 2027's schedule is not known
}

test_penalty_period_ending_in_national_day_ends_after_it if {
	# 2025-07-03 + 90 days = 10-01, a holiday: the period ends on 10-09
	inp := on_step(penalty, "2025-07-03", [st("accept", "2025-07-03")], st("decide", "2025-10-09"))
	count(deadline.warnings) == 0 with input as inp
}

test_penalty_period_ending_in_national_day_late_next_day if {
	inp := on_step(penalty, "2025-07-03", [st("accept", "2025-07-03")], st("decide", "2025-10-10"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2025-10-09 届满")
	contains(w.message, "超期 1 天")
}

test_penalty_case_is_a_case_opened_by_filing if {
	inp := on_step(penalty, "2025-07-03", [st("accept", "2025-07-03")], st("decide", "2025-10-10"))
	some w in deadline.warnings with input as inp
	startswith(w.message, "案件 ")
	contains(w.message, "立案起")
	not contains(w.message, "办件")
	not contains(w.message, "受理")
}

test_licence_case_is_a_case_accepted if {
	inp := on_step(licence, "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-04-30"))
	some w in deadline.warnings with input as inp
	startswith(w.message, "办件 ")
	contains(w.message, "受理起")
}

test_penalty_not_overdue_during_the_holiday if {
	# on 10-05 the period has not ended: 10-09 is its last day
	inp := on_tick(penalty, "2025-07-03", [st("accept", "2025-07-03")], "2025-10-05")
	found(deadline.warnings) == {["deadline.item_due_soon", "prewarning", "item"]} with input as inp
}

test_penalty_period_ending_on_make_up_saturday_stays if {
	inp := on_step(penalty, "2025-07-13", [st("accept", "2025-07-13")], st("decide", "2025-10-13"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "至 2025-10-11 届满")
}

test_penalty_period_ending_in_spring_festival if {
	# 2025-11-17 + 90 days = 2026-02-15, a holiday: the period ends on 02-24
	ok := on_step(penalty, "2025-11-17", [st("accept", "2025-11-17")], st("decide", "2026-02-24"))
	count(deadline.warnings) == 0 with input as ok
	late := on_step(penalty, "2025-11-17", [st("accept", "2025-11-17")], st("decide", "2026-02-25"))
	found(deadline.warnings) == overdue with input as late
}

# ---------------------------------------------------------------- 2. a step's own unit

steps_decided := [st("accept", "2025-07-03"), st("decide", "2025-09-30")]

test_penalty_delivery_counted_in_working_days if {
	# 7 working days from 09-30: 10-09, 10, 11 (make-up), 13, 14, 15, 16
	inp := on_step(penalty, "2025-07-03", steps_decided, st("deliver", "2025-10-16"))
	count(deadline.warnings) == 0 with input as inp
	late := on_step(penalty, "2025-07-03", steps_decided, st("deliver", "2025-10-17"))
	ws := deadline.warnings with input as late
	found(ws) == {["deadline.step_overdue", "alarm", "step:deliver"]}
	some w in ws
	contains(w.message, "7 个工作日")
	contains(w.message, "至 2025-10-16 届满")
	contains(w.message, "超期 1 个工作日")
}

test_step_without_unit_takes_the_items if {
	# in calendar days 09-30 + 7 = 10-07, a holiday: the step is due on 10-09
	flow := [penalty_flow[0], penalty_flow[1], fstep("deliver", "送达", 7, false)]
	it := item(90, "calendar", "行政处罚", "违法建设处罚", flow)
	inp := on_step(it, "2025-07-03", steps_decided, st("deliver", "2025-10-16"))
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.step_overdue", "alarm", "step:deliver"]}
	some w in ws
	contains(w.message, "至 2025-10-09 届满")
}

test_open_step_due_soon_in_working_days if {
	inp := on_tick(penalty, "2025-07-03", steps_decided, "2025-10-13")
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.step_due_soon", "prewarning", "step:deliver"]}
	some w in ws
	contains(w.message, "须于 2025-10-16（含）前办理")
}

catalog_in(it) := {"event": "catalog", "now": ts("2026-03-02"), "item": it, "catalog": {"last_case_at": ts("2026-03-01"), "cases_total": 1, "item_created_at": ts("2026-01-01")}}

short_rules(it) := rules if {
	ws := catalog.warnings with input as catalog_in(it)
	rules := {w.rule | some w in ws; w.rule == "catalog.short_period_in_calendar_days"}
}

test_catalog_short_penalty_period_in_calendar_days if {
	flow := [penalty_flow[0], penalty_flow[1], fstep("deliver", "送达", 7, false)]
	it := item(90, "calendar", "行政处罚", "违法建设处罚", flow)
	ws := catalog.warnings with input as catalog_in(it)
	some w in ws
	w.rule == "catalog.short_period_in_calendar_days"
	w.level == "prewarning"
	contains(w.message, "“送达”环节时限 7 日")
	contains(w.message, "《中华人民共和国行政处罚法》第八十五条")
}

test_catalog_short_period_in_working_days_is_fine if {
	short_rules(penalty) == set()
}

test_catalog_short_enforcement_limit if {
	it := item(10, "calendar", "行政强制", "扣押财物", licence_flow)
	short_rules(it) == {"catalog.short_period_in_calendar_days"}
	short_rules(item(11, "calendar", "行政强制", "扣押财物", licence_flow)) == set()
	short_rules(item(10, "calendar", "行政许可", "某许可", licence_flow)) == set()
}

# ---------------------------------------------------------------- 3. statutory and promised limits

# promised 10 working days from 03-02 → 03-16; statutory 20 → 03-30
promised := object.union(item(10, "workday", "行政许可", "建筑工程施工许可", licence_flow), {"statutory_limit": {"days": 20, "unit": "workday"}})

test_promised_limit_passed_is_a_prewarning if {
	inp := on_step(promised, "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-03-20"))
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.promised_overdue", "prewarning", "item"]}
	some w in ws
	contains(w.message, "超过承诺时限")
	contains(w.message, "至 2026-03-16 届满")
	contains(w.message, "至 2026-03-30 届满")
}

test_without_statutory_limit_as_before if {
	it := item(10, "workday", "行政许可", "建筑工程施工许可", licence_flow)
	inp := on_step(it, "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-03-20"))
	found(deadline.warnings) == overdue with input as inp
}

test_statutory_limit_passed_is_an_alarm if {
	inp := on_step(promised, "2026-03-02", [st("accept", "2026-03-02")], st("decide", "2026-03-31"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some w in ws
	contains(w.message, "超过法定时限")
	contains(w.message, "至 2026-03-30 届满")
}

test_promised_limit_nears_and_passes_on_tick if {
	steps := [st("accept", "2026-03-02")]
	found(deadline.warnings) == {["deadline.item_due_soon", "prewarning", "item"]} with input as on_tick(promised, "2026-03-02", steps, "2026-03-12")
	ws := deadline.warnings with input as on_tick(promised, "2026-03-02", steps, "2026-03-17")
	found(ws) == {["deadline.promised_overdue", "prewarning", "item"]}
	some w in ws
	contains(w.message, "须于 2026-03-30（含）前办结")
	found(deadline.warnings) == overdue with input as on_tick(promised, "2026-03-02", steps, "2026-03-31")
}

test_statutory_limit_next_check_and_view if {
	inp := on_tick(promised, "2026-03-02", [st("accept", "2026-03-02")], "2026-03-03")
	"2026-03-31" in deadline.next_check with input as inp
	some d in deadline.deadlines with input as inp
	d.key == "statutory"
	d.due == "2026-03-30"
}

# ---------------------------------------------------------------- 4. extensions

accepted := [st("accept", "2026-03-02")]

# licence 20 working days from 03-02 → 03-30; + 10 → 04-14
test_licence_extension_over_cap_counts_ten_days if {
	steps := array.concat(accepted, [extend("2026-03-20", 30, "dept_admin")])
	ok := on_step(licence, "2026-03-02", steps, st("decide", "2026-04-14"))
	ws := deadline.warnings with input as ok
	found(ws) == {["deadline.extension_over_cap", "alarm", "extend:C1-extend-2026-03-20"]}
	some w in ws
	contains(w.message, "延长办理期限 30 个工作日")
	contains(w.message, "上限 10 个工作日")
	w.basis == "《中华人民共和国行政许可法》第四十二条"
	late := on_step(licence, "2026-03-02", steps, st("decide", "2026-04-15"))
	ws2 := deadline.warnings with input as late
	found(ws2) == {["deadline.extension_over_cap", "alarm", "extend:C1-extend-2026-03-20"], ["deadline.item_overdue", "alarm", "item"]}
	some w2 in ws2
	w2.rule == "deadline.item_overdue"
	contains(w2.message, "至 2026-04-14 届满")
}

test_licence_second_extension_adds_nothing if {
	steps := array.concat(accepted, [extend("2026-03-20", 10, "dept_admin"), extend("2026-04-10", 5, "dept_admin")])
	inp := on_step(licence, "2026-03-02", steps, st("decide", "2026-04-20"))
	ws := deadline.warnings with input as inp
	found(ws) == {["deadline.extension_too_many", "alarm", "extend:C1-extend-2026-04-10"], ["deadline.item_overdue", "alarm", "item"]}
	some w in ws
	w.rule == "deadline.extension_too_many"
	contains(w.message, "第 2 次延长")
}

test_licence_extension_by_a_clerk_counts_nothing if {
	x := extend("2026-03-20", 10, "clerk")
	cw := checkpoint.warnings with input as on_step(licence, "2026-03-02", accepted, x)
	[w] := [w | some w in cw; w.rule == "checkpoint.extension_wrong_approver"]
	w.level == "alarm"
	contains(w.message, "须经部门负责人批准")
	contains(w.message, "录入员王局长")
	not contains(w.message, "clerk")
	inp := on_step(licence, "2026-03-02", array.concat(accepted, [x]), st("decide", "2026-04-14"))
	ws := deadline.warnings with input as inp
	found(ws) == overdue
	some o in ws
	contains(o.message, "至 2026-03-30 届满")
}

test_licence_extension_by_the_leader_is_fine if {
	x := extend("2026-03-20", 10, "dept_admin")
	cw := checkpoint.warnings with input as on_step(licence, "2026-03-02", accepted, x)
	count(cw) == 0
}

test_item_sets_its_own_approver if {
	it := object.union(item(20, "workday", "行政确认", "某确认", licence_flow), {"extension": {"approver_role": "dept_admin"}})
	cw := checkpoint.warnings with input as on_step(it, "2026-03-02", accepted, extend("2026-03-20", 10, "dept_inspector"))
	{w.rule | some w in cw} == {"checkpoint.extension_wrong_approver"}
	cw2 := checkpoint.warnings with input as on_step(item(20, "workday", "行政确认", "某确认", licence_flow), "2026-03-02", accepted, extend("2026-03-20", 10, "dept_inspector"))
	count(cw2) == 0
}

test_seizure_extension_capped_at_thirty_days if {
	# 30 days from 03-02 → 04-01; + 30 → 05-01, a holiday → 05-06
	steps := array.concat(accepted, [extend("2026-03-20", 45, "dept_admin")])
	ok := on_step(seizure, "2026-03-02", steps, st("decide", "2026-05-06"))
	ws := deadline.warnings with input as ok
	found(ws) == {["deadline.extension_over_cap", "alarm", "extend:C1-extend-2026-03-20"]}
	some w in ws
	w.basis == "《中华人民共和国行政强制法》第二十五条"
	late := on_step(seizure, "2026-03-02", steps, st("decide", "2026-05-07"))
	overdue == {x | some x in found(deadline.warnings); x[0] == "deadline.item_overdue"} with input as late
}

test_item_extension_rule_overrides_the_open_parts if {
	it := object.union(item(20, "workday", "行政确认", "某确认", licence_flow), {"extension": {"max_days": 5, "unit": "workday", "times": 0, "approver_role": ""}})
	r := deadline.extension_rule with input as on_tick(it, "2026-03-02", accepted, "2026-03-03")
	r.max_days == 5
	r.times == 0
	steps := array.concat(accepted, [extend("2026-03-20", 10, "dept_inspector")])
	ws := deadline.warnings with input as on_step(it, "2026-03-02", steps, st("decide", "2026-04-07"))
	found(ws) == {["deadline.extension_over_cap", "alarm", "extend:C1-extend-2026-03-20"]}
}
