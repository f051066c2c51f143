//go:build zzbench

package policy_test

import (
	"context"

	"github.com/open-policy-agent/opa/v1/ast"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"powercheck/internal/policy"
)

// Throwaway: per-module timings. Delete before handing back.
func BenchmarkZZModule(b *testing.B) {
	all := embeddedModules(b)
	in := decisionInput(b)
	doc := preconv(b, policy.Document(in))
	sets := map[string][]policy.Module{"_baseline": {mod("empty", "package compliance.empty\n")}, "_all": nil}
	for _, m := range all {
		if m.IsTest() {
			continue
		}
		sets[m.Name] = []policy.Module{m}
		sets["_all"] = append(sets["_all"], m)
	}
	for name, mods := range sets {
		b.Run(name, func(b *testing.B) {
			e := mustActiveEngine(b, 0, mods)
			ctx := context.Background()
			if _, err := e.EvaluateDocument(ctx, doc); err != nil {
				b.Fatal(err)
			}
			loopCPU(b, func() {
				if _, err := e.EvaluateDocument(ctx, doc); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// All YAML case inputs against the whole set (per case average).
func BenchmarkZZCases(b *testing.B) {
	var docs []map[string]any
	files, _ := filepath.Glob(filepath.Join(casesDir, "*", "*.yaml"))
	for _, p := range files {
		bs, _ := os.ReadFile(p)
		var f caseFile
		if err := yaml.Unmarshal(bs, &f); err != nil {
			b.Fatal(err)
		}
		for _, c := range f.Cases {
			docs = append(docs, preconv(b, normalize(c.Input).(map[string]any)))
		}
	}
	all := embeddedModules(b)
	for _, name := range []string{"_all", "deadline"} {
		var mods []policy.Module
		for _, m := range all {
			if !m.IsTest() && (name == "_all" || m.Name == name) {
				mods = append(mods, m)
			}
		}
		b.Run(name, func(b *testing.B) {
			e := mustActiveEngine(b, 0, mods)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					if _, err := e.EvaluateDocument(ctx, d); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/case")
		})
	}
}

// preconv turns each top-level field into an ast.Value so that the engine's
// conversion costs next to nothing.
func preconv(tb testing.TB, doc map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		if _, ok := v.(string); ok {
			out[k] = v
			continue
		}
		val, err := ast.InterfaceToValue(v)
		if err != nil {
			tb.Fatal(err)
		}
		out[k] = val
	}
	return out
}
