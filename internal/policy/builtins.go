package policy

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/types"

	"powercheck/internal/calendar"
)

// The working-day built-ins offered to policies. Timestamps are RFC 3339
// strings or YYYY-MM-DD dates; a timestamp counts as its date in
// Asia/Shanghai. Dates come back as YYYY-MM-DD, which compare correctly as
// strings. A computation that reaches a year whose holiday schedule is unknown
// fails (the call is undefined), so a policy can say so instead of guessing.
var (
	declAdd = &rego.Function{
		Name:        "workday.add",
		Description: "workday.add(ts, n): the date of the n-th working day after the date of ts (the start day is not counted)",
		Decl:        types.NewFunction(types.Args(types.S, types.N), types.S),
		Memoize:     true,
	}
	declAddDays = &rego.Function{
		Name:        "workday.add_days",
		Description: `workday.add_days(ts, n, unit): like workday.add for unit "workday", calendar days for unit "calendar"`,
		Decl:        types.NewFunction(types.Args(types.S, types.N, types.S), types.S),
		Memoize:     true,
	}
	declDue = &rego.Function{
		Name: "workday.due",
		Description: `workday.due(ts, n, unit): the last day of a period of n units counted from the date of ts, as the law counts it: ` +
			`the start day is not counted, and a last day that is a rest day or holiday moves to the next working day ` +
			`(unit "workday": the n-th working day; unit "calendar": the n-th day, or the first working day after it)`,
		Decl:    types.NewFunction(types.Args(types.S, types.N, types.S), types.S),
		Memoize: true,
	}
	declCount = &rego.Function{
		Name:        "workday.count",
		Description: "workday.count(a, b): the working days after the date of a up to and including the date of b; negative when b is earlier",
		Decl:        types.NewFunction(types.Args(types.S, types.S), types.N),
		Memoize:     true,
	}
	declIsWorkday = &rego.Function{
		Name:        "workday.is_workday",
		Description: "workday.is_workday(ts): whether the date of ts is a working day (make-up weekend days are)",
		Decl:        types.NewFunction(types.Args(types.S), types.B),
		Memoize:     true,
	}
	declDate = &rego.Function{
		Name:        "workday.date",
		Description: "workday.date(ts): the date of ts in Asia/Shanghai, as YYYY-MM-DD",
		Decl:        types.NewFunction(types.Args(types.S), types.S),
		Memoize:     true,
	}
)

// calendarFunc returns the calendar in force at the moment of a call.
type calendarFunc func() *calendar.Calendar

// builtinDecls are the declarations added to the compiler's capabilities.
func builtinDecls() []*ast.Builtin {
	out := []*ast.Builtin{}
	for _, f := range []*rego.Function{declAdd, declAddDays, declDue, declCount, declIsWorkday, declDate} {
		out = append(out, &ast.Builtin{Name: f.Name, Description: f.Description, Decl: f.Decl})
	}
	return out
}

// builtinBinder takes each built-in by its arity: as an option of one
// query, or registered for the whole process.
type builtinBinder struct {
	f1 func(*rego.Function, rego.Builtin1)
	f2 func(*rego.Function, rego.Builtin2)
	f3 func(*rego.Function, rego.Builtin3)
}

// builtinOptions binds the built-ins to a calendar source, as options of
// the queries that use them.
func builtinOptions(cal calendarFunc) []func(*rego.Rego) {
	var out []func(*rego.Rego)
	bindBuiltins(cal, builtinBinder{
		f1: func(d *rego.Function, f rego.Builtin1) { out = append(out, rego.Function1(d, f)) },
		f2: func(d *rego.Function, f rego.Builtin2) { out = append(out, rego.Function2(d, f)) },
		f3: func(d *rego.Function, f rego.Builtin3) { out = append(out, rego.Function3(d, f)) },
	})
	return out
}

// RegisterBuiltins registers the working-day built-ins for the whole
// process, counting with cal: what an OPA server needs to evaluate
// powercheck's policies (cmd/pcopa). powercheck itself binds them per query.
func RegisterBuiltins(cal *calendar.Calendar) {
	bindBuiltins(func() *calendar.Calendar { return cal },
		builtinBinder{f1: rego.RegisterBuiltin1, f2: rego.RegisterBuiltin2, f3: rego.RegisterBuiltin3})
}

