package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

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
	return &Compiled{Revision: rev, Modules: modules, Params: params, compiler: c, queries: q, rule: rule, cal: e.Calendar}, nil
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
	doc, err := e.document(in)
	if err != nil {
		return compliance.Evaluation{Revision: e.Revision()}, err
	}
	return e.EvaluateDocument(ctx, doc)
}

// document returns the input document of in, with the item's value taken
// from the cache of item versions.
func (e *Engine) document(in *compliance.Input) (map[string]any, error) {
	doc := Document(in)
	if v := e.settings.Load(); v != nil {
		doc["settings"] = *v
	}
	if in.Item != nil && in.Item.Version > 0 {
		k := in.Item.Code + "\x00" + strconv.Itoa(in.Item.Version)
		v, ok := e.items.Load(k)
		if !ok {
			val, err := ast.InterfaceToValue(doc["item"])
			if err != nil {
				return nil, fmt.Errorf("policy input: item: %w", err)
			}
			v, _ = e.items.LoadOrStore(k, val)
		}
		doc["item"] = v
	}
	return doc, nil
}

// EvaluateDocument evaluates the active revision against a raw input document.
func (e *Engine) EvaluateDocument(ctx context.Context, doc map[string]any) (compliance.Evaluation, error) {
	c := e.active.Load()
	if c == nil {
		return compliance.Evaluation{}, ErrNoPolicies
	}
	return c.evaluate(ctx, e.timeout, doc)
}

// run evaluates query q of the revision against doc, within the time limit,
// and returns its single binding.
func (c *Compiled) run(ctx context.Context, q rego.PreparedEvalQuery, timeout time.Duration, doc map[string]any) (map[string]any, []string, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	val, err := toValue(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("policy input: %w", err)
	}
	if o, ok := val.(ast.Object); ok && c.cal != nil {
		val = withFacts(c.cal(), o)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var builtinErrs []topdown.Error
	rs, err := q.Eval(ctx, rego.EvalParsedInput(val), rego.EvalBuiltinErrorList(&builtinErrs))
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("policy revision %d: evaluation cut off after %v: %w", c.Revision, timeout, err)
		}
		return nil, nil, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	var notes []string
	seen := map[string]bool{}
	for _, be := range builtinErrs {
		if msg := be.Error(); !seen[msg] {
			seen[msg] = true
			notes = append(notes, msg)
		}
	}
	if len(rs) != 1 {
		return nil, notes, fmt.Errorf("policy revision %d: %d results, want 1", c.Revision, len(rs))
	}
	x, _ := rs[0].Bindings["x"].(map[string]any)
	return x, notes, nil
}

func (c *Compiled) evaluate(ctx context.Context, timeout time.Duration, doc map[string]any) (compliance.Evaluation, error) {
	ev := compliance.Evaluation{Revision: c.Revision}
	x, notes, err := c.run(ctx, c.queries.check, timeout, doc)
	ev.Notes = notes
	if err != nil {
		return ev, err
	}
	pairs, _ := x["warnings"].([]any)
	if len(pairs) > compliance.MaxFindings {
		// Thousands of warnings for one step are a policy gone wrong, not
		// findings: the evaluation fails and the step is kept unchecked.
		return ev, fmt.Errorf("policy revision %d: %d warnings in one evaluation, more than the limit of %d",
			c.Revision, len(pairs), compliance.MaxFindings)
	}
	for _, p := range pairs {
		f, err := decodeFinding(p)
		if err != nil {
			return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
		}
		ev.Findings = append(ev.Findings, f)
	}
	now, _ := doc["now"].(string)
	next, err := nextCheck(now, x["next_check"])
	if err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	ev.NextCheck = next
	if ev.Lifts, err = decodeLifts(x["lifted"]); err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	return ev, nil
}

// decodeLifts reads the lifted sets: objects {"id": warning id, "reason"}.
func decodeLifts(v any) ([]compliance.Lift, error) {
	list, _ := v.([]any)
	var out []compliance.Lift
	for _, e := range list {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("lifted: want an object {id, reason}, got %v", e)
		}
		var n int64
		switch id := o["id"].(type) {
		case json.Number:
			n, _ = id.Int64()
		case float64:
			if id == math.Trunc(id) {
				n = int64(id)
			}
		}
		if n <= 0 {
			return nil, fmt.Errorf("lifted: id %v is not a warning id", o["id"])
		}
		reason, _ := o["reason"].(string)
		out = append(out, compliance.Lift{WarningID: n, Reason: reason})
	}
	return out, nil
}

// nextCheck returns the start of the earliest date after today's among the
// dates the policies gave, or the zero time when there is none.
func nextCheck(now string, dates any) (time.Time, error) {
	list, _ := dates.([]any)
	if len(list) == 0 {
		return time.Time{}, nil
	}
	today, err := calendar.ParseDateOrTime(now)
	if err != nil {
		return time.Time{}, fmt.Errorf("next_check: input.now: %w", err)
	}
	var best calendar.Date
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			return time.Time{}, fmt.Errorf("next_check: %v is not a YYYY-MM-DD date", v)
		}
		d, err := calendar.ParseDate(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("next_check: %w", err)
		}
		if d > today && (best == 0 || d < best) {
			best = d
		}
	}
	if best == 0 {
		return time.Time{}, nil
	}
	return best.Start(), nil
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
	x, _, err := c.run(ctx, c.queries.view, e.timeout, doc)
	if err != nil {
		return compliance.TimeView{}, err
	}
	// The shapes are the policy's; a JSON round trip maps them onto the
	// domain's, and fields a policy does not give stay empty.
	raw, err := json.Marshal(x)
	if err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %w", c.Revision, err)
	}
	var v compliance.TimeView
	if err := json.Unmarshal(raw, &v); err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %w", c.Revision, err)
	}
	return v, nil
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
	f.Message = cutMessage(f.Message)
	return f, nil
}

// cutMessage cuts a message longer than compliance.MaxMessageRunes
// characters to that length, its last character an ellipsis.
func cutMessage(m string) string {
	if utf8.RuneCountInString(m) <= compliance.MaxMessageRunes {
		return m
	}
	n := 0
	for i := range m {
		if n == compliance.MaxMessageRunes-1 {
			return m[:i] + "…"
		}
		n++
	}
	return m
}
