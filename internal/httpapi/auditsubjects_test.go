package httpapi

import (
	"reflect"
	"testing"
)

func TestTopLevelFields(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		want map[string]string
	}{
		{"strings and numbers", `{"id": 12, "case_no": "C-1", "ok": true}`, map[string]string{"id": "12", "case_no": "C-1"}},
		{"nested values skipped", `{"a": {"id": 1}, "b": [1, 2], "id": "x"}`, map[string]string{"id": "x"}},
		{"cut short after the id", `{"id": 7, "cases": [{"case_no": "C-`, map[string]string{"id": "7"}},
		{"large ids kept exactly", `{"id": 9007199254740993}`, map[string]string{"id": "9007199254740993"}},
		{"not an object", `[1, 2]`, map[string]string{}},
		{"not JSON", `{not json`, map[string]string{}},
		{"empty", ``, map[string]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := topLevelFields([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("topLevelFields(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
