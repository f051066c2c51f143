package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/policies"
)

// The files an OPA server is started with answer a step as the engine's
// check query does: the same warnings, next checks and lifts, for a clean
// decision and for one that breaks the discretion tier.
func TestOPAServerFilesDecideAsTheEngine(t *testing.T) {
	t.Parallel()
	server, e, shipped := serverAndEngine(t)
	b, err := os.ReadFile(filepath.Join("testdata", "decision_step.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		edit     func(in *compliance.Input)
		warnings bool
	}{
		{"clean decision", func(*compliance.Input) {}, false},
		{"amount over the tier", func(in *compliance.Input) {
			in.Item.Discretion["严重"] = compliance.Tier{Min: 200000, Max: 2000000}
			in.Item.Version++
			in.Step.Discretion = &compliance.Discretion{Tier: "严重", Amount: 2500000}
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var in compliance.Input
			if err := json.Unmarshal(b, &in); err != nil {
				t.Fatal(err)
			}
			tt.edit(&in)
			ev, err := e.Evaluate(context.Background(), &in)
			if err != nil {
				t.Fatalf("engine: %v", err)
			}
			input, err := InputDocument(&in, shipped)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := server.Eval(context.Background(), rego.EvalInput(input))
			if err != nil || len(rs) != 1 {
				t.Fatalf("server files: %v, %d results", err, len(rs))
			}
			got, _ := rs[0].Expressions[0].Value.(map[string]any)
			findings := serverFindings(t, got)
			byRule := func(a, b compliance.Finding) int {
				return strings.Compare(a.Rule+a.Key+a.Message, b.Rule+b.Key+b.Message)
			}
			slices.SortFunc(findings, byRule)
			want := slices.Clone(ev.Findings)
			slices.SortFunc(want, byRule)
			if !reflect.DeepEqual(findings, want) {
				t.Errorf("server files find\n%+v\nthe engine\n%+v", findings, want)
			}
			next := serverNextCheck(t, got, calendar.DateOf(in.Now))
			if next == 0 && !ev.NextCheck.IsZero() || next != 0 && !next.Start().Equal(ev.NextCheck) {
				t.Errorf("server files look again on %v, the engine on %v", next, ev.NextCheck)
			}
			if n := len(got["lifted"].([]any)); n != len(ev.Lifts) {
				t.Errorf("server files lift %d warnings, the engine %d", n, len(ev.Lifts))
			}
			if (len(ev.Findings) > 0) != tt.warnings {
				t.Errorf("engine warnings %v, want some: %v", ev.Findings, tt.warnings)
			}
		})
	}
}

// serverFindings decodes the warnings of the server files' decision.
func serverFindings(t *testing.T, decision map[string]any) []compliance.Finding {
	t.Helper()
	var findings []compliance.Finding
	for _, p := range decision["warnings"].([]any) {
		pair := p.([]any)
		v, err := ast.InterfaceToValue(pair[1])
		if err != nil {
			t.Fatal(err)
		}
		f, err := decodeFinding(pair[0].(string), v)
		if err != nil {
			t.Fatal(err)
		}
		findings = append(findings, f)
	}
	return findings
}

// serverNextCheck is the earliest day after today among the next checks of
// the server files' decision; 0 when there is none.
func serverNextCheck(t *testing.T, decision map[string]any, today calendar.Date) calendar.Date {
	t.Helper()
	var next calendar.Date
	for _, d := range decision["next_check"].([]any) {
		day, err := calendar.ParseDate(d.(string))
		if err != nil {
			t.Fatal(err)
		}
		if day > today && (next == 0 || day < next) {
			next = day
		}
	}
	return next
}

// serverAndEngine prepares the check decision over the files an OPA server
// is started with, and an engine with the same modules active, both on the
// shipped calendar.
func serverAndEngine(t *testing.T) (rego.PreparedEvalQuery, *Engine, *calendar.Calendar) {
	t.Helper()
	modules, err := ReadModules(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := OPAServerFiles(t.TempDir(), modules, nil)
	if err != nil {
		t.Fatalf("OPAServerFiles: %v", err)
	}
	shipped := calendar.Default()
	opts := append([]func(*rego.Rego){rego.Load(files, nil), rego.Query("data." + DecisionPackage + ".check")},
		builtinOptions(func() *calendar.Calendar { return shipped })...)
	server, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatalf("prepare the decision over the files: %v", err)
	}
	e := NewEngine(shipped, 10*time.Second)
	c, err := e.Compile(context.Background(), 1, modules)
	if err != nil {
		t.Fatal(err)
	}
	e.Activate(c)

	return server, e, shipped
}
