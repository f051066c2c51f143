package policy

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
)

// caseFacts returns input.case.deadlines and input.case.facts for the input
// document doc; ok is false when doc has no case. deadlines is nil, and
// facts holds only "approvals" and "order" (see stepFacts), when doc has
// no item (or there is no calendar) to count for.
//
// input.case.deadlines holds one object per deadline of the case: "key"
// ("item", "statutory" or "step:<code>"), "kind", "name", "start", "days",
// "unit", "due" (null when the calendar cannot tell), "done" (the date of
// the step that ends it, or null), "extension_days", "extension_cut",
// "unapproved_extensions", "suspended_days" (in the item's unit, as the
// time view shows them; null when not countable), "period_suspended_days"
// (in the deadline's own unit), "remaining_workdays" (today → due),
// "days_left", "late_workdays" and "late_days" (due → done, or → today);
// a flow step's deadline also "index", "code", "step_name", "from_name" and
// "open" (not done yet and chased). input.case.facts holds what is not one
// deadline's: see factsTerm.
func caseFacts(cal *calendar.Calendar, doc ast.Object) (deadlines, facts *ast.Term, ok bool) {
	approvals, order, ok := stepFacts(doc)
	if !ok {
		return nil, nil, false
	}
	c, ok := readCase(cal, doc)
	if !ok {
		return nil, obj("approvals", approvals, "order", order), true
	}
	var dls []*ast.Term
	if t := c.itemDeadline(); t != nil {
		dls = append(dls, t)
	}
	if t := c.statutoryDeadline(); t != nil {
		dls = append(dls, t)
	}
	dls = append(dls, c.stepDeadlines()...)
	return arrayTerm(dls), c.factsTerm("approvals", approvals, "order", order), true
}

// obj builds an object term from alternating keys and value terms.
func obj(kv ...any) *ast.Term {
	items := make([][2]*ast.Term, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		items = append(items, [2]*ast.Term{keyTerm(kv[i].(string)), kv[i+1].(*ast.Term)})
	}
	return ast.ObjectTerm(items...)
}

// keys holds one term per object key the input builders use: the keys are
// few and fixed, and a term per key and document would be garbage. The map
// is read on every key of every document and written only the first time a
// key is seen, so readers take it without a lock and a writer copies it.
var (
	keys    atomic.Pointer[map[string]*ast.Term]
	keysMu  sync.Mutex
	noTerms = map[string]*ast.Term{}
)

func init() { keys.Store(&noTerms) }

func keyTerm(k string) *ast.Term {
	if t, ok := (*keys.Load())[k]; ok {
		return t
	}
	keysMu.Lock()
	defer keysMu.Unlock()
	old := *keys.Load()
	if t, ok := old[k]; ok {
		return t
	}
	m := make(map[string]*ast.Term, len(old)+1)
	for key, t := range old {
		m[key] = t
	}
	t := ast.StringTerm(k)
	m[k] = t
	keys.Store(&m)
	return t
}

// nullTerm is the one null of the documents built here.
var nullTerm = ast.NullTerm()

// dates holds one term per date the documents name; they are few.
var dates sync.Map // calendar.Date → *ast.Term

func dateTerm(d calendar.Date, ok bool) *ast.Term {
	if !ok {
		return nullTerm
	}
	if t, ok := dates.Load(d); ok {
		return t.(*ast.Term)
	}
	t, _ := dates.LoadOrStore(d, ast.StringTerm(d.String()))
	return t.(*ast.Term)
}

func intTerm(n int, ok bool) *ast.Term {
	if !ok {
		return nullTerm
	}
	return ast.InternedTerm(n)
}

func orNull(t *ast.Term) *ast.Term {
	if t == nil {
		return nullTerm
	}
	return t
}

// timing gives the counts between today, the due date and ref (the day the
// deadline's step was done, else today).
func (c *clockCase) timing(due calendar.Date, dueOK bool, ref calendar.Date, refOK bool) []any {
	rem, late, left, lateDays := nullTerm, nullTerm, nullTerm, nullTerm
	if dueOK && c.todayOK {
		n, err := c.cal.CountWorkdays(c.today, due)
		rem, left = intTerm(n, err == nil), ast.InternedTerm(int(due-c.today))
	}
	if dueOK && refOK {
		n, err := c.cal.CountWorkdays(due, ref)
		late, lateDays = intTerm(n, err == nil), ast.InternedTerm(int(ref-due))
	}
	return []any{"due", dateTerm(due, dueOK), "remaining_workdays", rem, "days_left", left,
		"late_workdays", late, "late_days", lateDays}
}

