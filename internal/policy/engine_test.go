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

	"github.com/open-policy-agent/opa/v1/ast"
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

func TestEvaluateWithoutRevision(t *testing.T) {
	t.Parallel()
	e := policy.NewEngine(calendar.Default(), 0)
	if _, err := e.EvaluateDocument(context.Background(), map[string]any{"event": "step"}); !errors.Is(err, policy.ErrNoPolicies) {
		t.Errorf("EvaluateDocument with no revision: got %v, want ErrNoPolicies", err)
	}
}

// TestEvaluateCutOff checks that a policy that runs away is cut off with an
// error instead of holding the request: by the engine's time limit, and by
// a caller's deadline shorter than that limit.
func TestEvaluateCutOff(t *testing.T) {
	t.Parallel()
	const runaway = `count([x | some x in numbers.range(1, 99999); some y in numbers.range(1, 99999); x % 7 == y]) > 0`
	tests := []struct {
		name string
		body string
		// limit is the engine's; deadline, when set, the caller's.
		limit, deadline time.Duration
	}{
		{"long loop", runaway, 50 * time.Millisecond, 0},
		{"nested loops", `count([1 | some i in numbers.range(1, 20000); some j in numbers.range(1, 20000); i != j]) > 0`, 50 * time.Millisecond, 0},
		{"many working-day calls", `count({d | some i in numbers.range(1, 5000); some j in numbers.range(1, 5000); d := workday.add("2026-01-05", (i * j) % 150)}) > 0`, 50 * time.Millisecond, 0},
		{"caller's deadline", runaway, time.Minute, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package compliance.loop\n\n" + header +
				`warnings contains {"rule": "loop.x", "level": "alarm", "message": "x"} if {` + "\n\t" + tt.body + "\n}\n"
			e := mustActiveEngine(t, tt.limit, []policy.Module{mod("loop", src)})
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			start := time.Now()
			_, err := e.EvaluateDocument(ctx, map[string]any{"event": "step"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("EvaluateDocument: got no error, want the evaluation cut off")
			}
			if !topdown.IsCancel(err) {
				t.Errorf("EvaluateDocument: got %v, want a cancellation", err)
			}
			if elapsed > 2*time.Second {
				t.Errorf("EvaluateDocument took %v with a limit of %v and a deadline of %v", elapsed, tt.limit, tt.deadline)
			}
		})
	}
}

// TestEvaluateRejectsBadWarnings checks that a warning object that breaks the
// contract fails the evaluation instead of being stored.
func TestEvaluateRejectsBadWarnings(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// TestDocumentValue checks that the input built as ast values is the
// document Document describes, for the decision step and generated cases.
func TestDocumentValue(t *testing.T) {
	t.Parallel()
	rich := decisionInput(t)
	base := 20000.5
	known := true
	rich.Item.Discretion["倍数"] = compliance.Tier{Base: "违法所得", MinMultiple: 1, MaxMultiple: 5, Description: "按违法所得计"}
	rich.Item.Discretion["比例"] = compliance.Tier{Base: "货值", MinRate: 0.05, MaxRate: 0.3}
	rich.Step.Discretion = &compliance.Discretion{Tier: "倍数", Amount: 1.5e7, BaseAmount: &base,
		Mitigation: &compliance.Mitigation{Kind: compliance.MitigationReduced, BasisIDs: []string{"LB1"}, Reason: "主动消除危害后果"}}
	rich.Step.HandlerKnown = &known
	rich.Step.Attributes = map[string]any{"n": 3, "f": 2.5, "list": []any{"a", 1.0}, "obj": map[string]any{"k": nil}}
	inputs := []*compliance.Input{decisionInput(t), rich}
	for _, it := range oracleItems() {
		for name, ms := range oracleScenarios {
			for _, ev := range []string{compliance.EventStep, compliance.EventTick} {
				in := caseInput(it, "2026-02-12", ms, ev, time.Date(2026, 3, 20, 9, 0, 0, 0, calendar.Shanghai), "open")
				in.Warnings = []compliance.Warning{{ID: 7, Rule: "deadline.item_due_soon", Level: "prewarning", Status: "open", Key: "item"}}
				_ = name
				inputs = append(inputs, in)
			}
		}
	}
	for i, in := range inputs {
		want, err := ast.InterfaceToValue(policy.Document(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := policy.DocumentValue(in)
		if err != nil {
			t.Fatalf("input %d: DocumentValue: %v", i, err)
		}
		if got.Compare(want) != 0 {
			t.Errorf("input %d: DocumentValue differs from Document\n got %v\nwant %v", i, got, want)
		}
	}
}
