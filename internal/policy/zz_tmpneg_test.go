//go:build zzbench

package policy_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

func TestZZNeg(t *testing.T) {
	for _, q := range []string{
		`x := object.union_n([{"a": 0}]); not x.review >= 0`,
		`x := object.union_n([{"a": 0}]); not x.review`,
		`x := object.union_n([{"a": 0}]); not x["review"] >= 0`,
		`x := object.union_n([{"a": 0}]); not x.review == 1`,
		`x := object.union_n([{"a": 0}]); not gte(x.review, 0)`,
		`x := object.union_n([{"a": 0}]); not count(x.review) > 1`,
	} {
		for _, strict := range []bool{false, true} {
			r := rego.New(rego.Query(q), rego.Strict(strict))
			rs, err := r.Eval(context.Background())
			t.Logf("strict=%v %-45s -> %v %v", strict, q, len(rs), err)
		}
	}
}
