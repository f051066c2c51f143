package policy

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
)

// The law's counting of a case's periods, done once in Go from the calendar
// and handed to the policies as input.case.deadlines and input.case.facts:
// the policies compare these facts and word the warnings. The counting is
// the one the default deadline module did in Rego until revision 2026-12
// (internal/policy/testdata/oracle/deadline.rego keeps it), rule for rule:
// the oracle test holds both to the same warnings.
//
// It reads the input document itself (not the domain types), so that the
// engine and the powercheck.case_facts built-in, which tests and the legal
// office's own rules call on hand-made inputs, count alike.

// clockStep is one step of the case as the counting sees it.
type clockStep struct {
	code  string
	id    ast.Value // nil when the step has none
	at    string    // occurred_at as given
	ns    int64     // occurred_at; a bare date counts as midnight UTC
	rfc   bool      // occurred_at is an RFC 3339 timestamp
	date  calendar.Date
	attrs ast.Object // nil when absent
}

// flowStep is one step of the item's flow.
type flowStep struct {
	code, name string
	limit      *ast.Term // time_limit_days as given
	unit       string    // its own unit, or the item's
	endsClock  bool
}

// clockCase is what the counting reads from an input document.
type clockCase struct {
	cal       *calendar.Calendar
	today     calendar.Date
	todayOK   bool
	closed    bool
	done      []clockStep
	first     map[string]int // step code → index in done of its first occurrence
	last      map[string]int
	approvals []ast.Object
	item      ast.Object
	flow      []flowStep
	unit      string
	category  string
	itemName  string
	accepted  calendar.Date
	accOK     bool
	extRule   extensionRule
	periods   [][2]int // [suspend, resume or -1] of each stop of the clock
	completed []completedStop
	ext       []int      // indexes in done of the extend steps
	counted   []extCount // approved extensions, in order
}

type completedStop struct {
	k, r int
	days int
	ok   bool // the days could be counted in the item's unit
}

type extCount struct {
	k        int
	asked    *ast.Term
	n, count int
}

type extensionRule struct {
	maxDays, times int
	unit, approver string
	basis          string
}

// readCase reads the counting's view of doc; ok is false when doc has no
// case or item to count for.
func readCase(cal *calendar.Calendar, doc ast.Object) (*clockCase, bool) {
	item, _ := getObj(doc, "item")
	cs, _ := getObj(doc, "case")
	if item == nil || cs == nil || cal == nil {
		return nil, false
	}
	c := &clockCase{cal: cal, item: item, first: map[string]int{}, last: map[string]int{}}
	if now, ok := getStr(doc, "now"); ok {
		if strings.HasSuffix(now, "+08:00") && len(now) >= 10 {
			now = now[:10]
		}
		c.today, c.todayOK = parseDate(now)
	}
	status, _ := getStr(cs, "status")
	c.closed = status == "closed"
	c.readSteps(doc, cs)
	if list, ok := get(cs, "approvals").(*ast.Array); ok {
		list.Foreach(func(t *ast.Term) {
			if o, ok := t.Value.(ast.Object); ok {
				c.approvals = append(c.approvals, o)
			}
		})
	}
	c.readItem()
	if a, ok := getStr(cs, "accepted_at"); ok {
		c.accepted, c.accOK = parseDate(a)
	}
	if !c.accOK && len(c.done) > 0 {
		c.accepted, c.accOK = c.done[0].date, true
	}
	c.extRule = c.extensionRule()
	c.countStops()
	c.countExtensions()
	return c, true
}

// readSteps orders the case's steps by occurrence, ties in the order given;
// a step whose time cannot be read takes no part.
func (c *clockCase) readSteps(doc, cs ast.Object) {
	var raw []*ast.Term
	if list, ok := get(cs, "steps").(*ast.Array); ok {
		list.Foreach(func(t *ast.Term) { raw = append(raw, t) })
	}
	if ev, _ := getStr(doc, "event"); ev == "step" {
		if s := doc.Get(keyTerm("step")); s != nil {
			if _, ok := s.Value.(ast.Object); ok {
				raw = append(raw, s)
			}
		}
	}
	for _, t := range raw {
		o, ok := t.Value.(ast.Object)
		if !ok {
			continue
		}
		at, _ := getStr(o, "occurred_at")
		s := clockStep{at: at}
		if tm, err := time.Parse(time.RFC3339, at); err == nil {
			s.ns, s.rfc = tm.UnixNano(), true
		} else if tm, err := time.Parse(time.DateOnly, at); err == nil && len(at) == 10 {
			s.ns = tm.UnixNano()
		} else {
			continue
		}
		d, err := calendar.ParseDateOrTime(at)
		if err != nil {
			continue
		}
		s.date = d
		s.code, _ = getStr(o, "step_code")
		if id := getTerm(o, "id"); id != nil {
			s.id = id.Value
		}
		s.attrs, _ = getObj(o, "attributes")
		c.done = append(c.done, s)
	}
	slices.SortStableFunc(c.done, func(a, b clockStep) int { return cmp.Compare(a.ns, b.ns) })
	for k, s := range c.done {
		if _, ok := c.first[s.code]; !ok {
			c.first[s.code] = k
		}
		c.last[s.code] = k
	}
}

