package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestSteps(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		clerk := tok[apitest.ZJJClerk]
		accept := apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00")

		first := s.Must(201, "POST", "/api/v1/steps", clerk, accept)
		var got apitest.StepAnswer
		first.Decode(t, &got)
		if got.StepID != "C1-accept" || got.CaseNo != "ZJJ-2026-0001" || got.PolicyRevision < 1 || got.CheckStatus != "checked" {
			t.Fatalf("first step answer = %s", first.Body)
		}

		t.Run("same id and body again is answered 200 with the same body", func(t *testing.T) {
			again := s.Must(200, "POST", "/api/v1/steps", clerk, accept)
			if string(again.Body) != string(first.Body) {
				t.Errorf("replay body = %s, want %s", again.Body, first.Body)
			}
		})
		t.Run("same id with another body is a conflict", func(t *testing.T) {
			other := apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T10:30:00+08:00")
			if code := s.Must(409, "POST", "/api/v1/steps", clerk, other).ErrorCode(t); code != "step_id_conflict" {
				t.Errorf("code = %s, want step_id_conflict", code)
			}
		})
		t.Run("the case shows the step and the item version", func(t *testing.T) {
			c := s.Case(t, clerk, "ZJJ-2026-0001")
			if c.Status != "open" || c.ItemVersion != 1 || len(c.Steps) != 1 || c.Steps[0].RecordedAt == "" {
				t.Errorf("case = %+v", c)
			}
		})

		t.Run("bad input is refused and stores nothing", func(t *testing.T) {
			stepRefusals(t, s, tok, accept)
		})

		t.Run("other departments neither write nor read a case", func(t *testing.T) {
			otherDepartmentsKeptOut(t, s, tok)
		})

		t.Run("an adjusted item is a new version; open cases keep theirs", func(t *testing.T) {
			v2 := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["time_limit"] = map[string]any{"days": 15, "unit": "workday"} })
			var item struct {
				Version int `json:"version"`
			}
			s.Must(200, "PUT", "/api/v1/power-items/XK-001", tok[apitest.LegalToken], v2).Decode(t, &item)
			if item.Version != 2 {
				t.Fatalf("version = %d, want 2", item.Version)
			}
			s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step("C1-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00"))
			s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("C2-accept", "ZJJ-2026-0002", "XK-001", "accept", "2026-03-03T09:30:00+08:00"))
			for caseNo, want := range map[string]int{"ZJJ-2026-0001": 1, "ZJJ-2026-0002": 2} {
				if c := s.Case(t, clerk, caseNo); c.ItemVersion != want {
					t.Errorf("case %s on version %d, want %d", caseNo, c.ItemVersion, want)
				}
			}
		})

		t.Run("catalog validation", func(t *testing.T) {
			catalogValidation(t, s, tok)
		})

		t.Run("warnings are stored with their revision and listed page by page", func(t *testing.T) {
			warningsStoredAndPaged(t, s, tok)
		})
	})
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
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code := fmt.Sprintf("T-%02d", i)
				s.Must(201, "PUT", "/api/v1/power-items/"+code, tok[apitest.LegalToken], apitest.ItemFixture(t, tt.fixture, func(it map[string]any) {
					if tt.limit > 0 {
						it["time_limit"] = map[string]any{"days": tt.limit, "unit": "workday"}
					}
				}))
				caseNo := "ZJJ-LAW-" + code
				s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep(caseNo+"-1", caseNo, code, tt.first, tt.firstAt))
				for j, m := range tt.middle {
					c, at, _ := strings.Cut(m, "@")
					s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step(fmt.Sprintf("%s-m%d", caseNo, j), caseNo, c, at))
				}
				end := apitest.Step(caseNo+"-end", caseNo, tt.endCode, tt.endAt)
				ans := s.Submit(t, tok[apitest.ZJJClerk], end)
				late := slices.Contains(ans.Rules("deadline"), "deadline.item_overdue/alarm")
				if late != tt.wantLate {
					t.Errorf("item_overdue = %v, want %v; deadline warnings %v", late, tt.wantLate, ans.Rules("deadline"))
				}
			})
		}
	})
}

// A step id reused for another case is a conflict, and nothing of the other
// case is stored.
func TestStepIDReusedForAnotherCase(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("R-1", "ZJJ-R-1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		r := s.Must(409, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("R-1", "ZJJ-R-2", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		if code := r.ErrorCode(t); code != "step_id_conflict" {
			t.Errorf("code = %s", code)
		}
		s.Must(404, "GET", "/api/v1/cases/ZJJ-R-2", tok[apitest.SupervisionToken], nil)
	})
}

