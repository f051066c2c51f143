package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

var markerTest = map[string]string{"source": `package compliance.custom_test

import data.compliance.custom

test_marks_every_step if {
	count(custom.warnings) == 1 with input as {"event": "step"}
}
`}

// revisionAnswer is a revision as a publish or a rollback of the policies
// answers it.
type revisionAnswer struct {
	Revision int64                     `json:"revision"`
	Changes  compliance.RevisionChange `json:"changes"`
}

// newRevision posts /api/v1/policies/{action}, a publish or a rollback, as
// token and returns the revision it made.
func newRevision(t *testing.T, s *server, token, action string, body any) revisionAnswer {
	t.Helper()
	var rev revisionAnswer
	s.Must(201, "POST", "/api/v1/policies/"+action, token, body).Decode(t, &rev)
	return rev
}

// revisionList is GET /api/v1/policies/revisions: the revisions and the one
// active.
type revisionList struct {
	Items []struct {
		Revision int64 `json:"revision"`
	} `json:"items"`
	Active int64 `json:"active"`
}

// listRevisions reads the policy revisions as token sees them.
func listRevisions(t *testing.T, s *server, token string) revisionList {
	t.Helper()
	return apitest.Get[revisionList](t, s.Server, token, "/api/v1/policies/revisions")
}

// hasMarker returns the message of the step's custom.marker warning, or "".
func hasMarker(a apitest.StepAnswer) string {
	for _, w := range a.Warnings {
		if w.Rule == "custom.marker" {
			return w.Message
		}
	}
	return ""
}

