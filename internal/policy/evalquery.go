package policy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Every evaluation asks for what one event needs: the warnings, next checks
// and lifts of the families that say they handle the event. A module says so
// in its package METADATA (custom.events: [step, tick]); one that says
// nothing is asked on every event. The queries are compiled once per
// revision and run on topdown directly, with the input as an ast.Value and
// the results read as ast terms: no JSON on the way in or out.

// family is what one compliance package offers.
type family struct {
	name                       string
	events                     []string // nil: every event
	warnings, nextCheck, lifts bool
	// notSet names the result rules that have a rule other than a partial
	// set rule ("warnings contains …"), which may leave them undefined.
	notSet map[string]bool
}

// eventQuery is the compiled query of one event.
type eventQuery struct {
	body ast.Body
	// warns, next and lifts name the families whose results each variable holds.
	warns, next, lifts []resultVar
}

type resultVar struct {
	family string
	v      ast.Var
}

// families reads the compliance packages of a compiled module set.
func families(c *ast.Compiler) []family {
	byName := map[string]*family{}
	for _, mod := range c.Modules {
		path := mod.Package.Path
		if len(path) != 3 || !path[1].Equal(ast.InternedTerm("compliance")) {
			continue
		}
		name, ok := path[2].Value.(ast.String)
		if !ok {
			continue
		}
		f := byName[string(name)]
		if f == nil {
			f = &family{name: string(name)}
			byName[f.name] = f
		}
		for _, a := range mod.Annotations {
			if a.Scope == "package" {
				f.events = append(f.events, eventsOf(a.Custom["events"])...)
			}
		}
		for _, r := range mod.Rules {
			name := r.Head.Name.String()
			switch name {
			case "warnings":
				f.warnings = true
			case "next_check":
				f.nextCheck = true
			case "lifted":
				f.lifts = true
			default:
				continue
			}
			if r.Head.RuleKind() != ast.MultiValue || len(r.Head.Ref()) != 1 {
				if f.notSet == nil {
					f.notSet = map[string]bool{}
				}
				f.notSet[name] = true
			}
		}
	}
	out := make([]family, 0, len(byName))
	for _, f := range byName {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return out
}

func eventsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// handles reports whether f is asked on event ("" asks every family).
func (f family) handles(event string) bool {
	return event == "" || len(f.events) == 0 || slices.Contains(f.events, event)
}

// knownEvents are the events that get a query of their own; any other
// event asks every family.
var knownEvents = []string{"step", "tick", "patrol", "patrol_day", "month_close", "catalog"}

// compileChecks compiles the query of each known event and the one that
// asks every family.
func compileChecks(c *ast.Compiler) (map[string]*eventQuery, error) {
	fams := families(c)
	out := map[string]*eventQuery{}
	for _, ev := range append([]string{""}, knownEvents...) {
		q, err := compileCheck(c, fams, ev)
		if err != nil {
			return nil, err
		}
		out[ev] = q
	}
	return out, nil
}

func compileCheck(c *ast.Compiler, fams []family, event string) (*eventQuery, error) {
	q := &eventQuery{}
	var exprs []string
	add := func(list *[]resultVar, prefix string, f family, rule string) {
		v := ast.Var(prefix + strconv.Itoa(len(*list)))
		*list = append(*list, resultVar{family: f.name, v: v})
		if f.notSet[rule] {
			// Collected element by element: a complete rule may be
			// undefined, which must not make the whole query undefined.
			exprs = append(exprs, fmt.Sprintf("%s = [x | some x in data.compliance[%q].%s]", v, f.name, rule))
			return
		}
		// Partial set rules make a set, empty when none matched: bound as
		// it is, with no comprehension to evaluate.
		exprs = append(exprs, fmt.Sprintf("%s = data.compliance[%q].%s", v, f.name, rule))
	}
	for _, f := range fams {
		if !f.handles(event) {
			continue
		}
		if f.warnings {
			add(&q.warns, "w", f, "warnings")
		}
		if f.nextCheck {
			add(&q.next, "n", f, "next_check")
		}
		if f.lifts {
			add(&q.lifts, "l", f, "lifted")
		}
	}
	if len(exprs) == 0 {
		exprs = append(exprs, "true")
	}
	body, err := ast.ParseBodyWithOpts(strings.Join(exprs, "; "), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("policy query for event %q: %w", event, err)
	}
	if q.body, err = c.QueryCompiler().Compile(body); err != nil {
		return nil, fmt.Errorf("compile policy query for event %q: %w", event, err)
	}
	return q, nil
}

// evalResult is what one check evaluation binds.
type evalResult map[ast.Var]*ast.Term

// runCheck evaluates q against input within the time limit and returns its
// bindings and the built-in errors that made rules undefined.
func (c *Compiled) runCheck(ctx context.Context, q *eventQuery, timeout time.Duration, input ast.Value) (evalResult, []string, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	release, err := evalTurn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	defer release()
	txn, err := c.store.NewTransaction(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	defer c.store.Abort(ctx, txn)
	// The time limit and the caller's context both stop topdown through its
	// cancel flag, which it checks between steps.
	cancel := topdown.NewCancel()
	var cutOff atomic.Bool
	timer := time.AfterFunc(timeout, func() { cutOff.Store(true); cancel.Cancel() })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, cancel.Cancel)
	defer stop()
	var builtinErrs []topdown.Error
	var res evalResult
	err = topdown.NewQuery(q.body).
		WithCompiler(c.compiler).
		WithStore(c.store).
		WithTransaction(txn).
		WithInput(ast.NewTerm(input)).
		WithBuiltins(c.queries.builtins).
		WithCancel(cancel).
		WithStrictBuiltinErrors(false).
		WithBuiltinErrorList(&builtinErrs).
		Iter(ctx, func(qr topdown.QueryResult) error {
			res = evalResult(qr)
			return nil
		})
	if err != nil {
		switch {
		case cutOff.Load():
			return nil, nil, fmt.Errorf("policy revision %d: evaluation cut off after %v: %w", c.Revision, timeout, err)
		case ctx.Err() != nil:
			return nil, nil, fmt.Errorf("policy revision %d: %v: %w", c.Revision, ctx.Err(), err)
		}
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	var notes []string
	for _, be := range builtinErrs {
		if msg := be.Error(); !slices.Contains(notes, msg) {
			notes = append(notes, msg)
		}
	}
	if res == nil {
		return nil, notes, fmt.Errorf("policy revision %d: no result", c.Revision)
	}
	return res, notes, nil
}

// each calls f with every element of the sets or arrays bound to vars, in
// order (a set's elements sorted, as a comprehension over it gives them).
func (r evalResult) each(vars []resultVar, f func(family string, t *ast.Term) error) error {
	for _, rv := range vars {
		t := r[rv.v]
		if t == nil {
			continue
		}
		switch v := t.Value.(type) {
		case *ast.Array:
			for i := range v.Len() {
				if err := f(rv.family, v.Elem(i)); err != nil {
					return err
				}
			}
		case ast.Set:
			if err := v.Iter(func(e *ast.Term) error { return f(rv.family, e) }); err != nil {
				return err
			}
		}
	}
	return nil
}
