package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// topLevelFieldsCases are TestTopLevelFields' cases, and the seeds of
// FuzzTopLevelFields.
var topLevelFieldsCases = []struct {
	name string
	in   string
	want map[string]string
}{
	{"strings and numbers", `{"id": 12, "case_no": "C-1", "ok": true}`, map[string]string{"id": "12", "case_no": "C-1"}},
	{"nested values skipped", `{"a": {"id": 1}, "b": [1, 2], "id": "x"}`, map[string]string{"id": "x"}},
	{"cut short after the id", `{"id": 7, "cases": [{"case_no": "C-`, map[string]string{"id": "7"}},
	{"large ids kept exactly", `{"id": 9007199254740993}`, map[string]string{"id": "9007199254740993"}},
	{"variants of a key: the last", `{"ID": "a", "x": {"id": 1}, "id": "b"}`, map[string]string{"id": "b"}},
	{"a key again with a nested value: the scalar", `{"id": "a", "id": {}}`, map[string]string{"id": "a"}},
	{"variants of a key, cut short: the last before the cut", `{"Id": 3, "id": 4, "iD": "`, map[string]string{"id": "4"}},
	{"escaped string", `{"case_no": "C\u002d1"}`, map[string]string{"case_no": "C-1"}},
	{"negative and exponent numbers as written", `{"a": -5, "b": 1e3}`, map[string]string{"a": "-5", "b": "1e3"}},
	{"null", `null`, map[string]string{}},
	{"not an object", `[1, 2]`, map[string]string{}},
	{"not JSON", `{not json`, map[string]string{}},
	{"empty", ``, map[string]string{}},
}

func TestTopLevelFields(t *testing.T) {
	t.Parallel()
	for _, tt := range topLevelFieldsCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := topLevelFields([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("topLevelFields(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzTopLevelFields: topLevelFields gives what tokenTopLevelFields, a
// reading token by token, gives.
func FuzzTopLevelFields(f *testing.F) {
	for _, tt := range topLevelFieldsCases {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := topLevelFields(data), tokenTopLevelFields(data); !reflect.DeepEqual(got, want) {
			t.Errorf("topLevelFields(%q) = %v, token by token %v", data, got, want)
		}
	})
}

// tokenTopLevelFields reads data one token at a time, keeping the strings
// and numbers that are values of the outer object's keys; it stops at the
// first token that is not JSON.
func tokenTopLevelFields(data []byte) map[string]string {
	out := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	depth, key, wantKey := 0, "", false
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				if depth == 0 && v != '{' {
					return out
				}
				depth++
			} else {
				depth--
			}
			wantKey = depth == 1 && (v == '{' || v == '}' || v == ']')
			if depth == 0 {
				return out
			}
			continue
		case string:
			if depth == 1 && wantKey {
				key, wantKey = v, false
				continue
			}
			if depth == 1 {
				out[foldKey(key)] = v
			}
		case json.Number:
			if depth == 1 {
				out[foldKey(key)] = v.String()
			}
		}
		if depth == 0 {
			return out
		}
		wantKey = depth == 1
	}
}

// BenchmarkTopLevelFields reads the audit's fields of a step's body, as
// pcload sends it, and of a batch of 1,000 such steps.
func BenchmarkTopLevelFields(b *testing.B) {
	step := `{"id":"ZJJ-B1-000001-review","case_no":"ZJJ-B1-000001","step_code":"review","handler":"张三",` +
		`"occurred_at":"2026-03-02T10:04:00+08:00","legal_basis_ids":["LB1"],` +
		`"approvals":[{"role":"dept_inspector","by":"李四","at":"2026-03-02T10:03:00+08:00"}],` +
		`"attributes":{"amount":5000,"reason":"现场核查","tags":["a","b"]}}`
	batch := `{"steps":[` + strings.TrimSuffix(strings.Repeat(step+",", 1000), ",") + `]}`
	for _, bb := range []struct{ name, body string }{{"step", step}, {"batch of 1000", batch}} {
		b.Run(bb.name, func(b *testing.B) {
			data := []byte(bb.body)
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				topLevelFields(data)
			}
		})
	}
}
