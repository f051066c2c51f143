package policy_test

import (
	"strings"
	"testing"

	"powercheck/internal/policy"
)

// TestFormat formats modules as `opa fmt` does, and refuses, leaving the
// module as it is, where OPA's formatter would write back another module
// or text that does not parse.
func TestFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want, wantErr string
	}{
		{
			name: "spacing and line breaks",
			src:  "package compliance.x\n\nwarnings contains w if {\n  input.step.code==\"a\"\n  w := {\"rule\": \"x.a\"}\n}\n",
			want: "package compliance.x\n\nwarnings contains w if {\n\tinput.step.code == \"a\"\n\tw := {\"rule\": \"x.a\"}\n}\n",
		},
		{
			name: "already formatted",
			src:  "package compliance.x\n\nlimit := 10\n",
			want: "package compliance.x\n\nlimit := 10\n",
		},
		{
			// OPA's formatter writes the else's value into its condition:
			// `else := "乙" if input.c == "乙" if input.c == "b"`.
			name:    "an else with a value and a condition",
			src:     "package compliance.x\n\nlaw := \"甲\" if input.c == \"a\"\n\nelse := \"乙\" if input.c == \"b\"\n",
			wantErr: "the formatter would change the module: its output does not parse",
		},
		{
			name:    "not Rego",
			src:     "package compliance.x\n\nwarnings contains w if {\n",
			wantErr: "format x",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := policy.Format(policy.Module{Name: "x", Source: c.src})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Format: %v (output %q), want an error saying %q", err, got, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Format: %v\n got %q\nwant %q", err, got, c.want)
			}
		})
	}
}

// TestEmbeddedPoliciesFormatted wants every shipped module formatted as
// `policy fmt` leaves it: formatting them changes nothing, and none is
// one the formatter would break.
func TestEmbeddedPoliciesFormatted(t *testing.T) {
	t.Parallel()
	for _, m := range embeddedModules(t) {
		out, err := policy.Format(m)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if out != m.Source {
			t.Errorf("%s.rego is not formatted: run powercheck policy fmt policies", m.Name)
		}
	}
}
