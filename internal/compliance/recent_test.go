package compliance

import (
	"fmt"
	"testing"
	"time"
)

// An answer is believed for recentTTL, unless something was forgotten
// since it was asked; the memory stays bounded.
func TestRecent(t *testing.T) {
	tests := []struct {
		name string
		run  func(r *recent[string, int])
		key  string
		want int // 0: nothing kept
	}{
		{"asked just now", func(r *recent[string, int]) { r.put("ZJJ-2026", 1, time.Now(), r.generation()) }, "ZJJ-2026", 1},
		{"another key", func(r *recent[string, int]) { r.put("ZJJ-2026", 1, time.Now(), r.generation()) }, "ZJJ-2027", 0},
		{"asked a TTL ago", func(r *recent[string, int]) { r.put("ZJJ-2026", 1, time.Now().Add(-recentTTL), r.generation()) }, "ZJJ-2026", 0},
		{"changed since", func(r *recent[string, int]) {
			r.put("ZJJ-2026", 1, time.Now(), r.generation())
			r.forget("ZJJ-2026")
		}, "ZJJ-2026", 0},
		{"asked before a change, told after", func(r *recent[string, int]) {
			gen := r.generation()
			r.forget("ZJJ-2026")
			r.put("ZJJ-2026", 1, time.Now(), gen)
		}, "ZJJ-2026", 0},
		{"asked after a change", func(r *recent[string, int]) {
			r.forget("ZJJ-KC")
			r.put("ZJJ-2026", 2, time.Now(), r.generation())
		}, "ZJJ-2026", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recent[string, int]
			tt.run(&r)
			got, ok := r.get(tt.key)
			if ok != (tt.want != 0) || got != tt.want {
				t.Errorf("get(%s) = %d, %v; want %d", tt.key, got, ok, tt.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		var r recent[string, int]
		for i := range 3 * maxRecent {
			r.put(fmt.Sprintf("C-%d", i), i+1, time.Now(), r.generation())
			if n := len(r.vals); n > maxRecent {
				t.Fatalf("%d answers kept, want at most %d", n, maxRecent)
			}
		}
		if v, ok := r.get(fmt.Sprintf("C-%d", 3*maxRecent-1)); !ok || v != 3*maxRecent {
			t.Error("the last answer put is not kept")
		}
	})
}
