package main

import (
	"encoding/json"
	"fmt"
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

func TestSteps(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)
		clerk := tok[zjjClerk]
		accept := firstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00")

		first := s.must(201, "POST", "/api/v1/steps", clerk, accept)
		var got stepAnswer
		first.decode(t, &got)
		if got.StepID != "C1-accept" || got.CaseNo != "ZJJ-2026-0001" || got.PolicyRevision < 1 || got.CheckStatus != "checked" {
			t.Fatalf("first step answer = %s", first.Body)
		}

		t.Run("same id and body again is answered 200 with the same body", func(t *testing.T) {
			again := s.must(200, "POST", "/api/v1/steps", clerk, accept)
			if string(again.Body) != string(first.Body) {
				t.Errorf("replay body = %s, want %s", again.Body, first.Body)
			}
		})
		t.Run("same id with another body is a conflict", func(t *testing.T) {
			other := firstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T10:30:00+08:00")
			if code := s.must(409, "POST", "/api/v1/steps", clerk, other).errorCode(t); code != "step_id_conflict" {
				t.Errorf("code = %s, want step_id_conflict", code)
			}
		})
		t.Run("the case shows the step and the item version", func(t *testing.T) {
			var c struct {
				Status      string `json:"status"`
				ItemVersion int    `json:"power_item_version"`
				AcceptedAt  string `json:"accepted_at"`
				Steps       []struct {
					ID         string `json:"id"`
					RecordedAt string `json:"recorded_at"`
				} `json:"steps"`
			}
			s.must(200, "GET", "/api/v1/cases/ZJJ-2026-0001", clerk, nil).decode(t, &c)
			if c.Status != "open" || c.ItemVersion != 1 || len(c.Steps) != 1 || c.Steps[0].RecordedAt == "" {
				t.Errorf("case = %+v", c)
			}
		})

		t.Run("bad input is refused and stores nothing", func(t *testing.T) {
			big := firstStep("C9-accept", "ZJJ-2026-0009", "XK-001", "accept", "2026-03-02T09:30:00+08:00")
			big["attributes"] = map[string]any{"blob": strings.Repeat("x", 2<<20)}
			tests := []struct {
				name   string
				token  string
				body   any
				status int
				code   string
			}{
				{"malformed json", clerk, `{"id": "C9-accept",`, 400, "malformed_json"},
				{"unknown field", clerk, `{"id": "C9-accept", "surprise": 1}`, 400, "malformed_json"},
				{"bad date", clerk, with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "occurred_at", "2026-02-30 09:00"), 422, "invalid_step"},
				{"future date", clerk, with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "occurred_at", "2099-01-01T00:00:00+08:00"), 422, "invalid_step"},
				{"unknown step code", clerk, with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "step_code", "approve"), 422, "unknown_step_code"},
				{"unknown item", clerk, with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "power_item_code", "NOPE"), 422, "unknown_item"},
				{"first step without item", clerk, with(step("C9-accept", "ZJJ-2026-0009", "accept", "2026-03-02T09:30:00+08:00")), 422, "unknown_case"},
				{"missing handler", clerk, with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "handler", ""), 422, "invalid_step"},
				{"too large", clerk, big, 413, "payload_too_large"},
				{"no token", "", with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 401, "unauthenticated"},
				{"bad token", "pc_nope", with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 401, "invalid_token"},
				{"role may not submit", tok[supervisionToken], with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 403, "forbidden"},
				{"other department's item", tok[scjClerk], with(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 403, "other_department"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := s.must(tt.status, "POST", "/api/v1/steps", tt.token, tt.body)
					if code := r.errorCode(t); code != tt.code {
						t.Errorf("code = %s, want %s (%s)", code, tt.code, r.Body)
					}
					s.must(404, "GET", "/api/v1/cases/ZJJ-2026-0009", tok[supervisionToken], nil)
				})
			}
		})

		t.Run("other departments neither write nor read a case", func(t *testing.T) {
			// Another department's case is answered as a case nobody opened.
			review := step("C1-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00")
			if code := s.must(422, "POST", "/api/v1/steps", tok[scjClerk], review).errorCode(t); code != "unknown_case" {
				t.Errorf("code = %s", code)
			}
			s.must(404, "GET", "/api/v1/cases/ZJJ-2026-0001", tok[scjClerk], nil)
			s.must(403, "GET", "/api/v1/warnings?department=ZJJ", tok[scjClerk], nil)
			var list struct {
				Items []struct {
					DepartmentCode string `json:"department_code"`
				} `json:"items"`
			}
			s.must(200, "GET", "/api/v1/warnings", tok[scjClerk], nil).decode(t, &list)
			for _, w := range list.Items {
				if w.DepartmentCode != "SCJ" {
					t.Errorf("SCJ clerk sees a warning of %s", w.DepartmentCode)
				}
			}
		})

		t.Run("an adjusted item is a new version; open cases keep theirs", func(t *testing.T) {
			v2 := itemFixture(t, "licensing", func(it map[string]any) { it["time_limit"] = map[string]any{"days": 15, "unit": "workday"} })
			var item struct {
				Version int `json:"version"`
			}
			s.must(200, "PUT", "/api/v1/power-items/XK-001", tok[legalToken], v2).decode(t, &item)
			if item.Version != 2 {
				t.Fatalf("version = %d, want 2", item.Version)
			}
			s.must(201, "POST", "/api/v1/steps", clerk, step("C1-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00"))
			s.must(201, "POST", "/api/v1/steps", clerk, firstStep("C2-accept", "ZJJ-2026-0002", "XK-001", "accept", "2026-03-03T09:30:00+08:00"))
			for caseNo, want := range map[string]int{"ZJJ-2026-0001": 1, "ZJJ-2026-0002": 2} {
				var c struct {
					ItemVersion int `json:"power_item_version"`
				}
				s.must(200, "GET", "/api/v1/cases/"+caseNo, clerk, nil).decode(t, &c)
				if c.ItemVersion != want {
					t.Errorf("case %s on version %d, want %d", caseNo, c.ItemVersion, want)
				}
			}
		})

		t.Run("catalog validation", func(t *testing.T) {
			tests := []struct {
				name string
				edit func(map[string]any)
				code string
			}{
				{"unknown category", func(it map[string]any) { it["category"] = "行政审批" }, "invalid_item"},
				{"duplicate step codes", func(it map[string]any) {
					it["steps"] = []any{map[string]any{"code": "accept", "name": "受理"}, map[string]any{"code": "accept", "name": "再受理"}}
				}, "invalid_item"},
				{"non-positive time limit", func(it map[string]any) { it["time_limit"] = map[string]any{"days": 0, "unit": "workday"} }, "invalid_item"},
				{"negative step limit", func(it map[string]any) {
					it["steps"] = []any{map[string]any{"code": "accept", "name": "受理", "time_limit_days": -1}}
				}, "invalid_item"},
				{"tier min above max", func(it map[string]any) {
					it["discretion"] = map[string]any{"一般": map[string]any{"min": 5000, "max": 1000}}
				}, "invalid_item"},
				{"unknown department", func(it map[string]any) { it["department_code"] = "NOPE" }, "unknown_department"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := s.must(422, "PUT", "/api/v1/power-items/XK-BAD", tok[legalToken], itemFixture(t, "licensing", tt.edit))
					if code := r.errorCode(t); code != tt.code {
						t.Errorf("code = %s, want %s: %s", code, tt.code, r.Body)
					}
					s.must(404, "GET", "/api/v1/power-items/XK-BAD", tok[legalToken], nil)
				})
			}
			// A department admin adjusts only its own department's items.
			scj := itemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" })
			s.must(403, "PUT", "/api/v1/power-items/XK-002", tok[zjjAdmin], scj)
			s.must(403, "PUT", "/api/v1/power-items/XK-003", clerk, itemFixture(t, "licensing", nil))
		})

		t.Run("warnings are stored with their revision and listed page by page", func(t *testing.T) {
			// A decision without approval and without legal basis raises alarms.
			d := step("C2-decide", "ZJJ-2026-0002", "decide", "2026-03-04T09:30:00+08:00")
			d["legal_basis_ids"] = []string{}
			var ans stepAnswer
			s.must(201, "POST", "/api/v1/steps", clerk, d).decode(t, &ans)
			for _, want := range []string{"checkpoint.approval_missing/alarm", "legal_basis.missing/alarm"} {
				if !slices.Contains(append(ans.rules("checkpoint"), ans.rules("legal_basis")...), want) {
					t.Errorf("warnings %v lack %s", ans.Warnings, want)
				}
			}
			for _, w := range ans.Warnings {
				if w.ID == 0 || w.PolicyRevision != ans.PolicyRevision || w.Status != "open" || w.DepartmentCode != "ZJJ" || w.CaseNo != "ZJJ-2026-0002" || w.Message == "" {
					t.Errorf("warning %+v is incomplete", w)
				}
			}
			var all struct {
				Items []struct{ ID int64 } `json:"items"`
			}
			s.must(200, "GET", "/api/v1/warnings?limit=500", tok[supervisionToken], nil).decode(t, &all)
			seen := map[int64]bool{}
			cursor := ""
			for pages := 0; ; pages++ {
				var page struct {
					Items      []struct{ ID int64 } `json:"items"`
					NextCursor *string              `json:"next_cursor"`
				}
				s.must(200, "GET", "/api/v1/warnings?limit=2"+cursor, tok[supervisionToken], nil).decode(t, &page)
				for _, w := range page.Items {
					if seen[w.ID] {
						t.Errorf("warning %d on two pages", w.ID)
					}
					seen[w.ID] = true
				}
				if page.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + *page.NextCursor
				if pages > 100 {
					t.Fatal("paging does not end")
				}
			}
			if len(seen) != len(all.Items) || len(seen) < 2 {
				t.Errorf("paged through %d warnings, the full list has %d", len(seen), len(all.Items))
			}
			var alarms struct {
				Items []struct{ Level, CaseNo string } `json:"items"`
			}
			s.must(200, "GET", "/api/v1/warnings?level=alarm&case_no=ZJJ-2026-0002&department=ZJJ,SCJ", tok[supervisionToken], nil).decode(t, &alarms)
			if len(alarms.Items) < 2 {
				t.Errorf("filtered list has %d alarms, want ≥ 2", len(alarms.Items))
			}
			for _, bad := range []string{"level=red", "limit=0", "limit=100000", "cursor=%27%20OR%201%3D1", "from=yesterday"} {
				s.must(400, "GET", "/api/v1/warnings?"+bad, tok[supervisionToken], nil)
			}
		})
	})
}

