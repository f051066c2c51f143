package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
)

// floodModule raises n warnings for every step, and one more whose message
// is long characters long.
func floodModule(n, long int) map[string]string {
	return map[string]string{"source": fmt.Sprintf(`package compliance.custom

# METADATA
# title: 大量警告
# custom:
#   level: prewarning
#   basis: 测试
warnings contains {"rule": "custom.flood", "level": "prewarning", "message": sprintf("警告 %%d", [i]), "basis": "测试", "key": sprintf("k%%d", [i])} if {
	input.event == "step"
	some i in numbers.range(1, %d)
}

# METADATA
# title: 长消息
# custom:
#   level: prewarning
#   basis: 测试
warnings contains {"rule": "custom.long", "level": "prewarning", "message": concat("", ["长" | some _ in numbers.range(1, %d)]), "basis": "测试"} if {
	input.event == "step"
}
`, n, long)}
}

// A policy raising thousands of warnings for one step never loses the step
// (issue 22 item 6): over the cap of findings per evaluation the evaluation
// fails and the step is stored unchecked; under it every warning is stored,
// in batches, and a message over the length cap is cut.
func TestManyWarningsKeepTheStep(t *testing.T) {
	// The evaluation's time limit has tests of its own: a roomy one here,
	// so that a loaded machine does not cut off the flood's evaluation.
	eachDistrict(t, []string{"--eval-timeout", "10s"}, func(t *testing.T, s *server, tok map[string]string) {
		legal, clerk := tok[apitest.LegalToken], tok[apitest.ZJJClerk]
		at := time.Now().Add(-time.Minute).Format(time.RFC3339)
		publish := func(n, long int) {
			t.Helper()
			s.Must(200, "PUT", "/api/v1/policies/custom", legal, floodModule(n, long))
			s.Must(201, "POST", "/api/v1/policies/publish", legal, map[string]string{"note": fmt.Sprintf("%d 条警告", n)})
		}

		// Under the cap: all stored, the long message cut.
		publish(150, compliance.MaxMessageRunes+1000)
		a := s.Submit(t, clerk, apitest.FirstStep("F1-accept", "ZJJ-F-1", "XK-001", "accept", at))
		if a.CheckStatus != "checked" {
			t.Fatalf("150 warnings: check_status = %s, want checked", a.CheckStatus)
		}
		flood, long := 0, ""
		for _, w := range a.Warnings {
			switch w.Rule {
			case "custom.flood":
				flood++
			case "custom.long":
				long = w.Message
			}
		}
		if flood != 150 {
			t.Errorf("150 warnings: %d custom.flood answered", flood)
		}
		if n := utf8.RuneCountInString(long); n != compliance.MaxMessageRunes || !strings.HasSuffix(long, "…") {
			t.Errorf("long message: %d characters ending %q, want %d ending with …", n, long[max(0, len(long)-6):], compliance.MaxMessageRunes)
		}
		stored := 0
		for _, w := range s.Case(t, clerk, "ZJJ-F-1").Warnings {
			if w.Rule == "custom.flood" {
				stored++
			}
		}
		if stored != 150 {
			t.Errorf("150 warnings: %d custom.flood stored on the case", stored)
		}

		// Over the cap: the step and its case are stored, unchecked.
		publish(5000, 10)
		a = apitest.StepAnswer{}
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("F2-accept", "ZJJ-F-2", "XK-001", "accept", at)).Decode(t, &a)
		if a.CheckStatus != "unchecked" || len(a.Warnings) != 0 {
			t.Fatalf("5000 warnings: check_status = %s with %d warnings, want unchecked with none", a.CheckStatus, len(a.Warnings))
		}
		cs := s.Case(t, clerk, "ZJJ-F-2")
		if len(cs.Steps) != 1 || cs.Steps[0].ID != "F2-accept" || cs.Steps[0].CheckStatus != "unchecked" {
			t.Errorf("case ZJJ-F-2 steps = %+v, want F2-accept unchecked", cs.Steps)
		}
		un := listUnchecked(t, s, tok[apitest.SupervisionToken])
		found := false
		for _, st := range un.Steps {
			if st.StepID == "F2-accept" && strings.Contains(st.CheckError, fmt.Sprint(compliance.MaxFindings)) {
				found = true
			}
		}
		if !found {
			t.Errorf("unchecked steps = %+v, want F2-accept with an error naming the cap of %d", un.Steps, compliance.MaxFindings)
		}
	})
}
