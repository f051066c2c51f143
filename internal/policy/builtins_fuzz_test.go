package policy

import (
	"context"
	"math"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"

	"powercheck/internal/calendar"
)

// FuzzWorkdayBuiltins calls the working-day built-ins as a policy does, on
// the shipped calendar. Each either fails (the call is undefined) or agrees
// with the others: the date of ts is what the calendar parses; adding n
// working days lands on a working day n working days later; adding in unit
// "workday" is workday.add, in unit "calendar" plain date arithmetic.
func FuzzWorkdayBuiltins(f *testing.F) {
	cal := calendar.Default()
	calFn := func() *calendar.Calendar { return cal }
	queries := map[string]string{
		"date":     `x := workday.date(input.ts)`,
		"is":       `x := workday.is_workday(input.ts)`,
		"add":      `x := workday.add(input.ts, input.n)`,
		"add_days": `x := workday.add_days(input.ts, input.n, input.unit)`,
		"count":    `x := workday.count(input.ts, input.ts2)`,
		"back":     `x := workday.count(input.ts2, input.ts)`,
	}
	prepared := map[string]rego.PreparedEvalQuery{}
	for name, q := range queries {
		opts := append([]func(*rego.Rego){rego.Query(q), rego.Capabilities(capabilities()), rego.StrictBuiltinErrors(false)}, builtinOptions(calFn)...)
		pq, err := rego.New(opts...).PrepareForEval(context.Background())
		if err != nil {
			f.Fatalf("prepare %s: %v", q, err)
		}
		prepared[name] = pq
	}
	// eval returns x, or nil when the call is undefined.
	eval := func(t *testing.T, name string, input map[string]any) any {
		rs, err := prepared[name].Eval(context.Background(), rego.EvalInput(input))
		if err != nil {
			t.Fatalf("%s %v: %v", queries[name], input, err)
		}
		if len(rs) == 0 {
			return nil
		}
		return rs[0].Bindings["x"]
	}
	f.Fuzz(func(t *testing.T, ts, ts2 string, n float64, unit string) {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return // not a JSON number; Rego has none either
		}
		in := map[string]any{"ts": ts, "ts2": ts2, "n": n, "unit": unit}
		d, parseErr := calendar.ParseDateOrTime(ts)
		date := eval(t, "date", in)
		if (parseErr == nil) != (date != nil) || (date != nil && date != d.String()) {
			t.Fatalf("workday.date(%q) = %v; ParseDateOrTime: %s, %v", ts, date, d, parseErr)
		}
		if is := eval(t, "is", in); is != nil {
			want, err := cal.IsWorkday(d)
			if err != nil || is != want {
				t.Fatalf("workday.is_workday(%q) = %v; calendar: %v, %v", ts, is, want, err)
			}
		}
		add := eval(t, "add", in)
		if add != nil && (n != math.Trunc(n) || math.Abs(n) > 3660) {
			t.Fatalf("workday.add(%q, %v) = %v; want undefined for that n", ts, n, add)
		}
		if wd := eval(t, "add_days", map[string]any{"ts": ts, "n": n, "unit": "workday"}); wd != add {
			t.Fatalf("workday.add_days(%q, %v, \"workday\") = %v; workday.add = %v", ts, n, wd, add)
		}
		if cd := eval(t, "add_days", map[string]any{"ts": ts, "n": n, "unit": "calendar"}); cd != nil && cd != d.AddDays(int(n)).String() {
			t.Fatalf("workday.add_days(%q, %v, \"calendar\") = %v; want %s", ts, n, cd, d.AddDays(int(n)))
		}
		if unit != "" && unit != "workday" && unit != "calendar" {
			if x := eval(t, "add_days", in); x != nil {
				t.Fatalf("workday.add_days with unit %q = %v; want undefined", unit, x)
			}
		}
		if add == nil || n <= 0 {
			return
		}
		// n working days after ts: a working day, n working days later.
		in["ts2"] = add
		if is := eval(t, "is", map[string]any{"ts": add}); is != true {
			t.Fatalf("workday.add(%q, %v) = %v, which is not a working day (%v)", ts, n, add, is)
		}
		if c := eval(t, "count", in); !sameNumber(c, n) {
			t.Fatalf("workday.count(%q, workday.add(%q, %v) = %v) = %v; want %v", ts, ts, n, add, c, n)
		}
		if c := eval(t, "back", in); !sameNumber(c, -n) {
			t.Fatalf("workday.count(%v, %q) = %v; want %v", add, ts, c, -n)
		}
	})
}

func sameNumber(x any, want float64) bool {
	switch v := x.(type) {
	case int64:
		return float64(v) == want
	case float64:
		return v == want
	case interface{ Float64() (float64, error) }: // json.Number
		f, err := v.Float64()
		return err == nil && f == want
	}
	return false
}
