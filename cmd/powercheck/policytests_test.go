package main

import (
	"encoding/json"
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

type policyTestReport struct {
	Revision int64    `json:"revision"`
	Drafts   []string `json:"drafts"`
	Passed   int      `json:"passed"`
	Failed   int      `json:"failed"`
	Results  []struct {
		Package    string  `json:"package"`
		Module     string  `json:"module"`
		Name       string  `json:"name"`
		Status     string  `json:"status"`
		Message    string  `json:"message"`
		DurationMS float64 `json:"duration_ms"`
	} `json:"results"`
}

type revisionDetail struct {
	Revision int64 `json:"revision"`
	Modules  []struct {
		Module string `json:"module"`
		Source string `json:"source"`
	} `json:"modules"`
	Params map[string]json.RawMessage `json:"params"`
}

func (d revisionDetail) source(module string) (string, bool) {
	for _, m := range d.Modules {
		if m.Module == module {
			return m.Source, true
		}
	}
	return "", false
}

// TestPolicyWorkbench covers what the console's policy workbench adds to the
// authoring loop: running the candidate set's tests, and reading a past
// revision's modules to show what a publish or a rollback changes.
func TestPolicyWorkbench(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]

		t.Run("only the legal office runs the tests", func(t *testing.T) {
			for _, who := range []string{tok[apitest.ZJJClerk], tok[apitest.SupervisionToken], apitest.AdminToken} {
				s.Must(403, "POST", "/api/v1/policies/tests", who, nil)
			}
			apitest.WantCode(t, s.Do("POST", "/api/v1/policies/tests", legal, map[string]int{"revision": 1}), 400, "malformed_json")
		})

		t.Run("the active revision's tests all pass", func(t *testing.T) {
			var rep policyTestReport
			s.Must(200, "POST", "/api/v1/policies/tests", legal, nil).Decode(t, &rep)
			if rep.Revision != 1 || len(rep.Drafts) != 0 || rep.Failed != 0 || rep.Passed < 20 || len(rep.Results) != rep.Passed {
				t.Fatalf("report: revision %d, drafts %v, passed %d, failed %d, %d results", rep.Revision, rep.Drafts, rep.Passed, rep.Failed, len(rep.Results))
			}
			for _, r := range rep.Results {
				if r.Status != "pass" || r.Name == "" || !strings.HasPrefix(r.Package, "data.compliance.") || r.DurationMS < 0 {
					t.Errorf("result %+v", r)
				}
			}
		})

		t.Run("drafts are tested with the revision they are laid over", func(t *testing.T) {
			s.Must(200, "PUT", "/api/v1/policies/custom", legal, apitest.MarkerModule("W"))
			s.Must(200, "PUT", "/api/v1/policies/custom_test", legal, markerTest)
			var rep policyTestReport
			s.Must(200, "POST", "/api/v1/policies/tests", legal, nil).Decode(t, &rep)
			if len(rep.Drafts) != 2 || rep.Failed != 0 {
				t.Fatalf("report: drafts %v, failed %d", rep.Drafts, rep.Failed)
			}
			found := false
			for _, r := range rep.Results {
				found = found || r.Module == "custom_test" && r.Name == "test_marks_every_step" && r.Status == "pass"
			}
			if !found {
				t.Errorf("the drafted test did not run: %+v", rep.Results)
			}
		})

		t.Run("a revision shows its modules and parameters to everyone", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/policies/publish", legal, map[string]string{"note": "增加标记规则"})
			tests := []struct {
				revision   string
				token      string
				wantCustom bool
			}{
				{"1", tok[apitest.ZJJClerk], false},
				{"2", tok[apitest.ZJJClerk], true},
				{"2", tok[apitest.SupervisionToken], true},
			}
			for _, tt := range tests {
				var d revisionDetail
				s.Must(200, "GET", "/api/v1/policies/revisions/"+tt.revision, tt.token, nil).Decode(t, &d)
				src, ok := d.source("custom")
				if _, deadline := d.source("deadline"); !deadline || ok != tt.wantCustom || d.Params["deadline"] == nil {
					t.Errorf("revision %s: custom %v (want %v), deadline %v, params %v", tt.revision, ok, tt.wantCustom, deadline, d.Params)
				}
				if ok && !strings.Contains(src, "标记 W") {
					t.Errorf("revision %s: custom source %q", tt.revision, src)
				}
			}
		})

		t.Run("an unknown revision is 404", func(t *testing.T) {
			for _, rev := range []string{"99", "0", "-1", "abc"} {
				apitest.WantCode(t, s.Do("GET", "/api/v1/policies/revisions/"+rev, legal, nil), 404, "revision_not_found")
			}
		})
	})
}
