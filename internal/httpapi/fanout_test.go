package httpapi_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/notify"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestFanOutRoutesEventsTogether routes the events of two departments in
// one pass of the fan-out, which routes the events it reads together:
// each inbox hears what its role and department hear, and nothing of the
// other department, and a second pass finds nothing left.
func TestFanOutRoutesEventsTogether(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok, store := startDistrictStore(t, dsn)
		s.Must(201, "PUT", "/api/v1/power-items/XK-101", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing",
			func(it map[string]any) { it["department_code"] = "SCJ" }))
		zjjInspector := s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		scjInspector := s.AddAccount(t, "scj-inspector", "dept_inspector", "SCJ")
		oversight := s.AddAccount(t, "oversight", "oversight", "")

		// A late review in each department raises an alarm (and the first
		// steps their events): all of them wait for one pass.
		alarm := func(clerk, caseNo, item string) string {
			s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep(caseNo+"-accept", caseNo, item, "accept", "2026-03-02T09:30:00+08:00"))
			a := s.Submit(t, clerk, apitest.Step(caseNo+"-review", caseNo, "review", "2026-04-08T09:30:00+08:00"))
			for _, w := range a.Warnings {
				if w.Level == compliance.LevelAlarm {
					return w.Rule
				}
			}
			t.Fatalf("%s: the late review raised no alarm: %+v", caseNo, a.Warnings)
			return ""
		}
		alarm(tok[apitest.ZJJClerk], "ZJJ-2026-0301", "XK-001")
		alarm(tok[apitest.SCJClerk], "SCJ-2026-0301", "XK-101")

		n, err := notify.New(store.Notifications(), nil, slog.New(slog.DiscardHandler)).Deliver(context.Background())
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		if n < 2 {
			t.Fatalf("Deliver routed %d events, want the alarms of both departments at least", n)
		}
		cases := func(token string) []string {
			var inbox struct {
				Items []struct {
					Title string `json:"title"`
				} `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/notifications?limit=100", token, nil).Decode(t, &inbox)
			var out []string
			for _, it := range inbox.Items {
				for _, no := range []string{"ZJJ-2026-0301", "SCJ-2026-0301"} {
					if slices.Contains(out, no) {
						continue
					}
					if strings.Contains(it.Title, no) {
						out = append(out, no)
					}
				}
			}
			slices.Sort(out)
			return out
		}
		tests := []struct {
			who   string
			token string
			want  []string
		}{
			{"ZJJ's inspector", zjjInspector, []string{"ZJJ-2026-0301"}},
			{"SCJ's inspector", scjInspector, []string{"SCJ-2026-0301"}},
			{"ZJJ's clerk, the handler", tok[apitest.ZJJClerk], []string{"ZJJ-2026-0301"}},
			{"the government affairs office", oversight, []string{"SCJ-2026-0301", "ZJJ-2026-0301"}},
		}
		for _, tt := range tests {
			if got := cases(tt.token); !slices.Equal(got, tt.want) {
				t.Errorf("%s hears of %q, want %q", tt.who, got, tt.want)
			}
		}
		if again, err := notify.New(store.Notifications(), nil, slog.New(slog.DiscardHandler)).Deliver(context.Background()); err != nil || again != 0 {
			t.Errorf("a second pass routed %d, %v; want 0: the first marked every event routed", again, err)
		}
	})
}