// with returns a copy of m with pairs of key, value set.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestLawCounting drives cases over HTTP across holidays and make-up days and
// checks what the deadline policy says at the step that ends the clock.
func TestLawCounting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fixture  string
		limit    int // time_limit days (0 = fixture's)
		first    string
		firstAt  string
		middle   []string // code@time steps between
		endCode  string
		endAt    string
		wantLate bool
	}{
		{"start day not counted: 1 working day from Monday 2 March ends Tuesday", "short", 1, "accept", "2026-03-02T09:00:00+08:00", nil, "decide", "2026-03-03T17:00:00+08:00", false},
		{"start day not counted: Wednesday is late", "short", 1, "accept", "2026-03-02T09:00:00+08:00", nil, "decide", "2026-03-04T09:00:00+08:00", true},
		{"National Day 2025: the make-up Sunday 28 Sept counts", "short", 3, "accept", "2025-09-26T09:00:00+08:00", nil, "decide", "2025-09-30T17:00:00+08:00", false},
		{"National Day 2025: the holiday does not count", "short", 3, "accept", "2025-09-26T09:00:00+08:00", nil, "decide", "2025-10-09T09:00:00+08:00", true},
		{"National Day 2025: 1 working day from 30 Sept ends 9 Oct", "short", 1, "accept", "2025-09-30T09:00:00+08:00", nil, "decide", "2025-10-09T17:00:00+08:00", false},
		{"make-up Saturday 11 Oct 2025 is a working day", "short", 1, "accept", "2025-10-10T09:00:00+08:00", nil, "decide", "2025-10-11T17:00:00+08:00", false},
		{"after the make-up Saturday, Monday is late", "short", 1, "accept", "2025-10-10T09:00:00+08:00", nil, "decide", "2025-10-13T09:00:00+08:00", true},
		{"Spring Festival 2026: 20 working days from 9 Feb end 13 March", "licensing", 0, "accept", "2026-02-09T09:00:00+08:00", []string{"review@2026-02-27T09:00:00+08:00"}, "decide", "2026-03-13T17:00:00+08:00", false},
		{"Spring Festival 2026: 16 March is late", "licensing", 0, "accept", "2026-02-09T09:00:00+08:00", []string{"review@2026-02-27T09:00:00+08:00"}, "decide", "2026-03-16T09:00:00+08:00", true},
		{"清明 2026: 1 working day from Friday 3 April ends Tuesday 7 April", "short", 1, "accept", "2026-04-03T09:00:00+08:00", nil, "decide", "2026-04-07T17:00:00+08:00", false},
		{"penalty: 90 calendar days from 10 Jan end 10 April", "penalty", 0, "file", "2026-01-10T09:00:00+08:00", nil, "decide", "2026-04-10T17:00:00+08:00", false},
		{"penalty: 11 April is late", "penalty", 0, "file", "2026-01-10T09:00:00+08:00", nil, "decide", "2026-04-11T09:00:00+08:00", true},
	}
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code := fmt.Sprintf("T-%02d", i)
				s.must(201, "PUT", "/api/v1/power-items/"+code, tok[legalToken], itemFixture(t, tt.fixture, func(it map[string]any) {
					if tt.limit > 0 {
						it["time_limit"] = map[string]any{"days": tt.limit, "unit": "workday"}
					}
				}))
				caseNo := "ZJJ-LAW-" + code
				s.must(201, "POST", "/api/v1/steps", tok[zjjClerk], firstStep(caseNo+"-1", caseNo, code, tt.first, tt.firstAt))
				for j, m := range tt.middle {
					c, at, _ := strings.Cut(m, "@")
					s.must(201, "POST", "/api/v1/steps", tok[zjjClerk], step(fmt.Sprintf("%s-m%d", caseNo, j), caseNo, c, at))
				}
				end := step(caseNo+"-end", caseNo, tt.endCode, tt.endAt)
				var ans stepAnswer
				s.must(201, "POST", "/api/v1/steps", tok[zjjClerk], end).decode(t, &ans)
				late := slices.Contains(ans.rules("deadline"), "deadline.item_overdue/alarm")
				if late != tt.wantLate {
					t.Errorf("item_overdue = %v, want %v; deadline warnings %v", late, tt.wantLate, ans.rules("deadline"))
				}
			})
		}
	})
}

// A step id reused for another case is a conflict, and nothing of the other
// case is stored.
func TestStepIDReusedForAnotherCase(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)
		s.must(201, "POST", "/api/v1/steps", tok[zjjClerk], firstStep("R-1", "ZJJ-R-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		r := s.must(409, "POST", "/api/v1/steps", tok[zjjClerk], firstStep("R-1", "ZJJ-R-2", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		if code := r.errorCode(t); code != "step_id_conflict" {
			t.Errorf("code = %s", code)
		}
		s.must(404, "GET", "/api/v1/cases/ZJJ-R-2", tok[supervisionToken], nil)
	})
}
