package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

// TestBodyFields walks every route that takes a JSON body. Into each field
// of a valid body it puts injection strings, values over the field's limit,
// wrong JSON types, control characters, invalid UTF-8, out-of-range numbers
// and malformed dates, and says what the API must answer. A refused request
// must leave every table's row count (the audit log's included) and the
// route's own listings as they were. Free text that is accepted must be
// shown back verbatim and change nothing but the rows the route writes.
func TestBodyFields(t *testing.T) {
	eachDriver(t, func(t *testing.T, dsn string) {
		start := time.Now()
		s := startServer(t, dsn, "--sweep-interval", "0", "--recheck-interval", "1h")
		e := newBodyEnv(t, s, dsn)
		for _, rt := range bodyRoutes() {
			t.Run(rt.name, func(t *testing.T) { e.walk(t, rt) })
		}
		e.intact(t)
		t.Logf("%d requests in %v", e.requests, time.Since(start).Round(time.Millisecond))
	})
}

// kind is what a body field holds; it decides the values put into it.
type kind int

const (
	kIdent  kind = iota // a code, id, username, enum or CIDR: a fixed format
	kLine               // free text on one line: names, titles, signatures
	kText               // free text that may span lines: notes, findings, explanations
	kKey                // a map key that is free text on one line (the path ends in the key)
	kSource             // program text (Rego)
	kDate               // YYYY-MM-DD
	kBound              // YYYY-MM-DD or an RFC 3339 time
	kStamp              // an RFC 3339 time
	kMonth              // YYYY-MM
	kInt                // an integer
	kNum                // a number
	kBool               // true or false
	kList               // an array
	kObject             // an object
)

// free reports whether k is free text, where an injection string is
// ordinary text.
func (k kind) free() bool { return k == kLine || k == kText || k == kKey }

func (k kind) stringy() bool { return k <= kMonth }

// answer is what the API must answer: a status and an error code. The zero
// answer means the request is accepted (any 2xx).
type answer struct {
	status int
	code   string
}

var (
	acceptedAnswer = answer{}
	malformed      = answer{400, "malformed_json"}
	tooLarge       = answer{413, "payload_too_large"}
)

func refusal(code string) answer { return answer{422, code} }

// bodyField is one field of a route's body and what it admits.
type bodyField struct {
	path     string            // dotted path into the body; a number indexes an array
	kind     kind              // what the field holds
	max      int               // strings: characters; lists: elements (0: no limit)
	bytes    int               // free text: the limit in UTF-8 bytes, when below 4 per character
	lo, hi   float64           // numbers: the accepted range
	noLo     bool              // numbers: no lower bound
	noHi     bool              // numbers: no upper bound
	optional bool              // "" is accepted
	open     bool              // objects: a map, whose keys are free
	refuse   answer            // how a refused value is answered
	say      map[string]answer // answers that differ from the kind's, by label
	extra    []subst           // values tried in this field only
}

// subst is one value put into a field: raw JSON text.
type subst struct {
	label  string
	raw    string
	want   answer
	verify bool // accepted free text: it must be shown back verbatim
}

var injections = []string{"'; DROP TABLE warnings; --", "1 OR 1=1", `" OR ""="`}

// js encodes v as the server encodes its answers.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the test's own plain values always encode
	}
	return string(b)
}

