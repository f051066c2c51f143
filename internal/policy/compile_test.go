package policy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
)

// compileProblems are the cases of TestCompileProblems.
var compileProblems = []struct {
	name    string
	modules []policy.Module
	module  string // the module the problem is in
	line    int    // 0: any line
	code    string // "": any code
	zh      string // a fragment of the Chinese message
}{
	{
		name: "syntax error",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
input.event == "step"
x := [1, 2
`))},
		module: "demo", line: 10, code: "rego_parse_error", zh: "语法错误",
	},
	{
		name: "forbidden built-in http.send",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
resp := http.send({"method": "GET", "url": "http://example.com"})
resp.status_code == 200
`))},
		module: "demo", line: 8, zh: "禁止",
	},
	{
		name: "forbidden built-in time.now_ns",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
time.now_ns() > 0
`))},
		module: "demo", line: 8, zh: "禁止使用的内置函数 time.now_ns",
	},
	{
		name: "forbidden built-in print",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
print("debug")
input.event == "step"
`))},
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
		name:    "rule without METADATA",
		modules: []policy.Module{mod("demo", ruleModule("compliance.demo", "", "demo.x", onStep))},
		module:  "demo", line: 3, code: "metadata_error", zh: "METADATA",
	},
	{
		name:    "METADATA without a title",
		modules: []policy.Module{mod("demo", ruleModule("compliance.demo", "# METADATA\n# custom:\n#   level: alarm\n", "demo.x", onStep))},
		module:  "demo", line: 6, code: "metadata_error", zh: "title",
	},
	{
		name:    "bad level in METADATA",
		modules: []policy.Module{okModule, mod("demo2", ruleModule("compliance.demo2", "# METADATA\n# title: 红色警报\n# custom:\n#   level: red\n", "demo2.x", onStep))},
		module:  "demo2", line: 7, code: "metadata_error", zh: "custom.level",
	},
	{
		name: "METADATA on one rule only",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", onStep)+`
warnings contains {"rule": "demo.y", "level": "alarm", "message": "y"} if {
input.event == "tick"
}
`)},
		module: "demo", line: 11, code: "metadata_error",
	},
	{
		name:    "wrong package name",
		modules: []policy.Module{mod("demo", alarmRule("compliance.other", "other.x", onStep))},
		module:  "demo", line: 1, code: "package_error", zh: "compliance.demo",
	},
	{
		name: "package outside compliance",
		modules: []policy.Module{mod("demo", alarmRule("demo", "demo.x", `
input.event == "step"
`))},
		module: "demo", line: 1, code: "package_error",
	},
	{
		name: "unused variable in strict mode",
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
input.event == "step"
unused := 1
`))},
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
		modules: []policy.Module{mod("demo", alarmRule("compliance.demo", "demo.x", `
workday.count(input.step.occurred_at, 3) > 1
`))},
		module: "demo", line: 8, code: "rego_type_error", zh: "类型错误",
	},
	{
		name:    "module too large",
		modules: []policy.Module{mod("demo", "package compliance.demo\n\n# "+strings.Repeat("x", policy.MaxModuleBytes)+"\n")},
		module:  "demo", line: 1, code: "size_error",
	},
}

// TestCompileProblems checks that a broken policy is rejected with a located
// problem that the legal affairs office can read.
func TestCompileProblems(t *testing.T) {
	t.Parallel()
	for _, tt := range compileProblems {
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

// ruleModule is the source of a module of package pkg whose one rule,
// under the comment block meta, raises an alarm named rule when body holds.
func ruleModule(pkg, meta, rule, body string) string {
	return "package " + pkg + "\n\n" + meta + `warnings contains {"rule": "` + rule + `", "level": "alarm", "message": "x"} if {` + body + "}\n"
}

// alarmRule is ruleModule under header: the rule is on line 7, body starts
// on line 8.
func alarmRule(pkg, rule, body string) string { return ruleModule(pkg, header, rule, body) }

// onStep is a rule body that holds for every step.
const onStep = `
	input.event == "step"
`

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
	t.Parallel()
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
