package compliance

import (
	"fmt"
	"testing"
	"time"
)

// A code found to be no department's is believed so for absentCodeTTL,
// unless a department was created meanwhile; the memory stays bounded.
func TestAbsentCodes(t *testing.T) {
	tests := []struct {
		name string
		run  func(a *absentCodes)
		code string
		want bool
	}{
		{"found missing just now", func(a *absentCodes) { a.add("ZJJ-2026", time.Now(), a.generation()) }, "ZJJ-2026", true},
		{"another code", func(a *absentCodes) { a.add("ZJJ-2026", time.Now(), a.generation()) }, "ZJJ-2027", false},
		{"found missing a TTL ago", func(a *absentCodes) { a.add("ZJJ-2026", time.Now().Add(-absentCodeTTL), a.generation()) }, "ZJJ-2026", false},
		{"created since", func(a *absentCodes) {
			a.add("ZJJ-2026", time.Now(), a.generation())
			a.forget("ZJJ-2026")
		}, "ZJJ-2026", false},
		{"asked before a department was created, told after", func(a *absentCodes) {
			gen := a.generation()
			a.forget("ZJJ-2026")
			a.add("ZJJ-2026", time.Now(), gen)
		}, "ZJJ-2026", false},
		{"asked after a department was created", func(a *absentCodes) {
			a.forget("ZJJ-KC")
			a.add("ZJJ-2026", time.Now(), a.generation())
		}, "ZJJ-2026", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a absentCodes
			tt.run(&a)
			if got := a.has(tt.code); got != tt.want {
				t.Errorf("has(%s) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		var a absentCodes
		for i := range 3 * maxAbsentCodes {
			a.add(fmt.Sprintf("C-%d", i), time.Now(), a.generation())
			if n := len(a.codes); n > maxAbsentCodes {
				t.Fatalf("%d codes remembered, want at most %d", n, maxAbsentCodes)
			}
		}
		if !a.has(fmt.Sprintf("C-%d", 3*maxAbsentCodes-1)) {
			t.Error("the last code added is not remembered")
		}
	})
}
