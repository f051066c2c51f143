package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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
			doc, err := e.document(&in)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := c.run(context.Background(), c.queries.check, 10*time.Second, doc)
			if err != nil {
				t.Fatalf("engine: %v", err)
			}
			rs, err := server.Eval(context.Background(), rego.EvalInput(Document(&in)))
			if err != nil || len(rs) != 1 {
				t.Fatalf("server files: %v, %d results", err, len(rs))
			}
			got := rs[0].Expressions[0].Value
			if !reflect.DeepEqual(jsonOf(t, got), jsonOf(t, want)) {
				t.Errorf("server files answer\n%s\nthe engine\n%s", jsonOf(t, got), jsonOf(t, want))
			}
			if ws, _ := want["warnings"].([]any); (len(ws) > 0) != tt.warnings {
				t.Errorf("engine warnings %v, want some: %v", ws, tt.warnings)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
