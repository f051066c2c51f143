package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/policies"
)

func TestDefaultParamsPassTheSchema(t *testing.T) {
	t.Parallel()
	if _, err := policy.ValidateParams(policy.DefaultParams()); err != nil {
		t.Fatalf("shipped params: %v", err)
	}
}

func TestValidateParamsLocatesEachProblem(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(policy.DefaultParams(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["patrol"] = map[string]any{"per_workday": "三"}
	doc["sync"] = map[string]any{"late_after_days": 1}
	doc["deadline"].(map[string]any)["warn_dayz"] = 3
	raw, _ := json.Marshal(doc)
	_, err := policy.ValidateParams(raw)
	var ce *compliance.Error
	if !errors.As(err, &ce) || ce.Class != compliance.ClassInvalid || ce.Code != "params_invalid" {
		t.Fatalf("got %v, want a params_invalid 422", err)
	}
	problems := ce.Details.([]policy.ParamProblem)
	got := map[string]string{}
	for _, p := range problems {
		got[p.Path] = p.Message
	}
	for _, path := range []string{"/patrol/per_workday", "/sync/very_late_after_days", "/deadline/warn_dayz"} {
		if got[path] == "" {
			t.Errorf("problems %v: want one at %s", problems, path)
		}
	}
	if !strings.Contains(got["/patrol/per_workday"], "应为整数") {
		t.Errorf("message %q: want a Chinese message naming the type", got["/patrol/per_workday"])
	}
}

func TestValidateParamsRelations(t *testing.T) {
	t.Parallel()
	doc := strings.Replace(string(policy.DefaultParams()), `"very_late_after_days":3`, `"very_late_after_days":0`, 1)
	_, err := policy.ValidateParams([]byte(doc))
	var ce *compliance.Error
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a 422", err)
	}
	if p := ce.Details.([]policy.ParamProblem); len(p) != 1 || p[0].Field != "sync.very_late_after_days" {
		t.Errorf("problems %v, want one at sync.very_late_after_days", p)
	}
}

// TestCompiledRevisionReadsItsParams: the same modules compiled with other
// parameters decide otherwise, and the engine reports the numbers the
// service counts with.
func TestCompiledRevisionReadsItsParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mods, err := policy.ReadModules(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	e := policy.NewEngine(calendar.Default(), 0)
	in := map[string]any{"event": "patrol_day", "now": "2026-03-03T01:00:00+08:00",
		"department": map[string]any{"code": "ZJJ", "name": "区住房和城乡建设局"},
		"day":        map[string]any{"date": "2026-03-02", "kind": "workday", "patrols": 2}}
	three := strings.Replace(string(policy.DefaultParams()), `"per_workday":2`, `"per_workday":3`, 1)
	for _, tt := range []struct {
		name   string
		params []byte
		want   int
	}{{"shipped", nil, 0}, {"three a day", []byte(three), 1}} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.CompileWith(ctx, 1, mods, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			e.Activate(c)
			ev, err := e.EvaluateDocument(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ev.Findings); got != tt.want {
				t.Errorf("findings %v: got %d, want %d", ev.Findings, got, tt.want)
			}
			if got, want := e.RuleParams().PatrolsPerWorkday, 2+tt.want; got != want {
				t.Errorf("RuleParams().PatrolsPerWorkday = %d, want %d", got, want)
			}
		})
	}
}
