package policy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// DefaultTimeout bounds one evaluation.
const DefaultTimeout = 250 * time.Millisecond

// Compiled is a prepared, immutable policy revision. A new revision replaces
// it whole; it is never changed in place.
type Compiled struct {
	Revision int64
	Modules  []Module
	compiler *ast.Compiler
	query    rego.PreparedEvalQuery
}

// Engine evaluates the active revision. It is safe for concurrent use; Activate
// swaps the revision atomically, so an evaluation sees one whole revision.
type Engine struct {
	cal     atomic.Pointer[calendar.Calendar]
	active  atomic.Pointer[Compiled]
	timeout time.Duration
}

// NewEngine returns an engine whose working-day built-ins use cal. It has no
// active revision until Activate.
func NewEngine(cal *calendar.Calendar, timeout time.Duration) *Engine {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	e := &Engine{timeout: timeout}
	e.cal.Store(cal)
	return e
}

// Calendar returns the calendar the built-ins use.
func (e *Engine) Calendar() *calendar.Calendar { return e.cal.Load() }

// SetCalendar replaces the calendar the built-ins use.
func (e *Engine) SetCalendar(c *calendar.Calendar) { e.cal.Store(c) }

// Compile compiles and prepares modules as revision rev. Test modules are
// ignored here; see RunTests.
func (e *Engine) Compile(ctx context.Context, rev int64, modules []Module) (*Compiled, error) {
	c, pq, err := compileSet(ctx, e.Calendar, modules)
	if err != nil {
		return nil, err
	}
	return &Compiled{Revision: rev, Modules: modules, compiler: c, query: pq}, nil
}

// Activate makes c the active revision.
func (e *Engine) Activate(c *Compiled) { e.active.Store(c) }

// Active returns the active revision, or nil.
func (e *Engine) Active() *Compiled { return e.active.Load() }

// Revision returns the active revision id, or 0.
func (e *Engine) Revision() int64 {
	if c := e.active.Load(); c != nil {
		return c.Revision
	}
	return 0
}

// ErrNoPolicies is returned when no revision is active.
var ErrNoPolicies = errors.New("policy: no active revision")

// Evaluate evaluates the active revision against in.
func (e *Engine) Evaluate(ctx context.Context, in *compliance.Input) (compliance.Evaluation, error) {
	return e.EvaluateDocument(ctx, Document(in))
}

// EvaluateDocument evaluates the active revision against a raw input document.
func (e *Engine) EvaluateDocument(ctx context.Context, doc map[string]any) (compliance.Evaluation, error) {
	c := e.active.Load()
	if c == nil {
		return compliance.Evaluation{}, ErrNoPolicies
	}
	return c.evaluate(ctx, e.timeout, doc)
}

func (c *Compiled) evaluate(ctx context.Context, timeout time.Duration, doc map[string]any) (compliance.Evaluation, error) {
	ev := compliance.Evaluation{Revision: c.Revision}
	if err := ctx.Err(); err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	val, err := toValue(doc)
	if err != nil {
		return ev, fmt.Errorf("policy input: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var builtinErrs []topdown.Error
	rs, err := c.query.Eval(ctx, rego.EvalParsedInput(val), rego.EvalBuiltinErrorList(&builtinErrs))
	if err != nil {
		if ctx.Err() != nil {
			return ev, fmt.Errorf("policy revision %d: evaluation cut off after %v: %w", c.Revision, timeout, err)
		}
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	for _, be := range builtinErrs {
		ev.Notes = append(ev.Notes, be.Error())
	}
	if len(rs) != 1 {
		return ev, fmt.Errorf("policy revision %d: %d results, want 1", c.Revision, len(rs))
	}
	pairs, _ := rs[0].Bindings["x"].([]any)
	for _, p := range pairs {
		f, err := decodeFinding(p)
		if err != nil {
			return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
		}
		ev.Findings = append(ev.Findings, f)
	}
	return ev, nil
}

func decodeFinding(p any) (compliance.Finding, error) {
	pair, ok := p.([]any)
	if !ok || len(pair) != 2 {
		return compliance.Finding{}, fmt.Errorf("unexpected result %v", p)
	}
	family, _ := pair[0].(string)
	w, ok := pair[1].(map[string]any)
	if !ok {
		return compliance.Finding{}, fmt.Errorf("package %s: a warning must be an object, got %v", family, pair[1])
	}
	str := func(k string) string { s, _ := w[k].(string); return s }
	f := compliance.Finding{Rule: str("rule"), Level: str("level"), Message: str("message"), Basis: str("basis")}
	switch k := w["key"].(type) {
	case nil:
	case string:
		f.Key = k
	default:
		f.Key = fmt.Sprint(k)
	}
	switch {
	case f.Family() != family || f.Rule == family:
		return f, fmt.Errorf("package %s: rule %q must be named %s.<name>", family, f.Rule, family)
	case f.Level != compliance.LevelPrewarning && f.Level != compliance.LevelAlarm:
		return f, fmt.Errorf("rule %s: level %q must be prewarning or alarm", f.Rule, f.Level)
	case f.Message == "":
		return f, fmt.Errorf("rule %s: empty message", f.Rule)
	case len(f.Rule) > 128 || utf8.RuneCountInString(f.Key) > 128 || utf8.RuneCountInString(f.Basis) > 1024:
		return f, fmt.Errorf("rule %.128s: rule id or key longer than 128 characters, or basis longer than 1024", f.Rule)
	}
	return f, nil
}
