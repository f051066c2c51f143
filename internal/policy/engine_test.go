package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/topdown"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
)

// header is a valid METADATA block for a rule that adds alarms.
const header = `# METADATA
# title: 测试规则
# custom:
#   level: alarm
`

func mod(name, src string) policy.Module { return policy.Module{Name: name, Source: src} }

// okModule is a small valid module raising one alarm on every step.
var okModule = mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.always", "level": "alarm", "message": "总是报警", "basis": "测试"} if {
	input.event == "step"
}
`)

// TestCompileProblems checks that a broken policy is rejected with a located
// problem that the legal affairs office can read.
func TestCompileProblems(t *testing.T) {
	tests := []struct {
		name    string
		modules []policy.Module
		module  string // the module the problem is in
		line    int    // 0: any line
		code    string // "": any code
		zh      string // a fragment of the Chinese message
	}{
		{
			name: "syntax error",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
	x := [1, 2
}
`)},
			module: "demo", line: 10, code: "rego_parse_error", zh: "语法错误",
		},
		{
			name: "forbidden built-in http.send",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	resp := http.send({"method": "GET", "url": "http://example.com"})
	resp.status_code == 200
}
`)},
			module: "demo", line: 8, zh: "禁止",
		},
		{
			name: "forbidden built-in time.now_ns",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	time.now_ns() > 0
}
`)},
			module: "demo", line: 8, zh: "禁止使用的内置函数 time.now_ns",
		},
		{
			name: "forbidden built-in print",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	print("debug")
	input.event == "step"
}
`)},
			module: "demo", line: 8, zh: "禁止使用的内置函数 print",
		},
		{
			name:    "module name with a dot",
			modules: []policy.Module{mod("demo.sub", "package compliance.demo.sub\n")},
			module:  "demo.sub", line: 1, code: "name_error", zh: "模块名",
		},
		{
			name: "forbidden built-in opa.runtime",
			modules: []policy.Module{okModule, mod("env", `package compliance.env

`+header+`warnings contains {"rule": "env.x", "level": "alarm", "message": opa.runtime().env.HOME} if {
	input.event == "step"
}
`)},
			module: "env", line: 7, zh: "禁止",
		},
		{
			name: "rule without METADATA",
			modules: []policy.Module{mod("demo", `package compliance.demo

warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo", line: 3, code: "metadata_error", zh: "METADATA",
		},
		{
			name: "METADATA without a title",
			modules: []policy.Module{mod("demo", `package compliance.demo

# METADATA
# custom:
#   level: alarm
warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo", line: 6, code: "metadata_error", zh: "title",
		},
		{
			name: "bad level in METADATA",
			modules: []policy.Module{okModule, mod("demo2", `package compliance.demo2

# METADATA
# title: 红色警报
# custom:
#   level: red
warnings contains {"rule": "demo2.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo2", line: 7, code: "metadata_error", zh: "custom.level",
		},
		{
			name: "METADATA on one rule only",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}

warnings contains {"rule": "demo.y", "level": "alarm", "message": "y"} if {
	input.event == "tick"
}
`)},
			module: "demo", line: 11, code: "metadata_error",
		},
		{
			name: "wrong package name",
			modules: []policy.Module{mod("demo", `package compliance.other

`+header+`warnings contains {"rule": "other.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo", line: 1, code: "package_error", zh: "compliance.demo",
		},
		{
			name: "package outside compliance",
			modules: []policy.Module{mod("demo", `package demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo", line: 1, code: "package_error",
		},
		{
			name: "unused variable in strict mode",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
	unused := 1
}
`)},
			module: "demo", line: 9, code: "rego_compile_error",
		},
		{
			name: "unused import in strict mode",
			modules: []policy.Module{mod("demo", `package compliance.demo

import data.compliance.other

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	input.event == "step"
}
`)},
			module: "demo", line: 3, code: "rego_compile_error",
		},
		{
			name: "type error in a working-day built-in",
			modules: []policy.Module{mod("demo", `package compliance.demo

`+header+`warnings contains {"rule": "demo.x", "level": "alarm", "message": "x"} if {
	workday.count(input.step.occurred_at, 3) > 1
}
`)},
			module: "demo", line: 8, code: "rego_type_error", zh: "类型错误",
		},
		{
			name:    "module too large",
			modules: []policy.Module{mod("demo", "package compliance.demo\n\n# "+strings.Repeat("x", policy.MaxModuleBytes)+"\n")},
			module:  "demo", line: 1, code: "size_error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := policy.NewEngine(calendar.Default(), 0)
			_, err := e.Compile(context.Background(), 1, tt.modules)
			ce := mustCompileError(t, "Compile", err)
			assertProblem(t, ce, tt.module, tt.line, tt.code, tt.zh)

			// Tests are compiled the same way, so they report the same problem.
			_, err = e.RunTests(context.Background(), tt.modules)
			ce = mustCompileError(t, "RunTests", err)
			assertProblem(t, ce, tt.module, tt.line, tt.code, tt.zh)
		})
	}
}

