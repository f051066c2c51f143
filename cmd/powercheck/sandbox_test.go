package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// runawayModule raises its warning after a call that would allocate without
// bound, on every event.
const runawayModule = `package compliance.custom

# METADATA
# title: 失控规则
# custom:
#   level: alarm
warnings contains {"rule": "custom.runaway", "level": "alarm", "message": "失控", "basis": "测试"} if {
	count(numbers.range(1, 1000000000000)) > 0
}
`

// A policy that would take the process down is refused when saved, or fails
// each evaluation: steps are kept unchecked, the dry run counts the failures,
// sweeps go on, and the server keeps answering.
func TestPolicySandbox(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]

		doubling := "package compliance.custom_test\n\ntest_doubles if {\n\ta0 := [1]\n"
		for i := 1; i <= 40; i++ {
			doubling += fmt.Sprintf("\ta%d := [a%d, a%d]\n", i, i-1, i-1)
		}
		doubling += "\tcount(a40) > 0\n}\n"
		refused := []struct {
			name, module, source, code, zh string
		}{
			{"a shift by 2^40 bits", "custom", strings.Replace(runawayModule, "count(numbers.range(1, 1000000000000)) > 0", "bits.lsh(1, 1099511627776) > 0", 1), "policy_invalid", "禁止使用的内置函数 bits.lsh"},
			{"a schema that reads a file", "custom", strings.Replace(runawayModule, "count(numbers.range(1, 1000000000000)) > 0", `json.match_schema(input, {"$ref": "file:///etc/passwd"})[0]`, 1), "policy_invalid", "禁止使用的内置函数 json.match_schema"},
			{"a signed token", "custom", strings.Replace(runawayModule, "count(numbers.range(1, 1000000000000)) > 0", `io.jwt.encode_sign({"alg": "HS256"}, {}, {"kty": "oct", "k": "c2VjcmV0"}) != ""`, 1), "policy_invalid", "禁止使用的内置函数 io.jwt.encode_sign"},
			{"a test doubling a value", "custom_test", doubling, "policy_invalid", "重复引用"},
			{"a test that runs away", "custom_test", "package compliance.custom_test\n\ntest_runaway if {\n\tcount(numbers.range(1, 1000000000000)) > 0\n}\n", "policy_tests_failed", "未通过"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				body := refuseDraft(t, s, legal, tt.module, tt.source)
				text := body.Error.Message
				for _, p := range body.Error.Details {
					text += p.MessageZh
				}
				if body.Error.Code != tt.code || !strings.Contains(text, tt.zh) {
					t.Errorf("answer = %+v, want %s mentioning %s", body, tt.code, tt.zh)
				}
			})
		}

		// A rule that fails only at run time is accepted and published; then
		// every evaluation fails and nothing is lost.
		s.Must(200, "PUT", "/api/v1/policies/custom", legal, map[string]string{"source": runawayModule})
		var imp struct {
			Failed int `json:"failed"`
		}
		submit := func(id string) apitest.StepAnswer {
			a := s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep(id, "ZJJ-SANDBOX-"+id, "XK-001", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
			return a
		}
		if a := submit("1"); a.CheckStatus != "checked" {
			t.Fatalf("before publishing: check_status = %s, want checked", a.CheckStatus)
		}
		s.Must(200, "POST", "/api/v1/policies/impact", legal, map[string]string{"from": "2000-01-01", "to": time.Now().AddDate(0, 0, 1).Format("2006-01-02")}).Decode(t, &imp)
		if imp.Failed == 0 {
			t.Errorf("impact failed = 0, want the runaway rule to fail on the stored step")
		}
		s.Must(201, "POST", "/api/v1/policies/publish", legal, map[string]string{"note": "失控规则"})
		if a := submit("2"); a.CheckStatus != "unchecked" {
			t.Errorf("after publishing: check_status = %s, want unchecked", a.CheckStatus)
		}
		unchecked := listUnchecked(t, s, tok[apitest.SupervisionToken])
		if len(unchecked.Steps) == 0 || !strings.Contains(unchecked.Steps[0].CheckError, "policy sandbox") {
			t.Errorf("unchecked = %+v, want the step with the sandbox's error", unchecked.Steps)
		}
		s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
		s.Must(200, "GET", "/healthz", "", nil)
	})
}
