package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

// walk sends the route a valid body, then every bad value of every field:
// those cases that p takes.
func (e *bodyEnv) walk(t *testing.T, rt bodyRoute, p part) {
	w := &routeWalk{e: e, rt: rt, p: p}
	w.target(t)
	encode := func(b map[string]any) []byte {
		if b == nil {
			return nil
		}
		return []byte(js(b))
	}
	w.run(t, "valid body", func(t *testing.T) { w.try(t, w.path, encode(w.body), acceptedAnswer, "", nil) })
	for _, pc := range rt.paths {
		w.run(t, "path "+pc.label, func(t *testing.T) { w.try(t, pc.path, encode(w.body), pc.want, "", nil) })
	}
	if w.body == nil {
		// The route takes no body: nothing, whitespace or {} only.
		for _, c := range noBodyCases {
			w.run(t, "body "+c.label, func(t *testing.T) { w.try(t, w.path, []byte(c.raw), c.want, "", nil) })
		}
		return
	}
	empty := malformed
	if rt.optionalBody {
		empty = acceptedAnswer
	}
	for _, c := range badBodies(js(w.body), empty) {
		w.run(t, "body "+c.label, func(t *testing.T) { w.try(t, w.path, []byte(c.raw), c.want, "", nil) })
	}
	for _, f := range rt.fields {
		for _, sub := range f.substs(lookup(w.body, f.path)) {
			w.run(t, f.path+"/"+sub.label, func(t *testing.T) {
				raw := substitute(t, w.body, f.path, sub.raw, f.kind == kKey)
				var value *string
				if sub.verify {
					var s string
					if err := json.Unmarshal([]byte(sub.raw), &s); err != nil {
						t.Fatal(err)
					}
					value = &s
				}
				w.try(t, w.path, raw, sub.want, f.path, value)
			})
		}
	}
}

// rawBody is a whole request body and what the API must answer it.
type rawBody struct {
	label, raw string
	want       answer
}

// noBodyCases are the bodies sent to a route that takes none.
var noBodyCases = []rawBody{
	{"empty object", `{}`, acceptedAnswer},
	{"whitespace", " \n", acceptedAnswer},
	{"a field", `{"department": "ZJJ"}`, malformed},
	{"injection", js(injections[0]), malformed},
	{"array", `[]`, malformed},
	{"two values", `{} {}`, malformed},
	{"truncated", `{"a":`, malformed},
	{"invalid UTF-8", "\"\xff\"", malformed},
	{"2 MiB", js(strings.Repeat("x", 2<<20)), tooLarge},
}

// badBodies are bodies made from the valid one, that as a whole are not a
// valid body; empty is the answer to no body at all.
func badBodies(valid string, empty answer) []rawBody {
	return []rawBody{
		{"unknown field", valid[:len(valid)-1] + `,"bf_unknown":1}`, malformed},
		{"array", `[]`, malformed},
		{"injection", js(injections[0]), malformed},
		{"two values", valid + ` {}`, malformed},
		{"truncated", valid[:len(valid)/2], malformed},
		{"invalid UTF-8 key", valid[:len(valid)-1] + ",\"\xff\":1}", malformed},
		{"empty", ``, empty},
	}
}

// routeWalk is walk's state: the cases counted so far, and the target the
// next case goes to, with the snapshot taken before it.
type routeWalk struct {
	e      *bodyEnv
	rt     bodyRoute
	p      part
	cases  int
	n      int
	path   string
	body   map[string]any
	before snapshot
}

// run runs the next case as a subtest, if the part takes it.
func (w *routeWalk) run(t *testing.T, name string, f func(t *testing.T)) {
	if w.p.has(w.cases) {
		t.Run(name, f)
	}
	w.cases++
}

// target takes the route's n-th target and its snapshot.
func (w *routeWalk) target(t *testing.T) {
	w.path, w.body = w.rt.target(t, w.e, w.n)
	w.before = w.e.snap(t, w.rt, w.path)
}

// retarget moves on to a fresh target, after a case changed the last one.
func (w *routeWalk) retarget(t *testing.T) {
	w.n++
	w.target(t)
}

// try sends raw (nil: no body) to reqPath and checks the answer and
// its effect. value, when verify, must be shown back verbatim.
func (w *routeWalk) try(t *testing.T, reqPath string, raw []byte, want answer, field string, value *string) {
	t.Helper()
	r := w.e.send(t, w.rt.method, reqPath, w.e.tok[w.rt.as], raw)
	if want == acceptedAnswer {
		w.checkAccepted(t, r, value)
		w.retarget(t)
		return
	}
	if r.Status != want.status {
		t.Errorf("%d %.400s, want %d %s", r.Status, r.Body, want.status, want.code)
	} else {
		checkRefusal(t, r, want, field)
	}
	if after := w.e.snap(t, w.rt, w.path); len(w.before.changes(after)) > 0 {
		t.Errorf("refused request changed %v", w.before.changes(after))
		w.retarget(t)
	}
}

// checkAccepted checks that r accepted the request, showed value back and
// changed no table but those the route writes.
func (w *routeWalk) checkAccepted(t *testing.T, r apitest.Response, value *string) {
	t.Helper()
	e, rt := w.e, w.rt
	if r.Status < 200 || r.Status > 299 {
		t.Errorf("%d %.400s, want it accepted", r.Status, r.Body)
		return
	}
	e.waitAudit(t, w.before.counts["audit_log"]+1)
	if value != nil {
		if shown := rt.show(t, e, w.path, w.body); !strings.Contains(shown, js(*value)) {
			t.Errorf("accepted value %.80q is not shown back verbatim", *value)
		}
	}
	after := e.snap(t, rt, w.path)
	for tb, was := range w.before.counts {
		now, ok := after.counts[tb]
		switch {
		case !ok:
			t.Errorf("table %s is gone", tb)
		case slices.Contains(rt.writes, tb) || slices.Contains(auditTables, tb) || slices.Contains(eventTables, tb) || countsOf(rt.writes, tb):
			if now < was && tb != "policy_drafts" {
				t.Errorf("table %s lost rows: %d→%d", tb, was, now)
			}
		case now != was:
			t.Errorf("table %s changed: %d→%d", tb, was, now)
		}
	}
	if rt.accepted != nil {
		rt.accepted(t, e, r)
	}
}

// checkRefusal checks a refusal's error code, its Chinese message and that
// its details name field, when they name any.
func checkRefusal(t *testing.T, r apitest.Response, want answer, field string) {
	t.Helper()
	var eb apitest.ErrorBody
	if err := json.Unmarshal(r.Body, &eb); err != nil {
		t.Errorf("error answer %.200s: %v", r.Body, err)
	}
	if eb.Error.Code != want.code {
		t.Errorf("code %s (%.300s), want %s", eb.Error.Code, r.Body, want.code)
	}
	if !containsHan(eb.Error.Message) {
		t.Errorf("message %q is not in Chinese", eb.Error.Message)
	}
	var details []fieldDetail
	named := func(d fieldDetail) bool { return d.Field != "" }
	if field != "" && json.Unmarshal(eb.Error.Details, &details) == nil && slices.ContainsFunc(details, named) {
		top := strings.FieldsFunc(field, func(r rune) bool { return r == '.' || r == '[' })[0]
		if !slices.ContainsFunc(details, func(d fieldDetail) bool {
			return d.Field == top || strings.HasPrefix(d.Field, top+".") || strings.HasPrefix(d.Field, top+"[")
		}) {
			t.Errorf("details %s do not name %s", eb.Error.Details, top)
		}
	}
}
