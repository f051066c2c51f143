package compliance.report_test

import data.compliance.report

month(now, fields) := {
	"event": "month_close", "now": now,
	"department": {"code": "ZJJ", "name": "区住房和城乡建设局"},
	"month": object.union(
		{
			"month": "2025-09", "cases_accepted": 5, "warnings": 1, "explanation_required": true,
			"explanation_due": "2025-10-09", "explanation": null, "zero_case_months_in_a_row": 0,
		},
		fields,
	),
}

rules(doc) := rs if {
	ws := report.warnings with input as doc
	rs := {w.rule | some w in ws}
}

test_before_the_due_date_nothing if {
	rules(month("2025-10-09T18:00:00+08:00", {})) == set()
}

test_after_the_due_date_missing if {
	rules(month("2025-10-10T09:00:00+08:00", {})) == {"report.explanation_missing"}
	some w in report.warnings with input as month("2025-10-10T09:00:00+08:00", {})
	w.level == "alarm"
	w.key == "2025-09"
}

test_not_required_nothing if {
	rules(month("2025-11-10T09:00:00+08:00", {"explanation_required": false, "warnings": 0})) == set()
}

test_on_time_nothing if {
	rules(month("2025-11-10T09:00:00+08:00", {"explanation": {"submitted_at": "2025-10-09T17:00:00+08:00"}})) == set()
}

test_late_prewarning if {
	doc := month("2025-11-10T09:00:00+08:00", {"explanation": {"submitted_at": "2025-10-10T09:00:00+08:00"}})
	rules(doc) == {"report.explanation_late"}
	some w in report.warnings with input as doc
	w.level == "prewarning"
}

test_zero_cases_prewarning if {
	rules(month("2025-10-01T09:00:00+08:00", {"cases_accepted": 0, "warnings": 0, "zero_case_months_in_a_row": 1})) == {"report.zero_cases"}
}

test_three_zero_months_alarm if {
	doc := month("2025-10-01T09:00:00+08:00", {"cases_accepted": 0, "warnings": 0, "zero_case_months_in_a_row": 3})
	rules(doc) == {"report.zero_cases", "report.zero_cases_three_months"}
}

test_other_events_nothing if {
	rules(object.union(month("2025-11-10T09:00:00+08:00", {"cases_accepted": 0}), {"event": "tick"})) == set()
}
