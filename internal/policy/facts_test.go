package policy

import (
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// factsStep is a step of a case in caseFactsTests: its code, its date, and
// the days an extend step asks.
type factsStep struct {
	code, day string
	ext       int
}

// caseFactsTests are cases and the item deadline counted for them by hand on
// the State Council's schedules (2026: 春节 02-15..02-23 off, make-up Sat
// 02-14 and Sat 02-28; 清明 04-04..04-06; 劳动节 05-01..05-05; 2027 unknown).
var caseFactsTests = []struct {
	name     string
	days     int
	unit     string
	category string
	accepted string
	steps    []factsStep
	now      string
	// wanted of the item's deadline; "" due is null
	due, done           string
	ext, cut, suspended int
	suspendedNow        bool
}{
	{name: "start day not counted", days: 1, unit: "workday", category: "行政许可", accepted: "2026-03-02",
		steps: []factsStep{{"accept", "2026-03-02", 0}}, now: "2026-03-02", due: "2026-03-03"},
	{name: "make-up Saturday counts, the Spring Festival does not", days: 3, unit: "workday", category: "行政许可",
		accepted: "2026-02-12", steps: []factsStep{{"accept", "2026-02-12", 0}}, now: "2026-02-12", due: "2026-02-24"},
	{name: "calendar days ending on a Sunday move to Monday", days: 90, unit: "calendar", category: "行政处罚",
		accepted: "2026-03-02", steps: []factsStep{{"accept", "2026-03-02", 0}}, now: "2026-03-02", due: "2026-06-01"},
	{name: "a suspension's working days are added", days: 20, unit: "workday", category: "行政许可", accepted: "2026-03-02",
		steps: []factsStep{{"accept", "2026-03-02", 0}, {"suspend", "2026-03-10", 0}, {"resume", "2026-03-17", 0}},
		now:   "2026-03-17", due: "2026-04-07", suspended: 5},
	{name: "a suspension not yet resumed stops the clock but adds nothing", days: 20, unit: "workday", category: "行政许可",
		accepted: "2026-03-02", steps: []factsStep{{"accept", "2026-03-02", 0}, {"suspend", "2026-03-10", 0}},
		now: "2026-03-17", due: "2026-03-30", suspendedNow: true},
	{name: "an approved extension is added", days: 20, unit: "workday", category: "行政许可", accepted: "2026-03-02",
		steps: []factsStep{{"accept", "2026-03-02", 0}, {"extend", "2026-03-20", 10}, {"decide", "2026-04-14", 0}},
		now:   "2026-04-14", due: "2026-04-14", done: "2026-04-14", ext: 10},
	{name: "an extension past the licensing cap counts 10 days", days: 20, unit: "workday", category: "行政许可", accepted: "2026-03-02",
		steps: []factsStep{{"accept", "2026-03-02", 0}, {"extend", "2026-03-20", 15}}, now: "2026-03-20", due: "2026-04-14", ext: 10, cut: 5},
	{name: "a period reaching an unknown year has no due date", days: 20, unit: "workday", category: "行政许可", accepted: "2026-12-20",
		steps: []factsStep{{"accept", "2026-12-20", 0}}, now: "2026-12-21"},
}

// TestCaseFacts checks the law's counting against dates counted by hand.
func TestCaseFacts(t *testing.T) {
	t.Parallel()
	at := func(d string) time.Time {
		tm, err := time.ParseInLocation(time.DateOnly, d, calendar.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Add(10 * time.Hour)
	}
	for _, tt := range caseFactsTests {
		t.Run(tt.name, func(t *testing.T) {
			it := &compliance.PowerItem{Code: "X", Version: 1, Name: "某事项", Category: tt.category,
				TimeLimit: compliance.TimeLimit{Days: tt.days, Unit: tt.unit},
				Steps:     []compliance.FlowStep{{Code: "accept", Name: "受理"}, {Code: "decide", Name: "决定", EndsClock: true}}}
			in := &compliance.Input{Event: "tick", Now: at(tt.now), Item: it,
				Case: &compliance.Case{CaseNo: "C1", AcceptedAt: at(tt.accepted), Status: "open"}}
			for _, s := range tt.steps {
				st := compliance.Step{ID: s.code + s.day, StepCode: s.code, OccurredAt: at(s.day), Attributes: map[string]any{}}
				if s.ext > 0 {
					st.Attributes["extension_days"] = s.ext
					in.Approvals = append(in.Approvals, compliance.SignedApproval{StepCode: "extend", Decision: "approve",
						Role: compliance.RoleDeptAdmin, At: at(s.day).Add(-time.Hour)})
				}
				in.Steps = append(in.Steps, st)
			}
			doc, err := documentValue(in, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			dls, facts, ok := caseFacts(calendar.Default(), doc)
			if !ok {
				t.Fatal("caseFacts: no facts for a case with an item")
			}
			item := dls.Value.(*ast.Array).Elem(0).Value.(ast.Object)
			str := func(o ast.Object, k string) string {
				if s, ok := get(o, k).(ast.String); ok {
					return string(s)
				}
				return ""
			}
			num := func(o ast.Object, k string) int {
				n, _ := get(o, k).(ast.Number).Int()
				return n
			}
			if got := str(item, "key"); got != "item" {
				t.Fatalf("first deadline is %q, want the item's", got)
			}
			if got := str(item, "due"); got != tt.due {
				t.Errorf("due = %q, want %q", got, tt.due)
			}
			if got := str(item, "done"); got != tt.done {
				t.Errorf("done = %q, want %q", got, tt.done)
			}
			if got := num(item, "extension_days"); got != tt.ext {
				t.Errorf("extension_days = %d, want %d", got, tt.ext)
			}
			if got := num(item, "extension_cut"); got != tt.cut {
				t.Errorf("extension_cut = %d, want %d", got, tt.cut)
			}
			if got := num(item, "suspended_days"); got != tt.suspended {
				t.Errorf("suspended_days = %d, want %d", got, tt.suspended)
			}
			if got := get(facts.Value.(ast.Object), "suspended") == ast.Boolean(true); got != tt.suspendedNow {
				t.Errorf("facts.suspended = %v, want %v", got, tt.suspendedNow)
			}
		})
	}
}
