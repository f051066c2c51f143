package apitest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

// Keys of the tokens of the district that SetupDistrict creates.
const (
	LegalToken       = "t-legal"
	SupervisionToken = "t-supervision"
	ZJJClerk         = "t-zjj-clerk"
	ZJJAdmin         = "t-zjj-admin"
	SCJClerk         = "t-scj-clerk"
)

// testdata is the module's testdata folder, found from this file so that
// every package's tests read the same fixtures.
var testdata = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}()

// ItemFixture reads testdata/catalog/<name>.json, optionally changed by edit.
func ItemFixture(t *testing.T, name string, edit func(map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "catalog", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var it map[string]any
	if err := json.Unmarshal(b, &it); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(it)
	}
	return it
}

// SetupDistrict creates two departments (ZJJ, SCJ), their accounts and the
// ZJJ items XK-001 (licensing) and CF-001 (penalty). It returns the
// accounts' tokens by the keys above, as the API answered them.
func (s *Server) SetupDistrict(t *testing.T) map[string]string {
	t.Helper()
	s.Must(201, "POST", "/api/v1/departments", AdminToken, map[string]string{"code": "ZJJ", "name": "区住房和城乡建设局"})
	s.Must(201, "POST", "/api/v1/departments", AdminToken, map[string]string{"code": "SCJ", "name": "区市场监督管理局"})
	tokens := map[string]string{}
	for _, a := range []struct{ key, user, role, dept string }{
		{LegalToken, "legal", "legal", ""},
		{SupervisionToken, "supervision", "supervision", ""},
		{ZJJClerk, "zjj-clerk", "clerk", "ZJJ"},
		{ZJJAdmin, "zjj-admin", "dept_admin", "ZJJ"},
		{SCJClerk, "scj-clerk", "clerk", "SCJ"},
	} {
		body := map[string]any{"username": a.user, "real_name": "测试" + a.user, "role": a.role}
		if a.role == "clerk" {
			body["real_name"] = "张三" // the handler that Step names: a person of the department
		}
		if a.dept != "" {
			body["department_code"] = a.dept
		}
		var out struct {
			Token string `json:"token"`
		}
		s.Must(201, "POST", "/api/v1/accounts", AdminToken, body).Decode(t, &out)
		if !strings.HasPrefix(out.Token, "pc_") || len(out.Token) < 40 {
			t.Fatalf("token %q: want a long pc_ token", out.Token)
		}
		tokens[a.key] = out.Token
	}
	s.Must(201, "PUT", "/api/v1/power-items/XK-001", tokens[LegalToken], ItemFixture(t, "licensing", nil))
	s.Must(201, "PUT", "/api/v1/power-items/CF-001", tokens[LegalToken], ItemFixture(t, "penalty", nil))
	return tokens
}

// Warning is a warning as the API shows it.
type Warning struct {
	ID             int64  `json:"id"`
	Rule           string `json:"rule"`
	Level          string `json:"level"`
	Message        string `json:"message"`
	DepartmentCode string `json:"department_code"`
	CaseNo         string `json:"case_no"`
	StepID         string `json:"step_id"`
	PolicyRevision int64  `json:"policy_revision"`
	Status         string `json:"status"`
}

// Warnings are the warnings an answer carries.
type Warnings []Warning

// Rules lists "rule/level" of the warnings of one family, sorted.
func (ws Warnings) Rules(family string) []string {
	var out []string
	for _, w := range ws {
		if strings.HasPrefix(w.Rule, family+".") {
			out = append(out, w.Rule+"/"+w.Level)
		}
	}
	slices.Sort(out)
	return out
}

// StepAnswer is the answer to POST /api/v1/steps.
type StepAnswer struct {
	StepID         string   `json:"step_id"`
	CaseNo         string   `json:"case_no"`
	PolicyRevision int64    `json:"policy_revision"`
	CheckStatus    string   `json:"check_status"`
	QueryCode      string   `json:"query_code"`
	Warnings       Warnings `json:"warnings"`
}

// Rules lists "rule/level" of the answer's warnings of one family, sorted.
func (a StepAnswer) Rules(family string) []string { return a.Warnings.Rules(family) }