// warningsStoredAndPaged checks that a decision's alarms are stored with
// their revision, and the warnings list's pages and filters.
func warningsStoredAndPaged(t *testing.T, s *server, tok map[string]string) {
	clerk := tok[apitest.ZJJClerk]
	// A decision without approval and without legal basis raises alarms.
	d := apitest.Step("C2-decide", "ZJJ-2026-0002", "decide", "2026-03-04T09:30:00+08:00")
	d["legal_basis_ids"] = []string{}
	ans := s.Submit(t, clerk, d)
	for _, want := range []string{"checkpoint.approval_missing/alarm", "legal_basis.missing/alarm"} {
		if !slices.Contains(append(ans.Rules("checkpoint"), ans.Rules("legal_basis")...), want) {
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
	s.Must(200, "GET", "/api/v1/warnings?limit=500", tok[apitest.SupervisionToken], nil).Decode(t, &all)
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Items      []struct{ ID int64 } `json:"items"`
			NextCursor *string              `json:"next_cursor"`
		}
		s.Must(200, "GET", "/api/v1/warnings?limit=2"+cursor, tok[apitest.SupervisionToken], nil).Decode(t, &page)
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
	s.Must(200, "GET", "/api/v1/warnings?level=alarm&case_no=ZJJ-2026-0002&department=ZJJ,SCJ", tok[apitest.SupervisionToken], nil).Decode(t, &alarms)
	if len(alarms.Items) < 2 {
		t.Errorf("filtered list has %d alarms, want ≥ 2", len(alarms.Items))
	}
	for _, bad := range []string{"level=red", "limit=0", "limit=100000", "cursor=%27%20OR%201%3D1", "from=yesterday"} {
		s.Must(400, "GET", "/api/v1/warnings?"+bad, tok[apitest.SupervisionToken], nil)
	}
}

// catalogValidation checks that invalid items are refused and stored
// nowhere, and who may adjust an item.
func catalogValidation(t *testing.T, s *server, tok map[string]string) {
	clerk := tok[apitest.ZJJClerk]
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
			r := s.Must(422, "PUT", "/api/v1/power-items/XK-BAD", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", tt.edit))
			if code := r.ErrorCode(t); code != tt.code {
				t.Errorf("code = %s, want %s: %s", code, tt.code, r.Body)
			}
			s.Must(404, "GET", "/api/v1/power-items/XK-BAD", tok[apitest.LegalToken], nil)
		})
	}
	// A department admin adjusts only its own department's items.
	scj := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" })
	s.Must(403, "PUT", "/api/v1/power-items/XK-002", tok[apitest.ZJJAdmin], scj)
	s.Must(403, "PUT", "/api/v1/power-items/XK-003", clerk, apitest.ItemFixture(t, "licensing", nil))
}

// otherDepartmentsKeptOut checks that another department neither writes nor
// reads ZJJ's case.
func otherDepartmentsKeptOut(t *testing.T, s *server, tok map[string]string) {
	// Another department's case is answered as a case nobody opened.
	review := apitest.Step("C1-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00")
	if code := s.Must(422, "POST", "/api/v1/steps", tok[apitest.SCJClerk], review).ErrorCode(t); code != "unknown_case" {
		t.Errorf("code = %s", code)
	}
	s.Must(404, "GET", "/api/v1/cases/ZJJ-2026-0001", tok[apitest.SCJClerk], nil)
	s.Must(403, "GET", "/api/v1/warnings?department=ZJJ", tok[apitest.SCJClerk], nil)
	var list struct {
		Items []struct {
			DepartmentCode string `json:"department_code"`
		} `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/warnings", tok[apitest.SCJClerk], nil).Decode(t, &list)
	for _, w := range list.Items {
		if w.DepartmentCode != "SCJ" {
			t.Errorf("SCJ clerk sees a warning of %s", w.DepartmentCode)
		}
	}
}

// stepRefusals sends bad steps and checks each is refused and stores
// nothing; accept is a valid first step.
func stepRefusals(t *testing.T, s *server, tok map[string]string, accept map[string]any) {
	clerk := tok[apitest.ZJJClerk]
	big := apitest.FirstStep("C9-accept", "ZJJ-2026-0009", "XK-001", "accept", "2026-03-02T09:30:00+08:00")
	big["attributes"] = map[string]any{"blob": strings.Repeat("x", 2<<20)}
	wantRefused(t, s, "POST", "/api/v1/steps", []refusalCase{
		{"malformed json", clerk, `{"id": "C9-accept",`, 400, "malformed_json"},
		{"unknown field", clerk, `{"id": "C9-accept", "surprise": 1}`, 400, "malformed_json"},
		{"bad date", clerk, apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "occurred_at", "2026-02-30 09:00"), 422, "invalid_step"},
		{"future date", clerk, apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "occurred_at", "2099-01-01T00:00:00+08:00"), 422, "invalid_step"},
		{"unknown step code", clerk, apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "step_code", "approve"), 422, "unknown_step_code"},
		{"unknown item", clerk, apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "power_item_code", "NOPE"), 422, "unknown_item"},
		{"first step without item", clerk, apitest.With(apitest.Step("C9-accept", "ZJJ-2026-0009", "accept", "2026-03-02T09:30:00+08:00")), 422, "unknown_case"},
		{"missing handler", clerk, apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009", "handler", ""), 422, "invalid_step"},
		{"too large", clerk, big, 413, "payload_too_large"},
		{"no token", "", apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 401, "unauthenticated"},
		{"bad token", "pc_nope", apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 401, "invalid_token"},
		{"role may not submit", tok[apitest.SupervisionToken], apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 403, "forbidden"},
		{"other department's item", tok[apitest.SCJClerk], apitest.With(accept, "id", "C9-accept", "case_no", "ZJJ-2026-0009"), 403, "other_department"},
	}, func(t *testing.T) {
		s.Must(404, "GET", "/api/v1/cases/ZJJ-2026-0009", tok[apitest.SupervisionToken], nil)
	})
}

// refusalCase is a request the API must refuse: who sends it, its body, and
// the status and error code of the answer.
type refusalCase struct {
	name   string
	token  string
	body   any
	status int
	code   string
}

// wantRefused sends each case as method path, in a subtest named after it,
// checks the answer, and then calls unchanged to check that the refused
// request changed nothing.
func wantRefused(t *testing.T, s *server, method, path string, cases []refusalCase, unchanged func(t *testing.T)) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			apitest.WantCode(t, s.Do(method, path, tt.token, tt.body), tt.status, tt.code)
			unchanged(t)
		})
	}
}
