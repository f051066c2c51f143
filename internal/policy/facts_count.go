package policy

import (
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/calendar"
)

// countStops finds each stop of the clock (a suspend while the clock runs,
// to the next resume) and the days each ended one takes out of a period.
func (c *clockCase) countStops() {
	if _, ok := c.first["suspend"]; !ok {
		return
	}
	var clock []int
	for k, s := range c.done {
		if s.code == "suspend" || s.code == "resume" {
			clock = append(clock, k)
		}
	}
	for j, k := range clock {
		if c.done[k].code != "suspend" || (j > 0 && c.done[clock[j-1]].code != "resume") {
			continue
		}
		r := -1
		for _, k2 := range clock[j+1:] {
			if c.done[k2].code == "resume" {
				r = k2
				break
			}
		}
		c.periods = append(c.periods, [2]int{k, r})
	}
	for _, p := range c.periods {
		if p[1] < 0 {
			continue
		}
		d, ok := c.excludedIn(p[0], p[1], c.unit)
		c.completed = append(c.completed, completedStop{k: p[0], r: p[1], days: d, ok: ok})
	}
}

// excludedIn is the days the suspension from index k to index r of done
// takes out of a period in unit u: the working days after the suspend's
// date up to the resume's, or the calendar days between them.
func (c *clockCase) excludedIn(k, r int, u string) (int, bool) {
	a, b := c.done[k].date, c.done[r].date
	if u == "workday" {
		n, err := c.cal.CountWorkdays(a, b)
		return n, err == nil
	}
	return int(b - a), true
}

// suspensionDays is the days, in the item's unit, of the ended suspensions
// that start after index from and end before index upto; false when one of
// them cannot be counted (a year missing from the calendar).
func (c *clockCase) suspensionDays(from, upto int) (int, bool) {
	sum := 0
	for _, p := range c.completed {
		if p.k > from && p.r < upto {
			if !p.ok {
				return 0, false
			}
			sum += p.days
		}
	}
	return sum, true
}

// suspensionDaysIn is suspensionDays in unit u, except that a suspension
// that cannot be counted is left out (as the Rego it replaces fell back to).
func (c *clockCase) suspensionDaysIn(from, upto int, u string) int {
	if u == c.unit {
		if n, ok := c.suspensionDays(from, upto); ok {
			return n
		}
	}
	sum := 0
	for _, p := range c.completed {
		if p.k > from && p.r < upto {
			if d, ok := c.excludedIn(p.k, p.r, u); ok {
				sum += d
			}
		}
	}
	return sum
}

// extensionRule is how the item's limit may be extended: the item's own
// extension, each part it leaves open taken from the law's default for its
// category (行政许可法第四十二条, 行政强制法第二十五条).
func (c *clockCase) extensionRule() extensionRule {
	var r extensionRule
	switch {
	case c.category == "行政许可":
		r = extensionRule{maxDays: 10, unit: "workday", times: 1, approver: "dept_admin", basis: "《中华人民共和国行政许可法》第四十二条"}
	case c.category == "行政强制" && (strings.Contains(c.itemName, "查封") || strings.Contains(c.itemName, "扣押")):
		r = extensionRule{maxDays: 30, unit: "calendar", times: 1, approver: "dept_admin", basis: "《中华人民共和国行政强制法》第二十五条"}
	default:
		r = extensionRule{unit: c.unit, basis: "权力清单“" + c.itemName + "”载明的延长期限规定"}
	}
	own, _ := getObj(c.item, "extension")
	if n, ok := get(own, "max_days").(ast.Number); ok {
		if i, ok := n.Int(); ok && i != 0 {
			r.maxDays = i
		}
	}
	if n, ok := get(own, "times").(ast.Number); ok {
		if i, ok := n.Int(); ok && i != 0 {
			r.times = i
		}
	}
	if s, _ := getStr(own, "unit"); s != "" {
		r.unit = s
	}
	if s, _ := getStr(own, "approver_role"); s != "" {
		r.approver = s
	}
	return r
}

// extUnit is the unit extensions are counted in.
func (c *clockCase) extUnit() string {
	if u := c.extRule.unit; u == "workday" || u == "calendar" {
		return u
	}
	return c.unit
}

