package policy_test

import (
	"context"
	"testing"

	"powercheck/internal/policy"
)

func BenchmarkScratchFamily(b *testing.B) {
	all := embeddedModules(b)
	for _, fam := range []string{"none", "deadline", "checkpoint", "sequence", "discretion", "legal_basis", "penalty", "sync", "lifting", "followup", "catalog", "patrol", "report"} {
		var mods []policy.Module
		for _, m := range all {
			if m.IsTest() {
				continue
			}
			if m.Name == fam || (fam == "lifting" && m.Name == "deadline") {
				mods = append(mods, m)
			}
		}
		if fam == "none" {
			mods = append(mods, policy.Module{Name: "x", Source: "package compliance.x\n"})
		}
		b.Run(fam, func(b *testing.B) {
			e := mustActiveEngine(b, 0, mods)
			in := decisionInput(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Evaluate(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
