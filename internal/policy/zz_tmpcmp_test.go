//go:build zzbench

package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"powercheck/internal/policy"
)

// TestZZCompare: interleaved CPU-time comparison of ZZ_FILES on ZZ_INPUT.
func TestZZCompare(t *testing.T) {
	runtime.GOMAXPROCS(1)
	var doc map[string]any
	if p := os.Getenv("ZZ_INPUT"); p != "" {
		bs, _ := os.ReadFile(p)
		json.Unmarshal(bs, &doc)
		doc = preconv(t, doc)
	} else {
		doc = preconv(t, policy.Document(decisionInput(t)))
	}
	files := strings.Split(os.Getenv("ZZ_FILES"), ",")
	engines := make([]*policy.Engine, len(files))
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var mods []policy.Module
		for _, s := range strings.Split(string(src), "\n#====MODULE====\n") {
			pkg := strings.Fields(strings.SplitN(s[strings.Index(s, "package compliance."):], "\n", 2)[0])[1]
			mods = append(mods, mod(strings.TrimPrefix(pkg, "compliance."), s))
		}
		engines[i] = mustActiveEngine(t, 0, mods)
	}
	ctx := context.Background()
	rounds, k := 30, 200
	samples := make([][]float64, len(files))
	for r := 0; r < rounds; r++ {
		for i, e := range engines {
			runtime.GC()
			start := cpuNow()
			for j := 0; j < k; j++ {
				if _, err := e.EvaluateDocument(ctx, doc); err != nil {
					t.Fatal(err)
				}
			}
			samples[i] = append(samples[i], float64(cpuNow()-start)/float64(k)/1000)
		}
	}
	for i, f := range files {
		s := samples[i]
		sort.Float64s(s)
		fmt.Printf("%-40s min %7.1fµs  median %7.1fµs\n", filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), s[0], s[len(s)/2])
	}
}
