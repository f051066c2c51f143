package policy_test

import (
	"context"
	"os"
	"testing"

	"powercheck/internal/policy"
)

// BenchmarkEvaluateStepFamily measures the decision step against one
// family's module at a time (with catalog.rego, which no step asks, so that
// "catalog" is the fixed cost: the input document, the counted facts and an
// empty query). A family's share is its figure less catalog's. lifting
// imports deadline, so its figure includes deadline's. POWERCHECK_FAMILY
// runs one family only.
func BenchmarkEvaluateStepFamily(b *testing.B) {
	byName := map[string]policy.Module{}
	for _, m := range embeddedModules(b) {
		byName[m.Name] = m
	}
	fams := []string{"catalog", "checkpoint", "deadline", "legal_basis", "discretion", "followup", "sequence", "sync", "penalty", "lifting"}
	if f := os.Getenv("POWERCHECK_FAMILY"); f != "" {
		fams = []string{f}
	}
	in := decisionInput(b)
	ctx := context.Background()
	for _, fam := range fams {
		set := []policy.Module{byName["catalog"]}
		if fam != "catalog" {
			set = append(set, byName[fam])
		}
		if fam == "lifting" {
			set = append(set, byName["deadline"])
		}
		e := mustActiveEngine(b, 0, set)
		b.Run(fam, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
