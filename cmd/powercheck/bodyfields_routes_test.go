package main

import (
	"fmt"
	"net/url"
	"slices"
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

// bodyRoutes are the routes that take a body, in the order the tests walk
// them: accounts, the catalog and policies, supervision, then settings.
func bodyRoutes() []bodyRoute {
	return slices.Concat(accountBodyRoutes(), catalogBodyRoutes(), supervisionBodyRoutes(), settingsBodyRoutes())
}

// shanghaiNow and stamp give the times the bodies carry, in Asia/Shanghai.
func shanghaiNow() time.Time       { return time.Now().In(calendar.Shanghai) }
func stamp(d time.Duration) string { return shanghaiNow().Add(d).Format(time.RFC3339) }

// patrolStamp is a time at which a patrol is on time, recorded on its own day
// in Asia/Shanghai: one hour ago, or the day's midnight when the day is
// younger than that.
func patrolStamp() string {
	now := shanghaiNow()
	at := now.Add(-time.Hour)
	if midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()); at.Before(midnight) {
		at = midnight
	}
	return at.Format(time.RFC3339)
}

// transition is the route of a warning's transition by action, whose body
// (and warning) body makes.
func transition(as, action string, body func(t *testing.T, e *bodyEnv) (int64, map[string]any), field bodyField) bodyRoute {
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

// review is the route that approves or rejects a pending item version.
func review(action string) bodyRoute {
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

// noBody is a POST route that takes no body.
func noBody(name, path, as string, writes ...string) bodyRoute {
	return bodyRoute{name: name, method: "POST", as: as, writes: writes,
		target: func(*testing.T, *bodyEnv, int) (string, map[string]any) { return path, nil }}
}

// The refusals of each kind of body.
var (
	invDept        = refusal("invalid_department")
	invAccount     = refusal("invalid_account")
	invItem        = refusal("invalid_item")
	invStep        = refusal("invalid_step")
	invCalendar    = refusal("invalid_calendar")
	invSpot        = refusal("invalid_spot_check")
	invFinding     = refusal("invalid_finding")
	invPatrol      = refusal("invalid_patrol")
	invPeriod      = refusal("invalid_period")
	invExplanation = refusal("invalid_explanation")
)

// accountBodyRoutes are the routes of departments and accounts.
func accountBodyRoutes() []bodyRoute {
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
	}
}

// settingsBodyRoutes are the routes of webhooks and notifications.
func settingsBodyRoutes() []bodyRoute {
	return []bodyRoute{
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
