package compliance.deadline_view_test

import data.compliance.deadline
import data.compliance.deadline_steps_test as steps_fx
import data.compliance.deadline_test as fx

# next_check and the deadlines a case's time view shows; the fixtures they
# share are in deadline_test.rego (fx).

# ---------------------------------------------------------------- next_check

# next(inp): the dates on which the case is to be looked at again.
next(inp) := ds if {
	ds := deadline.next_check with input as inp
}

test_next_check_running_case if {
	# due 03-13 (Spring Festival case): the pre-warning starts on 03-10 (03-11, 03-12,
	# 03-13 remain), the alarm on 03-14
	next(fx.spring_tick("2026-03-02")) == {"2026-03-10", "2026-03-14"}
}

test_next_check_on_step_too if {
	inp := fx.on_step(fx.licence(20), "2026-02-09", [fx.st("accept", "2026-02-09")], fx.st("review", "2026-02-10"))
	next(inp) == {"2026-03-10", "2026-03-14"}
}

test_next_check_due_soon_only_the_alarm_is_ahead if {
	next(fx.spring_tick("2026-03-10")) == {"2026-03-14"}
	next(fx.spring_tick("2026-03-13")) == {"2026-03-14"}
}

test_next_check_overdue_nothing_ahead if {
	next(fx.spring_tick("2026-03-14")) == set()
	next(fx.spring_tick("2026-04-20")) == set()
}

test_next_check_dates_agree_with_the_warnings if {
	# accepted Tue 02-10 with 5 working days: 02-11, 02-12, 02-13, Sat 02-14 (make-up),
	# then the Spring Festival, 02-24 → due 02-24; at most 3 working days remain from 02-12
	it := fx.licence(5)
	steps := [fx.st("accept", "2026-02-10")]
	next(fx.on_tick(it, "2026-02-10", steps, "2026-02-11")) == {"2026-02-12", "2026-02-25"}
	count(deadline.warnings) == 0 with input as fx.on_tick(it, "2026-02-10", steps, "2026-02-11")
	fx.found(deadline.warnings) == fx.due_soon with input as fx.on_tick(it, "2026-02-10", steps, "2026-02-12")
	fx.found(deadline.warnings) == fx.due_soon with input as fx.on_tick(it, "2026-02-10", steps, "2026-02-24")
	fx.found(deadline.warnings) == fx.overdue with input as fx.on_tick(it, "2026-02-10", steps, "2026-02-25")
}