type problem struct {
	Module    string `json:"module"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	MessageZh string `json:"message_zh"`
}

// draftRefusal is the answer to a draft the legal office may not save.
type draftRefusal struct {
	Error struct {
		Code    string    `json:"code"`
		Message string    `json:"message"`
		Details []problem `json:"details"`
	} `json:"error"`
}

// refuseDraft saves source as module's draft, which must be refused with
// 422, and returns the refusal.
func refuseDraft(t *testing.T, s *server, token, module, source string) draftRefusal {
	t.Helper()
	var body draftRefusal
	s.Must(422, "PUT", "/api/v1/policies/"+module, token, map[string]string{"source": source}).Decode(t, &body)
	return body
}

// badDrafts are policy drafts refused, each with its error code, a word of
// the message and the line named (0: any).
var badDrafts = []struct {
	name, module, source, code, zh string
	line                           int
}{
	{"syntax", "custom", "package compliance.custom\n\nwarnings contains x if {\n\tx := [1,\n}\n", "policy_invalid", "语法错误", 0},
	{"forbidden built-in", "custom", strings.Replace(apitest.MarkerModule("A")["source"], `input.event == "step"`, `http.send({"method": "GET", "url": "http://127.0.0.1/"}).status_code == 200`, 1), "policy_invalid", "禁止", 10},
	{"missing metadata", "custom", "package compliance.custom\n\nwarnings contains {\"rule\": \"custom.x\", \"level\": \"alarm\", \"message\": \"x\"} if {\n\tinput.event == \"step\"\n}\n", "policy_invalid", "METADATA", 3},
	{"failing test", "sync_test", "package compliance.sync_test\n\ntest_always_fails if {\n\tfalse\n}\n", "policy_tests_failed", "未通过", 3},
}

// submitMarked submits the first step id of a new case, a minute ago.
func submitMarked(t *testing.T, s *server, tok map[string]string, id string) apitest.StepAnswer {
	t.Helper()
	return s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep(id, "ZJJ-CASE-"+id, "XK-001", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
}

func TestPolicyAuthoring(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]
		var before struct {
			Revision int64 `json:"revision"`
			Modules  []struct {
				Module string `json:"module"`
				State  string `json:"state"`
			} `json:"modules"`
		}
		s.Must(200, "GET", "/api/v1/policies", tok[apitest.ZJJClerk], nil).Decode(t, &before)
		if before.Revision != 1 || len(before.Modules) < 12 {
			t.Fatalf("policies = %+v", before)
		}

		t.Run("bad drafts are refused with located errors and change nothing", func(t *testing.T) {
			for _, tt := range badDrafts {
				t.Run(tt.name, func(t *testing.T) {
					body := refuseDraft(t, s, legal, tt.module, tt.source)
					if body.Error.Code != tt.code || len(body.Error.Details) == 0 {
						t.Fatalf("answer = %+v", body)
					}
					p := body.Error.Details[0]
					if p.Module != tt.module || p.Line == 0 || (tt.line != 0 && p.Line != tt.line) || !strings.Contains(p.MessageZh+body.Error.Message, tt.zh) {
						t.Errorf("problem = %+v (message %s), want module %s line %d mentioning %s", p, body.Error.Message, tt.module, tt.line, tt.zh)
					}
				})
			}
			var after struct {
				Modules []struct{ State string } `json:"modules"`
			}
			s.Must(200, "GET", "/api/v1/policies", legal, nil).Decode(t, &after)
			for _, m := range after.Modules {
				if m.State != "active" {
					t.Errorf("a refused draft left a module in state %s", m.State)
				}
			}
		})

		t.Run("only the legal office writes", func(t *testing.T) {
			s.Must(403, "PUT", "/api/v1/policies/custom", tok[apitest.ZJJClerk], apitest.MarkerModule("A"))
			s.Must(403, "PUT", "/api/v1/policies/custom", apitest.AdminToken, apitest.MarkerModule("A"))
			s.Must(403, "POST", "/api/v1/policies/publish", tok[apitest.SupervisionToken], nil)
			s.Must(403, "POST", "/api/v1/policies/rollback", tok[apitest.ZJJAdmin], map[string]int{"revision": 1})
			s.Must(409, "POST", "/api/v1/policies/publish", legal, nil) // nothing drafted yet
		})

		t.Run("a draft applies only once published", func(t *testing.T) {
			publishApplies(t, s, tok)
		})

		t.Run("rollback restores an earlier revision as a new one", func(t *testing.T) {
			rev := newRevision(t, s, legal, "rollback", map[string]int{"revision": 1})
			if rev.Revision != 3 || rev.Changes.RollbackFrom != 1 || len(rev.Changes.Removed) != 2 {
				t.Fatalf("rollback = %+v", rev)
			}
			a := submitMarked(t, s, tok, "P3")
			if hasMarker(a) != "" || a.PolicyRevision != 3 {
				t.Errorf("after rollback: revision %d, marker %q", a.PolicyRevision, hasMarker(a))
			}
			revs := listRevisions(t, s, tok[apitest.ZJJClerk])
			if len(revs.Items) != 3 || revs.Active != 3 {
				t.Errorf("revisions = %+v", revs)
			}
			s.Must(404, "POST", "/api/v1/policies/rollback", legal, map[string]int{"revision": 99})
		})
	})
}

// TestPolicyPublishingUnderLoad publishes revisions while steps keep
// coming: every step is checked by one whole revision.
func TestPolicyPublishingUnderLoad(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]
		// The revision active before the publishes: steps checked under it
		// carry no marker.
		var active struct {
			Revision int64 `json:"revision"`
		}
		s.Must(200, "GET", "/api/v1/policies", legal, nil).Decode(t, &active)
		before := active.Revision
		markers := map[int64]string{}
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var answers []apitest.StepAnswer
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("L%d-%d", w, i)
					r := s.Do("POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep(id, "ZJJ-CASE-"+id, "XK-001", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
					if r.Status != 201 {
						t.Errorf("step %s: status %d %s", id, r.Status, r.Body)
						return
					}
					var a apitest.StepAnswer
					r.Decode(t, &a)
					mu.Lock()
					answers = append(answers, a)
					mu.Unlock()
					// Steady load, not all the CPU: the publishes it
					// runs beside need it, as do the tests in parallel.
					time.Sleep(10 * time.Millisecond)
				}
			}()
		}
		for i := range 5 {
			marker := fmt.Sprintf("M%d", i)
			s.Must(200, "PUT", "/api/v1/policies/custom", legal, apitest.MarkerModule(marker))
			if i == 0 {
				s.Must(200, "PUT", "/api/v1/policies/custom_test", legal, markerTest)
			}
			rev := newRevision(t, s, legal, "publish", nil)
			mu.Lock()
			markers[rev.Revision] = "标记 " + marker
			mu.Unlock()
			time.Sleep(30 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		if len(answers) < 20 {
			t.Fatalf("only %d steps went through", len(answers))
		}
		for _, a := range answers {
			want, published := markers[a.PolicyRevision]
			if !published && a.PolicyRevision != before {
				t.Errorf("step %s checked under revision %d, which was never active", a.StepID, a.PolicyRevision)
			}
			if a.CheckStatus == "unchecked" {
				// Its evaluation failed (on a loaded machine, the time
				// limit): kept to be re-checked, with no findings to
				// compare; a mixed revision would show as a wrong marker.
				continue
			}
			if got := hasMarker(a); got != want {
				t.Errorf("step %s under revision %d has marker %q, want %q", a.StepID, a.PolicyRevision, got, want)
			}
			for _, w := range a.Warnings {
				if w.PolicyRevision != a.PolicyRevision {
					t.Errorf("step %s: warning %s of revision %d in an answer of revision %d", a.StepID, w.Rule, w.PolicyRevision, a.PolicyRevision)
				}
			}
		}
	})
}

// A revision published on one node is active on another node on the same
// database within its poll interval.
func TestSecondNodePicksUpRevision(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn, "--policy-poll", "200ms")
		tok := a.SetupDistrict(t)
		b := startServer(t, dsn, "--policy-poll", "200ms")
		a.Must(200, "PUT", "/api/v1/policies/custom", tok[apitest.LegalToken], apitest.MarkerModule("N"))
		rev := newRevision(t, a, tok[apitest.LegalToken], "publish", nil)
		deadline := time.Now().Add(5 * time.Second)
		for {
			var ready struct {
				PolicyRevision int64 `json:"policy_revision"`
			}
			b.Must(200, "GET", "/readyz", "", nil).Decode(t, &ready)
			if ready.PolicyRevision == rev.Revision {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("second node still on revision %d 5 s after revision %d was published", ready.PolicyRevision, rev.Revision)
			}
			time.Sleep(50 * time.Millisecond)
		}
		ans := b.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("N1", "ZJJ-CASE-N1", "XK-001", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
		if ans.PolicyRevision != rev.Revision {
			t.Errorf("second node checked with revision %d, want %d", ans.PolicyRevision, rev.Revision)
		}
	})
}

// publishApplies drafts the marker module and its test, checks that they
// apply only once published, and that the rules catalogue shows the rule.
func publishApplies(t *testing.T, s *server, tok map[string]string) {
	legal := tok[apitest.LegalToken]
	// The module and its test are drafted in order: the module alone
	// passes, then its test with it.
	s.Must(200, "PUT", "/api/v1/policies/custom", legal, apitest.MarkerModule("A"))
	s.Must(200, "PUT", "/api/v1/policies/custom_test", legal, markerTest)
	if m := hasMarker(submitMarked(t, s, tok, "P1")); m != "" {
		t.Fatalf("an unpublished draft raised %q", m)
	}
	var imp struct {
		Steps  int `json:"steps"`
		Appear []struct {
			Rule           string `json:"rule"`
			DepartmentCode string `json:"department_code"`
			Count          int    `json:"count"`
			Examples       []struct {
				StepID string `json:"step_id"`
			} `json:"examples"`
		} `json:"appear"`
	}
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	s.Must(200, "POST", "/api/v1/policies/impact", legal, map[string]string{"from": "2000-01-01", "to": tomorrow}).Decode(t, &imp)
	found := false
	for _, a := range imp.Appear {
		if a.Rule == "custom.marker" && a.DepartmentCode == "ZJJ" && a.Count == imp.Steps && len(a.Examples) > 0 {
			found = true
		}
	}
	if imp.Steps < 1 || !found {
		t.Errorf("impact = %+v, want custom.marker appearing on every stored step", imp)
	}

	rev := newRevision(t, s, legal, "publish", map[string]string{"note": "增加标记规则"})
	if rev.Revision != 2 || len(rev.Changes.Added) != 2 {
		t.Fatalf("publish = %+v", rev)
	}
	a := submitMarked(t, s, tok, "P2")
	if hasMarker(a) != "标记 A" || a.PolicyRevision != 2 {
		t.Errorf("after publish: revision %d, marker %q", a.PolicyRevision, hasMarker(a))
	}
	var rules struct {
		Items []struct {
			Family string   `json:"family"`
			Rules  []string `json:"rules"`
			Title  string   `json:"title"`
			Level  string   `json:"level"`
		} `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/rules", tok[apitest.ZJJClerk], nil).Decode(t, &rules)
	var titles []string
	for _, r := range rules.Items {
		if r.Title == "" || r.Level == "" {
			t.Errorf("rule without title or level: %+v", r)
		}
		if r.Family == "custom" && len(r.Rules) == 1 && r.Rules[0] == "custom.marker" {
			titles = append(titles, r.Title)
		}
	}
	if len(titles) != 1 || len(rules.Items) < 15 {
		t.Errorf("catalogue has %d rules, custom titles %v", len(rules.Items), titles)
	}
}
