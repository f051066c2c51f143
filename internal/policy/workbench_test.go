package policy

import (
	"context"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// TestCandidateTestStatuses checks that each Rego test's outcome is told
// apart as the workbench shows it: passed, failed (it ran and did not
// hold), errored (it could not be evaluated) and skipped (todo_).
func TestCandidateTestStatuses(t *testing.T) {
	t.Parallel()
	module := Module{Name: "demo", Source: `package compliance.demo

# METADATA
# title: 演示
# custom:
#   level: prewarning
warnings contains {"rule": "demo.x", "level": "prewarning", "message": "x"} if {
	input.event == "step"
}

conflict := 1 if input.a

conflict := 2 if input.a
`}
	tests := []struct {
		name, body, want string
	}{
		{"test_holds", `count(demo.warnings) == 1 with input as {"event": "step"}`, compliance.TestPassed},
		{"test_does_not_hold", `count(demo.warnings) == 0 with input as {"event": "step"}`, compliance.TestFailed},
		{"test_conflict", `demo.conflict == 1 with input as {"a": true}`, compliance.TestErrored},
		{"todo_test_later", `false`, compliance.TestSkipped},
	}
	src := "package compliance.demo_test\n\nimport data.compliance.demo\n"
	for _, tt := range tests {
		src += "\n" + tt.name + " if {\n\t" + tt.body + "\n}\n"
	}
	results, err := NewEngine(calendar.Default(), 0).RunTests(context.Background(), []Module{module, {Name: "demo_test", Source: src}})
	if err != nil {
		t.Fatalf("RunTests: %v", err)
	}
	got := map[string]compliance.PolicyTestResult{}
	for _, r := range results {
		got[r.Name] = testResult(r)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := got[tt.name]
			if !ok {
				t.Fatalf("%s did not run (ran %v)", tt.name, got)
			}
			if r.Status != tt.want || r.Module != "demo_test" || r.Package != "data.compliance.demo_test" || r.Line == 0 {
				t.Errorf("got %+v, want status %s in data.compliance.demo_test", r, tt.want)
			}
			if (r.Status == compliance.TestFailed || r.Status == compliance.TestErrored) && r.Message == "" {
				t.Errorf("got %+v, want a message", r)
			}
		})
	}
}
