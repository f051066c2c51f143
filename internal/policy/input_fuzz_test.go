package policy_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"

	"powercheck/internal/compliance"
	"powercheck/internal/policy"
)

// FuzzInput builds the policy input of a step decision whose step, item and
// clock are replaced by the fuzzer's, and evaluates the embedded policies on
// it. The input always converts to a Rego value, keeps what it was given,
// and the evaluation either is cut off by its time limit or yields
// well-formed warnings; nothing panics.
func FuzzInput(f *testing.F) {
	e := mustActiveEngine(f, 2*time.Second, embeddedModules(f))
	base := decisionInput(f)
	f.Fuzz(func(t *testing.T, event, now string, step, item []byte) {
		in := *base
		if event != "" {
			in.Event = event
		}
		if now != "" {
			at, err := time.Parse(time.RFC3339Nano, now)
			if err != nil {
				return
			}
			in.Now = at
		}
		if len(step) > 0 {
			var s compliance.Step
			if err := json.Unmarshal(step, &s); err != nil {
				return
			}
			in.Step = &s
		}
		if len(item) > 0 {
			var it compliance.PowerItem
			if err := json.Unmarshal(item, &it); err != nil {
				return
			}
			for _, tier := range it.Discretion {
				if math.IsInf(tier.Min, 0) || math.IsInf(tier.Max, 0) {
					return // JSON has no infinities
				}
			}
			it.Version = 0 // the engine caches item versions, which never change
			in.Item = &it
		}
		doc := policy.Document(&in)
		if _, err := ast.InterfaceToValue(doc); err != nil {
			t.Fatalf("input does not convert to a Rego value: %v", err)
		}
		if in.Step != nil {
			got, _ := doc["step"].(map[string]any)
			if got["id"] != in.Step.ID || got["step_code"] != in.Step.StepCode {
				t.Fatalf("input step = %v, from %+v", got, in.Step)
			}
			if _, ok := got["attributes"].(map[string]any); !ok {
				t.Fatalf("input step attributes = %T, want an object", got["attributes"])
			}
			if d := in.Step.Discretion; d != nil {
				amount := doc["step"].(map[string]any)["discretion"].(map[string]any)["amount"]
				if i, ok := amount.(int64); ok && float64(i) != d.Amount {
					t.Fatalf("amount %v became %d", d.Amount, i)
				}
			}
		}
		ev, err := e.Evaluate(context.Background(), &in)
		if err != nil {
			if topdown.IsCancel(err) {
				return // cut off by the time limit: the step is stored unchecked
			}
			t.Fatalf("Evaluate: %v", err)
		}
		for _, w := range ev.Findings {
			if w.Rule == "" || w.Message == "" || (w.Level != compliance.LevelAlarm && w.Level != compliance.LevelPrewarning) {
				t.Fatalf("malformed warning %+v", w)
			}
		}
	})
}