func mustCompileError(t *testing.T, op string, err error) *policy.CompileError {
	t.Helper()
	var ce *policy.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: got error %v, want a *policy.CompileError", op, err)
	}
	if len(ce.Problems) == 0 {
		t.Fatalf("%s: CompileError without problems", op)
	}
	return ce
}

func assertProblem(t *testing.T, ce *policy.CompileError, module string, line int, code, zh string) {
	t.Helper()
	for _, p := range ce.Problems {
		if p.Module == module && (line == 0 || p.Line == line) && (code == "" || p.Code == code) &&
			strings.Contains(p.Chinese, zh) && p.Message != "" && p.Column > 0 {
			return
		}
	}
	t.Errorf("got problems %+v, want one in module %q at line %d with code %q and a Chinese message containing %q",
		ce.Problems, module, line, code, zh)
}

func TestCompileValidModule(t *testing.T) {
	e := policy.NewEngine(calendar.Default(), 0)
	c, err := e.Compile(context.Background(), 7, []policy.Module{okModule})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if e.Revision() != 0 {
		t.Errorf("Revision() before Activate = %d, want 0", e.Revision())
	}
	e.Activate(c)
	if got := e.Revision(); got != 7 {
		t.Errorf("Revision() = %d, want 7", got)
	}
	ev, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
	if err != nil {
		t.Fatalf("EvaluateDocument: %v", err)
	}
	want := compliance.Finding{Rule: "demo.always", Level: "alarm", Message: "总是报警", Basis: "测试"}
	if len(ev.Findings) != 1 || ev.Findings[0] != want || ev.Revision != 7 {
		t.Errorf("EvaluateDocument = %+v, want revision 7 with [%+v]", ev, want)
	}
}

func TestEvaluateWithoutRevision(t *testing.T) {
	e := policy.NewEngine(calendar.Default(), 0)
	if _, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"}); !errors.Is(err, policy.ErrNoPolicies) {
		t.Errorf("EvaluateDocument with no revision: got %v, want ErrNoPolicies", err)
	}
}

