package compliance.deadline_extension_test

import data.compliance.deadline
import data.compliance.deadline_steps_test as steps_fx
import data.compliance.deadline_test as fx

# Lawful extensions, years the calendar does not know yet, and input the
# module must survive; the fixtures they share are in deadline_test.rego (fx).

# ---------------------------------------------------------------- extension

# licensing 20 working days from 03-02 → 03-30; + 10: 03-31 (21), 04-01, 04-02, 04-03 (24),
# 04-07 (25), 04-08, 04-09, 04-10 (28), 04-13 (29), 04-14 (30)

test_approved_extension_pushes_due_date if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", 10)]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-14"))
	count(deadline.warnings) == 0 with input as inp
}

test_approved_extension_missed if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", 10)]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-15"))
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "经批准延长 10 个工作日")
	contains(w.message, "至 2026-04-14 届满")
}

test_unapproved_extension_not_counted if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend_unapproved("2026-03-20", 10)]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-14"))
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "另有 1 次延长未经批准、不予计入")
	contains(w.message, "至 2026-03-30 届满")
	contains(w.message, "超期 10 个工作日")
}

test_extension_with_bad_days_not_counted if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", "十")]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-14"))
	fx.found(deadline.warnings) == fx.overdue with input as inp
}

test_extension_pushes_tick_window if {
	# on 04-09, with the extension, 04-10, 04-13, 04-14 remain (3)
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", 10)]
	inp := fx.on_tick(fx.licence(20), "2026-03-02", steps, "2026-04-09")
	fx.found(deadline.warnings) == fx.due_soon with input as inp
}

test_extension_and_suspension_combine if {
	# 20 + 5 (suspension) + 10 (extension) = 35 working days: 04-07 (25) + 10 → 04-21
	# 04-08 (26), 09, 10, 13, 14 (30), 15, 16, 17, 20 (34), 21 (35)
	steps := array.concat(steps_fx.suspended_steps, [fx.extend("2026-03-20", 10)])
	ok := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-21"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-22"))
	fx.found(deadline.warnings) == fx.overdue with input as late
}

test_extension_on_due_day_not_late if {
	steps := [fx.st("accept", "2026-03-02")]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.extend("2026-03-30", 10))
	count(deadline.warnings) == 0 with input as inp
}

test_extension_late if {
	steps := [fx.st("accept", "2026-03-02")]
	x := fx.extend("2026-03-31", 10)
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, x)
	ws := deadline.warnings with input as inp

	# the extension still counts (due 04-14), so the case itself is not chased again
	fx.found(ws) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-03-31"]}
	some w in ws
	contains(w.message, "于 2026-03-31 办理延长期限")
	contains(w.message, "已于 2026-03-30 届满")
	w.basis == "《中华人民共和国行政许可法》第四十二条"
}

test_extension_late_reported_with_decision_too if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-31", 10)]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-10"))
	fx.found(deadline.warnings) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-03-31"]} with input as inp
}

test_extension_late_counts_earlier_extension if {
	# a first extension (+10 → 04-14) makes a second one on 04-13 timely, where the
	# item allows two (a licence allows one: see test_licence_second_extension_*)
	it := object.union(fx.item(20, "workday", "行政确认", fx.licence_flow), {"extension": {"times": 2}})
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", 10)]
	inp := fx.on_step(it, "2026-03-02", steps, fx.extend("2026-04-13", 5))
	count(deadline.warnings) == 0 with input as inp
}

test_extension_late_penalty_basis if {
	x := fx.extend("2026-06-03", 30)
	inp := fx.on_step(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04")], x)
	ws := deadline.warnings with input as inp
	fx.found(ws) == {["deadline.extension_late", "alarm", "extend:C1-extend-2026-06-03"]}
	some w in ws
	w.basis == "《中华人民共和国行政处罚法》第六十条"
}

# ---------------------------------------------------------------- calendar unknown

calendar_unknown := {["deadline.calendar_unknown", "prewarning", "calendar"]}

test_calendar_unknown_on_tick if {
	# 2026-12-20 + 20 working days reaches 2027, whose schedule is not known
	inp := fx.on_tick(fx.licence(20), "2026-12-20", [fx.st("accept", "2026-12-20")], "2026-12-21")
	ws := deadline.warnings with input as inp
	fx.found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "2027 年的节假日和调休安排尚未录入系统日历")
	contains(w.message, "自 2026-12-20 受理起 20 个工作日")
}

