package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// answerOf is what a caller learns from an answer: its status and body
// (of an error: its code, message and details), with the case number it
// named written as {case}.
func answerOf(t *testing.T, r apitest.Response, caseNo string) string {
	t.Helper()
	shown := string(r.Body)
	if r.Status >= 300 {
		var e apitest.ErrorBody
		r.Decode(t, &e)
		b, err := json.Marshal(e.Error)
		if err != nil {
			t.Fatal(err)
		}
		shown = string(b)
	}
	return fmt.Sprintf("%d %s", r.Status, strings.ReplaceAll(shown, caseNo, "{case}"))
}

// caseNoAt is when the steps of TestCaseNumbersPerDepartment happen.
const caseNoAt = "2026-03-02T09:30:00+08:00"

// caseNumbersRun is what TestCaseNumbersPerDepartment's subtests share: the
// server, its database and the tokens of the ZJJ and SCJ clerks and of
// supervision.
type caseNumbersRun struct {
	s             *apitest.Server
	dsn           string
	zjj, scj, sup string
}

// Case numbers belong to departments: a new case's number begins with its
// department's code and "-", and a case of another department is answered
// exactly as a number nobody uses, whatever the request.
func TestCaseNumbersPerDepartment(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, "--sweep-interval", "0")
		cn := caseNumbersRun{s: s, dsn: dsn, zjj: tok[apitest.ZJJClerk], scj: tok[apitest.SCJClerk], sup: tok[apitest.SupervisionToken]}
		s.Must(201, "PUT", "/api/v1/power-items/XK-SCJ", tok[apitest.LegalToken],
			apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" }))
		// A department whose code is ZJJ's and more: "ZJJ-KC-…" is its, not ZJJ's.
		s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "ZJJ-KC", "name": "区建设工程勘察所"})
		t.Run("a new case's number begins with its department's code", cn.numberBeginsWithCode)
		t.Run("another department's case is answered as a number nobody uses", cn.otherDepartmentsCase)
		t.Run("a number another department opened before numbers were scoped", cn.numberOpenedBeforeScoping)
		t.Run("a department created after its numbers were found free owns them at once", cn.newDepartmentOwnsNumbers)
	})
}

// newDepartmentOwnsNumbers: a code found to be no department's is
// remembered for a moment, and creating the department ends that at once.
func (cn caseNumbersRun) newDepartmentOwnsNumbers(t *testing.T) {
	s, zjj := cn.s, cn.zjj
	s.Must(201, "POST", "/api/v1/steps", zjj, apitest.FirstStep("ZJJ-QX-2026-0001-a", "ZJJ-QX-2026-0001", "XK-001", "accept", caseNoAt))
	s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "ZJJ-QX", "name": "区建设工程质量监督站"})
	r := s.Do("POST", "/api/v1/steps", zjj, apitest.FirstStep("ZJJ-QX-2026-0002-a", "ZJJ-QX-2026-0002", "XK-001", "accept", caseNoAt))
	apitest.WantCode(t, r, 422, "case_no_prefix")
}

func (cn caseNumbersRun) numberBeginsWithCode(t *testing.T) {
	s, zjj, scj, sup := cn.s, cn.zjj, cn.scj, cn.sup
	tests := []struct {
		name, token, item, caseNo string
		status                    int
		code                      string
	}{
		{"the department's own code", zjj, "XK-001", "ZJJ-2026-0777", 201, ""},
		{"another department's code", zjj, "XK-001", "SCJ-2026-0778", 422, "case_no_prefix"},
		{"no code", zjj, "XK-001", "2026-0778", 422, "case_no_prefix"},
		{"the code without its dash", zjj, "XK-001", "ZJJ2026-0778", 422, "case_no_prefix"},
		{"the code and the dash alone", zjj, "XK-001", "ZJJ-", 422, "case_no_prefix"},
		{"the code in small letters", zjj, "XK-001", "zjj-2026-0778", 422, "case_no_prefix"},
		{"the numbers of a department whose code extends the own", zjj, "XK-001", "ZJJ-KC-2026-0001", 422, "case_no_prefix"},
		{"the other department's own code", scj, "XK-SCJ", "SCJ-2026-0777", 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Do("POST", "/api/v1/steps", tt.token, apitest.FirstStep(tt.caseNo+"-a", tt.caseNo, tt.item, "accept", caseNoAt))
			if tt.status != 201 {
				apitest.WantCode(t, r, tt.status, tt.code)
				s.Must(404, "GET", "/api/v1/cases/"+tt.caseNo, sup, nil)
				return
			}
			if r.Status != 201 {
				t.Fatalf("status %d, want 201: %s", r.Status, r.Body)
			}
			s.Must(200, "GET", "/api/v1/cases/"+tt.caseNo, sup, nil)
		})
	}
}