// bindBuiltins hands each built-in, counting with cal, to bind.
func bindBuiltins(cal calendarFunc, bind builtinBinder) {
	bind.f2(declAdd, withDays(func(d calendar.Date, n int) (calendar.Date, error) {
		return cal().AddWorkdays(d, n)
	}))
	bind.f3(declAddDays, withUnit(func(d calendar.Date, n int, unit string) (calendar.Date, error) {
		return cal().AddDays(d, n, unit)
	}))
	bind.f3(declDue, withUnit(func(d calendar.Date, n int, unit string) (calendar.Date, error) {
		return cal().Due(d, n, unit)
	}))
	bind.f2(declCount, func(_ rego.BuiltinContext, a, b *ast.Term) (*ast.Term, error) {
		da, err := dateArg(a)
		if err != nil {
			return nil, err
		}
		db, err := dateArg(b)
		if err != nil {
			return nil, err
		}
		n, err := cal().CountWorkdays(da, db)
		if err != nil {
			return nil, err
		}
		return ast.IntNumberTerm(n), nil
	})
	bind.f1(declIsWorkday, onDate(func(d calendar.Date) (bool, error) {
		return cal().IsWorkday(d)
	}, ast.BooleanTerm))
	bind.f1(declDate, onDate(func(d calendar.Date) (string, error) {
		return d.String(), nil
	}, ast.StringTerm))
}

// onDate adapts a computation on the date of ts to a built-in; term makes
// the built-in's answer of the computation's result.
func onDate[T any](f func(d calendar.Date) (T, error), term func(T) *ast.Term) rego.Builtin1 {
	return func(_ rego.BuiltinContext, ts *ast.Term) (*ast.Term, error) {
		d, err := dateArg(ts)
		if err != nil {
			return nil, err
		}
		v, err := f(d)
		if err != nil {
			return nil, err
		}
		return term(v), nil
	}
}

// withDays adapts a computation (ts, n) → date to a built-in.
func withDays(f func(d calendar.Date, n int) (calendar.Date, error)) rego.Builtin2 {
	return func(_ rego.BuiltinContext, ts, n *ast.Term) (*ast.Term, error) {
		d, days, err := dateAndInt(ts, n)
		if err != nil {
			return nil, err
		}
		end, err := f(d, days)
		if err != nil {
			return nil, err
		}
		return ast.StringTerm(end.String()), nil
	}
}

// withUnit adapts a period computation (ts, n, unit) → date to a built-in.
func withUnit(f func(d calendar.Date, n int, unit string) (calendar.Date, error)) rego.Builtin3 {
	return func(bctx rego.BuiltinContext, ts, n, unit *ast.Term) (*ast.Term, error) {
		return withDays(func(d calendar.Date, days int) (calendar.Date, error) {
			u, ok := unit.Value.(ast.String)
			if !ok {
				return 0, errors.New("unit must be a string")
			}
			return f(d, days, string(u))
		})(bctx, ts, n)
	}
}

func dateArg(t *ast.Term) (calendar.Date, error) {
	s, ok := t.Value.(ast.String)
	if !ok {
		return 0, fmt.Errorf("want a date or timestamp string, got %v", ast.ValueName(t.Value))
	}
	return calendar.ParseDateOrTime(string(s))
}

func dateAndInt(ts, n *ast.Term) (calendar.Date, int, error) {
	d, err := dateArg(ts)
	if err != nil {
		return 0, 0, err
	}
	num, ok := n.Value.(ast.Number)
	if !ok {
		return 0, 0, errors.New("want a number of days")
	}
	days, ok := num.Int()
	if !ok {
		return 0, 0, fmt.Errorf("number of days %v is not an integer", num)
	}
	if days > 3660 || days < -3660 {
		return 0, 0, fmt.Errorf("number of days %d out of range", days)
	}
	return d, days, nil
}
