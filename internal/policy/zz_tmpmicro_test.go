//go:build zzbench

package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"powercheck/internal/policy"
)

func BenchmarkZZMicro(b *testing.B) {
	doc := preconv(b, policy.Document(decisionInput(b)))
	rule := func(n int, body string) string {
		var sb strings.Builder
		sb.WriteString("package compliance.m\n\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "%swarnings contains {\"rule\": \"m.x%d\", \"level\": \"alarm\", \"message\": \"x\"} if {\n%s\n}\n\n", header, i, body)
		}
		return sb.String()
	}
	cases := map[string]string{
		"empty":          "package compliance.m\n",
		"1_tick":         rule(1, "\tinput.event == \"tick\""),
		"6_tick":         rule(6, "\tinput.event == \"tick\""),
		"12_tick":        rule(12, "\tinput.event == \"tick\""),
		"6_step_code":    rule(6, "\tinput.event == \"step\"\n\tinput.step.step_code == \"zz\""),
		"6_step_cnt":     rule(6, "\tinput.event == \"step\"\n\tcount(input.case.steps) > 10"),
		"6_step_helper":  rule(6, "\tinput.event == \"step\"\n\thelper > 10") + "helper := count(input.case.steps)\n",
		"6_step_fn":      rule(6, "\tinput.event == \"step\"\n\tfn(input.step) > 10") + "fn(s) := count(s.approvals)\n",
		"1_fire":         rule(1, "\tinput.event == \"step\""),
		"1_fire_sprintf": strings.Replace(rule(1, "\tinput.event == \"step\"\n\tmsg := sprintf(\"%s %s\", [input.step.id, input.step.handler])"), `"message": "x"`, `"message": msg`, 1),
	}
	for name, src := range cases {
		b.Run(name, func(b *testing.B) {
			e := mustActiveEngine(b, 0, []policy.Module{mod("m", src)})
			ctx := context.Background()
			if _, err := e.EvaluateDocument(ctx, doc); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.EvaluateDocument(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