// Submit submits step as the account of token; it fails the test unless
// the step is accepted as new (201), and returns the answer.
func (s *Server) Submit(t *testing.T, token string, step map[string]any) StepAnswer {
	t.Helper()
	var a StepAnswer
	s.Must(201, "POST", "/api/v1/steps", token, step).Decode(t, &a)
	return a
}

// CaseAnswer is the answer to GET /api/v1/cases/{case_no}, as far as the
// tests read it.
type CaseAnswer struct {
	DepartmentCode string `json:"department_code"`
	Status         string `json:"status"`
	ItemVersion    int    `json:"power_item_version"`
	AcceptedAt     string `json:"accepted_at"`
	Warnings       []struct {
		Rule string `json:"rule"`
	} `json:"warnings"`
	Steps []struct {
		ID             string         `json:"id"`
		CaseNo         string         `json:"case_no"`
		StepCode       string         `json:"step_code"`
		Handler        string         `json:"handler"`
		RecordedBy     string         `json:"recorded_by"`
		RecordedAt     string         `json:"recorded_at"`
		CheckStatus    string         `json:"check_status"`
		PolicyRevision int64          `json:"policy_revision"`
		Discretion     map[string]any `json:"discretion"`
	} `json:"steps"`
}

// Case reads case caseNo as the account of token; it fails the test
// unless the case is answered (200).
func (s *Server) Case(t *testing.T, token, caseNo string) CaseAnswer {
	t.Helper()
	return Get[CaseAnswer](t, s, token, "/api/v1/cases/"+caseNo)
}

// Step is the body of a step of an existing case, handled by 张三 under LB1.
func Step(id, caseNo, code, at string) map[string]any {
	return map[string]any{"id": id, "case_no": caseNo, "step_code": code, "handler": "张三", "occurred_at": at,
		"legal_basis_ids": []string{"LB1"}, "approvals": []any{}, "attributes": map[string]any{}}
}

// FirstStep is the body of the step that opens a case of item.
func FirstStep(id, caseNo, item, code, at string) map[string]any {
	s := Step(id, caseNo, code, at)
	s["power_item_code"], s["applicant"] = item, "某建设公司"
	return s
}

// StepTime is t as a step's time, to the second, in Asia/Shanghai.
func StepTime(t time.Time) string { return t.In(calendar.Shanghai).Format(time.RFC3339) }

// With returns a copy of m with pairs of key, value set.
func With(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// CurrentQuarter returns today's quarter (YYYY-Qn, Asia/Shanghai) and its
// first day.
func CurrentQuarter() (string, time.Time) {
	now := time.Now().In(calendar.Shanghai)
	q := (int(now.Month())-1)/3 + 1
	start := time.Date(now.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, calendar.Shanghai)
	return fmt.Sprintf("%d-Q%d", now.Year(), q), start
}

// MarkerModule is a policy module of the family custom that marks every
// step with a prewarning whose message carries marker: which revision
// evaluated a step shows in its warnings.
func MarkerModule(marker string) map[string]string {
	return map[string]string{"source": `package compliance.custom

# METADATA
# title: 自定义标记规则
# description: 每个环节都标记一次，用于验证策略发布。
# custom:
#   level: prewarning
#   basis: 测试
warnings contains {"rule": "custom.marker", "level": "prewarning", "message": "标记 ` + marker + `", "basis": "测试", "key": "marker"} if {
	input.event == "step"
}
`}
}

// AccountsAnswer is the answer to GET /api/v1/accounts.
type AccountsAnswer struct {
	Items []struct {
		Username       string  `json:"username"`
		DepartmentCode string  `json:"department_code"`
		Disabled       bool    `json:"disabled"`
		ExpiresAt      *string `json:"expires_at"`
	} `json:"items"`
}

// Usernames lists the accounts' usernames in the answer's order.
func (a AccountsAnswer) Usernames() []string {
	var out []string
	for _, it := range a.Items {
		out = append(out, it.Username)
	}
	return out
}

// WarningList is the answer to GET /api/v1/warnings.
type WarningList struct {
	Items []struct {
		Rule           string `json:"rule"`
		Level          string `json:"level"`
		Key            string `json:"key"`
		Family         string `json:"family"`
		DepartmentCode string `json:"department_code"`
		CaseNo         string `json:"case_no"`
		Message        string `json:"message"`
	} `json:"items"`
}