// substs lists the values tried in f; valid is the field's value in the
// valid body.
func (f bodyField) substs(valid any) []subst {
	refused := f.refuse
	var out []subst
	add := func(label, raw string, want answer) { out = append(out, subst{label: label, raw: raw, want: want}) }
	keep := func(label, value string) { out = append(out, subst{label: label, raw: js(value), verify: true}) }
	add("2 MiB string", js(strings.Repeat("x", 2<<20)), tooLarge)
	switch {
	case f.kind.stringy():
		add("invalid UTF-8", "\"ab\xff\xfecd\"", malformed)
		add("lone surrogate", `"ab\ud800cd"`, malformed)
		if f.kind != kKey {
			add("number for a string", "12345", malformed)
			add("object for a string", `{"a":"b"}`, malformed)
			add("array for a string", `["a"]`, malformed)
			add("bool for a string", "true", malformed)
		}
		for i, s := range injections {
			if f.kind.free() {
				keep(fmt.Sprintf("injection %d", i+1), s)
			} else {
				add(fmt.Sprintf("injection %d", i+1), js(s), refused)
			}
		}
		for _, c := range []string{"\x00", "\x1b[2J", "\x7f", "\u0085"} {
			add(fmt.Sprintf("control %U", []rune(c)[0]), js("ab"+c+"cd"), refused)
		}
		if f.kind.free() {
			// Escapes that decode to ordinary text are taken as sent.
			out = append(out, subst{label: "escaped surrogate pair", raw: `"ab\ud83d\ude00cd"`, verify: true},
				subst{label: "escaped backslash", raw: `"ab\\ud800cd"`, verify: true})
		}
		switch f.kind {
		case kText:
			keep("line break", "第一行\n第二行\t完")
		case kSource:
		default:
			add("line break", js("第一行\n第二行"), refused)
		}
		if !f.optional {
			add("empty", `""`, refused)
		}
		v, _ := valid.(string)
		if !f.kind.free() && f.kind != kSource && v != "" {
			add("trailing space", js(v+" "), refused)
			add("leading space", js(" "+v), refused)
		}
		switch f.kind {
		case kLine, kText, kKey:
			add("over the limit", js(strings.Repeat("字", f.max+1)), refused)
			if f.bytes == 0 || 4*f.max <= f.bytes {
				keep("at the limit", strings.Repeat("𠀀", f.max))
			} else {
				keep("at the limit", strings.Repeat("字", min(f.max, f.bytes/3)))
				add("over the byte limit", js(strings.Repeat("𠀀", f.max)), refused)
				add("over the byte limit in ASCII", js(strings.Repeat("x", f.bytes+1)), refused)
			}
		case kIdent:
			if f.max > 0 {
				add("over the limit", js(strings.Repeat("A", f.max+1)), refused)
			}
		case kDate, kBound, kStamp, kMonth:
			add("over the limit", js(v+strings.Repeat("0", 200)), refused)
		}
		var formats []string
		switch f.kind {
		case kDate:
			formats = []string{"2026-02-30", "2026-13-01", "2026-3-2", "2026/03/02", "20260302", "2026-03-02T09:30:00+08:00"}
		case kBound:
			formats = []string{"2026-02-30", "2026-13-01", "2026/03/02", "2026-03-02 09:30:00", "2026-03-02T25:00:00+08:00", "2026-03-02T09:30:00"}
		case kStamp:
			formats = []string{"2026-02-30T09:30:00+08:00", "2026-03-02 09:30:00", "2026-03-02", "2026-03-02T09:30:00", "2026-03-02T09:30:00+99:00"}
			add("year 1", js("0001-01-01T00:00:00Z"), refused)
			add("before 2000", js("1969-12-31T23:59:59Z"), refused)
			add("far future", js("9999-12-31T23:59:59+08:00"), refused)
		case kMonth:
			formats = []string{"2026-13", "2026-00", "2026-1", "202603", "2025-06-01", "0000-01"}
		}
		for _, s := range formats {
			add("format "+s, js(s), refused)
		}
	case f.kind == kInt || f.kind == kNum:
		add("string for a number", `"5"`, malformed)
		add("object for a number", `{}`, malformed)
		add("array for a number", `[]`, malformed)
		add("bool for a number", `true`, malformed)
		add("beyond float64", "1e400", malformed)
		if f.kind == kInt {
			add("fraction", "1.5", malformed)
			add("beyond int64", "9223372036854775808", malformed)
		}
		if !f.noLo {
			add("below the range", strconv.FormatFloat(f.lo-1, 'g', -1, 64), refused)
		}
		if !f.noHi {
			above := f.hi + 1
			if f.kind == kNum {
				above = f.hi * 10
			}
			add("above the range", strconv.FormatFloat(above, 'g', -1, 64), refused)
		}
	case f.kind == kBool:
		add("string for a bool", `"true"`, malformed)
		add("number for a bool", `1`, malformed)
		add("object for a bool", `{}`, malformed)
	case f.kind == kList:
		add("object for an array", `{"a":1}`, malformed)
		add("string for an array", `"a"`, malformed)
		add("number for an array", `1`, malformed)
		if l, ok := valid.([]any); ok && len(l) > 0 && f.max > 0 {
			many := make([]any, f.max+1)
			for i := range many {
				many[i] = l[0]
			}
			add("too many elements", js(many), refused)
		}
	case f.kind == kObject:
		add("array for an object", `[]`, malformed)
		add("string for an object", `"a"`, malformed)
		add("number for an object", `1`, malformed)
		if m, ok := valid.(map[string]any); ok && !f.open {
			m = cloneMap(m)
			m["bf_unknown"] = 1
			add("unknown field", js(m), malformed)
		}
	}
	out = append(out, f.extra...)
	for i, s := range out {
		if a, ok := f.say[s.label]; ok {
			out[i].want, out[i].verify = a, false
		}
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// pathCase is a bad path parameter of a route.
type pathCase struct {
	label, path string
	want        answer
}

// bodyRoute is one route that takes a body.
type bodyRoute struct {
	name   string
	method string
	as     string // the key of the caller's token in bodyEnv.tok
	// target prepares what the n-th accepted request of the route acts on
	// and returns its path and a valid body (nil: the route takes none).
	target func(t *testing.T, e *bodyEnv, n int) (string, map[string]any)
	fields []bodyField
	// optionalBody: an empty body is accepted.
	optionalBody bool
	// writes lists the tables an accepted request may change, besides
	// the audit log.
	writes []string
	// watch shows what a refused request must leave as it is, besides the
	// row counts.
	watch func(t *testing.T, e *bodyEnv, path string) string
	// show shows the stored values of an accepted request.
	show func(t *testing.T, e *bodyEnv, path string, body map[string]any) string
	// accepted learns from an accepted answer.
	accepted func(t *testing.T, e *bodyEnv, r response)
	paths    []pathCase
}

// bodyEnv is one server with a district, the database behind it and the
// tokens of its accounts.
type bodyEnv struct {
	s        *server
	db       *sql.DB
	driver   string
	tables   []string
	tok      map[string]string
	cases    int
	check    int64  // a spot check whose sample holds sampled
	sampled  string // a case of it
	requests int
}

func newBodyEnv(t *testing.T, s *server, dsn string) *bodyEnv {
	t.Helper()
	tok := setupDistrict(t, s)
	e := &bodyEnv{s: s, tok: map[string]string{
		"admin": adminToken, "legal": tok[legalToken], "supervision": tok[supervisionToken],
		"clerk": tok[zjjClerk], "deptAdmin": tok[zjjAdmin],
		"inspector": statsAccount(t, s, "bf-inspector", "dept_inspector", "ZJJ"),
		"rotate":    statsAccount(t, s, "bf-rotate", "clerk", "ZJJ"),
	}}
	statsAccount(t, s, "bf-target", "clerk", "ZJJ")
	driver, source, _ := strings.Cut(dsn, ":")
	if driver == "sqlite" {
		source += "?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e.db, e.driver = db, driver
	e.tables = e.tableNames(t)

	// A case accepted now, and a spot check that samples it.
	now := time.Now()
	caseNo := "BF-BASE"
	s.must(201, "POST", "/api/v1/steps", e.tok["clerk"], firstStep(caseNo+"-accept", caseNo, "XK-001", "accept", now.Add(-2*time.Hour).Format(time.RFC3339)))
	today := calendar.DateOf(now)
	var sc struct {
		ID    int64 `json:"id"`
		Cases []struct {
			CaseNo string `json:"case_no"`
		} `json:"cases"`
	}
	s.must(201, "POST", "/api/v1/spot-checks", e.tok["supervision"], map[string]any{"departments": []string{"ZJJ"},
		"from": (today - 30).String(), "to": today.String(), "size": 1, "seed": 7}).decode(t, &sc)
	if len(sc.Cases) != 1 {
		t.Fatalf("spot check sampled %d cases, want 1", len(sc.Cases))
	}
	e.check, e.sampled = sc.ID, sc.Cases[0].CaseNo
	return e
}

func (e *bodyEnv) tableNames(t *testing.T) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
	if e.driver == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name"
	}
	rows, err := e.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(out, "warnings") || !slices.Contains(out, "audit_log") {
		t.Fatalf("tables %v: want warnings and audit_log among them", out)
	}
	return out
}

// counts returns the row count of every table, in one statement.
func (e *bodyEnv) counts(t *testing.T) map[string]int64 {
	t.Helper()
	parts := make([]string, len(e.tables))
	for i, tb := range e.tables {
		parts[i] = fmt.Sprintf("SELECT '%s', COUNT(*) FROM %s", tb, tb)
	}
	rows, err := e.db.Query(strings.Join(parts, " UNION ALL "))
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// intact proves that every table is still there and answers.
func (e *bodyEnv) intact(t *testing.T) {
	if got := e.tableNames(t); !slices.Equal(got, e.tables) {
		t.Errorf("tables now %v, want %v", got, e.tables)
	}
	c := e.counts(t)
	if c["warnings"] == 0 || c["accounts"] < 9 || c["departments"] < 2 {
		t.Errorf("counts %v: warnings, accounts or departments lost", c)
	}
}

func (e *bodyEnv) send(t *testing.T, method, path, token string, body []byte) response {
	t.Helper()
	e.requests++
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Body: b}
}

// get answers a GET as the account as, failing unless it is 200.
func (e *bodyEnv) get(t *testing.T, as, path string) string {
	t.Helper()
	r := e.send(t, "GET", path, e.tok[as], nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return string(r.Body)
}

func (e *bodyEnv) post(t *testing.T, want int, method, path, as string, body any) response {
	t.Helper()
	r := e.send(t, method, path, e.tok[as], []byte(js(body)))
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d; %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// newWarning opens a ZJJ case whose first step raises warnings and returns
// one of them.
func (e *bodyEnv) newWarning(t *testing.T) int64 {
	t.Helper()
	e.cases++
	caseNo := fmt.Sprintf("BF-W%d", e.cases)
	var ans stepAnswer
	e.post(t, 201, "POST", "/api/v1/steps", "clerk", firstStep(caseNo+"-accept", caseNo, "XK-001", "accept", "2026-03-02T09:30:00+08:00")).decode(t, &ans)
	if len(ans.Warnings) == 0 {
		t.Fatalf("case %s raised no warning", caseNo)
	}
	return ans.Warnings[0].ID
}

// pending makes a department admin's adjustment of BF-PEND and returns its
// version, which awaits the legal office.
func (e *bodyEnv) pending(t *testing.T) int {
	t.Helper()
	it := itemFixture(t, "licensing", nil)
	var v struct {
		Version int `json:"version"`
	}
	r := e.send(t, "PUT", "/api/v1/power-items/BF-PEND", e.tok["deptAdmin"], []byte(js(it)))
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("adjust BF-PEND: %d %s", r.Status, r.Body)
	}
	r.decode(t, &v)
	return v.Version
}

type snapshot struct {
	counts map[string]int64
	watch  string
}

func (e *bodyEnv) snap(t *testing.T, rt bodyRoute, path string) snapshot {
	t.Helper()
	s := snapshot{counts: e.counts(t)}
	if rt.watch != nil {
		s.watch = rt.watch(t, e, path)
	}
	return s
}

func (a snapshot) changes(b snapshot) []string {
	var out []string
	for tb, n := range a.counts {
		if b.counts[tb] != n {
			out = append(out, fmt.Sprintf("%s %d→%d", tb, n, b.counts[tb]))
		}
	}
	if a.watch != b.watch {
		out = append(out, "watched listing changed")
	}
	slices.Sort(out)
	return out
}

var auditTables = []string{"audit_log", "audit_head"}

// waitAudit waits for the audit entry of an accepted request: it is
// written after the answer.
func (e *bodyEnv) waitAudit(t *testing.T, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := e.counts(t)["audit_log"]
		switch {
		case n == want:
			return
		case n > want:
			t.Errorf("audit log has %d entries, want %d", n, want)
			return
		case time.Now().After(deadline):
			t.Errorf("audit log has %d entries after 5s, want %d", n, want)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// walk sends the route a valid body, then every bad value of every field.
func (e *bodyEnv) walk(t *testing.T, rt bodyRoute) {
	n := 0
	var (
		path   string
		body   map[string]any
		before snapshot
	)
	retarget := func(t *testing.T) {
		n++
		path, body = rt.target(t, e, n)
		before = e.snap(t, rt, path)
	}
	path, body = rt.target(t, e, n)
	before = e.snap(t, rt, path)

	// try sends raw (nil: no body) to reqPath and checks the answer and
	// its effect. value, when verify, must be shown back verbatim.
	try := func(t *testing.T, reqPath string, raw []byte, want answer, field string, value *string) {
		t.Helper()
		r := e.send(t, rt.method, reqPath, e.tok[rt.as], raw)
		if want == acceptedAnswer {
			if r.Status < 200 || r.Status > 299 {
				t.Errorf("%d %.400s, want it accepted", r.Status, r.Body)
				retarget(t)
				return
			}
			e.waitAudit(t, before.counts["audit_log"]+1)
			if value != nil {
				if shown := rt.show(t, e, path, body); !strings.Contains(shown, js(*value)) {
					t.Errorf("accepted value %.80q is not shown back verbatim", *value)
				}
			}
			after := e.snap(t, rt, path)
			for tb, was := range before.counts {
				now, ok := after.counts[tb]
				switch {
				case !ok:
					t.Errorf("table %s is gone", tb)
				case slices.Contains(rt.writes, tb) || slices.Contains(auditTables, tb):
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
			retarget(t)
			return
		}
		if r.Status != want.status {
			t.Errorf("%d %.400s, want %d %s", r.Status, r.Body, want.status, want.code)
		} else {
			var eb struct {
				Error struct {
					Code    string          `json:"code"`
					Message string          `json:"message"`
					Details json.RawMessage `json:"details"`
				} `json:"error"`
			}
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
		if after := e.snap(t, rt, path); len(before.changes(after)) > 0 {
			t.Errorf("refused request changed %v", before.changes(after))
			retarget(t)
		}
	}

	encode := func(b map[string]any) []byte {
		if b == nil {
			return nil
		}
		return []byte(js(b))
	}
	t.Run("valid body", func(t *testing.T) { try(t, path, encode(body), acceptedAnswer, "", nil) })
	for _, pc := range rt.paths {
		t.Run("path "+pc.label, func(t *testing.T) { try(t, pc.path, encode(body), pc.want, "", nil) })
	}
	if body == nil {
		// The route takes no body: nothing, whitespace or {} only.
		for _, c := range []struct {
			label, raw string
			want       answer
		}{
			{"empty object", `{}`, acceptedAnswer},
			{"whitespace", " \n", acceptedAnswer},
			{"a field", `{"department": "ZJJ"}`, malformed},
			{"injection", js(injections[0]), malformed},
			{"array", `[]`, malformed},
			{"two values", `{} {}`, malformed},
			{"truncated", `{"a":`, malformed},
			{"invalid UTF-8", "\"\xff\"", malformed},
			{"2 MiB", js(strings.Repeat("x", 2<<20)), tooLarge},
		} {
			t.Run("body "+c.label, func(t *testing.T) { try(t, path, []byte(c.raw), c.want, "", nil) })
		}
		return
	}
	valid := js(body)
	empty := malformed
	if rt.optionalBody {
		empty = acceptedAnswer
	}
	for _, c := range []struct {
		label, raw string
		want       answer
	}{
		{"unknown field", valid[:len(valid)-1] + `,"bf_unknown":1}`, malformed},
		{"array", `[]`, malformed},
		{"injection", js(injections[0]), malformed},
		{"two values", valid + ` {}`, malformed},
		{"truncated", valid[:len(valid)/2], malformed},
		{"invalid UTF-8 key", valid[:len(valid)-1] + ",\"\xff\":1}", malformed},
		{"empty", ``, empty},
	} {
		t.Run("body "+c.label, func(t *testing.T) { try(t, path, []byte(c.raw), c.want, "", nil) })
	}
	for _, f := range rt.fields {
		for _, sub := range f.substs(lookup(body, f.path)) {
			t.Run(f.path+"/"+sub.label, func(t *testing.T) {
				raw := substitute(t, body, f.path, sub.raw, f.kind == kKey)
				var value *string
				if sub.verify {
					var s string
					if err := json.Unmarshal([]byte(sub.raw), &s); err != nil {
						t.Fatal(err)
					}
					value = &s
				}
				try(t, path, raw, sub.want, f.path, value)
			})
		}
	}
}

// fieldDetail is one entry of a validation error's details.
type fieldDetail struct {
	Field string `json:"field"`
}

// lookup returns the value at a dotted path of body.
func lookup(body any, path string) any {
	v := body
	for _, p := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

const substMarker = "bodyfields-substitution-marker"

// substitute returns body with raw JSON text at path: in place of the value
// there or, when key, of the key that ends the path.
func substitute(t *testing.T, body map[string]any, path, raw string, key bool) []byte {
	t.Helper()
	var b any
	dec := json.NewDecoder(strings.NewReader(js(body)))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(path, ".")
	parent, last := lookup(b, strings.Join(parts[:len(parts)-1], ".")), parts[len(parts)-1]
	if len(parts) == 1 {
		parent = b
	}
	switch p := parent.(type) {
	case map[string]any:
		if key {
			p[substMarker] = p[last]
			delete(p, last)
		} else {
			p[last] = substMarker
		}
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i >= len(p) {
			t.Fatalf("path %s: no element %s", path, last)
		}
		p[i] = substMarker
	default:
		t.Fatalf("path %s: parent is %T", path, parent)
	}
	return bytes.Replace([]byte(js(b)), []byte(`"`+substMarker+`"`), []byte(raw), 1)
}

// shownBy shows what GET path answers the account as.
func shownBy(as, path string) func(*testing.T, *bodyEnv, string, map[string]any) string {
	return func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string { return e.get(t, as, path) }
}

func watching(as, path string) func(*testing.T, *bodyEnv, string) string {
	return func(t *testing.T, e *bodyEnv, _ string) string { return e.get(t, as, path) }
}

func esc(s string) string { return url.PathEscape(s) }

func itemBody() map[string]any {
	return map[string]any{
		"name": "对擅自施工的行政处罚", "category": "行政处罚", "department_code": "ZJJ", "status": "active",
		"legal_bases": []any{map[string]any{"id": "LB1", "title": "《中华人民共和国建筑法》", "article": "第六十四条"}},
		"time_limit":  map[string]any{"days": 90, "unit": "calendar"},
		"steps": []any{
			map[string]any{"code": "file", "name": "立案", "time_limit_days": 5, "risk_checkpoint": false, "requires_approval": "dept_admin", "ends_clock": false},
			map[string]any{"code": "decide", "name": "处罚决定", "risk_checkpoint": true, "requires_approval": "dept_admin", "ends_clock": true},
		},
		"discretion": map[string]any{"一般": map[string]any{"min": 10000, "max": 50000, "description": "首次违法"}},
	}
}

// bfModule is a policy module that raises nothing.
func bfModule(n int) string {
	return fmt.Sprintf("package compliance.bf_extra\n\n# 第 %d 版：不产生预警的辅助模块。\nthreshold := %d\n", n, n+1)
}

// legalBases returns n legal bases whose title and article are made of c
// at their limits.
func legalBases(n int, c string) string {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"id": fmt.Sprintf("LB%d", i+1), "title": strings.Repeat(c, 200), "article": strings.Repeat(c, 100)}
	}
	return js(out)
}

func repeated(n int, s string) string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return js(out)
}

func bodyRoutes() []bodyRoute {
	shanghaiNow := func() time.Time { return time.Now().In(calendar.Shanghai) }
	stamp := func(d time.Duration) string { return shanghaiNow().Add(d).Format(time.RFC3339) }
	transition := func(as, action string, body func(t *testing.T, e *bodyEnv) (int64, map[string]any), field bodyField) bodyRoute {
		return bodyRoute{
			name: "transitions " + action, method: "POST", as: as, writes: []string{"warning_transitions", "warnings"},
			target: func(t *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				id, b := body(t, e)
				return fmt.Sprintf("/api/v1/warnings/%d/transitions", id), b
			},
			watch: func(t *testing.T, e *bodyEnv, path string) string {
				return e.get(t, "supervision", strings.TrimSuffix(path, "/transitions"))
			},
			show: func(t *testing.T, e *bodyEnv, path string, _ map[string]any) string {
				return e.get(t, "supervision", strings.TrimSuffix(path, "/transitions"))
			},
			paths: []pathCase{
				{"injection", "/api/v1/warnings/" + esc(injections[1]) + "/transitions", answer{404, "warning_not_found"}},
				{"negative", "/api/v1/warnings/-1/transitions", answer{404, "warning_not_found"}},
			},
			fields: []bodyField{field},
		}
	}
	review := func(action string) bodyRoute {
		return bodyRoute{
			name: "item " + action, method: "POST", as: "legal", writes: []string{"power_items", "warnings"}, optionalBody: true,
			target: func(t *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				return fmt.Sprintf("/api/v1/power-items/BF-PEND/versions/%d/%s", e.pending(t), action), map[string]any{"note": "同意调整"}
			},
			watch: watching("legal", "/api/v1/power-items/BF-PEND/versions"),
			show:  shownBy("legal", "/api/v1/power-items/BF-PEND/versions"),
			paths: []pathCase{
				{"injection version", "/api/v1/power-items/BF-PEND/versions/" + esc(injections[1]) + "/" + action, answer{400, "invalid_version"}},
				{"injection code", "/api/v1/power-items/" + esc(injections[0]) + "/versions/1/" + action, answer{404, "item_not_found"}},
			},
			fields: []bodyField{{path: "note", kind: kText, max: 1000, optional: true, refuse: refusal("invalid_note")}},
		}
	}
	noBody := func(name, path, as string, writes ...string) bodyRoute {
		return bodyRoute{name: name, method: "POST", as: as, writes: writes,
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) { return path, nil }}
	}

	invDept := refusal("invalid_department")
	invAccount := refusal("invalid_account")
	invItem := refusal("invalid_item")
	invStep := refusal("invalid_step")
	invCalendar := refusal("invalid_calendar")
	invSpot := refusal("invalid_spot_check")
	invFinding := refusal("invalid_finding")
	invPatrol := refusal("invalid_patrol")
	invPeriod := refusal("invalid_period")
	invExplanation := refusal("invalid_explanation")

	return []bodyRoute{
		{
			name: "departments", method: "POST", as: "admin", writes: []string{"departments"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/departments", map[string]any{"code": fmt.Sprintf("BF%d", n), "name": "区测试局", "allowed_cidrs": []any{"10.0.0.0/8"}}
			},
			show: shownBy("admin", "/api/v1/departments"),
			fields: []bodyField{
				{path: "code", kind: kIdent, max: 32, refuse: invDept},
				{path: "name", kind: kLine, max: 64, refuse: invDept},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invDept},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invDept},
			},
		},
		{
			name: "accounts", method: "POST", as: "admin", writes: []string{"accounts"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/accounts", map[string]any{"username": fmt.Sprintf("bf-user-%d", n), "real_name": "测试用户",
					"role": "clerk", "department_code": "ZJJ", "allowed_cidrs": []any{"127.0.0.0/8"}}
			},
			show: shownBy("admin", "/api/v1/accounts"),
			fields: []bodyField{
				{path: "username", kind: kIdent, max: 64, refuse: invAccount},
				{path: "real_name", kind: kLine, max: 32, refuse: invAccount},
				{path: "role", kind: kIdent, max: 32, refuse: invAccount},
				{path: "department_code", kind: kIdent, max: 32, refuse: invAccount},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invAccount},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invAccount},
			},
		},
		{
			name: "account changes", method: "PATCH", as: "admin", writes: []string{"accounts"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/accounts/bf-target", map[string]any{"disabled": false, "expires_at": "2030-01-01T00:00:00+08:00",
					"allowed_cidrs": []any{"127.0.0.0/8"}, "real_name": "目标用户"}
			},
			watch: watching("admin", "/api/v1/accounts"),
			show:  shownBy("admin", "/api/v1/accounts"),
			paths: []pathCase{
				{"injection", "/api/v1/accounts/" + esc(injections[0]), answer{404, "account_not_found"}},
				{"too long", "/api/v1/accounts/" + strings.Repeat("a", 300), answer{404, "account_not_found"}},
			},
			fields: []bodyField{
				{path: "disabled", kind: kBool},
				// expires_at is read as raw JSON, so that null can remove the expiry: a
				// value of another type is a bad expiry, not malformed JSON.
				{path: "expires_at", kind: kStamp, refuse: invAccount, say: map[string]answer{"far future": acceptedAnswer,
					"number for a string": invAccount, "object for a string": invAccount, "array for a string": invAccount,
					"bool for a string": invAccount}},
				{path: "allowed_cidrs", kind: kList, max: 64, refuse: invAccount},
				{path: "allowed_cidrs.0", kind: kIdent, max: 64, refuse: invAccount},
				{path: "real_name", kind: kLine, max: 32, refuse: invAccount},
			},
		},
		{
			name: "token rotation", method: "POST", as: "admin", writes: []string{"accounts"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/accounts/bf-rotate/token", nil
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				return strconv.Itoa(e.send(t, "GET", "/api/v1/me", e.tok["rotate"], nil).Status)
			},
			accepted: func(t *testing.T, e *bodyEnv, r response) {
				var out struct {
					Token string `json:"token"`
				}
				r.decode(t, &out)
				e.tok["rotate"] = out.Token
			},
			paths: []pathCase{{"injection", "/api/v1/accounts/" + esc(injections[1]) + "/token", answer{404, "account_not_found"}}},
		},
		{
			name: "power items", method: "PUT", as: "legal", writes: []string{"power_items", "warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/power-items/BF-ITEM", itemBody()
			},
			show: shownBy("legal", "/api/v1/power-items/BF-ITEM"),
			paths: []pathCase{
				{"injection", "/api/v1/power-items/" + esc(injections[0]), invItem},
				{"too long", "/api/v1/power-items/" + strings.Repeat("A", 65), invItem},
			},
			fields: []bodyField{
				{path: "name", kind: kLine, max: 128, refuse: invItem},
				{path: "category", kind: kIdent, max: 32, refuse: invItem},
				{path: "department_code", kind: kIdent, max: 32, refuse: invItem},
				{path: "status", kind: kIdent, max: 16, optional: true, refuse: invItem},
				{path: "legal_bases", kind: kList, max: 50, refuse: invItem, extra: []subst{
					{label: "50 at their limits", raw: legalBases(50, "字")},
					{label: "50 at their limits, escaped when stored", raw: legalBases(50, "<"), want: invItem},
				}},
				{path: "legal_bases.0", kind: kObject},
				{path: "legal_bases.0.id", kind: kIdent, max: 64, refuse: invItem},
				{path: "legal_bases.0.title", kind: kLine, max: 200, refuse: invItem},
				{path: "legal_bases.0.article", kind: kLine, max: 100, optional: true, refuse: invItem},
				{path: "time_limit", kind: kObject},
				{path: "time_limit.days", kind: kInt, lo: 1, hi: 3650, refuse: invItem},
				{path: "time_limit.unit", kind: kIdent, max: 16, optional: true, refuse: invItem},
				{path: "steps", kind: kList, max: 50, refuse: invItem},
				{path: "steps.0", kind: kObject},
				{path: "steps.0.code", kind: kIdent, max: 32, refuse: invItem},
				{path: "steps.0.name", kind: kLine, max: 64, refuse: invItem},
				{path: "steps.0.time_limit_days", kind: kInt, lo: 0, hi: 3650, refuse: invItem},
				{path: "steps.0.risk_checkpoint", kind: kBool},
				{path: "steps.0.requires_approval", kind: kIdent, max: 32, optional: true, refuse: invItem},
				{path: "steps.0.ends_clock", kind: kBool},
				{path: "discretion", kind: kObject, open: true, extra: []subst{
					{label: "too many tiers", raw: tiers(51), want: invItem},
				}},
				{path: "discretion.一般", kind: kKey, max: 64, refuse: invItem},
				{path: "discretion.一般", kind: kObject},
				{path: "discretion.一般.min", kind: kNum, lo: 0, hi: 1e12, refuse: invItem},
				{path: "discretion.一般.max", kind: kNum, lo: 0, hi: 1e12, refuse: invItem},
				{path: "discretion.一般.description", kind: kText, max: 500, optional: true, refuse: invItem},
			},
		},
		{
			name: "steps", method: "POST", as: "clerk", writes: []string{"cases", "steps", "warnings"},
			target: func(_ *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				e.cases++
				caseNo := fmt.Sprintf("BF-S%d", e.cases)
				return "/api/v1/steps", map[string]any{"id": caseNo + "-file", "case_no": caseNo, "power_item_code": "CF-001",
					"applicant": "某建设公司", "step_code": "file", "handler": "张三", "occurred_at": stamp(-2 * time.Hour),
					"legal_basis_ids": []any{"LB1"}, "discretion": map[string]any{"tier": "一般", "amount": 20000},
					"approvals":  []any{map[string]any{"role": "dept_admin", "by": "李四", "at": stamp(-time.Hour)}},
					"attributes": map[string]any{"remark": "现场检查"}}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, body map[string]any) string {
				return e.get(t, "admin", "/api/v1/cases/"+body["case_no"].(string))
			},
			fields: []bodyField{
				{path: "id", kind: kIdent, max: 128, refuse: invStep},
				{path: "case_no", kind: kIdent, max: 64, refuse: invStep},
				{path: "power_item_code", kind: kIdent, max: 64, refuse: invStep, say: map[string]answer{"empty": refusal("unknown_case")}},
				{path: "applicant", kind: kLine, max: 255, refuse: invStep},
				{path: "step_code", kind: kIdent, max: 32, refuse: invStep},
				{path: "handler", kind: kLine, max: 64, refuse: invStep},
				{path: "occurred_at", kind: kStamp, refuse: invStep},
				{path: "legal_basis_ids", kind: kList, max: 50, refuse: invStep},
				{path: "legal_basis_ids.0", kind: kIdent, max: 64, refuse: invStep},
				{path: "discretion", kind: kObject},
				{path: "discretion.tier", kind: kLine, max: 64, refuse: invStep},
				{path: "discretion.amount", kind: kNum, lo: 0, hi: 1e12, refuse: invStep},
				{path: "approvals", kind: kList, max: 20, refuse: invStep},
				{path: "approvals.0", kind: kObject},
				{path: "approvals.0.role", kind: kIdent, max: 32, refuse: invStep},
				{path: "approvals.0.by", kind: kLine, max: 64, refuse: invStep},
				{path: "approvals.0.at", kind: kStamp, refuse: invStep},
				{path: "attributes", kind: kObject, open: true},
				{path: "attributes.remark", kind: kKey, max: 64, refuse: invStep},
				// Attributes are free JSON of at most 16 KiB: {"remark":"…"} holds
				// 16371 bytes of text, and a value may be of any type.
				{path: "attributes.remark", kind: kText, max: 16371, bytes: 16371, optional: true, refuse: invStep,
					say: map[string]answer{"number for a string": acceptedAnswer, "object for a string": acceptedAnswer,
						"array for a string": acceptedAnswer, "bool for a string": acceptedAnswer}},
			},
		},
		{
			name: "calendar", method: "PUT", as: "admin", writes: []string{"calendar_years"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/calendar/2031", map[string]any{"year": 2031, "source": "国务院办公厅通知",
					"holidays": []any{"2031-01-01"}, "workdays": []any{"2031-01-04"}}
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				r := e.send(t, "GET", "/api/v1/calendar/2031", adminToken, nil)
				return fmt.Sprint(r.Status, string(r.Body))
			},
			show: shownBy("admin", "/api/v1/calendar/2031"),
			paths: []pathCase{
				{"injection", "/api/v1/calendar/" + esc(injections[1]), answer{400, "invalid_year"}},
				{"too large", "/api/v1/calendar/99999", answer{400, "invalid_year"}},
			},
			fields: []bodyField{
				{path: "year", kind: kInt, lo: 2031, hi: 2031, refuse: invCalendar},
				{path: "source", kind: kLine, max: 128, optional: true, refuse: invCalendar},
				{path: "holidays", kind: kList, max: 366, refuse: invCalendar},
				{path: "holidays.0", kind: kDate, refuse: invCalendar},
				{path: "workdays", kind: kList, max: 366, refuse: invCalendar},
				{path: "workdays.0", kind: kDate, refuse: invCalendar},
			},
		},
		{
			name: "policy drafts", method: "PUT", as: "legal", writes: []string{"policy_drafts"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				return "/api/v1/policies/bf_extra", map[string]any{"source": bfModule(n)}
			},
			watch: watching("legal", "/api/v1/policies"),
			paths: []pathCase{
				{"injection", "/api/v1/policies/" + esc(injections[0]), refusal("policy_invalid")},
				{"too long", "/api/v1/policies/" + strings.Repeat("a", 65), refusal("policy_invalid")},
			},
			fields: []bodyField{{path: "source", kind: kSource, optional: true, refuse: refusal("policy_invalid")}},
		},
		{
			name: "policy publish", method: "POST", as: "legal", writes: []string{"policy_revisions", "policy_drafts"}, optionalBody: true,
			target: func(t *testing.T, e *bodyEnv, n int) (string, map[string]any) {
				e.post(t, 200, "PUT", "/api/v1/policies/bf_extra", "legal", map[string]any{"source": bfModule(1000 + n)})
				return "/api/v1/policies/publish", map[string]any{"note": "发布测试"}
			},
			watch:  watching("legal", "/api/v1/policies"),
			show:   shownBy("legal", "/api/v1/policies/revisions"),
			fields: []bodyField{{path: "note", kind: kText, max: 500, optional: true, refuse: refusal("invalid_note")}},
		},
		{
			name: "policy rollback", method: "POST", as: "legal", writes: []string{"policy_revisions"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/policies/rollback", map[string]any{"revision": 1}
			},
			watch: watching("legal", "/api/v1/policies/revisions"),
			fields: []bodyField{{path: "revision", kind: kInt, lo: 1, noHi: true, refuse: refusal("invalid_revision"), extra: []subst{
				{label: "unknown revision", raw: "9007199254740993", want: answer{404, "revision_not_found"}},
			}}},
		},
		{
			name: "policy impact", method: "POST", as: "legal",
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/policies/impact", map[string]any{"from": "2026-01-01", "to": "2026-12-31"}
			},
			fields: []bodyField{
				{path: "from", kind: kBound, refuse: invPeriod},
				{path: "to", kind: kBound, refuse: invPeriod},
			},
		},
		noBody("sweeps", "/api/v1/sweeps", "admin", "cases", "warnings"),
		noBody("catalog check", "/api/v1/catalog/check", "admin", "warnings"),
		{
			name: "spot checks", method: "POST", as: "supervision", writes: []string{"spot_checks", "spot_check_cases"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/spot-checks", map[string]any{"departments": []any{"ZJJ"}, "from": "2026-01-01", "to": "2026-12-31",
					"size": 5, "seed": 42, "note": "季度抽查"}
			},
			show: shownBy("supervision", "/api/v1/spot-checks"),
			fields: []bodyField{
				{path: "departments", kind: kList, max: 1000, refuse: invSpot},
				{path: "departments.0", kind: kIdent, max: 32, refuse: invSpot},
				{path: "from", kind: kDate, refuse: invSpot},
				{path: "to", kind: kDate, refuse: invSpot},
				{path: "size", kind: kInt, lo: 1, hi: 1000, refuse: invSpot},
				{path: "seed", kind: kInt, noLo: true, noHi: true, extra: []subst{{label: "negative", raw: "-1"}}},
				{path: "note", kind: kText, max: 2000, optional: true, refuse: invSpot},
			},
		},
		{
			name: "spot check findings", method: "POST", as: "supervision", writes: []string{"spot_check_cases"},
			target: func(_ *testing.T, e *bodyEnv, _ int) (string, map[string]any) {
				return fmt.Sprintf("/api/v1/spot-checks/%d/findings", e.check), map[string]any{"case_no": e.sampled, "result": "problem", "note": "未按时送达"}
			},
			watch: func(t *testing.T, e *bodyEnv, _ string) string {
				return e.get(t, "supervision", fmt.Sprintf("/api/v1/spot-checks/%d", e.check))
			},
			show: func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string {
				return e.get(t, "supervision", fmt.Sprintf("/api/v1/spot-checks/%d", e.check))
			},
			paths: []pathCase{
				{"injection", "/api/v1/spot-checks/" + esc(injections[1]) + "/findings", answer{404, "spot_check_not_found"}},
				{"unknown", "/api/v1/spot-checks/99999999/findings", answer{404, "spot_check_not_found"}},
			},
			fields: []bodyField{
				{path: "case_no", kind: kIdent, max: 64, refuse: invFinding},
				{path: "result", kind: kIdent, max: 16, refuse: invFinding},
				{path: "note", kind: kText, max: 2000, refuse: invFinding},
			},
		},
		transition("deptAdmin", "explain", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "explain", "note": "已核实情况并作说明"}
		}, bodyField{path: "note", kind: kText, max: 2000, refuse: refusal("invalid_note"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("note_required")}}),
		transition("deptAdmin", "explain (action)", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "explain", "note": "已核实情况并作说明"}
		}, bodyField{path: "action", kind: kIdent, max: 32, refuse: refusal("unknown_action")}),
		transition("supervision", "refer", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			return e.newWarning(t), map[string]any{"action": "refer", "note": "移送监察局", "reference": "监察〔2026〕1号"}
		}, bodyField{path: "reference", kind: kIdent, max: 128, refuse: refusal("invalid_reference"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("reference_required")}}),
		transition("supervision", "close", func(t *testing.T, e *bodyEnv) (int64, map[string]any) {
			id := e.newWarning(t)
			e.post(t, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", id), "supervision",
				map[string]any{"action": "refer", "note": "移送监察局", "reference": "监察〔2026〕2号"})
			return id, map[string]any{"action": "close", "note": "办结", "outcome": "已给予党纪处分"}
		}, bodyField{path: "outcome", kind: kText, max: 2000, refuse: refusal("invalid_note"),
			say: map[string]answer{"over the limit": refusal("note_too_long"), "empty": refusal("outcome_required")}}),
		{
			name: "patrols", method: "POST", as: "inspector", writes: []string{"patrols"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/patrols", map[string]any{"at": stamp(-time.Hour), "findings": "平台运行正常", "problems": []any{"个别办件超期"}}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, _ map[string]any) string {
				var findings, problems string
				if err := e.db.QueryRow("SELECT findings, problems FROM patrols ORDER BY id DESC LIMIT 1").Scan(&findings, &problems); err != nil {
					t.Fatal(err)
				}
				return js(findings) + problems
			},
			fields: []bodyField{
				{path: "at", kind: kStamp, refuse: invPatrol},
				{path: "findings", kind: kText, max: 4000, refuse: invPatrol},
				{path: "problems", kind: kList, max: 100, refuse: invPatrol, extra: []subst{
					{label: "15 problems at their limit", raw: repeated(15, strings.Repeat("字", 1000))},
					{label: "100 problems at their limit", raw: repeated(100, strings.Repeat("字", 1000)), want: invPatrol},
				}},
				{path: "problems.0", kind: kText, max: 1000, refuse: invPatrol},
			},
		},
		{
			name: "patrol days", method: "POST", as: "admin", writes: []string{"patrol_days", "warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/patrols/close-days", map[string]any{"from": "2026-11-02", "to": "2026-11-06"}
			},
			fields: []bodyField{
				{path: "from", kind: kDate, optional: true, refuse: invPeriod},
				{path: "to", kind: kDate, optional: true, refuse: invPeriod},
			},
		},
		{
			name: "monthly explanations", method: "POST", as: "deptAdmin", writes: []string{"monthly_explanations"},
			target: func(_ *testing.T, _ *bodyEnv, n int) (string, map[string]any) {
				month := time.Date(2025, time.January+time.Month(n), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
				return "/api/v1/reports/monthly/explanations", map[string]any{"department_code": "ZJJ", "month": month,
					"text": "本月有预警，原因如下……", "signed_by": "王局长"}
			},
			show: func(t *testing.T, e *bodyEnv, _ string, body map[string]any) string {
				return e.get(t, "admin", "/api/v1/reports/monthly?department=ZJJ&month="+body["month"].(string))
			},
			fields: []bodyField{
				{path: "department_code", kind: kIdent, max: 32, optional: true, refuse: answer{403, "other_department"}},
				{path: "month", kind: kMonth, refuse: invExplanation},
				{path: "text", kind: kText, max: 20000, bytes: 65535, refuse: invExplanation},
				{path: "signed_by", kind: kLine, max: 64, refuse: invExplanation},
			},
		},
		{
			name: "month close", method: "POST", as: "admin", writes: []string{"warnings"},
			target: func(*testing.T, *bodyEnv, int) (string, map[string]any) {
				return "/api/v1/reports/monthly/close", map[string]any{"month": "2025-06", "department": "ZJJ"}
			},
			fields: []bodyField{
				{path: "month", kind: kMonth, refuse: refusal("invalid_month")},
				{path: "department", kind: kIdent, max: 32, optional: true, refuse: refusal("unknown_department")},
			},
		},
		review("approve"),
		review("reject"),
	}
}

// tiers returns n discretion tiers.
func tiers(n int) string {
	out := map[string]any{}
	for i := range n {
		out[fmt.Sprintf("情形%d", i+1)] = map[string]any{"min": 0, "max": 100}
	}
	return js(out)
}
