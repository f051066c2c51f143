package policy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/policy"
)

// loopModule is a module whose one rule runs body on every step.
func loopModule(body string) policy.Module {
	return mod("loop", "package compliance.loop\n\n"+header+
		`warnings contains {"rule": "loop.x", "level": "alarm", "message": "x"} if {`+"\n\t"+
		strings.ReplaceAll(strings.TrimSpace(body), "\n", "\n\t")+"\n}\n")
}

// chain writes n statements name_i := step(name_{i-1}), starting from first.
func chain(name, first, step string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s0 := %s\n", name, first)
	for i := 1; i <= n; i++ {
		prev := fmt.Sprintf("%s%d", name, i-1)
		fmt.Fprintf(&b, "%s%d := %s\n", name, i, strings.ReplaceAll(step, "PREV", prev))
	}
	return b.String()
}

// TestSandboxRefusesBuiltins checks that a built-in outside the allow-list is
// refused when the module is compiled, with a Chinese explanation.
func TestSandboxRefusesBuiltins(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, call string }{
		{"bits.lsh", `bits.lsh(1, 1099511627776) > 0`},
		{"json.match_schema", `json.match_schema(input, {"$ref": "file:///etc/passwd"})[0]`},
		{"json.verify_schema", `json.verify_schema({"$ref": "file:///etc/passwd"})[0]`},
		{"io.jwt.encode_sign", `io.jwt.encode_sign({"alg": "HS256"}, {}, {"kty": "oct", "k": "c2VjcmV0"}) != ""`},
		{"io.jwt.decode", `io.jwt.decode("a.b.c")[0]`},
		{"net.cidr_expand", `count(net.cidr_expand("0.0.0.0/0")) > 0`},
		{"yaml.unmarshal", `yaml.unmarshal("a: 1").a == 1`},
		{"http.send", `http.send({"method": "GET", "url": "http://127.0.0.1/"}).status_code == 200`},
		{"time.now_ns", `time.now_ns() > 0`},
		{"rego.parse_module", `rego.parse_module("x.rego", "package x") != null`},
		{"graph.reachable_paths", `count(graph.reachable_paths({"a": ["a"]}, ["a"])) > 0`},
		{"strings.render_template", `strings.render_template("{{.}}", {}) != ""`},
		{"crypto.x509.parse_certificates", `crypto.x509.parse_certificates("") != null`},
		{"opa.runtime", `opa.runtime().env != null`},
	} {
		name, call := tt.name, tt.call
		t.Run(name, func(t *testing.T) {
			_, err := policy.NewEngine(calendar.Default(), 0).Compile(context.Background(), 1, []policy.Module{loopModule(call)})
			var ce *policy.CompileError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("Compile: got %v, want a compile error", err)
			}
			if p := ce.Problems[0]; !strings.Contains(p.Chinese, "禁止使用的内置函数 "+name) {
				t.Errorf("problem = %+v, want it to name the forbidden built-in %s in Chinese", p, name)
			}
		})
	}
}