// approved reports whether the extend step at index k of done was approved
// lawfully: an approval its approver signed (input.case.approvals) before the
// step and after the extension before it, by the role the rule names, with
// a valid number of days. Approvals a step's body declares do not count.
func (c *clockCase) approved(k int) bool {
	s := c.done[k]
	if s.code != "extend" || !s.rfc {
		return false
	}
	n := 0
	for _, a := range c.approvals {
		sc, _ := getStr(a, "step_code")
		dec, _ := getStr(a, "decision")
		at, _ := getStr(a, "at")
		if sc != "extend" || dec != "approve" {
			continue
		}
		tm, err := time.Parse(time.RFC3339, at)
		if err != nil || tm.UnixNano() > s.ns || c.servedEarlier(tm.UnixNano(), s.ns) {
			continue
		}
		if role, _ := getStr(a, "role"); c.extRule.approver == "" || role == c.extRule.approver {
			n++
		}
	}
	if n == 0 {
		return false
	}
	_, ok := validDays(getTerm(s.attrs, "extension_days"))
	return ok
}

// servedEarlier: an approval signed at signed was there for an extension
// done before the one at ns.
func (c *clockCase) servedEarlier(signed, ns int64) bool {
	for _, e := range c.done {
		if e.code == "extend" && e.rfc && e.ns >= signed && e.ns < ns {
			return true
		}
	}
	return false
}

// countExtensions finds the extend steps and counts the approved ones:
// capped at the rule's days, and none past the times it allows.
func (c *clockCase) countExtensions() {
	if _, ok := c.first["extend"]; !ok {
		return
	}
	for k, s := range c.done {
		if s.code == "extend" {
			c.ext = append(c.ext, k)
		}
	}
	for _, k := range c.ext {
		if !c.approved(k) {
			continue
		}
		asked := getTerm(c.done[k].attrs, "extension_days")
		n, _ := validDays(asked)
		e := extCount{k: k, asked: asked, n: n, count: n}
		j := len(c.counted)
		switch r := c.extRule; {
		case r.times > 0 && j >= r.times:
			e.count = 0
		case r.maxDays > 0:
			e.count = min(n, r.maxDays)
		}
		c.counted = append(c.counted, e)
	}
}

// extensionDays, extensionCut, unapproved: the approved days counted, the
// approved days the cap or the times allowed leave out, and the extensions
// without approval, before index upto.
func (c *clockCase) extensionDays(upto int) (days, cut, unapproved int) {
	for _, e := range c.counted {
		if e.k < upto {
			days += e.count
			cut += e.n - e.count
		}
	}
	for _, k := range c.ext {
		if k < upto && !c.approved(k) {
			unapproved++
		}
	}
	return days, cut, unapproved
}

// due is the last day of a period of n units from d, as the built-in
// workday.due counts it.
func (c *clockCase) due(d calendar.Date, n int, u string) (calendar.Date, bool) {
	if n > 3660 || n < -3660 {
		return 0, false
	}
	end, err := c.cal.Due(d, n, u)
	return end, err == nil
}

// dueWith is the due date of a period of days in unit u from acceptance,
// with the suspensions (counted in u) and the lawful extensions before index
// upto; an extension in another unit, or one that cannot be added to the
// period in one go, runs from the end of the period.
func (c *clockCase) dueWith(days int, u string, upto int) (calendar.Date, bool) {
	if !c.accOK {
		return 0, false
	}
	susp := c.suspensionDaysIn(-1, upto, u)
	ext, _, _ := c.extensionDays(upto)
	if c.extUnit() == u {
		if d, ok := c.due(c.accepted, days+susp+ext, u); ok {
			return d, true
		}
	}
	d, ok := c.due(c.accepted, days+susp, u)
	if !ok {
		return 0, false
	}
	return c.due(d, ext, c.extUnit())
}

// periodDue is the due date of a period of days in unit u from acceptance
// as it stands now.
func (c *clockCase) periodDue(days int, u string) (calendar.Date, bool) {
	if c.plain() && c.accOK {
		if d, ok := c.due(c.accepted, days, u); ok {
			return d, true
		}
	}
	return c.dueWith(days, u, c.itemUpto())
}

// latestBefore is the index in done of the latest occurrence of code before
// index limit.
func (c *clockCase) latestBefore(code string, limit int) (int, bool) {
	if k, ok := c.last[code]; ok && k < limit {
		return k, true
	}
	for k := limit - 1; k >= 0; k-- {
		if k < len(c.done) && c.done[k].code == code {
			return k, true
		}
	}
	return 0, false
}

// passed: a step of the flow after position i has been done.
func (c *clockCase) passed(i int) bool {
	for _, f := range c.flow[i+1:] {
		if _, ok := c.first[f.code]; ok {
			return true
		}
	}
	return false
}

// unknownYear is the first year from the acceptance's on (three years)
// whose holiday schedule the calendar lacks.
func (c *clockCase) unknownYear() (int, bool) {
	if !c.accOK {
		return 0, false
	}
	y0 := c.accepted.Year()
	for y := y0; y <= y0+2; y++ {
		if _, err := c.cal.IsWorkday(calendar.MakeDate(y, time.January, 1)); err != nil {
			return y, true
		}
	}
	return 0, false
}