func (cn caseNumbersRun) otherDepartmentsCase(t *testing.T) {
	s, zjj, scj, sup := cn.s, cn.zjj, cn.scj, cn.sup
	requests := []struct {
		name   string
		method string
		path   func(caseNo string) string
		body   func(caseNo string, item string) any
	}{
		{"read the case", "GET", func(no string) string { return "/api/v1/cases/" + no }, nil},
		{"read its steps", "GET", func(no string) string { return "/api/v1/cases/" + no + "/steps" }, nil},
		{"read its steps from a cursor", "GET", func(no string) string { return "/api/v1/cases/" + no + "/steps?cursor=dzE6MQ&limit=5" }, nil},
		{"list its warnings", "GET", func(no string) string { return "/api/v1/warnings?case_no=" + no }, nil},
		{"record a step", "POST", func(string) string { return "/api/v1/steps" },
			func(no, _ string) any { return apitest.Step("X-review", no, "review", "2026-03-03T09:30:00+08:00") }},
		{"open it with an item of the own department", "POST", func(string) string { return "/api/v1/steps" },
			func(no, item string) any { return apitest.FirstStep("X-accept", no, item, "accept", caseNoAt) }},
		{"open it with an item of its department", "POST", func(string) string { return "/api/v1/steps" },
			func(no, _ string) any {
				return apitest.FirstStep("X-accept", no, map[string]string{"ZJJ": "XK-001", "SCJ": "XK-SCJ"}[no[:3]], "accept", caseNoAt)
			}},
	}
	callers := []struct {
		name, token, ownItem, existing, unused string
	}{
		{"SCJ naming a ZJJ case", scj, "XK-SCJ", "ZJJ-2026-0777", "ZJJ-2026-0999"},
		{"ZJJ naming an SCJ case", zjj, "XK-001", "SCJ-2026-0777", "SCJ-2026-0999"},
	}
	for _, c := range callers {
		for _, rq := range requests {
			t.Run(c.name+"/"+rq.name, func(t *testing.T) {
				send := func(caseNo string) apitest.Response {
					var body any
					if rq.body != nil {
						body = rq.body(caseNo, c.ownItem)
					}
					return s.Do(rq.method, rq.path(caseNo), c.token, body)
				}
				got, want := send(c.existing), send(c.unused)
				if a, b := answerOf(t, got, c.existing), answerOf(t, want, c.unused); a != b {
					t.Errorf("answer for %s, another department's case:\n  %s\nfor %s, a number nobody uses:\n  %s", c.existing, a, c.unused, b)
				}
			})
		}
	}
	// Nothing was stored on the cases the requests named.
	for _, no := range []string{"ZJJ-2026-0777", "SCJ-2026-0777"} {
		var v struct {
			DepartmentCode string `json:"department_code"`
			Steps          []any  `json:"steps"`
		}
		s.Must(200, "GET", "/api/v1/cases/"+no, sup, nil).Decode(t, &v)
		if len(v.Steps) != 1 || v.DepartmentCode != no[:3] {
			t.Errorf("case %s: department %s, %d steps; want %s, 1 step", no, v.DepartmentCode, len(v.Steps), no[:3])
		}
	}
	for _, no := range []string{"ZJJ-2026-0999", "SCJ-2026-0999"} {
		s.Must(404, "GET", "/api/v1/cases/"+no, sup, nil)
	}
}

