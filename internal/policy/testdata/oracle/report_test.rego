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
	w.message == "区住房和城乡建设局（ZJJ）2025年9月须提交书面说明，应于2025年10月9日（含）前提交，逾期仍未提交"
	w.basis == "《攀枝花市仁和区行政权力依法规范公开运行工作方案》（攀仁府办〔2016〕77号）月报及书面说明制度"
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
	w.message == "区住房和城乡建设局（ZJJ）2025年9月的书面说明于2025年10月10日提交，晚于2025年10月9日（含）的提交期限"
}

# A month without warnings and with cases needs no explanation: one the
# department gives of its own accord is never late.
test_voluntary_explanation_is_never_late if {
	doc := month("2025-11-10T09:00:00+08:00", {
		"explanation_required": false, "warnings": 0,
		"explanation": {"submitted_at": "2025-10-20T09:00:00+08:00"},
	})
	rules(doc) == set()
}

test_zero_cases_prewarning if {
	doc := month("2025-10-01T09:00:00+08:00", {"cases_accepted": 0, "warnings": 0, "zero_case_months_in_a_row": 1})
	rules(doc) == {"report.zero_cases"}
	some w in report.warnings with input as doc
	w.message == "区住房和城乡建设局（ZJJ）2025年9月未受理任何办件，也未立案任何案件"
}

test_three_zero_months_alarm if {
	doc := month("2025-10-01T09:00:00+08:00", {"cases_accepted": 0, "warnings": 0, "zero_case_months_in_a_row": 3})
	rules(doc) == {"report.zero_cases", "report.zero_cases_three_months"}
	some w in report.warnings with input as doc
	w.rule == "report.zero_cases_three_months"
	w.message == "区住房和城乡建设局（ZJJ）截至2025年9月已连续 3 个月未受理任何办件，也未立案任何案件，请政管办、监察局介入核查"
}

# A department is held to whole months from the day it was set up.
test_zero_cases_counted_from_the_department_s_creation if {
	zero := {"cases_accepted": 0, "warnings": 0, "explanation_required": false, "zero_case_months_in_a_row": 0}
	every created in ["2025-09-02", "2025-09-30", "2025-10-01", "2026-12-06"] {
		rules(month("2025-10-01T09:00:00+08:00", object.union(zero, {"department_created_on": created}))) == set()
	}
	every created in ["2025-09-01", "2020-01-01"] {
		rules(month("2025-10-01T09:00:00+08:00", object.union(zero, {"department_created_on": created, "zero_case_months_in_a_row": 1}))) == {"report.zero_cases"}
	}
}

test_other_events_nothing if {
	rules(object.union(month("2025-11-10T09:00:00+08:00", {"cases_accepted": 0}), {"event": "tick"})) == set()
}
