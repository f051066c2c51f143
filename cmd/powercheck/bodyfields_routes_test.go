package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
)

// shownBy shows what GET path answers the account as.
func shownBy(as, path string) func(*testing.T, *bodyEnv, string, map[string]any) string {
	return func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string { return e.get(t, as, path) }
}

func watching(as, path string) func(*testing.T, *bodyEnv, string) string {
	return func(t *testing.T, e *bodyEnv, _ string) string { return e.get(t, as, path) }
}

func esc(s string) string { return url.PathEscape(s) }

func itemBody() map[string]any {
	return map[string]any{
		"name": "对擅自施工的行政处罚", "category": "行政处罚", "department_code": "ZJJ", "status": "active",
		"legal_bases": []any{map[string]any{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第六十四条"}},
		"time_limit":  map[string]any{"days": 90, "unit": "calendar"},
		"steps": []any{
			map[string]any{"code": "file", "name": "立案", "time_limit_days": 5, "risk_checkpoint": false, "requires_approval": "dept_admin", "ends_clock": false},
			map[string]any{"code": "decide", "name": "处罚决定", "risk_checkpoint": true, "requires_approval": "dept_admin", "ends_clock": true},
		},
		"discretion": map[string]any{"一般": map[string]any{"min": 10000, "max": 50000, "description": "首次违法"}},
	}
}

// bfModule is a policy module that raises nothing.
func bfModule(n int) string {
	return fmt.Sprintf("package compliance.bf_extra\n\n# 第 %d 版：不产生预警的辅助模块。\nthreshold := %d\n", n, n+1)
}

// legalBases returns n legal bases whose title and article are made of c
// at their limits.
func legalBases(n int, c string) string {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("LB%d", i+1), "title": strings.Repeat(c, 200), "article": strings.Repeat(c, 100)}
	}
	return js(out)
}

func repeated(n int, s string) string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return js(out)
}

