package policy

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
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

// declCaseFacts computes, from an input document, the facts the engine
// adds to input.case: policy tests call it on hand-made inputs, and the
// legal office's own rules may call it too.
var declCaseFacts = &rego.Function{
	Name: "powercheck.case_facts",
	Description: "powercheck.case_facts(input): the law's counting of the case's periods, {\"deadlines\": […], \"facts\": {…}}, " +
		"as the engine gives them in input.case.deadlines and input.case.facts; without an item, the facts of its approvals and " +
		"the order of its steps alone; undefined without a case",
	Decl:    types.NewFunction(types.Args(types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))), types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))),
	Memoize: true,
}

// calendarFunc returns the calendar in force at the moment of a call.
type calendarFunc func() *calendar.Calendar

// builtinDecls are the declarations added to the compiler's capabilities.
func builtinDecls() []*ast.Builtin {
	out := []*ast.Builtin{}
	for _, f := range []*rego.Function{declAdd, declAddDays, declDue, declCount, declIsWorkday, declDate, declCaseFacts} {
		out = append(out, &ast.Builtin{Name: f.Name, Description: f.Description, Decl: f.Decl})
	}
	return out
}

// builtinImpls binds the built-ins to a calendar source.
func builtinImpls(cal calendarFunc) []builtinImpl {
	return []builtinImpl{
		{declAdd, args2(withDays(func(d calendar.Date, n int) (calendar.Date, error) {
			return cal().AddWorkdays(d, n)
		}))},
		{declAddDays, args3(withUnit(func(d calendar.Date, n int, unit string) (calendar.Date, error) {
			return cal().AddDays(d, n, unit)
		}))},
		{declDue, args3(withUnit(func(d calendar.Date, n int, unit string) (calendar.Date, error) {
			return cal().Due(d, n, unit)
		}))},
		{declCount, args2(func(_ rego.BuiltinContext, a, b *ast.Term) (*ast.Term, error) {
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
			return ast.InternedTerm(n), nil
		})},
		{declCaseFacts, args1(func(_ rego.BuiltinContext, doc *ast.Term) (*ast.Term, error) {
			o, ok := doc.Value.(ast.Object)
			if !ok {
				return nil, errors.New("want an input document")
			}
			dls, facts, ok := caseFacts(cal(), o)
			if !ok {
				return nil, nil
			}
			if dls == nil {
				return obj("facts", facts), nil
			}
			return obj("deadlines", dls, "facts", facts), nil
		})},
		{declIsWorkday, args1(onDate(func(d calendar.Date) (bool, error) {
			return cal().IsWorkday(d)
		}, ast.InternedTerm[bool]))},
		{declDate, args1(onDate(func(d calendar.Date) (string, error) {
			return d.String(), nil
		}, ast.StringTerm))},
	}
}

// builtinImpl is a built-in and its implementation over its arguments.
type builtinImpl struct {
	decl *rego.Function
	impl func(bctx rego.BuiltinContext, args []*ast.Term) (*ast.Term, error)
}

func args1(f rego.Builtin1) func(rego.BuiltinContext, []*ast.Term) (*ast.Term, error) {
	return func(bctx rego.BuiltinContext, a []*ast.Term) (*ast.Term, error) { return f(bctx, a[0]) }
}

func args2(f rego.Builtin2) func(rego.BuiltinContext, []*ast.Term) (*ast.Term, error) {
	return func(bctx rego.BuiltinContext, a []*ast.Term) (*ast.Term, error) { return f(bctx, a[0], a[1]) }
}

func args3(f rego.Builtin3) func(rego.BuiltinContext, []*ast.Term) (*ast.Term, error) {
	return func(bctx rego.BuiltinContext, a []*ast.Term) (*ast.Term, error) { return f(bctx, a[0], a[1], a[2]) }
}

// builtinOptions binds the built-ins to a calendar source, for rego.
func builtinOptions(cal calendarFunc) []func(*rego.Rego) {
	var out []func(*rego.Rego)
	for _, b := range builtinImpls(cal) {
		out = append(out, rego.FunctionDyn(b.decl, func(bctx rego.BuiltinContext, args []*ast.Term) (*ast.Term, error) {
			return b.impl(bctx, args)
		}))
	}
	return out
}

// RegisterBuiltins registers the working-day built-ins (and
// powercheck.case_facts) for the whole process, counting with cal: what an
// OPA server needs to evaluate powercheck's policies (cmd/pcopa). powercheck
// itself binds them per revision.
func RegisterBuiltins(cal *calendar.Calendar) {
	for _, b := range builtinImpls(func() *calendar.Calendar { return cal }) {
		rego.RegisterBuiltinDyn(b.decl, func(bctx rego.BuiltinContext, args []*ast.Term) (*ast.Term, error) {
			return b.impl(bctx, args)
		})
	}
}

// memoKey identifies a built-in call by its name and scalar arguments.
type memoKey struct {
	name string
	args [3]ast.Value
}

type memo struct {
	term *ast.Term
	err  error
}

// topdownBuiltins binds the built-ins to a calendar source, for topdown:
// calls with the same scalar arguments are answered once per evaluation, and
// an error makes the call undefined and is reported, as rego does.
func topdownBuiltins(cal calendarFunc) map[string]*topdown.Builtin {
	out := map[string]*topdown.Builtin{}
	for _, b := range builtinImpls(cal) {
		arity := len(b.decl.Decl.FuncArgs().Args)
		decl := &ast.Builtin{Name: b.decl.Name, Decl: b.decl.Decl}
		out[b.decl.Name] = &topdown.Builtin{Decl: decl, Func: func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
			key, ok := memoKey{name: b.decl.Name}, arity <= 3
			for i := 0; ok && i < arity; i++ {
				switch v := args[i].Value.(type) {
				case ast.String, ast.Number, ast.Boolean:
					key.args[i] = v
				default:
					ok = false
				}
			}
			var m memo
			if hit, found := bctx.Cache.Get(key); ok && found {
				m = hit.(memo)
			} else {
				m.term, m.err = b.impl(bctx, args)
				if ok {
					bctx.Cache.Put(key, m)
				}
			}
			if m.err != nil {
				return (&topdown.Error{Code: topdown.BuiltinErr, Message: b.decl.Name + ": " + m.err.Error(), Location: bctx.Location}).Wrap(m.err)
			}
			if m.term == nil {
				return nil
			}
			return iter(m.term)
		}}
	}
	return out
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

// answersBoolean reports whether built-in name always answers true or false.
func answersBoolean(name string) bool {
	b, ok := ast.BuiltinMap[name]
	if !ok || b.Decl == nil {
		return false
	}
	return types.Compare(b.Decl.Result(), types.B) == 0
}
