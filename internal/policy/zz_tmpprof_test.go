//go:build zzbench

package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/profiler"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"powercheck/internal/calendar"
	"powercheck/policies"
)

// Throwaway: expression profile of one module (ZZ_MODULE) on ZZ_INPUT (a JSON input document).
func TestZZProfile(t *testing.T) {
	fsys := fs.FS(policies.FS)
	if d := os.Getenv("ZZ_DIR"); d != "" {
		fsys = os.DirFS(d)
	}
	mods, err := ReadModules(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := os.Getenv("ZZ_MODULE")
	var prod []Module
	for _, m := range mods {
		if !m.IsTest() && (want == "" || m.Name == want) {
			prod = append(prod, m)
		}
	}
	parsed, ce := parse(prod)
	if ce != nil {
		t.Fatal(ce)
	}
	c := newCompiler()
	if c.Compile(parsed); c.Failed() {
		t.Fatal(c.Errors)
	}
	b, err := os.ReadFile(os.Getenv("ZZ_INPUT"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	val, _ := ast.InterfaceToValue(doc)
	q := os.Getenv("ZZ_QUERY")
	if q == "" {
		q = `x = [[family, w] | some family; some w in data.compliance[family].warnings]`
	}
	cal := func() *calendar.Calendar { return calendar.Default() }
	p := profiler.New()
	opts := append([]func(*rego.Rego){rego.Compiler(c), rego.Query(q), rego.StrictBuiltinErrors(false), rego.QueryTracer(p)}, builtinOptions(cal)...)
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := pq.Eval(context.Background(), rego.EvalParsedInput(val), rego.EvalQueryTracer(p))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(rs[0].Bindings["x"], "", " ")
	if os.Getenv("ZZ_SHOW") != "" {
		fmt.Println(string(out))
	}
	ct := &countTracer{ops: map[topdown.Op]int{}}
	if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(val), rego.EvalQueryTracer(ct)); err != nil {
		t.Fatal(err)
	}
	all := 0
	for _, n := range ct.ops {
		all += n
	}
	fmt.Println("events", all, ct.ops)
	if os.Getenv("ZZ_LINES") != "" {
		for l, n := range ct.lines {
			fmt.Printf("LINE %d %d\n", l, n)
		}
	}
	total := 0
	stats := p.ReportTopNResults(400, []string{os.Getenv("ZZ_SORT"), "num_eval"})
	for _, s := range stats {
		total += s.NumEval
	}
	fmt.Println("total num_eval", total)
	for i, s := range stats {
		if i >= 400 {
			break
		}
		fmt.Printf("%6d evals %6d redo %8dns %s\n", s.NumEval, s.NumRedo, s.ExprTimeNs, strings.TrimSpace(s.Location.String()))
	}
}

type countTracer struct {
	ops   map[topdown.Op]int
	lines map[int]int
}

func (c *countTracer) Enabled() bool { return true }
func (c *countTracer) TraceEvent(e topdown.Event) {
	c.ops[e.Op]++
	if c.lines == nil {
		c.lines = map[int]int{}
	}
	if e.Location != nil && strings.HasSuffix(e.Location.File, os.Getenv("ZZ_MODULE")+".rego") {
		c.lines[e.Location.Row]++
	}
}
func (c *countTracer) Config() topdown.TraceConfig { return topdown.TraceConfig{} }