test_next_check_step_and_item_limits if {
	# review (5 working days from 03-02) due 03-09: pre-warning from 03-04, alarm 03-10;
	# the item (20 working days) due 03-30: pre-warning from 03-25, alarm 03-31
	inp := fx.on_tick(steps_fx.review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-03")
	next(inp) == {"2026-03-04", "2026-03-10", "2026-03-25", "2026-03-31"}
}

test_next_check_calendar_days if {
	# penalty due 06-02 (a Tuesday): the pre-warning starts on Thu 05-28 (05-29, 06-01,
	# 06-02 remain), the alarm on 06-03
	inp := fx.on_tick(fx.penalty, "2026-03-04", [fx.st("accept", "2026-03-04")], "2026-05-20")
	next(inp) == {"2026-05-28", "2026-06-03"}
}

test_next_check_calendar_day_due_on_a_weekend if {
	# 90 calendar days from 2026-03-08 is Sat 06-06: the period ends on Mon 06-08
	# (民法典第二百零三条). From Wed 06-03, 3 working days remain (06-04, 06-05, 06-08);
	# the alarm comes on 06-09.
	inp := fx.on_tick(fx.penalty, "2026-03-08", [fx.st("accept", "2026-03-08")], "2026-05-20")
	next(inp) == {"2026-06-03", "2026-06-09"}
	count(deadline.warnings) == 0 with input as fx.on_tick(fx.penalty, "2026-03-08", [fx.st("accept", "2026-03-08")], "2026-06-02")
	fx.found(deadline.warnings) == fx.due_soon with input as fx.on_tick(fx.penalty, "2026-03-08", [fx.st("accept", "2026-03-08")], "2026-06-03")
	fx.found(deadline.warnings) == fx.due_soon with input as fx.on_tick(fx.penalty, "2026-03-08", [fx.st("accept", "2026-03-08")], "2026-06-08")
	fx.found(deadline.warnings) == fx.overdue with input as fx.on_tick(fx.penalty, "2026-03-08", [fx.st("accept", "2026-03-08")], "2026-06-09")
}

test_next_check_suspended_case_waits_for_the_resume if {
	steps := [fx.st("accept", "2026-03-02"), fx.st("suspend", "2026-03-10")]
	next(fx.on_tick(fx.licence(20), "2026-03-02", steps, "2026-03-12")) == set()
}

test_next_check_after_resume if {
	# suspended 03-10 → 03-17 (5 working days): due 04-07, pre-warning from 04-02
	# (04-03, 04-07, with 清明 04-04..04-06 off … 04-02 leaves 04-03 and 04-07: 2 days;
	# 04-01 leaves 04-02, 04-03, 04-07: 3)
	next(fx.on_tick(fx.licence(20), "2026-03-02", steps_fx.suspended_steps, "2026-03-20")) == {"2026-04-01", "2026-04-08"}
}

test_next_check_closed_case if {
	inp := json.patch(fx.spring_tick("2026-03-02"), [{"op": "replace", "path": "/case/status", "value": "closed"}])
	next(inp) == set()
}

test_next_check_done_case if {
	# the item's end step is done and no step limit is running: nothing to look at
	inp := fx.decided(20, "2026-02-09", "2026-03-12")
	next(inp) == set()
}

test_next_check_calendar_unknown_weekly if {
	# the due date reaches 2027, whose schedule is not known: look again in a week
	inp := fx.on_tick(fx.licence(20), "2026-12-20", [fx.st("accept", "2026-12-20")], "2026-12-21")
	next(inp) == {"2026-12-28"}
}

test_next_check_calendar_day_due_in_unknown_year if {
	# 2026-11-02 + 90 days = 2027-01-31, a Sunday: the due date waits for 2027's
	# schedule, so look again in a week
	it := fx.item(90, "calendar", "行政处罚", fx.penalty_flow)
	inp := fx.on_tick(it, "2026-11-02", [fx.st("accept", "2026-11-02")], "2026-12-01")
	next(inp) == {"2026-12-08"}
}

test_next_check_only_on_step_and_tick if {
	inp := json.patch(fx.spring_tick("2026-03-02"), [{"op": "replace", "path": "/event", "value": "view"}])
	next(inp) == set()
}

test_next_check_well_formed if {
	every d in next(fx.on_tick(steps_fx.review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-03")) {
		regex.match(`^\d{4}-\d{2}-\d{2}$`, d)
		d > "2026-03-03"
	}
}

# ---------------------------------------------------------------- deadlines

# view(inp): the deadlines by key, with the suspensions and extensions.
view(inp) := {d.key: d | some d in ds} if {
	ds := deadline.deadlines with input as inp
}

view_of(steps, now) := json.patch(fx.on_tick(fx.licence(20), "2026-03-02", steps, now), [{"op": "replace", "path": "/event", "value": "view"}])

test_deadlines_running if {
	v := view(fx.spring_tick("2026-03-02"))
	v == {"item": {
		"key": "item", "name": "办理时限", "start": "2026-02-09", "days": 20, "unit": "workday",
		"extension_days": 0, "suspended_days": 0, "due": "2026-03-13", "done": null,
		"state": "running", "remaining_workdays": 9,
	}}
}

test_deadlines_due_soon_and_overdue if {
	v := view(fx.spring_tick("2026-03-10"))
	v.item.state == "due_soon"
	v.item.remaining_workdays == 3
	last := view(fx.spring_tick("2026-03-13"))
	last.item.state == "due_soon"
	last.item.remaining_workdays == 0
	late := view(fx.spring_tick("2026-03-17"))
	late.item.state == "overdue"
	late.item.remaining_workdays == -2
}

test_deadlines_done if {
	on_time := view(fx.decided(20, "2026-02-09", "2026-03-13"))
	on_time.item.state == "done_on_time"
	on_time.item.done == "2026-03-13"
	on_time.item.remaining_workdays == null
	late := view(fx.decided(20, "2026-02-09", "2026-03-16"))
	late.item.state == "done_late"
	late.item.due == "2026-03-13"
}

test_deadlines_on_the_view_event if {
	v := view(view_of([fx.st("accept", "2026-03-02")], "2026-03-10"))
	v.item.due == "2026-03-30"
	v.item.state == "running"
	v.item.remaining_workdays == 14
}

test_deadlines_suspended if {
	steps := [fx.st("accept", "2026-03-02"), fx.st("review", "2026-03-03"), fx.st("suspend", "2026-03-10")]
	v := view(view_of(steps, "2026-03-12"))
	v.item.state == "suspended"
	v.item.suspended_days == 0
	v.item.due == "2026-03-30"
	deadline.suspensions == [{"from": "2026-03-10", "to": null}] with input as view_of(steps, "2026-03-12")
}

test_deadlines_after_suspension if {
	v := view(view_of(steps_fx.suspended_steps, "2026-03-20"))
	v.item.suspended_days == 5
	v.item.due == "2026-04-07"
	v.item.state == "running"
	deadline.suspensions == [{"from": "2026-03-10", "to": "2026-03-17"}] with input as view_of(steps_fx.suspended_steps, "2026-03-20")
}

test_deadlines_closed_case_keeps_its_dates if {
	inp := json.patch(fx.spring_tick("2026-03-20"), [{"op": "replace", "path": "/case/status", "value": "closed"}])
	v := view(inp)
	v.item.state == "overdue"
	v.item.done == null
}

test_deadlines_calendar_unknown if {
	v := view(fx.on_tick(fx.licence(20), "2026-12-20", [fx.st("accept", "2026-12-20")], "2026-12-21"))
	v.item.due == null
	v.item.state == "calendar_unknown"
	v.item.remaining_workdays == null
}

test_deadlines_calendar_days_in_unknown_year if {
	it := fx.item(90, "calendar", "行政处罚", fx.penalty_flow)
	v := view(fx.on_tick(it, "2026-11-02", [fx.st("accept", "2026-11-02")], "2026-12-01"))
	v.item.due == null
	v.item.unit == "calendar"
	v.item.state == "calendar_unknown"
	v.item.remaining_workdays == null
}

test_deadlines_steps if {
	# review (5 working days) done late on 03-10; decide (ends the clock) not yet
	inp := fx.on_tick(steps_fx.review_item, "2026-03-02", [fx.st("accept", "2026-03-02"), fx.st("review", "2026-03-10")], "2026-03-11")
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
	v := view(fx.on_tick(steps_fx.review_item, "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-05"))
	v["step:review"].state == "due_soon"
	v["step:review"].due == "2026-03-09"
	v["step:review"].done == null
	v["step:review"].remaining_workdays == 2
}

test_deadlines_step_not_started_is_not_listed if {
	flow := [fx.fstep("accept", "受理", 0, false), fx.fstep("review", "审查", 0, false), fx.fstep("decide", "决定", 3, true)]
	v := view(fx.on_tick(fx.item(60, "workday", "行政许可", flow), "2026-03-02", [fx.st("accept", "2026-03-02")], "2026-03-05"))
	object.keys(v) == {"item"}
}

test_deadlines_extensions if {
	steps := [fx.st("accept", "2026-03-02"), fx.extend("2026-03-20", 10), fx.extend_unapproved("2026-03-25", 5)]
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
	inp := fx.on_tick(fx.licence(0), "2026-02-09", [fx.st("accept", "2026-02-09")], "2026-12-01")
	count(deadline.deadlines) == 0 with input as inp
	deadline.suspensions == [] with input as inp
	deadline.extensions == [] with input as inp
}