func (c *clockCase) readItem() {
	tl, _ := getObj(c.item, "time_limit")
	c.unit = "workday"
	if u, _ := getStr(tl, "unit"); u == "calendar" {
		c.unit = "calendar"
	}
	c.category, _ = getStr(c.item, "category")
	c.itemName, _ = getStr(c.item, "name")
	list, ok := get(c.item, "steps").(*ast.Array)
	if !ok {
		return
	}
	list.Foreach(func(t *ast.Term) {
		o, _ := t.Value.(ast.Object)
		f := flowStep{unit: c.unit}
		f.code, _ = getStr(o, "code")
		f.name, _ = getStr(o, "name")
		f.limit = getTerm(o, "time_limit_days")
		if u, ok := getStr(o, "time_limit_unit"); ok {
			f.unit = unitOf(u)
		}
		f.endsClock = get(o, "ends_clock") == ast.Boolean(true)
		c.flow = append(c.flow, f)
	})
}

// stepName is how messages name a step code: the flow's name for it, else
// the names of the clock's own steps.
func (c *clockCase) stepName(code string) string {
	for _, f := range c.flow {
		if f.code == code && f.name != "" {
			return f.name
		}
	}
	switch code {
	case "suspend":
		return "中止计时"
	case "resume":
		return "恢复计时"
	case "extend":
		return "延长期限"
	}
	return code
}

// endCode is the code of the step that ends the item's clock: the first
// marked ends_clock, else the flow's last.
func (c *clockCase) endCode() (string, bool) {
	for _, f := range c.flow {
		if f.endsClock {
			return f.code, true
		}
	}
	if len(c.flow) == 0 {
		return "", false
	}
	return c.flow[len(c.flow)-1].code, true
}

// itemUpto is the index in done up to which the item's clock runs: its end
// step, or now.
func (c *clockCase) itemUpto() int {
	if code, ok := c.endCode(); ok {
		if e, ok := c.first[code]; ok {
			return e
		}
	}
	return len(c.done)
}

// suspended: the clock is stopped now (the latest suspend/resume is a suspend).
func (c *clockCase) suspended() bool {
	s, ok := c.last["suspend"]
	if !ok {
		return false
	}
	r, ok := c.last["resume"]
	if !ok {
		r = -1
	}
	return s > r
}

// plain: nothing moves a due date (no extend, no ended suspension).
func (c *clockCase) plain() bool {
	_, ext := c.first["extend"]
	return !ext && len(c.completed) == 0
}

func unitOf(u string) string {
	if u == "calendar" {
		return "calendar"
	}
	return "workday"
}

func parseDate(s string) (calendar.Date, bool) {
	d, err := calendar.ParseDateOrTime(s)
	return d, err == nil
}

func getTerm(o ast.Object, key string) *ast.Term {
	if o == nil {
		return nil
	}
	return o.Get(keyTerm(key))
}

func get(o ast.Object, key string) ast.Value {
	if t := getTerm(o, key); t != nil {
		return t.Value
	}
	return nil
}

func getStr(o ast.Object, key string) (string, bool) {
	s, ok := get(o, key).(ast.String)
	return string(s), ok
}

func getObj(o ast.Object, key string) (ast.Object, bool) {
	v, ok := get(o, key).(ast.Object)
	return v, ok
}

// validDays reads a whole number of days in 1..3650.
func validDays(t *ast.Term) (int, bool) {
	if t == nil {
		return 0, false
	}
	n, ok := t.Value.(ast.Number)
	if !ok {
		return 0, false
	}
	f, ok := n.Float64()
	if !ok || f <= 0 || f > 3650 || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}
