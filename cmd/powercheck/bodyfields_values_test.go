package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

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
	var out substList
	out.add("2 MiB string", js(strings.Repeat("x", 2<<20)), tooLarge)
	switch {
	case f.kind.stringy():
		f.stringSubsts(&out, valid)
	case f.kind == kInt || f.kind == kNum:
		f.numberSubsts(&out)
	case f.kind == kBool:
		out.add("string for a bool", `"true"`, malformed)
		out.add("number for a bool", `1`, malformed)
		out.add("object for a bool", `{}`, malformed)
	case f.kind == kList:
		out.add("object for an array", `{"a":1}`, malformed)
		out.add("string for an array", `"a"`, malformed)
		out.add("number for an array", `1`, malformed)
		if l, ok := valid.([]any); ok && len(l) > 0 && f.max > 0 {
			many := make([]any, f.max+1)
			for i := range many {
				many[i] = l[0]
			}
			out.add("too many elements", js(many), refused)
		}
	case f.kind == kObject:
		out.add("array for an object", `[]`, malformed)
		out.add("string for an object", `"a"`, malformed)
		out.add("number for an object", `1`, malformed)
		if m, ok := valid.(map[string]any); ok && !f.open {
			m = cloneMap(m)
			m["bf_unknown"] = 1
			out.add("unknown field", js(m), malformed)
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

// substList collects a field's values, in the order they are tried.
type substList []subst

// add tries raw, answered want.
func (l *substList) add(label, raw string, want answer) {
	*l = append(*l, subst{label: label, raw: raw, want: want})
}

// keep tries value as free text, accepted and shown back verbatim.
func (l *substList) keep(label, value string) {
	*l = append(*l, subst{label: label, raw: js(value), verify: true})
}

// stringSubsts adds the values tried in a string field: encodings, wrong
// types, injections, control characters, spaces, then limits and formats.
func (f bodyField) stringSubsts(l *substList, valid any) {
	refused := f.refuse
	l.add("invalid UTF-8", "\"ab\xff\xfecd\"", malformed)
	l.add("lone surrogate", `"ab\ud800cd"`, malformed)
	if f.kind != kKey {
		l.add("number for a string", "12345", malformed)
		l.add("object for a string", `{"a":"b"}`, malformed)
		l.add("array for a string", `["a"]`, malformed)
		l.add("bool for a string", "true", malformed)
	}
	for i, s := range injections {
		if f.kind.free() {
			l.keep(fmt.Sprintf("injection %d", i+1), s)
		} else {
			l.add(fmt.Sprintf("injection %d", i+1), js(s), refused)
		}
	}
	for _, c := range []string{"\x00", "\x1b[2J", "\x7f", "\u0085"} {
		l.add(fmt.Sprintf("control %U", []rune(c)[0]), js("ab"+c+"cd"), refused)
	}
	if f.kind.free() {
		// Escapes that decode to ordinary text are taken as sent.
		*l = append(*l, subst{label: "escaped surrogate pair", raw: `"ab\ud83d\ude00cd"`, verify: true},
			subst{label: "escaped backslash", raw: `"ab\\ud800cd"`, verify: true})
	}
	switch f.kind {
	case kText:
		l.keep("line break", "第一行\n第二行\t完")
	case kSource:
	default:
		l.add("line break", js("第一行\n第二行"), refused)
	}
	if !f.optional {
		l.add("empty", `""`, refused)
	}
	v, _ := valid.(string)
	if !f.kind.free() && f.kind != kSource && v != "" {
		l.add("trailing space", js(v+" "), refused)
		l.add("leading space", js(" "+v), refused)
	}
	f.limitSubsts(l, v)
}

// limitSubsts adds the values over a string field's limits and the
// malformed ones of a date or time; v is the valid value.
func (f bodyField) limitSubsts(l *substList, v string) {
	refused := f.refuse
	switch f.kind {
	case kLine, kText, kKey:
		l.add("over the limit", js(strings.Repeat("字", f.max+1)), refused)
		if f.bytes == 0 || 4*f.max <= f.bytes {
			l.keep("at the limit", strings.Repeat("𠀀", f.max))
		} else {
			l.keep("at the limit", strings.Repeat("字", min(f.max, f.bytes/3)))
			l.add("over the byte limit", js(strings.Repeat("𠀀", f.max)), refused)
			l.add("over the byte limit in ASCII", js(strings.Repeat("x", f.bytes+1)), refused)
		}
	case kIdent:
		if f.max > 0 {
			l.add("over the limit", js(strings.Repeat("A", f.max+1)), refused)
		}
	case kDate, kBound, kStamp, kMonth:
		l.add("over the limit", js(v+strings.Repeat("0", 200)), refused)
	}
	var formats []string
	switch f.kind {
	case kDate:
		formats = []string{"2026-02-30", "2026-13-01", "2026-3-2", "2026/03/02", "20260302", "2026-03-02T09:30:00+08:00"}
	case kBound:
		formats = []string{"2026-02-30", "2026-13-01", "2026/03/02", "2026-03-02 09:30:00", "2026-03-02T25:00:00+08:00", "2026-03-02T09:30:00"}
	case kStamp:
		formats = []string{"2026-02-30T09:30:00+08:00", "2026-03-02 09:30:00", "2026-03-02", "2026-03-02T09:30:00", "2026-03-02T09:30:00+99:00"}
		l.add("year 1", js("0001-01-01T00:00:00Z"), refused)
		l.add("before 2000", js("1969-12-31T23:59:59Z"), refused)
		l.add("far future", js("9999-12-31T23:59:59+08:00"), refused)
	case kMonth:
		formats = []string{"2026-13", "2026-00", "2026-1", "202603", "2025-06-01", "0000-01"}
	}
	for _, s := range formats {
		l.add("format "+s, js(s), refused)
	}
}

// numberSubsts adds the values tried in a number field.
func (f bodyField) numberSubsts(l *substList) {
	refused := f.refuse
	l.add("string for a number", `"5"`, malformed)
	l.add("object for a number", `{}`, malformed)
	l.add("array for a number", `[]`, malformed)
	l.add("bool for a number", `true`, malformed)
	l.add("beyond float64", "1e400", malformed)
	if f.kind == kInt {
		l.add("fraction", "1.5", malformed)
		l.add("beyond int64", "9223372036854775808", malformed)
	}
	if !f.noLo {
		l.add("below the range", strconv.FormatFloat(f.lo-1, 'g', -1, 64), refused)
	}
	if !f.noHi {
		above := f.hi + 1
		if f.kind == kNum {
			above = f.hi * 10
		}
		l.add("above the range", strconv.FormatFloat(above, 'g', -1, 64), refused)
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
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
