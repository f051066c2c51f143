package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// supervisionBodyRoutes are the routes of spot checks, warnings, patrols,
// explanations and documents. A table, a row per route: it reads better
// whole than cut at 80 lines.
func supervisionBodyRoutes() []bodyRoute {
	return []bodyRoute{
		{
			name: "spot checks", method: "POST", as: "supervision", writes: []string{"spot_checks", "spot_check_cases"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/spot-checks", map[string]any{"departments": []any{"ZJJ"}, "from": "2026-01-01", "to": "2026-12-31",
					"size": 5, "seed": 42, "note": "季度抽查"}
			},
			show: shownBy("supervision", "/api/v1/spot-checks"),
			fields: []bodyField{
				{path: "departments", kind: kList, max: 1000, refuse: invSpot},
				{path: "departments.0", kind: kIdent, max: 32, refuse: invSpot},
				{path: "from", kind: kDate, refuse: invSpot},
				{path: "to", kind: kDate, refuse: invSpot},
				{path: "size", kind: kInt, lo: 1, hi: 1000, refuse: invSpot},
				{path: "seed", kind: kInt, noLo: true, noHi: true, extra: []subst{{label: "negative", raw: "-1"}}},
				{path: "note", kind: kText, max: 2000, optional: true, refuse: invSpot},
			},
		},
		{
			name: "spot check findings", method: "POST", as: "supervision", writes: []string{"spot_check_cases"},
			target: func(_ *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				return fmt.Sprintf("/api/v1/spot-checks/%d/findings", e.check), map[string]any{"case_no": e.sampled, "result": "problem", "note": "未按时送达"}
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				return e.get(t, "supervision", fmt.Sprintf("/api/v1/spot-checks/%d", e.check))
			},
			show: func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string {
				return e.get(t, "supervision", fmt.Sprintf("/api/v1/spot-checks/%d", e.check))
			},
			paths: []pathCase{
				{"injection", "/api/v1/spot-checks/" + esc(injections[1]) + "/findings", answer{404, "spot_check_not_found"}},
				{"unknown", "/api/v1/spot-checks/99999999/findings", answer{404, "spot_check_not_found"}},
			},
			fields: []bodyField{
				{path: "case_no", kind: kIdent, max: 64, refuse: invFinding},
				{path: "result", kind: kIdent, max: 16, refuse: invFinding},
				{path: "note", kind: kText, max: 2000, refuse: invFinding},
			},
		},
		transition("deptAdmin", "explain", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "explain", "note": "已核实情况并作说明"}
		}, bodyField{path: "note", kind: kText, max: 2000, refuse: refusal("invalid_note"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("note_required")}}),
		transition("deptAdmin", "explain (action)", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "explain", "note": "已核实情况并作说明"}
		}, bodyField{path: "action", kind: kIdent, max: 32, refuse: refusal("unknown_action")}),
		transition("supervision", "refer", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "refer", "note": "移送监察局", "reference": "监察〔2026〕1号"}
		}, bodyField{path: "reference", kind: kIdent, max: 128, refuse: refusal("invalid_reference"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("reference_required")}}),
		transition("supervision", "close", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			id := e.newWarning(t)
			e.post(t, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", id), "supervision",
				map[string]any{"action": "refer", "note": "移送监察局", "reference": "监察〔2026〕2号"})
			return id, map[string]any{"action": "close", "note": "办结", "outcome": "已给予党纪处分"}
		}, bodyField{path: "outcome", kind: kText, max: 2000, refuse: refusal("invalid_note"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("outcome_required")}}),
		{
			name: "patrols", method: "POST", as: "inspector", writes: []string{"patrols"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/patrols", map[string]any{"at": patrolStamp(), "findings": "平台运行正常", "problems": []any{"个别办件超期"}}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string {
				var findings, problems string
				if err := e.db.QueryRow("SELECT findings, problems FROM patrols ORDER BY id DESC LIMIT 1").Scan(&findings, &problems); err != nil {
					t.Fatal(err)
				}
				return js(findings) + problems
			},
			fields: []bodyField{
				{path: "at", kind: kStamp, refuse: invPatrol},
				{path: "findings", kind: kText, max: 4000, refuse: invPatrol},
				{path: "problems", kind: kList, max: 100, refuse: invPatrol, extra: []subst{
					{label: "15 problems at their limit", raw: repeated(15, strings.Repeat("字", 1000))},
					{label: "100 problems at their limit", raw: repeated(100, strings.Repeat("字", 1000)), want: invPatrol},
				}},
				{path: "problems.0", kind: kText, max: 1000, refuse: invPatrol},
			},
		},
		{
			name: "patrol days", method: "POST", as: "admin", writes: []string{"patrol_days", "warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/patrols/close-days", map[string]any{"from": "2026-11-02", "to": "2026-11-06"}
			},
			fields: []bodyField{
				{path: "from", kind: kDate, optional: true, refuse: invPeriod},
				{path: "to", kind: kDate, optional: true, refuse: invPeriod},
			},
		},
		{
			name: "monthly explanations", method: "POST", as: "deptAdmin", writes: []string{"monthly_explanations"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				month := time.Date(2025, time.January+time.Month(n), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
				return "/api/v1/reports/monthly/explanations", map[string]any{"department_code": "ZJJ", "month": month,
					"text": "本月有预警，原因如下……", "signed_by": "zjj-admin"}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, body map[string]any) string {
				return e.get(t, "admin", "/api/v1/reports/monthly?department=ZJJ&month="+body["month"].(string))
			},
			fields: []bodyField{
				{path: "department_code", kind: kIdent, max: 32, optional: true, refuse: answer{403, "other_department"}},
				{path: "month", kind: kMonth, refuse: invExplanation},
				{path: "text", kind: kText, max: 20000, bytes: 65535, refuse: invExplanation},
				// A username names an account: an active dept_admin of the
				// department. Anything else is the deprecated free-text signature.
				{path: "signed_by", kind: kLine, max: 64, refuse: invExplanation, extra: []subst{
					{label: "a name typed in", raw: js("王局长"), verify: true},
					{label: "a clerk of the department", raw: js("zjj-clerk"), want: refusal("invalid_signer")},
					{label: "an account of another department", raw: js("scj-clerk"), want: refusal("invalid_signer")},
					{label: "no such account", raw: js("nobody-at-all"), want: refusal("invalid_signer")},
				}},
			},
		},
		{
			name: "month close", method: "POST", as: "admin", writes: []string{"warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/reports/monthly/close", map[string]any{"month": "2025-06", "department": "ZJJ"}
			},
			fields: []bodyField{
				{path: "month", kind: kMonth, refuse: refusal("invalid_month")},
				{path: "department", kind: kIdent, max: 32, optional: true, refuse: refusal("unknown_department")},
			},
		},
		review("approve"),
		review("reject"),
		{
			name: "documents", method: "POST", as: "supervision",
			writes: []string{"documents", "document_sequences", "warning_transitions"},
			target: func(t *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				return "/api/v1/documents", map[string]any{"kind": "supervision_order", "warning_id": e.newWarning(t),
					"answer_days": 5, "note": "请高度重视"}
			},
			watch: watching("supervision", "/api/v1/documents?department=ZJJ"),
			show:  shownBy("supervision", "/api/v1/documents?department=ZJJ"),
			fields: []bodyField{
				{path: "kind", kind: kIdent, max: 32, refuse: refusal("invalid_document_kind")},
				// 0 (or leaving it out) means the usual five working days.
				{path: "answer_days", kind: kInt, hi: 60, noLo: true, refuse: refusal("invalid_document"),
					extra: []subst{{label: "negative", raw: "-1", want: refusal("invalid_document")}}},
				{path: "note", kind: kText, max: 2000, optional: true, refuse: refusal("invalid_note")},
			},
		},
	}
}
