package httpapi

import (
	"testing"

	"powercheck/internal/compliance"
)

func TestDecodeRefusesAmbiguousKeys(t *testing.T) {
	t.Parallel()
	type account struct {
		Username string         `json:"username"`
		Role     string         `json:"role"`
		Extra    map[string]any `json:"extra"`
		List     []any          `json:"list"`
	}
	for _, tc := range []struct {
		body string
		dup  string // the key named, "" when the body is taken
	}{
		{`{"username":"a","role":"clerk"}`, ""},
		{`{"username":"a","username":"b"}`, "username"},
		{`{"username":"decoy","USERNAME":"hidden"}`, "USERNAME"},
		{`{"username":"decoy","UserName":"hidden"}`, "UserName"},
		{`{"role":"a","\u212Aey":1,"key":2}`, "key"},                   // the Kelvin sign is a k
		{`{"extra":{"k":1,"\u212A":2}}`, "k"},                          // the Kelvin sign folds to k
		{`{"extra":{"a":{"b":1},"b":2},"list":[{"x":1},{"x":2}]}`, ""}, // same key in different objects is fine
		{`{"list":[{"x":1,"X":2}]}`, "X"},
		{`{"extra":{}, "role":"r"}`, ""},
		{`{"extra":{"a":[1,{"b":{}}],"A":0}}`, "A"},
		{`[{"a":1},{"a":1}]`, ""},
	} {
		var v account
		err := decodeStrict([]byte(tc.body), &v)
		gotDup := err != nil && compliance.ClassOf(err) == compliance.ClassBadRequest && publicCode(err) == "duplicate_key"
		if gotDup != (tc.dup != "") {
			t.Errorf("%s: %v, want duplicate %q", tc.body, err, tc.dup)
		}
	}
	// What the audit reads matches what the decoder took.
	if got := topLevelFields([]byte(`{"USERNAME":"x","Code":"ZJJ"}`)); got["username"] != "x" || got["code"] != "ZJJ" {
		t.Errorf("topLevelFields = %v, want the keys as the decoder matches them", got)
	}
}
