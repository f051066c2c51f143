package policy

import (
	"cmp"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The step's place among the case's steps and approvals, worked out once in
// Go and handed to the policies as input.case.facts.approvals and
// input.case.facts.order; the checkpoint and sequence modules compare them
// and word the warnings. Until revision 2026-12 those modules worked them
// out in Rego (internal/policy/testdata/oracle keeps them), reading every
// approval and step's time once per rule; the oracle test holds the old and
// the new modules to the same warnings.
//
// Like the counting, it reads the input document itself, so that the engine
// and powercheck.case_facts agree, and it keeps Rego's meaning where the
// input is odd: a time that is not RFC 3339 takes no part in a comparison,
// as time.parse_rfc3339_ns would leave it undefined.

// stepView is what approvals and order facts read from a document.
type stepView struct {
	step      ast.Object // input.step, nil when it is not an object
	stepTerm  *ast.Term  // input.step as given
	code      *ast.Term  // input.step.step_code, nil when absent
	stepNs    int64      // input.step.occurred_at
	stepAt    bool       // it could be read
	event     string     // input.event
	recorded  []timed    // input.case.steps, as given (o nil where not an object)
	approvals []timed    // input.case.approvals that are objects
}

// timed is a step or an approval with its time read (occurred_at, at).
type timed struct {
	term *ast.Term
	o    ast.Object
	code *ast.Term // step_code, nil when absent
	ns   int64
	ok   bool // the time could be read
}

func readTimed(t *ast.Term, timeKey string) (timed, bool) {
	o, ok := t.Value.(ast.Object)
	if !ok {
		return timed{term: t}, false
	}
	x := timed{term: t, o: o, code: getTerm(o, "step_code")}
	x.ns, x.ok = rfcNs(getTerm(o, timeKey))
	return x, true
}

func readStepView(doc, cs ast.Object) stepView {
	var v stepView
	if t := doc.Get(keyTerm("step")); t != nil {
		v.stepTerm = t
		v.step, _ = t.Value.(ast.Object)
	}
	v.event, _ = getStr(doc, "event")
	v.code = getTerm(v.step, "step_code")
	v.stepNs, v.stepAt = rfcNs(getTerm(v.step, "occurred_at"))
	for _, t := range elems(get(cs, "steps")) {
		s, _ := readTimed(t, "occurred_at")
		v.recorded = append(v.recorded, s)
	}
	for _, t := range elems(get(cs, "approvals")) {
		if a, ok := readTimed(t, "at"); ok {
			v.approvals = append(v.approvals, a)
		}
	}
	return v
}

// stepFacts returns input.case.facts.approvals and input.case.facts.order
// for doc (see approvalsTerm and orderTerm); ok is false when doc has no
// case object.
func stepFacts(doc ast.Object) (approvals, order *ast.Term, ok bool) {
	cs, ok := getObj(doc, "case")
	if !ok {
		return nil, nil, false
	}
	v := readStepView(doc, cs)
	return v.approvalsTerm(), v.orderTerm(), true
}

// approvalsTerm is input.case.facts.approvals: "before" (the signed
// approvals of the submitted step's code that may pass it: signed no later
// than it occurred, and not before an earlier step of that code, which
// they were for), "last_before" (the one of them signed last, by time, then
// id, then position, under "" and under its role), and the checks of the
// steps whose approvals are looked at: on a step event "submitted" (those
// of input.step), on a tick "recorded" (those of each of input.case.steps).
// A step's checks are {"step", "self_roles", "late"}: the step, the roles
// of the approvals of its code signed by the person who handled it (the
// account that recorded it, or the account of its handler's name), and the
// approvals of its code signed after it occurred.
func (v stepView) approvalsTerm() *ast.Term {
	var before []timed
	if v.code != nil && v.stepAt {
		for _, a := range v.approvals {
			if a.signedFor(v.code) && a.ok && a.ns <= v.stepNs && !v.servedEarlier(a.ns) {
				before = append(before, a)
			}
		}
	}
	// The latest under each role ("" any), keyed by the role's text: a
	// role need not be a string in a hand-made input.
	var roles []*ast.Term
	last := map[string]int{}
	pos := make([]*ast.Term, len(before))
	for i, a := range before {
		pos[i] = a.term
		rs := []*ast.Term{emptyString}
		if r := getTerm(a.o, "role"); r != nil && !r.Equal(emptyString) {
			rs = append(rs, r)
		}
		for _, r := range rs {
			j, ok := last[termKey(r)]
			if !ok {
				roles = append(roles, r)
			}
			if !ok || supersedes(a, before[j]) {
				last[termKey(r)] = i
			}
		}
	}
	latest := make([][2]*ast.Term, len(roles))
	for k, r := range roles {
		latest[k] = [2]*ast.Term{r, pos[last[termKey(r)]]}
	}
	kv := []any{"before", arrayTerm(pos), "last_before", ast.ObjectTerm(latest...)}
	switch {
	case v.event == "step" && v.step != nil:
		kv = append(kv, "submitted", v.checks(timed{term: v.stepTerm, o: v.step, code: v.code, ns: v.stepNs, ok: v.stepAt}))
	case v.event == "tick":
		recorded := make([]*ast.Term, 0, len(v.recorded))
		for _, s := range v.recorded {
			if s.o != nil {
				recorded = append(recorded, v.checks(s))
			}
		}
		kv = append(kv, "recorded", arrayTerm(recorded))
	}
	return obj(kv...)
}

// supersedes tells whether approval a, listed after b, counts as signed
// after it, as checkpoint's latest() sorted them: by time, then by id (0
// when absent), then by position, so that a wins a tie.
func supersedes(a, b timed) bool {
	if c := cmp.Compare(a.ns, b.ns); c != 0 {
		return c > 0
	}
	return ast.Compare(idOrZero(a.o), idOrZero(b.o)) >= 0
}

func idOrZero(a ast.Object) ast.Value {
	if t := getTerm(a, "id"); t != nil {
		return t.Value
	}
	return ast.Number("0")
}

// signedFor tells whether approval a was signed for step code.
func (a timed) signedFor(code *ast.Term) bool {
	return a.code != nil && a.code.Equal(code)
}

// servedEarlier tells whether an approval signed at ns precedes an earlier
// step of the submitted step's code, which it was for.
func (v stepView) servedEarlier(ns int64) bool {
	for _, e := range v.recorded {
		if e.code != nil && e.code.Equal(v.code) && e.ok && e.ns >= ns && e.ns < v.stepNs {
			return true
		}
	}
	return false
}

// checks are the approval checks of step s.
func (v stepView) checks(s timed) *ast.Term {
	var self, late []*ast.Term
	if s.code != nil {
		for _, a := range v.approvals {
			if !a.signedFor(s.code) {
				continue
			}
			if r := getTerm(a.o, "role"); r != nil && selfSigned(a.o, s.o) {
				self = append(self, r)
			}
			if a.ok && s.ok && a.ns > s.ns {
				late = append(late, a.term)
			}
		}
	}
	return obj("step", s.term, "self_roles", arrayTerm(self), "late", arrayTerm(late))
}

// selfSigned tells whether approval a was signed by the person who handled
// step s: the account that recorded it, or the account of its handler.
func selfSigned(a, s ast.Object) bool {
	same := func(stepKey, approvalKey string) bool {
		st, at := getTerm(s, stepKey), getTerm(a, approvalKey)
		return st != nil && at != nil && !st.Equal(emptyString) && at.Equal(st)
	}
	return same("recorded_by", "username") || same("handler", "real_name")
}

// orderTerm is input.case.facts.order: "earlier" (the case's steps before
// the submitted one, as recorded, the submitted one left out should a
// re-check list it), "last_index" (each step code's position in earlier of
// its latest record), "same" (the earlier steps of the submitted step's
// code), and, when there are any, "latest" (the first earlier step of the
// latest time) with "latest_ns", and "open_suspension" (the latest suspend
// when no resume follows it).
func (v stepView) orderTerm() *ast.Term {
	earlier := v.earlier()
	lastIdx := map[string]int{} // keyed by the code's text: a code need not be a string
	var codes []*ast.Term       // first-seen order, for a stable object
	var same []*ast.Term
	latest, latestNs := -1, int64(0)
	terms := make([]*ast.Term, len(earlier))
	for k, s := range earlier {
		terms[k] = s.term
		if c := s.code; c != nil {
			if _, ok := lastIdx[termKey(c)]; !ok {
				codes = append(codes, c)
			}
			lastIdx[termKey(c)] = k
			if v.code != nil && c.Equal(v.code) {
				same = append(same, s.term)
			}
		}
		if s.ok && (latest < 0 || s.ns > latestNs) {
			latest, latestNs = k, s.ns
		}
	}
	idx := make([][2]*ast.Term, len(codes))
	for i, c := range codes {
		idx[i] = [2]*ast.Term{c, ast.InternedTerm(lastIdx[termKey(c)])}
	}
	kv := []any{"earlier", arrayTerm(terms), "last_index", ast.ObjectTerm(idx...), "same", arrayTerm(same)}
	if latest >= 0 {
		kv = append(kv, "latest", terms[latest], "latest_ns", ast.InternedTerm(int(latestNs)))
	}
	if s, ok := lastIdx["suspend"]; ok {
		if r, ok := lastIdx["resume"]; !ok || s > r {
			kv = append(kv, "open_suspension", terms[s])
		}
	}
	return obj(kv...)
}

// earlier is input.case.steps without the submitted step, should it be
// listed (the same non-empty id).
func (v stepView) earlier() []timed {
	id := getTerm(v.step, "id")
	if id == nil || id.Equal(emptyString) {
		return v.recorded
	}
	out := make([]timed, 0, len(v.recorded))
	for _, s := range v.recorded {
		if sid := getTerm(s.o, "id"); sid != nil && sid.Equal(id) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// rfcNs reads an RFC 3339 timestamp as time.parse_rfc3339_ns does.
func rfcNs(t *ast.Term) (int64, bool) {
	if t == nil {
		return 0, false
	}
	s, ok := t.Value.(ast.String)
	if !ok {
		return 0, false
	}
	tm, err := time.Parse(time.RFC3339, string(s))
	if err != nil || tm.Before(minNsTime) || tm.After(maxNsTime) {
		return 0, false
	}
	return tm.UnixNano(), true
}

var emptyString = ast.InternedTerm("")

// termKey is a map key for a value as Rego tells values apart: a string by
// its text, anything else (which a hand-made input may hold) by its form.
func termKey(t *ast.Term) string {
	if s, ok := t.Value.(ast.String); ok {
		return string(s)
	}
	return "\x00" + t.String()
}

var (
	minNsTime = time.Unix(0, -1<<63)
	maxNsTime = time.Unix(0, 1<<63-1)
)

// elems are the elements of an array, or the values of a set or an object,
// as Rego's `some x in v` iterates them.
func elems(v ast.Value) []*ast.Term {
	var out []*ast.Term
	switch v := v.(type) {
	case *ast.Array:
		v.Foreach(func(t *ast.Term) { out = append(out, t) })
	case ast.Set:
		v.Foreach(func(t *ast.Term) { out = append(out, t) })
	case ast.Object:
		v.Foreach(func(_, t *ast.Term) { out = append(out, t) })
	}
	return out
}
