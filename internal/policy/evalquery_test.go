package policy_test

import (
	"context"
	"slices"
	"testing"

	"powercheck/internal/policy"
)

// TestEvaluateWarningsRuleKinds checks that a family's warnings are read
// whatever kind of rule gives them: partial set rules (bound as the set, in
// its order: objects compare key by key, level, message, rule, so 乙 comes
// before 甲), or a complete rule, which may be undefined and must then leave
// the other families' findings as they are rather than fail the evaluation.
func TestEvaluateWarningsRuleKinds(t *testing.T) {
	t.Parallel()
	sets := mod("sets", `package compliance.sets

`+header+`warnings contains {"rule": "sets.b", "level": "alarm", "message": "乙"} if input.event == "step"

`+header+`warnings contains {"rule": "sets.a", "level": "alarm", "message": "甲"} if input.event == "step"
`)
	complete := func(event string) policy.Module {
		return mod("whole", `package compliance.whole

`+header+`warnings := [{"rule": "whole.x", "level": "alarm", "message": "整体"}] if input.event == "`+event+`"
`)
	}
	tests := []struct {
		name string
		mods []policy.Module
		want []string
	}{
		{"partial sets, in the set's order", []policy.Module{sets}, []string{"sets.b", "sets.a"}},
		{"a complete rule that is defined", []policy.Module{sets, complete("step")}, []string{"sets.b", "sets.a", "whole.x"}},
		{"a complete rule that is undefined", []policy.Module{sets, complete("tick")}, []string{"sets.b", "sets.a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := mustActiveEngine(t, 0, tt.mods)
			ev, err := e.Evaluate(context.Background(), decisionInput(t))
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			var got []string
			for _, f := range ev.Findings {
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings: got %v, want %v", got, tt.want)
			}
		})
	}
}
