package policy_test

import (
	"context"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/policy"
)

// regoTestRuns are the cases of TestRunTests.
var regoTestRuns = []struct {
	name string
	test string // the body of demo_test.rego after its package and import
	want map[string]bool
}{
	{
		name: "passing and failing",
		test: `test_fires if {
count(demo.warnings) == 1 with input as {"event": "step"}
}

test_wrongly_expects_nothing if {
count(demo.warnings) == 0 with input as {"event": "step"}
}
`,
		want: map[string]bool{"test_fires": true, "test_wrongly_expects_nothing": false},
	},
	{
		name: "working-day built-ins are available to tests",
		test: `test_workdays if {
count(demo.warnings) == 1 with input as {"event": "step"}
workday.add("2026-03-02T09:00:00+08:00", 1) == "2026-03-03"
workday.add("2026-09-30", 1) == "2026-10-08"
workday.count("2026-04-30", "2026-05-09") == 4
workday.is_workday("2026-01-04")
not workday.is_workday("2026-01-01")
workday.date("2026-03-02T20:00:00Z") == "2026-03-03"
workday.add_days("2026-03-02", 10, "calendar") == "2026-03-12"
}

test_unknown_year_is_undefined if {
not workday.add("2030-01-02", 1)
}
`,
		want: map[string]bool{"test_workdays": true, "test_unknown_year_is_undefined": true},
	},
	{
		name: "a test that errors does not pass",
		test: `test_conflict if {
demo.conflict == 1 with input as {"a": true}
}
`,
		want: map[string]bool{"test_conflict": false},
	},
}

// TestRunTests checks that Rego tests are run and that a failing one is
// reported as not passed, with its module and name.
func TestRunTests(t *testing.T) {
	t.Parallel()
	for _, tt := range regoTestRuns {
		t.Run(tt.name, func(t *testing.T) {
			// conflict has two values when input.a holds: an evaluation error.
			src := okModule.Source + "\nconflict := 1 if input.a\n\nconflict := 2 if input.a\n"
			mods := []policy.Module{
				mod("demo", src),
				mod("demo_test", "package compliance.demo_test\n\nimport data.compliance.demo\n\n"+tt.test),
			}
			e := policy.NewEngine(calendar.Default(), 0)
			results, err := e.RunTests(context.Background(), mods)
			if err != nil {
				t.Fatalf("RunTests: %v", err)
			}
			got := map[string]bool{}
			for _, r := range results {
				got[r.Name] = r.Passed
				if r.Module != "demo_test" || r.Line == 0 {
					t.Errorf("result %+v: want module demo_test and a line", r)
				}
				if !r.Passed && r.Error == "" {
					t.Errorf("result %+v: a test that does not pass needs an error", r)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("RunTests = %v, want %v", got, tt.want)
			}
			for name, passed := range tt.want {
				if p, ok := got[name]; !ok || p != passed {
					t.Errorf("test %s: passed = %v (ran: %v), want %v", name, p, ok, passed)
				}
			}
		})
	}
}