// TestSandboxStopsRunaways checks that calls that would allocate without
// bound fail the evaluation at once, long before the time limit, with
// ErrSandbox.
func TestSandboxStopsRunaways(t *testing.T) {
	// Serial: it bounds its own wall time.
	tests := []struct{ name, body string }{
		{"a range of 10^12 numbers", `count(numbers.range(1, 1000000000000)) > 0`},
		{"a stepped range", `count(numbers.range_step(0, 1000000000000, 3)) > 0`},
		{"strings doubled by concat", chain("s", `"0123456789"`, `concat("", [PREV, PREV])`, 40) + `count(s40) > 0`},
		{"serialising a rule value that shares its parts", `count(json.marshal(data.compliance.loop.shared6)) > 0`},
		{"flattening a rule value that shares its parts", `count(array.flatten(data.compliance.loop.shared6)) > 0`},
		{"walking a rule value that shares its parts", `count([p | walk(data.compliance.loop.shared6, [p, _])]) > 0`},
		{"sprintf of a rule value that shares its parts", `sprintf("%v", [data.compliance.loop.shared6]) != ""`},
		{"numbers squared", chain("n", `10`, `PREV * PREV`, 30) + `n30 > 0`},
		{"a product of large numbers", `product([x | some i in numbers.range(1, 1000); x := 123456789012345678901234567890]) > 0`},
		{"a padded format", `sprintf("%1000000000d", [1]) != ""`},
		{"a width from the arguments", `sprintf("%*d", [1000000000, 1]) != ""`},
		{"a huge number from text", `to_number("100000000000000000000000000000000000000000000000000") > 0`},
		{"units beyond the bound", `units.parse_bytes("100000000000000000000000000000000000000000000EiB") > 0`},
		{"replacing into every position", `s := concat("", ["0123456789" | some i in numbers.range(1, 100000)])
count(replace(s, "", "abcdef")) > 0`},
		{"regex group copies", `s := concat("", ["0123456789" | some i in numbers.range(1, 50000)])
count(regex.replace(s, "(.*)", "$1$1$1$1$1$1$1$1$1")) > 0`},
		{"a long concat of a long string", `s := concat("", ["0123456789" | some i in numbers.range(1, 99999)])
count(concat(",", [s | some i in numbers.range(1, 100)])) > 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Rule values are computed once and shared: six rules of a
			// hundred references each are 10^12 terms as text and 600 in
			// memory.
			m := loopModule(tt.body)
			m.Source += "\n" + chain("shared", "[1]", "[x | some _ in numbers.range(1, 100); x := PREV]", 6)
			e := mustActiveEngine(t, 30*time.Second, []policy.Module{m})
			start := time.Now()
			_, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"})
			if !errors.Is(err, policy.ErrSandbox) {
				t.Fatalf("EvaluateDocument: got %v, want the sandbox to stop it", err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("EvaluateDocument took %v before the sandbox stopped it", elapsed)
			}
		})
	}
}

// TestSandboxAllowsOrdinaryPolicies checks that the bounds leave room for
// what policies do: formatting, joining, ranges, JSON of the input, sums.
func TestSandboxAllowsOrdinaryPolicies(t *testing.T) {
	t.Parallel()
	body := `days := [d | some i in numbers.range(1, 30); d := workday.add("2026-03-02", i)]
count(days) == 30
msg := sprintf("%s 已超过 %d 个工作日（%.2f）", [input.handler, 3, 1.5])
contains(msg, "张三")
count(json.marshal(input)) > 10
concat("、", ["甲", "乙"]) == "甲、乙"
product([2, 3, 1000000000000]) == 6000000000000
sum([1e3, 2]) == 1002
time.parse_rfc3339_ns("2026-03-02T09:00:00+08:00") > 1700000000000000000
replace("a-b-c", "-", "") == "abc"
regex.replace("2026-03-02", "(\\d+)-(\\d+)-(\\d+)", "${1}年${2}月${3}日") == "2026年03月02日"
startswith(upper("zjj"), "ZJ")`
	e := mustActiveEngine(t, 0, []policy.Module{loopModule(body)})
	ev, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step", "handler": "张三"})
	if err != nil {
		t.Fatalf("EvaluateDocument: %v", err)
	}
	if len(ev.Findings) != 1 || ev.Findings[0].Rule != "loop.x" {
		t.Errorf("findings = %+v, want the one warning of the rule", ev.Findings)
	}
}

// TestSandboxNumberLiterals checks that a number the sandbox would refuse at
// run time is refused in the source.
func TestSandboxNumberLiterals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		literal string
		ok      bool
	}{
		{"1e50", false},
		{"1234567890123456789012345678901234567890123", false},
		{"1e40", true},
		{"1700000000000000000", true},
		{"0.000001", true},
	} {
		t.Run(tt.literal, func(t *testing.T) {
			_, err := policy.NewEngine(calendar.Default(), 0).Compile(context.Background(), 1, []policy.Module{loopModule("input.n == " + tt.literal)})
			var ce *policy.CompileError
			switch {
			case tt.ok && err != nil:
				t.Errorf("Compile: %v, want it accepted", err)
			case !tt.ok && (!errors.As(err, &ce) || ce.Problems[0].Code != "number_error"):
				t.Errorf("Compile: got %v, want a number_error", err)
			}
		})
	}
}

// TestSandboxInTests checks that a Rego test that runs away fails as a test:
// the runner, which saving a draft uses, is not taken down.
func TestSandboxInTests(t *testing.T) {
	// Serial: it bounds its own wall time.
	test := mod("demo_test", "package compliance.demo_test\n\ntest_runaway if {\n\t"+
		strings.ReplaceAll(chain("s", `"0123456789"`, `concat("", [PREV, PREV])`, 40), "\n", "\n\t")+"count(s40) > 0\n}\n\n"+
		"test_fine if {\n\tcount(numbers.range(1, 10)) == 10\n}\n")
	start := time.Now()
	results, err := policy.NewEngine(calendar.Default(), 0).RunTests(context.Background(), []policy.Module{okModule, test})
	if err != nil {
		t.Fatalf("RunTests: %v", err)
	}
	got := map[string]policy.TestResult{}
	for _, r := range results {
		got[r.Name] = r
	}
	if r := got["test_runaway"]; r.Passed || !strings.Contains(r.Error, "policy sandbox") {
		t.Errorf("test_runaway = %+v, want it failed by the sandbox", r)
	}
	if r := got["test_fine"]; !r.Passed {
		t.Errorf("test_fine = %+v, want it passed", r)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("RunTests took %v", elapsed)
	}
}

// TestSandboxRefusesExpansions checks that values which OPA would copy out
// term by term, doubling at every step, are refused when compiled, at the
// line where they outgrow the bound, while ordinary nesting is accepted.
func TestSandboxRefusesExpansions(t *testing.T) {
	t.Parallel()
	calls := "a0"
	for range 40 {
		calls = "f(" + calls + ")"
	}
	tests := []struct {
		name, src string
		refused   bool
	}{
		{"local variables doubled", loopModule(chain("a", `[1]`, `[PREV, PREV]`, 40) + "count(a40) > 0").Source, true},
		{"objects doubled", loopModule(chain("a", `{"k": 1}`, `{"l": PREV, "r": PREV}`, 40) + "count(a40) > 0").Source, true},
		{"rules doubled", loopModule("count(r40) > 0").Source + "\n" + chain("r", `[1]`, `[PREV, PREV]`, 40), true},
		{"a function repeating its argument", "package compliance.loop\n\nf(x) := [x, x]\n\n" + loopModule("a0 := [1]\ncount(" + calls + ") > 0").Source[len("package compliance.loop\n\n"):], true},
		{"a function called in a chain", "package compliance.loop\n\nf(x) := [x, x]\n\n" + loopModule(chain("a", `[1]`, `f(PREV)`, 40) + "count(a40) > 0").Source[len("package compliance.loop\n\n"):], true},
		{"ordinary nesting", loopModule(`s := {"a": [input.x, input.x], "b": {"c": input.y}}
t := [s, s, s]
count(t) == 3`).Source, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policy.NewEngine(calendar.Default(), 0).Compile(context.Background(), 1, []policy.Module{mod("loop", tt.src)})
			if !tt.refused {
				if err != nil {
					t.Fatalf("Compile: %v, want it accepted", err)
				}
				return
			}
			var ce *policy.CompileError
			if !errors.As(err, &ce) || ce.Problems[0].Code != "expansion_error" {
				t.Fatalf("Compile: got %v, want an expansion_error", err)
			}
			if p := ce.Problems[0]; p.Module != "loop" || p.Line < 3 || !strings.Contains(p.Chinese, "重复引用") {
				t.Errorf("problem = %+v, want it located in the module and explained in Chinese", p)
			}
		})
	}
}