test_calendar_unknown_on_step if {
	inp := fx.decided(20, "2026-12-20", "2026-12-28")
	fx.found(deadline.warnings) == calendar_unknown with input as inp
}

test_calendar_unknown_one_warning_for_item_and_step if {
	# review (5 working days from 12-28: 12-29, 12-30, 12-31, then 2027) and the item both unknown
	inp := fx.on_tick(steps_fx.review_item, "2026-12-28", [fx.st("accept", "2026-12-28")], "2026-12-29")
	ws := deadline.warnings with input as inp
	fx.found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "“审查”环节时限")
	contains(w.message, "办理时限（自 2026-12-28 受理起 20 个工作日）")
}

test_calendar_known_no_unknown_warning if {
	# 2026-12-01 + 20 working days = 2026-12-29: computable
	inp := fx.on_tick(fx.licence(20), "2026-12-01", [fx.st("accept", "2026-12-01")], "2026-12-02")
	count(deadline.warnings) == 0 with input as inp
}

# 2026-11-02 + 90 days = 2027-01-31, a Sunday: the period ends on the first working
# day after it (民法典第二百零三条), which only 2027's schedule can tell. The due date
# is not guessed, whether far off or near: the gap is reported instead.
test_calendar_unit_due_in_unknown_year_far_away if {
	it := fx.item(90, "calendar", "行政处罚", fx.penalty_flow)
	inp := fx.on_tick(it, "2026-11-02", [fx.st("accept", "2026-11-02")], "2026-12-01")
	ws := deadline.warnings with input as inp
	fx.found(ws) == calendar_unknown
	some w in ws
	contains(w.message, "2027 年的节假日和调休安排尚未录入系统日历")
}

test_calendar_unit_due_in_unknown_year_near if {
	it := fx.item(90, "calendar", "行政处罚", fx.penalty_flow)
	inp := fx.on_tick(it, "2026-11-02", [fx.st("accept", "2026-11-02")], "2027-01-29")
	fx.found(deadline.warnings) == calendar_unknown with input as inp
}

test_calendar_unit_overdue_in_unknown_year if {
	# no alarm on a due date that cannot be known
	it := fx.item(90, "calendar", "行政处罚", fx.penalty_flow)
	inp := fx.on_tick(it, "2026-11-02", [fx.st("accept", "2026-11-02")], "2027-02-03")
	fx.found(deadline.warnings) == calendar_unknown with input as inp
}

# ---------------------------------------------------------------- robustness

test_accepted_at_missing_uses_first_step if {
	inp := fx.with_facts(json.patch(fx.decided(1, "2026-03-02", "2026-03-04"), [{"op": "replace", "path": "/case/accepted_at", "value": ""}]))
	fx.found(deadline.warnings) == fx.overdue with input as inp
}

test_first_step_of_case if {
	# the accept step itself: nothing to say
	inp := fx.on_step(fx.licence(20), "2026-03-02", [], fx.st("accept", "2026-03-02"))
	count(deadline.warnings) == 0 with input as inp
}

test_every_warning_well_formed if {
	inputs := [
		fx.decided(1, "2026-03-02", "2026-03-04"),
		fx.spring_tick("2026-03-10"),
		fx.on_tick(steps_fx.review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-10"),
		fx.on_step(fx.licence(20), "2026-03-02", [fx.st("accept", "2026-03-02")], fx.extend("2026-03-31", 10)),
		fx.on_tick(fx.licence(20), "2026-12-20", [fx.st("accept", "2026-12-20")], "2026-12-21"),
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
	cat := {"event": "catalog", "now": fx.ts("2026-03-05"), "department": {"code": "ZJJ", "name": "住建局"}, "item": steps_fx.review_item}
	count(deadline.warnings) == 0 with input as cat
	patrol := {"event": "patrol_day", "now": fx.ts("2026-03-05"), "department": {"code": "ZJJ", "name": "住建局"}}
	count(deadline.warnings) == 0 with input as patrol
}

test_duplicate_flow_codes_do_not_break_evaluation if {
	flow := [
		fx.fstep("accept", "受理", 0, false), fx.fstep("review", "初审", 0, false),
		fx.fstep("review", "复审", 0, false), fx.fstep("decide", "决定", 0, true),
	]
	inp := fx.on_step(fx.item(1, "workday", "行政许可", flow), "2026-03-02", [fx.st("accept", "2026-03-02")], fx.st("decide", "2026-03-04"))
	fx.found(deadline.warnings) == fx.overdue with input as inp
}
