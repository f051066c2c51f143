//go:build zzbench

package policy_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"powercheck/internal/policy"
)

// ZZ_FILES: comma-separated .rego files, each benchmarked alone on ZZ_INPUT (JSON) or the decision input.
func BenchmarkZZFile(b *testing.B) {
	var doc map[string]any
	if p := os.Getenv("ZZ_INPUT"); p != "" {
		bs, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(bs, &doc); err != nil {
			b.Fatal(err)
		}
		doc = preconv(b, doc)
	} else {
		doc = preconv(b, policy.Document(decisionInput(b)))
	}
	for _, f := range strings.Split(os.Getenv("ZZ_FILES"), ",") {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".rego")
		pkg := strings.Fields(strings.SplitN(string(src)[strings.Index(string(src), "package compliance."):], "\n", 2)[0])[1]
		modName := strings.TrimPrefix(pkg, "compliance.")
		b.Run(filepath.Base(filepath.Dir(f))+"/"+name, func(b *testing.B) {
			name := modName
			e := mustActiveEngine(b, 0, []policy.Module{mod(name, string(src))})
			ctx := context.Background()
			ev, err := e.EvaluateDocument(ctx, doc)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d findings", len(ev.Findings))
			loopCPU(b, func() {
				if _, err := e.EvaluateDocument(ctx, doc); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
