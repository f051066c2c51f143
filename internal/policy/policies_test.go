package policy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/policy"
	"powercheck/policies"
)

// embeddedModules returns the default policy set shipped in the binary.
func embeddedModules(tb testing.TB) []policy.Module {
	tb.Helper()
	mods, err := policy.ReadModules(policies.FS)
	if err != nil {
		tb.Fatalf("ReadModules(policies.FS): %v", err)
	}
	if len(mods) == 0 {
		tb.Fatal("ReadModules(policies.FS): no modules")
	}
	return mods
}

// mustActiveEngine returns an engine on the official calendar with mods
// compiled and active as revision 1.
func mustActiveEngine(tb testing.TB, timeout time.Duration, mods []policy.Module) *policy.Engine {
	tb.Helper()
	e := policy.NewEngine(calendar.Default(), timeout)
	c, err := e.Compile(context.Background(), 1, mods)
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	e.Activate(c)
	return e
}

// TestEmbeddedPolicies runs every Rego test of the default policies with the
// engine's restrictions and built-ins, one subtest per Rego test.
func TestEmbeddedPolicies(t *testing.T) {
	t.Parallel()
	mods := embeddedModules(t)
	e := policy.NewEngine(calendar.Default(), 0)
	results, err := e.RunTests(context.Background(), mods)
	if err != nil {
		t.Fatalf("RunTests: %v", err)
	}
	if len(results) == 0 {
		t.Fatal("RunTests: no tests ran")
	}

	perModule := map[string]int{}
	for _, r := range results {
		perModule[strings.TrimSuffix(r.Module, "_test")]++
		t.Run(r.Module+"/"+r.Name, func(t *testing.T) {
			if !r.Passed {
				t.Errorf("%s:%d %s: %s", r.Module, r.Line, r.Name, r.Error)
			}
		})
	}

	t.Run("every module is tested", func(t *testing.T) {
		for _, m := range mods {
			if m.IsTest() {
				continue
			}
			if perModule[m.Name] == 0 {
				t.Errorf("module %s has no Rego tests (want a %s_test.rego)", m.Name, m.Name)
			}
		}
	})
}

// TestEmbeddedPoliciesCompile checks that the default set compiles as a
// revision, which is what a fresh installation publishes.
func TestEmbeddedPoliciesCompile(t *testing.T) {
	t.Parallel()
	mustActiveEngine(t, 0, embeddedModules(t))
}

// roomyTimeout is the evaluation limit of tests that are not about the
// limit: a loaded machine must not cut their evaluations off.
const roomyTimeout = 10 * time.Second