// period describes a period from acceptance that ends at index upto of done.
func (c *clockCase) period(key, name string, days *ast.Term, u string, due calendar.Date, dueOK bool) *ast.Term {
	upto := c.itemUpto()
	fin, finOK := calendar.Date(0), upto < len(c.done)
	ref, refOK := c.today, c.todayOK
	if finOK {
		fin = c.done[upto].date
		ref, refOK = fin, true
	}
	view, viewOK := c.suspensionDays(-1, upto)
	// The item's own text names its suspensions only when they can all be
	// counted; the statutory limit's counts those it can.
	susp, suspOK := view, viewOK
	if key != "item" {
		susp, suspOK = c.suspensionDaysIn(-1, upto, u), true
	}
	ext, cut, unapproved := c.extensionDays(upto)
	kv := []any{"key", keyTerm(key), "kind", keyTerm(key), "name", keyTerm(name),
		"start", dateTerm(c.accepted, c.accOK), "days", days, "unit", keyTerm(u),
		"done", dateTerm(fin, finOK), "extension_days", ast.InternedTerm(ext),
		"extension_cut", ast.InternedTerm(cut), "unapproved_extensions", ast.InternedTerm(unapproved),
		"suspended_days", intTerm(view, viewOK), "period_suspended_days", intTerm(susp, suspOK)}
	return obj(append(kv, c.timing(due, dueOK, ref, refOK)...)...)
}

// itemDeadline is the item's overall time limit, when it has a valid one.
func (c *clockCase) itemDeadline() *ast.Term {
	tl, _ := getObj(c.item, "time_limit")
	daysT := getTerm(tl, "days")
	days, ok := validDays(daysT)
	if !ok || len(c.flow) == 0 || !c.accOK {
		return nil
	}
	due, dueOK := c.periodDue(days, c.unit)
	return c.period("item", "办理时限", daysT, c.unit, due, dueOK)
}

// statutoryDeadline is the item's statutory limit (法定时限), when it has a
// valid one; its time_limit is then the promised one.
func (c *clockCase) statutoryDeadline() *ast.Term {
	sl, _ := getObj(c.item, "statutory_limit")
	daysT := getTerm(sl, "days")
	days, ok := validDays(daysT)
	if !ok {
		return nil
	}
	u := "workday"
	if s, ok := getStr(sl, "unit"); ok {
		u = unitOf(s)
	}
	due, dueOK := c.periodDue(days, u)
	return c.period("statutory", "法定时限", daysT, u, due, dueOK)
}

// stepDeadlines are the flow steps' own limits (from the second step on),
// each counted from the latest occurrence of the step before it: once done,
// from its first occurrence; while not done, only when the case has not
// gone past it.
func (c *clockCase) stepDeadlines() []*ast.Term {
	var out []*ast.Term
	for i := 1; i < len(c.flow); i++ {
		f := c.flow[i]
		n, ok := validDays(f.limit)
		if !ok {
			continue
		}
		prev := c.flow[i-1].code
		var p, upto int
		fk, isDone := c.first[f.code]
		if isDone {
			if p, ok = c.latestBefore(prev, fk); !ok {
				continue
			}
			upto = fk
		} else {
			if p, ok = c.last[prev]; !ok || c.passed(i) {
				continue
			}
			upto = len(c.done)
		}
		susp := c.suspensionDaysIn(p, upto, f.unit)
		due, dueOK := c.due(c.done[p].date, n+susp, f.unit)
		ref, refOK := c.today, c.todayOK
		if isDone {
			ref, refOK = c.done[fk].date, true
		}
		view, viewOK := c.suspensionDays(p, upto)
		name := c.stepName(f.code)
		kv := []any{"key", ast.StringTerm("step:" + f.code), "kind", keyTerm("step"),
			"name", ast.StringTerm("“" + name + "”环节时限"), "index", ast.InternedTerm(i),
			"code", ast.StringTerm(f.code), "step_name", ast.StringTerm(name), "from_name", ast.StringTerm(c.stepName(prev)),
			"start", dateTerm(c.done[p].date, true), "days", f.limit, "unit", keyTerm(f.unit),
			"done", dateTerm(ref, isDone), "open", ast.InternedTerm(!isDone),
			"extension_days", ast.InternedTerm(0), "suspended_days", intTerm(view, viewOK),
			"period_suspended_days", ast.InternedTerm(susp)}
		out = append(out, obj(append(kv, c.timing(due, dueOK, ref, refOK)...)...))
	}
	return out
}

// extensionKey is what tells an extension's warnings apart in the case.
func (c *clockCase) extensionKey(k int) string {
	switch id := c.done[k].id.(type) {
	case nil:
		return "extend:" + strconv.Itoa(k)
	case ast.String:
		return "extend:" + string(id)
	default:
		return "extend:" + id.String()
	}
}

// extensionChecks gives, for each extend step, the item's due date before
// it and how that period stood then (null due: not limited or not known).
func (c *clockCase) extensionChecks() *ast.Term {
	tl, _ := getObj(c.item, "time_limit")
	days, limited := validDays(getTerm(tl, "days"))
	limited = limited && len(c.flow) > 0 && c.accOK
	out := make([]*ast.Term, 0, len(c.ext))
	for _, x := range c.ext {
		due, dueOK := calendar.Date(0), false
		if limited {
			due, dueOK = c.dueWith(days, c.unit, x)
		}
		asked := getTerm(c.done[x].attrs, "extension_days")
		if asked == nil {
			asked = ast.StringTerm("?")
		}
		susp, suspOK := c.suspensionDays(-1, x)
		ext, cut, unapproved := c.extensionDays(x)
		at := c.done[x].date
		kv := []any{"key", ast.StringTerm(c.extensionKey(x)), "at", dateTerm(at, true), "asked", asked,
			"period_suspended_days", intTerm(susp, suspOK), "extension_days", ast.InternedTerm(ext),
			"extension_cut", ast.InternedTerm(cut), "unapproved_extensions", ast.InternedTerm(unapproved)}
		out = append(out, obj(append(kv, c.timing(due, dueOK, at, true)...)...))
	}
	return arrayTerm(out)
}

