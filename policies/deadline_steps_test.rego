package compliance.deadline_steps_test

import data.compliance.deadline
import data.compliance.deadline_test as fx

# The deadlines of penalties, of flow steps and of suspended cases; the
# fixtures they share are in deadline_test.rego (fx).

# ---------------------------------------------------------------- penalty: 90 calendar days

penalty_decided(d) := fx.on_step(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04"), fx.st("investigate", "2026-03-10")], fx.st("decide", d))

test_penalty_90_days_on_time if {
	# 03-04 + 27 = 03-31, + 30 = 04-30 (57), + 31 = 05-31 (88), + 2 = 06-02 (90)
	count(deadline.warnings) == 0 with input as penalty_decided("2026-06-02")
}

test_penalty_90_days_late if {
	ws := deadline.warnings with input as penalty_decided("2026-06-03")
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "90 日")
	contains(w.message, "至 2026-06-02 届满")
	contains(w.message, "超期 1 天")
	w.basis == "《中华人民共和国行政处罚法》第六十条、第八十五条"
}

test_penalty_due_soon_counts_working_days if {
	# Fri 05-29: 06-01 and 06-02 remain (2 working days) → due soon
	inp := fx.on_tick(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04")], "2026-05-29")
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.due_soon
	some w in ws
	contains(w.message, "仅剩 2 个工作日")
}

test_penalty_not_yet_due_soon if {
	# Wed 05-27: 05-28, 05-29, 06-01, 06-02 remain (4)
	inp := fx.on_tick(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04")], "2026-05-27")
	count(deadline.warnings) == 0 with input as inp
}

test_penalty_overdue_on_tick_in_days if {
	inp := fx.on_tick(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04")], "2026-06-06")
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "已超期 4 天")
}

test_generic_category_basis if {
	it := fx.item(1, "workday", "行政确认", fx.licence_flow)
	inp := fx.on_step(it, "2026-03-02", [fx.st("accept", "2026-03-02")], fx.st("decide", "2026-03-04"))
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.overdue
	some w in ws
	w.basis == "权力清单“建筑工程施工许可”载明的办理时限"
}

# ---------------------------------------------------------------- a step's own limit

# accept → review (5 working days) → decide (ends the clock, 20 working days overall)
review_flow := [
	fx.fstep("accept", "受理", 0, false),
	fx.fstep("review", "审查", 5, false),
	fx.fstep("decide", "决定", 0, true),
]

review_item := fx.item(20, "workday", "行政许可", review_flow)

step_overdue_review := {["deadline.step_overdue", "alarm", "step:review"]}

test_step_limit_on_time if {
	# 03-02 + 5 = 03-09 (Mon)
	inp := fx.on_step(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], fx.st("review", "2026-03-09"))
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_late if {
	inp := fx.on_step(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], fx.st("review", "2026-03-10"))
	ws := deadline.warnings with input as inp
	fx.found(ws) == step_overdue_review
	some w in ws
	contains(w.message, "“审查”环节于 2026-03-10 办理")
	contains(w.message, "自“受理”环节 2026-03-02 办理起 5 个工作日")
	contains(w.message, "至 2026-03-09 届满")
	contains(w.message, "超期 1 个工作日")
}

test_step_limit_late_still_reported_later if {
	# the late review is reported again (same key) when the decision comes
	inp := fx.on_step(review_item, "2026-03-02", [fx.st("accept", "2026-03-02"), fx.st("review", "2026-03-10")], fx.st("decide", "2026-03-11"))
	fx.found(deadline.warnings) == step_overdue_review with input as inp
}

test_step_limit_tick_nothing_yet if {
	# on 03-03: 03-04, 05, 06, 09 remain (4)
	inp := fx.on_tick(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-03")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_tick_due_soon if {
	# on 03-05: 03-06, 03-09 remain (2)
	inp := fx.on_tick(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-05")
	ws := deadline.warnings with input as inp
	fx.found(ws) == {["deadline.step_due_soon", "prewarning", "step:review"]}
	some w in ws
	contains(w.message, "“审查”环节须于 2026-03-09（含）前办理")
	contains(w.message, "仅剩 2 个工作日")
}

test_step_limit_tick_overdue if {
	inp := fx.on_tick(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-10")
	ws := deadline.warnings with input as inp
	fx.found(ws) == step_overdue_review
	some w in ws
	contains(w.message, "至今（2026-03-10）尚未办理")
}

test_step_limit_and_item_due_soon_together if {
	# review still open on 03-25: step 5 days overdue... and the item (due 03-30) is due soon
	inp := fx.on_tick(review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-25")
	want := step_overdue_review | fx.due_soon
	fx.found(deadline.warnings) == want with input as inp
}

test_step_limit_runs_from_latest_predecessor if {
	# accept → review (0) → decide (3); review done twice: decide is counted from 03-05 → due 03-10
	flow := [fx.fstep("accept", "受理", 0, false), fx.fstep("review", "审查", 0, false), fx.fstep("decide", "决定", 3, true)]
	it := fx.item(20, "workday", "行政许可", flow)
	earlier := [fx.st("accept", "2026-03-02"), fx.st("review", "2026-03-03"), fx.st("review", "2026-03-05")]
	ok := fx.on_step(it, "2026-03-02", earlier, fx.st("decide", "2026-03-10"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(it, "2026-03-02", earlier, fx.st("decide", "2026-03-11"))
	fx.found(deadline.warnings) == {["deadline.step_overdue", "alarm", "step:decide"]} with input as late
}

test_step_limit_waits_for_predecessor if {
	# decide has a limit but review (its predecessor) has not been done
	flow := [fx.fstep("accept", "受理", 0, false), fx.fstep("review", "审查", 0, false), fx.fstep("decide", "决定", 3, true)]
	it := fx.item(60, "workday", "行政许可", flow)
	inp := fx.on_tick(it, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_skipped_step_not_chased if {
	# the case went on to the decision without review: no alarm on the open review
	inp := fx.on_tick(review_item, "2026-03-02", [fx.st("accept", "2026-03-02"), fx.st("decide", "2026-03-12")], "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_first_step_has_none if {
	flow := [fx.fstep("accept", "受理", 2, false), fx.fstep("decide", "决定", 0, true)]
	it := fx.item(20, "workday", "行政许可", flow)
	inp := fx.on_tick(it, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-09")
	count(deadline.warnings) == 0 with input as inp
}

test_step_limit_calendar_unit if {
	# penalty items count step limits in calendar days: investigate within 7 days of 03-04 → 03-11
	flow := [fx.fstep("accept", "立案", 0, false), fx.fstep("investigate", "调查取证", 7, false), fx.fstep("decide", "处罚决定", 0, true)]
	it := fx.item(90, "calendar", "行政处罚", flow)
	ok := fx.on_step(it, "2026-03-04", [fx.st("accept", "2026-03-04")], fx.st("investigate", "2026-03-11"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(it, "2026-03-04", [fx.st("accept", "2026-03-04")], fx.st("investigate", "2026-03-12"))
	ws := deadline.warnings with input as late
	fx.found(ws) == {["deadline.step_overdue", "alarm", "step:investigate"]}
	some w in ws
	contains(w.message, "7 日")
	contains(w.message, "超期 1 天")
}

# ---------------------------------------------------------------- suspension

# licensing, 20 working days from 03-02 (due 03-30); suspended 03-10, resumed 03-17:
# workday.count(03-10, 03-17) = 03-11, 12, 13, 16, 17 = 5 → due is the 25th working
# day: 03-31 (21), 04-01 (22), 04-02 (23), 04-03 (24), 04-04..06 清明, 04-07 (25).
suspended_steps := [fx.st("accept", "2026-03-02"), fx.st("review", "2026-03-03"), fx.st("suspend", "2026-03-10"), fx.st("resume", "2026-03-17")]

test_suspension_pushes_due_date if {
	inp := fx.on_step(fx.licence(20), "2026-03-02", suspended_steps, fx.st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as inp
}

test_suspension_pushed_due_date_missed if {
	inp := fx.on_step(fx.licence(20), "2026-03-02", suspended_steps, fx.st("decide", "2026-04-08"))
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "扣除中止计时 5 个工作日")
	contains(w.message, "至 2026-04-07 届满")
}

test_suspension_tick_after_original_due_is_fine if {
	# 03-31 is after the original due date 03-30 but 4 working days before 04-07
	inp := fx.on_tick(fx.licence(20), "2026-03-02", suspended_steps, "2026-03-31")
	count(deadline.warnings) == 0 with input as inp
}

test_suspension_tick_due_soon if {
	inp := fx.on_tick(fx.licence(20), "2026-03-02", suspended_steps, "2026-04-03")
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.due_soon
	some w in ws
	contains(w.message, "将于 2026-04-07 届满")
	contains(w.message, "仅剩 1 个工作日")
}

test_suspended_case_is_not_chased if {
	steps := [fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-10")]
	inp := fx.on_tick(fx.licence(20), "2026-03-02", steps, "2026-05-20")
	count(deadline.warnings) == 0 with input as inp
}

test_suspended_case_decision_still_checked if {
	# decided while still suspended, and the suspension was never resumed: not counted
	steps := [fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-10")]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-07"))
	fx.found(deadline.warnings) == fx.overdue with input as inp
}

test_second_suspend_while_suspended_not_double_counted if {
	steps := [
		fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-10"), fx.st("suspend", "2026-03-12"),
		fx.st("resume", "2026-03-17"),
	]
	ok := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-08"))
	fx.found(deadline.warnings) == fx.overdue with input as late
}

test_two_suspensions_add_up if {
	# 03-10→03-12 (2: 11, 12) and 03-16→03-19 (3: 17, 18, 19) = 5 → due 04-07 again
	steps := [
		fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-10"), fx.st("resume", "2026-03-12"),
		fx.st("suspend", "2026-03-16"), fx.st("resume", "2026-03-19"),
	]
	ok := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-07"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-04-08"))
	fx.found(deadline.warnings) == fx.overdue with input as late
}

test_resume_without_suspend_ignored if {
	steps := [fx.st("accept", "2026-03-02"), fx.st("resume", "2026-03-17")]
	inp := fx.on_step(fx.licence(20), "2026-03-02", steps, fx.st("decide", "2026-03-31"))
	fx.found(deadline.warnings) == fx.overdue with input as inp
}

test_backdated_suspend_is_ordered_by_occurrence if {
	# the suspend of 03-10 is entered after the resume of 03-17: it still counts
	earlier := [fx.st("accept", "2026-03-02"), fx.st("resume", "2026-03-17")]
	inp := fx.with_facts(json.patch(fx.on_step(fx.licence(20), "2026-03-02", earlier, fx.st("suspend", "2026-03-10")), [{"op": "replace", "path": "/now", "value": fx.ts("2026-04-03")}]))
	ws := deadline.warnings with input as inp
	fx.found(ws) == fx.due_soon
	some w in ws
	contains(w.message, "将于 2026-04-07 届满")
}

test_suspension_calendar_days if {
	# penalty due 06-02; suspended 04-01 → 04-11: 10 calendar days → 06-12
	steps := [fx.st("accept", "2026-03-04"), fx.st("suspend", "2026-04-01"), fx.st("resume", "2026-04-11")]
	ok := fx.on_step(fx.penalty, "2026-03-04", steps, fx.st("decide", "2026-06-12"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(fx.penalty, "2026-03-04", steps, fx.st("decide", "2026-06-13"))
	ws := deadline.warnings with input as late
	fx.found(ws) == fx.overdue
	some w in ws
	contains(w.message, "扣除中止计时 10 日")
	contains(w.message, "至 2026-06-12 届满")
}

test_suspension_pushes_step_limit if {
	# review (5 working days from 03-02 → 03-09) suspended 03-04 → 03-06 (2: 05, 06) → 03-11
	steps := [fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-04"), fx.st("resume", "2026-03-06")]
	ok := fx.on_step(review_item, "2026-03-02", steps, fx.st("review", "2026-03-11"))
	count(deadline.warnings) == 0 with input as ok
	late := fx.on_step(review_item, "2026-03-02", steps, fx.st("review", "2026-03-12"))
	fx.found(deadline.warnings) == step_overdue_review with input as late
}

test_suspended_step_not_chased if {
	steps := [fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-04")]
	inp := fx.on_tick(review_item, "2026-03-02", steps, "2026-03-20")
	count(deadline.warnings) == 0 with input as inp
}
