package main

import (
	"fmt"
	"powercheck/internal/apitest"
	"strings"
	"testing"
	"time"
)

// catalogBodyRoutes are the routes of power items, steps, the calendar and
// policies. A table, a row per route: it reads better whole than cut at 80
// lines.
func catalogBodyRoutes() []bodyRoute {
	return []bodyRoute{
		{
			name: "power items", method: "PUT", as: "legal", writes: []string{"power_items", "warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/power-items/BF-ITEM", itemBody()
			},
			show: shownBy("legal", "/api/v1/power-items/BF-ITEM"),
			paths: []pathCase{
				{"injection", "/api/v1/power-items/" + esc(injections[0]), invItem},
				{"too long", "/api/v1/power-items/" + strings.Repeat("A", 65), invItem},
			},
			fields: []bodyField{
				{path: "name", kind: kLine, max: 128, refuse: invItem},
				{path: "category", kind: kIdent, max: 32, refuse: invItem},
				{path: "department_code", kind: kIdent, max: 32, refuse: invItem},
				{path: "status", kind: kIdent, max: 16, optional: true, refuse: invItem},
				{path: "legal_bases", kind: kList, max: 50, refuse: invItem, extra: []subst{
					{label: "50 at their limits", raw: legalBases(50, "字")},
					{label: "50 at their limits, escaped when stored", raw: legalBases(50, "<"), want: invItem},
				}},
				{path: "legal_bases.0", kind: kObject},
				{path: "legal_bases.0.id", kind: kIdent, max: 64, refuse: invItem},
				{path: "legal_bases.0.title", kind: kLine, max: 200, refuse: invItem},
				{path: "legal_bases.0.article", kind: kLine, max: 100, optional: true, refuse: invItem},
				{path: "time_limit", kind: kObject},
				{path: "time_limit.days", kind: kInt, lo: 1, hi: 3650, refuse: invItem},
				{path: "time_limit.unit", kind: kIdent, max: 16, optional: true, refuse: invItem},
				{path: "steps", kind: kList, max: 50, refuse: invItem},
				{path: "steps.0", kind: kObject},
				{path: "steps.0.code", kind: kIdent, max: 32, refuse: invItem},
				{path: "steps.0.name", kind: kLine, max: 64, refuse: invItem},
				{path: "steps.0.time_limit_days", kind: kInt, lo: 0, hi: 3650, refuse: invItem},
				{path: "steps.0.risk_checkpoint", kind: kBool},
				{path: "steps.0.requires_approval", kind: kIdent, max: 32, optional: true, refuse: invItem},
				{path: "steps.0.ends_clock", kind: kBool},
				{path: "discretion", kind: kObject, open: true, extra: []subst{
					{label: "too many tiers", raw: tiers(51), want: invItem},
				}},
				{path: "discretion.一般", kind: kKey, max: 64, refuse: invItem},
				{path: "discretion.一般", kind: kObject},
				{path: "discretion.一般.min", kind: kNum, lo: 0, hi: 1e12, refuse: invItem},
				{path: "discretion.一般.max", kind: kNum, lo: 0, hi: 1e12, refuse: invItem},
				{path: "discretion.一般.description", kind: kText, max: 500, optional: true, refuse: invItem},
			},
		},
		{
			name: "steps", method: "POST", as: "clerk", writes: []string{"cases", "steps", "warnings"},
			target: func(_ *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				e.cases++
				caseNo := fmt.Sprintf("ZJJ-BF-S%d", e.cases)
				return "/api/v1/steps", map[string]any{"id": caseNo + "-file", "case_no": caseNo, "power_item_code": "CF-001",
					"applicant": "某建设公司", "step_code": "file", "handler": "张三", "occurred_at": stamp(-2 * time.Hour),
					"legal_basis_ids": []any{"LB1"}, "discretion": map[string]any{"tier": "一般", "amount": 20000},
					"approvals":  []any{map[string]any{"role": "dept_admin", "by": "李四", "at": stamp(-time.Hour)}},
					"attributes": map[string]any{"remark": "现场检查"}}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, body map[string]any) string {
				return e.get(t, "admin", "/api/v1/cases/"+body["case_no"].(string))
			},
			fields: []bodyField{
				{path: "id", kind: kIdent, max: 128, refuse: invStep},
				{path: "case_no", kind: kIdent, max: 64, refuse: invStep},
				{path: "power_item_code", kind: kIdent, max: 64, refuse: invStep, say: map[string]answer{"empty": refusal("unknown_case")}},
				{path: "applicant", kind: kLine, max: 255, refuse: invStep},
				{path: "step_code", kind: kIdent, max: 32, refuse: invStep},
				{path: "handler", kind: kLine, max: 64, refuse: invStep},
				{path: "occurred_at", kind: kStamp, refuse: invStep},
				{path: "legal_basis_ids", kind: kList, max: 50, refuse: invStep},
				{path: "legal_basis_ids.0", kind: kIdent, max: 64, refuse: invStep},
				{path: "discretion", kind: kObject},
				{path: "discretion.tier", kind: kLine, max: 64, refuse: invStep},
				{path: "discretion.amount", kind: kNum, lo: 0, hi: 1e12, refuse: invStep},
				{path: "approvals", kind: kList, max: 20, refuse: invStep},
				{path: "approvals.0", kind: kObject},
				{path: "approvals.0.role", kind: kIdent, max: 32, refuse: invStep},
				{path: "approvals.0.by", kind: kLine, max: 64, refuse: invStep},
				{path: "approvals.0.at", kind: kStamp, refuse: invStep},
				{path: "attributes", kind: kObject, open: true},
				{path: "attributes.remark", kind: kKey, max: 64, refuse: invStep},
				// Attributes are free JSON of at most 16 KiB: {"remark":"…"} holds
				// 16371 bytes of text, and a value may be of any type.
				{path: "attributes.remark", kind: kText, max: 16371, bytes: 16371, optional: true, refuse: invStep,
					say: map[string]answer{"number for a string": acceptedAnswer, "object for a string": acceptedAnswer,
						"array for a string": acceptedAnswer, "bool for a string": acceptedAnswer}},
			},
		},
		{
			name: "calendar", method: "PUT", as: "admin", writes: []string{"calendar_years"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/calendar/2031", map[string]any{"year": 2031, "source": "国务院办公厅通知",
					"holidays": []any{"2031-01-01"}, "workdays": []any{"2031-01-04"}}
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				r := e.send(t, "GET", "/api/v1/calendar/2031", apitest.AdminToken, nil)
				return fmt.Sprint(r.Status, string(r.Body))
			},
			show: shownBy("admin", "/api/v1/calendar/2031"),
			paths: []pathCase{
				{"injection", "/api/v1/calendar/" + esc(injections[1]), answer{400, "invalid_year"}},
				{"too large", "/api/v1/calendar/99999", answer{400, "invalid_year"}},
			},
			fields: []bodyField{
				{path: "year", kind: kInt, lo: 2031, hi: 2031, refuse: invCalendar},
				{path: "source", kind: kLine, max: 128, optional: true, refuse: invCalendar},
				{path: "holidays", kind: kList, max: 366, refuse: invCalendar},
				{path: "holidays.0", kind: kDate, refuse: invCalendar},
				{path: "workdays", kind: kList, max: 366, refuse: invCalendar},
				{path: "workdays.0", kind: kDate, refuse: invCalendar},
			},
		},
		{
			name: "policy drafts", method: "PUT", as: "legal", writes: []string{"policy_drafts"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/policies/bf_extra", map[string]any{"source": bfModule(n)}
			},
			watch: watching("legal", "/api/v1/policies"),
			paths: []pathCase{
				{"injection", "/api/v1/policies/" + esc(injections[0]), refusal("policy_invalid")},
				{"too long", "/api/v1/policies/" + strings.Repeat("a", 65), refusal("policy_invalid")},
			},
			fields: []bodyField{{path: "source", kind: kSource, optional: true, refuse: refusal("policy_invalid")}},
		},
		{
			name: "policy publish", method: "POST", as: "legal", writes: []string{"policy_revisions", "policy_drafts"}, optionalBody: true,
			target: func(t *testing.T, e *bodyEnv, n int) (string, map[string]any) {
				e.post(t, 200, "PUT", "/api/v1/policies/bf_extra", "legal", map[string]any{"source": bfModule(1000 + n)})
				return "/api/v1/policies/publish", map[string]any{"note": "发布测试"}
			},
			watch:  watching("legal", "/api/v1/policies"),
			show:   shownBy("legal", "/api/v1/policies/revisions"),
			fields: []bodyField{{path: "note", kind: kText, max: 500, optional: true, refuse: refusal("invalid_note")}},
		},
		{
			name: "policy rollback", method: "POST", as: "legal", writes: []string{"policy_revisions"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/policies/rollback", map[string]any{"revision": 1}
			},
			watch: watching("legal", "/api/v1/policies/revisions"),
			fields: []bodyField{{path: "revision", kind: kInt, lo: 1, noHi: true, refuse: refusal("invalid_revision"), extra: []subst{
				{label: "unknown revision", raw: "9007199254740993", want: answer{404, "revision_not_found"}},
			}}},
		},
		{
			name: "policy impact", method: "POST", as: "legal",
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/policies/impact", map[string]any{"from": "2026-01-01", "to": "2026-12-31"}
			},
			fields: []bodyField{
				{path: "from", kind: kBound, refuse: invPeriod},
				{path: "to", kind: kBound, refuse: invPeriod},
			},
		},
		noBody("sweeps", "/api/v1/sweeps", "admin", "cases", "warnings"),
		noBody("catalog check", "/api/v1/catalog/check", "admin", "warnings"),
	}
}
