package policy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// DefaultTimeout bounds one evaluation. Binaries built with the race
// detector, which slows evaluation about tenfold, get a longer one.
const DefaultTimeout = 250 * time.Millisecond * raceSlowdown

// Compiled is a prepared, immutable policy revision. A new revision replaces
// it whole; it is never changed in place.
type Compiled struct {
	Revision int64
	Modules  []Module
	// Params is the rule parameters document (data.params), canonical JSON.
	Params   []byte
	compiler *ast.Compiler
	queries  prepared
	store    storage.Store
	cal      calendarFunc
	rule     compliance.RuleParams
}

// Engine evaluates the active revision. It is safe for concurrent use; Activate
// swaps the revision atomically, so an evaluation sees one whole revision.
type Engine struct {
	cal     atomic.Pointer[calendar.Calendar]
	active  atomic.Pointer[Compiled]
	timeout time.Duration
	// items caches the input form of item versions, which never change.
	items sync.Map // "code\x00version" → ast.Value
	// settings is input.settings, converted once per change.
	settings atomic.Pointer[ast.Value]
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

// Compile compiles and prepares modules as revision rev, with the rule
// parameters shipped with the default policies. Test modules are ignored
// here; see RunTests.
func (e *Engine) Compile(ctx context.Context, rev int64, modules []Module) (*Compiled, error) {
	return e.CompileWith(ctx, rev, modules, nil)
}

// CompileWith compiles and prepares modules as revision rev, whose policies
// read params (canonical JSON; nil: the shipped ones) as data.params. The
// parameters are part of the prepared revision, read as they are by every
// evaluation.
func (e *Engine) CompileWith(ctx context.Context, rev int64, modules []Module, params []byte) (*Compiled, error) {
	params = effectiveParams(params)
	store, rule, err := paramsStore(params)
	if err != nil {
		return nil, err
	}
	c, q, err := compileSet(ctx, e.Calendar, modules, store)
	if err != nil {
		return nil, err
	}
	return &Compiled{Revision: rev, Modules: modules, Params: params, compiler: c, queries: q, store: store, rule: rule, cal: e.Calendar}, nil
}

// RuleParams returns the rule parameters of the active revision that the
// service counts with itself; zero values before any is active.
func (e *Engine) RuleParams() compliance.RuleParams {
	if c := e.active.Load(); c != nil {
		return c.rule
	}
	return compliance.RuleParams{}
}

// SetSettings makes settings the input.settings of every evaluation.
func (e *Engine) SetSettings(settings compliance.Settings) {
	v, err := ast.InterfaceToValue(map[string]any{"district_name": settings.DistrictName, "offices": map[string]any{
		"egov": settings.Offices.Egov, "legal": settings.Offices.Legal,
		"oversight": settings.Offices.Oversight, "supervision": settings.Offices.Supervision}})
	if err != nil {
		return // strings only: cannot fail
	}
	e.settings.Store(&v)
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
	c := e.active.Load()
	if c == nil {
		return compliance.Evaluation{}, ErrNoPolicies
	}
	doc, err := e.document(in)
	if err != nil {
		return compliance.Evaluation{Revision: c.Revision}, err
	}
	return c.evaluate(ctx, e.timeout, in.Event, doc)
}

// EvaluateDocument evaluates the active revision against a raw input document.
func (e *Engine) EvaluateDocument(ctx context.Context, doc map[string]any) (compliance.Evaluation, error) {
	c := e.active.Load()
	if c == nil {
		return compliance.Evaluation{}, ErrNoPolicies
	}
	val, err := ast.InterfaceToValue(doc)
	if err != nil {
		return compliance.Evaluation{Revision: c.Revision}, fmt.Errorf("policy input: %w", err)
	}
	o, ok := val.(ast.Object)
	if !ok {
		return compliance.Evaluation{Revision: c.Revision}, errors.New("policy input: not an object")
	}
	event, _ := doc["event"].(string)
	return c.evaluate(ctx, e.timeout, event, withFacts(e.Calendar(), o))
}

// View evaluates what the active revision says about a case's time: its
// deadlines, suspensions and extensions.
func (e *Engine) View(ctx context.Context, in *compliance.Input) (compliance.TimeView, error) {
	c := e.active.Load()
	if c == nil {
		return compliance.TimeView{}, ErrNoPolicies
	}
	doc, err := e.document(in)
	if err != nil {
		return compliance.TimeView{}, err
	}
	return c.view(ctx, e.timeout, doc)
}