func bodyRoutes() []bodyRoute {
	shanghaiNow := func() time.Time { return time.Now().In(calendar.Shanghai) }
	stamp := func(d time.Duration) string { return shanghaiNow().Add(d).Format(time.RFC3339) }
	// A patrol is on time when recorded on its own day in Asia/Shanghai: one
	// hour ago, or the day's midnight when the day is younger than that.
	patrolStamp := func() string {
		now := shanghaiNow()
		at := now.Add(-time.Hour)
		if midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()); at.Before(midnight) {
			at = midnight
		}
		return at.Format(time.RFC3339)
	}
	transition := func(as, action string, body func(t *testing.T, e *bodyEnv) (int64, map[string]any), field bodyField) bodyRoute {
		return bodyRoute{
			name: "transitions " + action, method: "POST", as: as, writes: []string{"warning_transitions", "warnings"},
			target: func(t *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				id, b := body(t, e)
				return fmt.Sprintf("/api/v1/warnings/%d/transitions", id), b
			},
			watch: func(t *testing.T, e *bodyEnv, path string) string {
				return e.get(t, "supervision", strings.TrimSuffix(path, "/transitions"))
			},
			show: func(t *testing.T, e *bodyEnv, path string, _ map[string]any) string {
				return e.get(t, "supervision", strings.TrimSuffix(path, "/transitions"))
			},
			paths: []pathCase{
				{"injection", "/api/v1/warnings/" + esc(injections[1]) + "/transitions", answer{404, "warning_not_found"}},
				{"negative", "/api/v1/warnings/-1/transitions", answer{404, "warning_not_found"}},
			},
			fields: []bodyField{field},
		}
	}
	review := func(action string) bodyRoute {
		return bodyRoute{
			name: "item " + action, method: "POST", as: "legal", writes: []string{"power_items", "warnings"}, optionalBody: true,
			target: func(t *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				return fmt.Sprintf("/api/v1/power-items/BF-PEND/versions/%d/%s", e.pending(t), action), map[string]any{"note": "同意调整"}
			},
			watch: watching("legal", "/api/v1/power-items/BF-PEND/versions"),
			show:  shownBy("legal", "/api/v1/power-items/BF-PEND/versions"),
			paths: []pathCase{
				{"injection version", "/api/v1/power-items/BF-PEND/versions/" + esc(injections[1]) + "/" + action, answer{400, "invalid_version"}},
				{"injection code", "/api/v1/power-items/" + esc(injections[0]) + "/versions/1/" + action, answer{404, "item_not_found"}},
			},
			fields: []bodyField{{path: "note", kind: kText, max: 1000, optional: true, refuse: refusal("invalid_note")}},
		}
	}
	noBody := func(name, path, as string, writes ...string) bodyRoute {
		return bodyRoute{name: name, method: "POST", as: as, writes: writes,
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) { return path, nil }}
	}

	invDept := refusal("invalid_department")
	invAccount := refusal("invalid_account")
	invItem := refusal("invalid_item")
	invStep := refusal("invalid_step")
	invCalendar := refusal("invalid_calendar")
	invSpot := refusal("invalid_spot_check")
	invFinding := refusal("invalid_finding")
	invPatrol := refusal("invalid_patrol")
	invPeriod := refusal("invalid_period")
	invExplanation := refusal("invalid_explanation")

	return []bodyRoute{
		{
			name: "departments", method: "POST", as: "admin", writes: []string{"departments"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/departments", map[string]any{"code": fmt.Sprintf("BF%d", n), "name": "区测试局", "allowed_cidrs": []any{"10.0.0.0/8"}}
			},
			show: shownBy("admin", "/api/v1/departments"),
			fields: []bodyField{
				{path: "code", kind: kIdent, max: 32, refuse: invDept},
				{path: "name", kind: kLine, max: 64, refuse: invDept},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invDept},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invDept},
			},
		},
		{
			name: "accounts", method: "POST", as: "admin", writes: []string{"accounts"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/accounts", map[string]any{"username": fmt.Sprintf("bf-user-%d", n), "real_name": "测试用户",
					"role": "clerk", "department_code": "ZJJ", "allowed_cidrs": []any{"127.0.0.0/8"}}
			},
			show: shownBy("admin", "/api/v1/accounts"),
			fields: []bodyField{
				{path: "username", kind: kIdent, max: 64, refuse: invAccount},
				{path: "real_name", kind: kLine, max: 32, refuse: invAccount},
				{path: "role", kind: kIdent, max: 32, refuse: invAccount},
				{path: "department_code", kind: kIdent, max: 32, refuse: invAccount},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invAccount},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invAccount},
			},
		},
		{
			name: "account changes", method: "PATCH", as: "admin", writes: []string{"accounts"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/accounts/bf-target", map[string]any{"disabled": false, "expires_at": "2030-01-01T00:00:00+08:00",
					"allowed_cidrs": []any{"127.0.0.0/8"}, "real_name": "目标用户"}
			},
			watch: watching("admin", "/api/v1/accounts"),
			show:  shownBy("admin", "/api/v1/accounts"),
			paths: []pathCase{
				{"injection", "/api/v1/accounts/" + esc(injections[0]), answer{404, "account_not_found"}},
				{"too long", "/api/v1/accounts/" + strings.Repeat("a", 300), answer{404, "account_not_found"}},
			},
			fields: []bodyField{
				{path: "disabled", kind: kBool},
				// expires_at is read as raw JSON, so that null can remove the expiry: a
				// value of another type is a bad expiry, not malformed JSON.
				{path: "expires_at", kind: kStamp, refuse: invAccount, say: map[string]answer{"far future": acceptedAnswer,
					"number for a string": invAccount, "object for a string": invAccount, "array for a string": invAccount,
					"bool for a string": invAccount}},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invAccount},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invAccount},
				{path: "real_name", kind: kLine, max: 32, refuse: invAccount},
			},
		},
		{
			name: "token rotation", method: "POST", as: "admin", writes: []string{"accounts"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/accounts/bf-rotate/token", nil
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				return strconv.Itoa(e.send(t, "GET", "/api/v1/me", e.tok["rotate"], nil).Status)
			},
			accepted: func(t *testing.T, e *bodyEnv, r apitest.Response) {
				var out struct {
					Token string `json:"token"`
				}
				r.Decode(t, &out)
				e.tok["rotate"] = out.Token
			},
			paths: []pathCase{{"injection", "/api/v1/accounts/" + esc(injections[1]) + "/token", answer{404, "account_not_found"}}},
		},
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
		{
			name: "webhooks", method: "PUT", as: "admin", writes: []string{"settings"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return fmt.Sprintf("/api/v1/webhooks/bf-hook-%d", n), map[string]any{"url": "http://127.0.0.1:9/hook",
					"events": []any{"warning.raised"}, "secret": "bf-secret-0123456789"}
			},
			watch: watching("admin", "/api/v1/webhooks"),
		},
		{
			name: "notification routes", method: "PUT", as: "admin", writes: []string{"settings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/notifications/routes", map[string]any{"routes": []any{map[string]any{
					"event": "warning.raised", "roles": []any{"dept_admin"}, "handler": true}}}
			},
			watch: watching("admin", "/api/v1/notifications/routes"),
		},
		noBody("notifications read-all", "/api/v1/notifications/read-all", "clerk", "notifications"),
	}
}

// tiers returns n discretion tiers.
func tiers(n int) string {
	out := map[string]any{}
	for i := range n {
		out[fmt.Sprintf("情形%d", i+1)] = map[string]any{"min": 0, "max": 100}
	}
	return js(out)
}