// TestRunTests checks that Rego tests are run and that a failing one is
// reported as not passed, with its module and name.
func TestRunTests(t *testing.T) {
	tests := []struct {
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
	for _, tt := range tests {
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

// TestEvaluateCutOff checks that a policy that runs away is cut off by the
// engine's time limit with an error instead of holding the request.
func TestEvaluateCutOff(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"huge range", `count([x | some x in numbers.range(1, 100000000); x % 7 == 0]) > 0`},
		{"nested loops", `count([1 | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); i != j]) > 0`},
		{"many working-day calls", `count({d | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); d := workday.add("2026-01-05", (i * j) % 150)}) > 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package compliance.loop\n\n" + header +
				`warnings contains {"rule": "loop.x", "level": "alarm", "message": "x"} if {` + "\n\t" + tt.body + "\n}\n"
			const limit = 50 * time.Millisecond
			e := mustActiveEngine(t, limit, []policy.Module{mod("loop", src)})
			start := time.Now()
			_, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("EvaluateDocument: got no error, want the evaluation cut off")
			}
			if !topdown.IsCancel(err) {
				t.Errorf("EvaluateDocument: got %v, want a cancellation", err)
			}
			if elapsed > 2*time.Second {
				t.Errorf("EvaluateDocument took %v with a %v limit", elapsed, limit)
			}
		})
	}
}

// TestEvaluateHonoursCallerContext checks that a caller's deadline shorter
// than the engine's own limit also stops a runaway evaluation.
func TestEvaluateHonoursCallerContext(t *testing.T) {
	src := "package compliance.loop\n\n" + header +
		`warnings contains {"rule": "loop.x", "level": "alarm", "message": "x"} if {
	count([x | some x in numbers.range(1, 100000000); x % 7 == 0]) > 0
}
`
	e := mustActiveEngine(t, time.Minute, []policy.Module{mod("loop", src)})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := e.EvaluateDocument(ctx, map[string]any{"event": "step"}); !topdown.IsCancel(err) {
		t.Errorf("EvaluateDocument past the caller's deadline: got %v, want a cancellation", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("EvaluateDocument took %v with a 50ms deadline", elapsed)
	}
}

// TestEvaluateRejectsBadWarnings checks that a warning object that breaks the
// contract fails the evaluation instead of being stored.
func TestEvaluateRejectsBadWarnings(t *testing.T) {
	tests := []struct {
		name    string
		warning string
		want    string
	}{
		{"level red", `{"rule": "bad.x", "level": "red", "message": "红色"}`, `level "red"`},
		{"no level", `{"rule": "bad.x", "message": "无级别"}`, "level"},
		{"rule of another family", `{"rule": "sync.x", "level": "alarm", "message": "冒名"}`, "bad.<name>"},
		{"rule without a name", `{"rule": "bad", "level": "alarm", "message": "无名"}`, "bad.<name>"},
		{"empty message", `{"rule": "bad.x", "level": "alarm", "message": ""}`, "empty message"},
		{"not an object", `"just a string"`, "must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package compliance.bad\n\n" + header + "warnings contains " + tt.warning + " if input.event == \"step\"\n"
			e := mustActiveEngine(t, 0, []policy.Module{mod("bad", src)})
			_, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("EvaluateDocument: got error %v, want one mentioning %q", err, tt.want)
			}
			// The same module is quiet on other events.
			if ev, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "tick"}); err != nil || len(ev.Findings) != 0 {
				t.Errorf("EvaluateDocument(tick) = %+v, %v; want nothing", ev, err)
			}
		})
	}
}

// TestEvaluateNotesUnknownYears checks that a built-in error (a year without
// a holiday schedule) makes the rule undefined and is reported as a note.
func TestEvaluateNotesUnknownYears(t *testing.T) {
	e := mustActiveEngine(t, 0, embeddedModules(t))
	in := decisionInput(t)
	in.Step.OccurredAt = time.Date(2031, 3, 3, 9, 0, 0, 0, calendar.Shanghai)
	in.Step.RecordedAt = time.Date(2031, 3, 20, 9, 0, 0, 0, calendar.Shanghai)
	ev, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	for _, f := range ev.Findings {
		if f.Family() == "sync" {
			t.Errorf("got %+v for a year without a schedule, want no sync warning", f)
		}
	}
	if !strings.Contains(strings.Join(ev.Notes, "\n"), "2031") {
		t.Errorf("Notes = %q, want one naming 2031", ev.Notes)
	}
}

// TestEvaluateGoInput checks the embedded policies through the Go input
// conversion: a clean decision raises nothing of the step families, and
// amounts that arrive as float64 are written out in full.
func TestEvaluateGoInput(t *testing.T) {
	e := mustActiveEngine(t, 0, embeddedModules(t))
	stepFamilies := []string{"discretion", "legal_basis", "checkpoint", "sequence", "sync"}

	in := decisionInput(t)
	ev, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	for _, f := range ev.Findings {
		if slices.Contains(stepFamilies, f.Family()) {
			t.Errorf("clean decision: got %+v", f)
		}
	}

	in.Item.Discretion["严重"] = compliance.Tier{Min: 200000, Max: 2000000}
	in.Item.Version++ // a changed item is a new version: the engine caches versions
	in.Step.Discretion = &compliance.Discretion{Tier: "严重", Amount: 2500000}
	ev, err = e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	var msg string
	for _, f := range ev.Findings {
		if f.Rule == "discretion.amount_out_of_range" {
			msg = f.Message
		}
	}
	if !strings.Contains(msg, "2500000 元") || !strings.Contains(msg, "200000–2000000 元") {
		t.Errorf("amount_out_of_range message = %q, want the amounts in full", msg)
	}
}

// decisionInput returns a realistic step: the decision of a four-step
// licensing item, after acceptance and review, with discretion and approvals.
func decisionInput(tb testing.TB) *compliance.Input {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "decision_step.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var in compliance.Input
	if err := json.Unmarshal(b, &in); err != nil {
		tb.Fatalf("decode decision_step.json: %v", err)
	}
	return &in
}

// BenchmarkEvaluateStep measures one step against the full embedded set,
// including the conversion of the Go input into the policy input.
func BenchmarkEvaluateStep(b *testing.B) {
	e := mustActiveEngine(b, 0, embeddedModules(b))
	in := decisionInput(b)
	ctx := context.Background()
	if _, err := e.Evaluate(ctx, in); err != nil {
		b.Fatalf("Evaluate: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
