package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// document returns the input document of in as policies see it, with the
// case's counted facts; the item's value comes from the cache of item
// versions, which never change.
func (e *Engine) document(in *compliance.Input) (ast.Object, error) {
	var item ast.Value
	if in.Item != nil && in.Item.Version > 0 {
		k := in.Item.Code + "\x00" + strconv.Itoa(in.Item.Version)
		v, ok := e.items.Load(k)
		if !ok {
			val, err := itemValue(in.Item)
			if err != nil {
				return nil, fmt.Errorf("policy input: item: %w", err)
			}
			v, _ = e.items.LoadOrStore(k, val)
		}
		item = v.(ast.Value)
	}
	var settings ast.Value
	if v := e.settings.Load(); v != nil {
		settings = *v
	}
	doc, err := documentValue(in, item, settings)
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	return withFacts(e.Calendar(), doc), nil
}

func (c *Compiled) evaluate(ctx context.Context, timeout time.Duration, event string, doc ast.Object) (compliance.Evaluation, error) {
	ev := compliance.Evaluation{Revision: c.Revision}
	q, ok := c.queries.checks[event]
	if !ok {
		q = c.queries.checks[""]
	}
	res, notes, err := c.runCheck(ctx, q, timeout, doc)
	ev.Notes = notes
	if err != nil {
		return ev, err
	}
	err = res.each(q.warns, func(family string, t *ast.Term) error {
		if len(ev.Findings) == compliance.MaxFindings {
			// Thousands of warnings for one step are a policy gone wrong, not
			// findings: the evaluation fails and the step is kept unchecked.
			return fmt.Errorf("more than the limit of %d warnings in one evaluation", compliance.MaxFindings)
		}
		f, err := decodeFinding(family, t.Value)
		if err == nil {
			ev.Findings = append(ev.Findings, f)
		}
		return err
	})
	if err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	now, _ := getStr(doc, "now")
	if ev.NextCheck, err = nextCheck(now, res, q.next); err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	if ev.Lifts, err = decodeLifts(res, q.lifts); err != nil {
		return ev, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	return ev, nil
}

// decodeLifts reads the lifted sets: objects {"id": warning id, "reason"}.
func decodeLifts(res evalResult, vars []resultVar) ([]compliance.Lift, error) {
	var out []compliance.Lift
	err := res.each(vars, func(_ string, t *ast.Term) error {
		o, ok := t.Value.(ast.Object)
		if !ok {
			return fmt.Errorf("lifted: want an object {id, reason}, got %v", t)
		}
		var n int64
		if num, ok := get(o, "id").(ast.Number); ok {
			if f, ok := num.Float64(); ok && f == float64(int64(f)) {
				n = int64(f)
			}
		}
		if n <= 0 {
			return fmt.Errorf("lifted: id %v is not a warning id", get(o, "id"))
		}
		reason, _ := getStr(o, "reason")
		out = append(out, compliance.Lift{WarningID: n, Reason: reason})
		return nil
	})
	return out, err
}

// nextCheck returns the start of the earliest date after today's among the
// dates the policies gave, or the zero time when there is none.
func nextCheck(now string, res evalResult, vars []resultVar) (time.Time, error) {
	var best, today calendar.Date
	var todayErr error
	first := true
	err := res.each(vars, func(_ string, t *ast.Term) error {
		if first {
			first = false
			if today, todayErr = calendar.ParseDateOrTime(now); todayErr != nil {
				return fmt.Errorf("next_check: input.now: %w", todayErr)
			}
		}
		s, ok := t.Value.(ast.String)
		if !ok {
			return fmt.Errorf("next_check: %v is not a YYYY-MM-DD date", t)
		}
		d, err := calendar.ParseDate(string(s))
		if err != nil {
			return fmt.Errorf("next_check: %w", err)
		}
		if d > today && (best == 0 || d < best) {
			best = d
		}
		return nil
	})
	if err != nil || best == 0 {
		return time.Time{}, err
	}
	return best.Start(), nil
}

// view evaluates the time view query against doc.
func (c *Compiled) view(ctx context.Context, timeout time.Duration, doc ast.Object) (compliance.TimeView, error) {
	if err := ctx.Err(); err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	release, err := evalTurn(ctx)
	if err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: %w", c.Revision, err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rs, err := c.queries.view.Eval(ctx, rego.EvalParsedInput(doc))
	if err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %w", c.Revision, err)
	}
	if len(rs) != 1 {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %d results, want 1", c.Revision, len(rs))
	}
	// The shapes are the policy's; a JSON round trip maps them onto the
	// domain's, and fields a policy does not give stay empty. People look at
	// a case far less often than steps arrive.
	raw, err := json.Marshal(rs[0].Bindings["x"])
	if err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %w", c.Revision, err)
	}
	var v compliance.TimeView
	if err := json.Unmarshal(raw, &v); err != nil {
		return compliance.TimeView{}, fmt.Errorf("policy revision %d: view: %w", c.Revision, err)
	}
	return v, nil
}

func decodeFinding(family string, v ast.Value) (compliance.Finding, error) {
	w, ok := v.(ast.Object)
	if !ok {
		return compliance.Finding{}, fmt.Errorf("package %s: a warning must be an object, got %v", family, v)
	}
	str := func(k string) string { s, _ := getStr(w, k); return s }
	f := compliance.Finding{Rule: str("rule"), Level: str("level"), Message: str("message"), Basis: str("basis")}
	switch k := get(w, "key").(type) {
	case nil, ast.Null:
	case ast.String:
		f.Key = string(k)
	default:
		f.Key = keyText(k)
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

// keyText writes a key that is not a string as the engine always did: the
// Go form of its JSON value.
func keyText(v ast.Value) string {
	if n, ok := v.(ast.Number); ok {
		return string(n)
	}
	x, err := ast.JSON(v)
	if err != nil {
		return v.String()
	}
	return fmt.Sprint(x)
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