// factsTerm is input.case.facts: "suspended" (the clock is stopped now),
// "plain" (nothing moves a due date: no extension, no ended suspension),
// "accepted", "end_code" and "end_name" (the step that ends the item's
// clock), "done_count", "unknown_year" (the first year from the
// acceptance's whose schedule is missing, or null), "extension_rule" and
// "extension_unit", "suspensions" and "extensions" (as the time view shows
// them), "extension_checks" (each extend step against the due date before
// it), "extension_counts" (each approved extension: days asked, counted,
// and its rank), and "steps" (each step code's first and last date); more
// holds further keys and values.
func (c *clockCase) factsTerm(more ...any) *ast.Term {
	end, _ := c.endCode()
	uy, uyOK := c.unknownYear()
	r := c.extRule
	susp := make([]*ast.Term, len(c.periods))
	for i, p := range c.periods {
		susp[i] = obj("from", dateTerm(c.done[p[0]].date, true), "to", dateTerm(c.done[max(p[1], 0)].date, p[1] >= 0))
	}
	exts := make([]*ast.Term, len(c.ext))
	for i, k := range c.ext {
		s := c.done[k]
		days := ast.InternedTerm(0)
		if t := getTerm(s.attrs, "extension_days"); t != nil {
			if n, ok := t.Value.(ast.Number); ok {
				if f, ok := n.Float64(); ok && f == float64(int64(f)) {
					days = t
				}
			}
		}
		id := ast.StringTerm("")
		if s.id != nil {
			id = ast.NewTerm(s.id)
		}
		exts[i] = obj("step_id", id, "days", days, "approved", ast.InternedTerm(c.approved(k)), "at", dateTerm(s.date, true))
	}
	counts := make([]*ast.Term, len(c.counted))
	for j, e := range c.counted {
		counts[j] = obj("key", ast.StringTerm(c.extensionKey(e.k)), "at", dateTerm(c.done[e.k].date, true),
			"asked", orNull(e.asked), "counted", ast.InternedTerm(e.count), "rank", ast.InternedTerm(j))
	}
	steps := make([][2]*ast.Term, 0, len(c.first))
	for code, k := range c.first {
		steps = append(steps, [2]*ast.Term{ast.StringTerm(code), obj(
			"first", dateTerm(c.done[k].date, true), "last", dateTerm(c.done[c.last[code]].date, true))})
	}
	kv := []any{"suspended", ast.InternedTerm(c.suspended()), "plain", ast.InternedTerm(c.plain()),
		"accepted", dateTerm(c.accepted, c.accOK), "end_code", ast.StringTerm(end), "end_name", ast.StringTerm(c.stepName(end)),
		"done_count", ast.InternedTerm(len(c.done)), "unknown_year", intTerm(uy, uyOK),
		"extension_rule", obj("max_days", ast.InternedTerm(r.maxDays), "unit", ast.StringTerm(r.unit),
			"times", ast.InternedTerm(r.times), "approver_role", ast.StringTerm(r.approver), "basis", ast.StringTerm(r.basis)),
		"extension_unit", keyTerm(c.extUnit()),
		"suspensions", arrayTerm(susp), "extensions", arrayTerm(exts),
		"extension_checks", c.extensionChecks(), "extension_counts", arrayTerm(counts),
		"steps", ast.ObjectTerm(steps...)}
	return obj(append(kv, more...)...)
}

// withFacts returns doc with the counted facts added to its case
// (input.case.deadlines, when there is an item to count for, and
// input.case.facts), or doc itself when it has no case. doc is not changed:
// values already inside a document keep the hashes they were built with.
func withFacts(cal *calendar.Calendar, doc ast.Object) ast.Object {
	dls, facts, ok := caseFacts(cal, doc)
	if !ok {
		return doc
	}
	add := [][2]*ast.Term{{keyTerm("facts"), facts}}
	if dls != nil {
		add = append(add, [2]*ast.Term{keyTerm("deadlines"), dls})
	}
	caseKey := keyTerm("case")
	cs := doc.Get(caseKey).Value.(ast.Object)
	items := make([][2]*ast.Term, 0, cs.Len()+2)
	cs.Foreach(func(k, v *ast.Term) {
		for _, a := range add {
			if k.Equal(a[0]) {
				return
			}
		}
		items = append(items, [2]*ast.Term{k, v})
	})
	items = append(items, add...)
	out := make([][2]*ast.Term, 0, doc.Len())
	doc.Foreach(func(k, v *ast.Term) {
		if k.Equal(caseKey) {
			v = ast.ObjectTerm(items...)
		}
		out = append(out, [2]*ast.Term{k, v})
	})
	return ast.NewObject(out...)
}