func (cn caseNumbersRun) numberOpenedBeforeScoping(t *testing.T) {
	s, dsn, zjj, scj, sup := cn.s, cn.dsn, cn.zjj, cn.scj, cn.sup
	// ZJJ opened SCJ-2026-0555 before the rule: the case stays ZJJ's.
	s.Must(201, "POST", "/api/v1/steps", zjj, apitest.FirstStep("L-accept", "ZJJ-2026-0555", "XK-001", "accept", caseNoAt))
	db := apitest.RawDB(t, dsn)
	for _, table := range []string{"cases", "steps", "warnings"} {
		if _, err := db.Exec("UPDATE "+table+" SET case_no = ? WHERE case_no = ?", "SCJ-2026-0555", "ZJJ-2026-0555"); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, token string
		method      string
		path        string
		body        any
		status      int
		code        string
	}{
		{"SCJ does not see it", scj, "GET", "/api/v1/cases/SCJ-2026-0555", nil, 404, "case_not_found"},
		{"SCJ records no step on it", scj, "POST", "/api/v1/steps", apitest.Step("L-review", "SCJ-2026-0555", "review", "2026-03-03T09:30:00+08:00"), 422, "unknown_case"},
		{"SCJ cannot open the number", scj, "POST", "/api/v1/steps", apitest.FirstStep("L-accept", "SCJ-2026-0555", "XK-SCJ", "accept", caseNoAt), 409, "case_no_taken"},
		{"ZJJ goes on with its case", zjj, "POST", "/api/v1/steps", apitest.Step("L-review", "SCJ-2026-0555", "review", "2026-03-03T09:30:00+08:00"), 201, ""},
		{"ZJJ reads it", zjj, "GET", "/api/v1/cases/SCJ-2026-0555", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Do(tt.method, tt.path, tt.token, tt.body)
			if tt.code != "" {
				apitest.WantCode(t, r, tt.status, tt.code)
			} else if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
		})
	}
	v := s.Case(t, sup, "SCJ-2026-0555")
	if v.DepartmentCode != "ZJJ" || len(v.Steps) != 2 {
		t.Errorf("case SCJ-2026-0555: department %s, steps %+v; want ZJJ's two", v.DepartmentCode, v.Steps)
	}
}

// A step's id (its idempotency key) is unique within its department: two
// departments may use the same id, and replays and conflicts are looked for
// in the submitting department only.
func TestStepIDsPerDepartment(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		zjj, scj := tok[apitest.ZJJClerk], tok[apitest.SCJClerk]
		s.Must(201, "PUT", "/api/v1/power-items/XK-SCJ", tok[apitest.LegalToken],
			apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" }))
		const at = "2026-03-02T09:30:00+08:00"
		zjjFirst := apitest.FirstStep("SHARED-1", "ZJJ-SH-1", "XK-001", "accept", at)
		scjFirst := apitest.FirstStep("SHARED-1", "SCJ-SH-1", "XK-SCJ", "accept", at)
		first := map[string]apitest.Response{}

		tests := []struct {
			name, dept, token string
			body              map[string]any
			status            int
			code              string
			sameAs            string // the department whose first answer a replay repeats
		}{
			{"ZJJ uses the id", "ZJJ", zjj, zjjFirst, 201, "", ""},
			{"SCJ uses the same id", "SCJ", scj, scjFirst, 201, "", ""},
			{"ZJJ sends its step again", "ZJJ", zjj, zjjFirst, 200, "", "ZJJ"},
			{"SCJ sends its step again", "SCJ", scj, scjFirst, 200, "", "SCJ"},
			{"ZJJ uses the id for another case", "ZJJ", zjj, apitest.FirstStep("SHARED-1", "ZJJ-SH-2", "XK-001", "accept", at), 409, "step_id_conflict", ""},
			{"SCJ uses the id for another case", "SCJ", scj, apitest.FirstStep("SHARED-1", "SCJ-SH-2", "XK-SCJ", "accept", at), 409, "step_id_conflict", ""},
			{"SCJ sends ZJJ's step: no replay of it", "SCJ", scj, zjjFirst, 403, "other_department", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := s.Do("POST", "/api/v1/steps", tt.token, tt.body)
				if tt.code != "" {
					apitest.WantCode(t, r, tt.status, tt.code)
					return
				}
				if r.Status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
				}
				if tt.status == 201 {
					first[tt.dept] = r
				}
				if tt.sameAs != "" && string(r.Body) != string(first[tt.sameAs].Body) {
					t.Errorf("replay answered %s, want %s", r.Body, first[tt.sameAs].Body)
				}
			})
		}
		for _, no := range []string{"ZJJ-SH-1", "SCJ-SH-1"} {
			v := s.Case(t, tok[apitest.SupervisionToken], no)
			if len(v.Steps) != 1 || v.Steps[0].ID != "SHARED-1" || v.Steps[0].CaseNo != no {
				t.Errorf("case %s steps = %+v, want the one step SHARED-1", no, v.Steps)
			}
		}
		for _, no := range []string{"ZJJ-SH-2", "SCJ-SH-2"} {
			s.Must(404, "GET", "/api/v1/cases/"+no, tok[apitest.SupervisionToken], nil)
		}
	})
}
