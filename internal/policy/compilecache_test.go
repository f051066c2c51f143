package policy

import (
	"context"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
)

const cacheHeader = "# METADATA\n# title: 测试规则\n# custom:\n#   level: alarm\n"

// dueModule warns with the date of the second working day after 2026-10-01
// and the limit in data.params, so that what the engine gives the policies
// (its calendar, its parameters) shows in the answer.
func dueModule(rule string) Module {
	return Module{Name: "due", Source: "package compliance.due\n\n" + cacheHeader +
		`warnings contains {"rule": "` + rule + `", "level": "alarm", "message": workday.add("2026-10-01T10:00:00+08:00", 2)} if {
	input.event == "step"
}
`}
}

func TestCompiledSetsAreShared(t *testing.T) {
	t.Parallel()
	a, err := compileModules([]Module{dueModule("due.cache_a"), {Name: "other", Source: "package compliance.other\n"}})
	if err != nil {
		t.Fatalf("compileModules: %v", err)
	}
	tests := []struct {
		name    string
		modules []Module
		same    bool
	}{
		{"the same set", []Module{dueModule("due.cache_a"), {Name: "other", Source: "package compliance.other\n"}}, true},
		{"the same set in another order", []Module{{Name: "other", Source: "package compliance.other\n"}, dueModule("due.cache_a")}, true},
		{"one source changed", []Module{dueModule("due.cache_b"), {Name: "other", Source: "package compliance.other\n"}}, false},
		{"a module less", []Module{dueModule("due.cache_a")}, false},
	}
	for _, tt := range tests {
		b, err := compileModules(tt.modules)
		if err != nil {
			t.Fatalf("%s: compileModules: %v", tt.name, err)
		}
		if got := a == b; got != tt.same {
			t.Errorf("%s: shared = %v, want %v", tt.name, got, tt.same)
		}
	}
}

func TestCompileFailuresAreNotKept(t *testing.T) {
	t.Parallel()
	broken := []Module{{Name: "broken", Source: "package compliance.broken\n\nwarnings contains x if {\n"}}
	for i := range 2 {
		if _, err := compileModules(broken); err == nil {
			t.Fatalf("compile %d of a broken module: no error", i+1)
		}
		if _, kept := compiled.get(moduleSetKey(broken)); kept {
			t.Fatalf("compile %d: a broken set was kept", i+1)
		}
	}
}

func TestCompilerCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	cc := setCache[*ast.Compiler]{max: 2}
	key := func(name string) [32]byte { return moduleSetKey([]Module{{Name: name}}) }
	c1, c2, c3 := newCompiler(), newCompiler(), newCompiler()
	cc.put(key("a"), c1)
	cc.put(key("b"), c2)
	if got, _ := cc.get(key("a")); got != c1 { // a is now the most recently used
		t.Fatal("a: not found")
	}
	cc.put(key("c"), c3)
	if _, kept := cc.get(key("b")); kept {
		t.Error("b was kept, want it evicted as the least recently used")
	}
	gotA, _ := cc.get(key("a"))
	gotC, _ := cc.get(key("c"))
	if gotA != c1 || gotC != c3 {
		t.Error("a or c lost, want both kept")
	}
}

// TestSharedCompilerKeepsEachEnginesCalendar compiles one module set in two
// engines with different calendars: the compiled set is shared, the
// calendar each evaluation counts with is its engine's own.
func TestSharedCompilerKeepsEachEnginesCalendar(t *testing.T) {
	t.Parallel()
	// 2026-10-01..07 are the National Day holiday in the official calendar,
	// so the second working day after Oct 1 is Oct 9; a weekdays-only
	// calendar of 2026 counts Oct 2 and Oct 5.
	plain, err := calendar.New(calendar.Year{Year: 2026})
	if err != nil {
		t.Fatalf("calendar.New: %v", err)
	}
	mods := []Module{dueModule("due.calendar")}
	for _, tt := range []struct {
		name string
		cal  *calendar.Calendar
		want string
	}{
		{"official calendar", calendar.Default(), "2026-10-09"},
		{"weekdays only", plain, "2026-10-05"},
	} {
		e := NewEngine(tt.cal, time.Second)
		c, err := e.Compile(context.Background(), 1, mods)
		if err != nil {
			t.Fatalf("%s: Compile: %v", tt.name, err)
		}
		e.Activate(c)
		ev, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
		if err != nil {
			t.Fatalf("%s: EvaluateDocument: %v", tt.name, err)
		}
		if len(ev.Findings) != 1 || ev.Findings[0].Message != tt.want {
			t.Errorf("%s: findings %+v, want one with message %s", tt.name, ev.Findings, tt.want)
		}
	}
	if _, kept := compiled.get(moduleSetKey(mods)); !kept {
		t.Error("the module set was not kept")
	}
}

// Test results are kept for a set whose tests all pass, and only for it:
// a failing set's tests run again each time.
func TestTestResultsKeptOnlyWhenAllPass(t *testing.T) {
	t.Parallel()
	set := func(want string) []Module {
		return []Module{{Name: "kept_test", Source: "package compliance.kept_test\n\ntest_two if {\n\t1 + 1 == " + want + "\n}\n"}}
	}
	e := NewEngine(calendar.Default(), time.Second)
	for _, tt := range []struct {
		name   string
		mods   []Module
		passed bool
	}{
		{"passing", set("2"), true},
		{"failing", set("3"), false},
	} {
		for run := 1; run <= 2; run++ {
			results, err := e.RunTests(context.Background(), tt.mods)
			if err != nil {
				t.Fatalf("%s, run %d: RunTests: %v", tt.name, run, err)
			}
			if len(results) != 1 || results[0].Passed != tt.passed {
				t.Fatalf("%s, run %d: results %+v, want one with passed=%v", tt.name, run, results, tt.passed)
			}
			if _, kept := testsPassed.get(moduleSetKey(tt.mods)); kept != tt.passed {
				t.Errorf("%s, run %d: kept=%v, want %v", tt.name, run, kept, tt.passed)
			}
		}
	}
}
