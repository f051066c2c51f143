package httpapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Tokens of the district that setupDistrict creates.
const (
	legalToken       = "t-legal"
	supervisionToken = "t-supervision"
	zjjClerk         = "t-zjj-clerk"
	zjjAdmin         = "t-zjj-admin"
	scjClerk         = "t-scj-clerk"
)

// itemFixture reads testdata/catalog/<name>.json, optionally changed by edit.
func itemFixture(t *testing.T, name string, edit func(map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "catalog", name+".json"))
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

// setupDistrict creates two departments, their accounts and the ZJJ items.
// Accounts get known tokens by creating them through the API and recording
// the answer.
func setupDistrict(t *testing.T, s *server) map[string]string {
	t.Helper()
	s.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "ZJJ", "name": "区住房和城乡建设局"})
	s.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "SCJ", "name": "区市场监督管理局"})
	tokens := map[string]string{}
	for _, a := range []struct{ key, user, role, dept string }{
		{legalToken, "legal", "legal", ""},
		{supervisionToken, "supervision", "supervision", ""},
		{zjjClerk, "zjj-clerk", "clerk", "ZJJ"},
		{zjjAdmin, "zjj-admin", "dept_admin", "ZJJ"},
		{scjClerk, "scj-clerk", "clerk", "SCJ"},
	} {
		body := map[string]any{"username": a.user, "real_name": "测试" + a.user, "role": a.role}
		if a.role == "clerk" {
			body["real_name"] = "张三" // the handler that step() names: a person of the department
		}
		if a.dept != "" {
			body["department_code"] = a.dept
		}
		var out struct {
			Token string `json:"token"`
		}
		s.must(201, "POST", "/api/v1/accounts", adminToken, body).decode(t, &out)
		if !strings.HasPrefix(out.Token, "pc_") || len(out.Token) < 40 {
			t.Fatalf("token %q: want a long pc_ token", out.Token)
		}
		tokens[a.key] = out.Token
	}
	s.must(201, "PUT", "/api/v1/power-items/XK-001", tokens[legalToken], itemFixture(t, "licensing", nil))
	s.must(201, "PUT", "/api/v1/power-items/CF-001", tokens[legalToken], itemFixture(t, "penalty", nil))
	return tokens
}

type stepAnswer struct {
	StepID         string `json:"step_id"`
	CaseNo         string `json:"case_no"`
	PolicyRevision int64  `json:"policy_revision"`
	CheckStatus    string `json:"check_status"`
	QueryCode      string `json:"query_code"`
	Warnings       []struct {
		ID             int64  `json:"id"`
		Rule           string `json:"rule"`
		Level          string `json:"level"`
		Message        string `json:"message"`
		DepartmentCode string `json:"department_code"`
		CaseNo         string `json:"case_no"`
		StepID         string `json:"step_id"`
		PolicyRevision int64  `json:"policy_revision"`
		Status         string `json:"status"`
	} `json:"warnings"`
}

func (a stepAnswer) rules(family string) []string {
	var out []string
	for _, w := range a.Warnings {
		if strings.HasPrefix(w.Rule, family+".") {
			out = append(out, w.Rule+"/"+w.Level)
		}
	}
	slices.Sort(out)
	return out
}

func step(id, caseNo, code, at string) map[string]any {
	return map[string]any{"id": id, "case_no": caseNo, "step_code": code, "handler": "张三", "occurred_at": at,
		"legal_basis_ids": []string{"LB1"}, "approvals": []any{}, "attributes": map[string]any{}}
}

func firstStep(id, caseNo, item, code, at string) map[string]any {
	s := step(id, caseNo, code, at)
	s["power_item_code"], s["applicant"] = item, "某建设公司"
	return s
}
