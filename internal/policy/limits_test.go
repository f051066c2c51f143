package policy

import (
	"strings"
	"testing"
	"unicode/utf8"

	"powercheck/internal/compliance"
)

func TestCutMessage(t *testing.T) {
	t.Parallel()
	n := compliance.MaxMessageRunes
	for _, tt := range []struct {
		in   string
		want int
		cut  bool
	}{
		{"短", 1, false},
		{strings.Repeat("长", n), n, false},
		{strings.Repeat("长", n+1), n, true},
		{strings.Repeat("a", 3*n), n, true},
	} {
		got := cutMessage(tt.in)
		if utf8.RuneCountInString(got) != tt.want || !utf8.ValidString(got) || strings.HasSuffix(got, "…") != tt.cut {
			t.Errorf("cutMessage(%d characters) = %d characters, cut %v; want %d, cut %v",
				utf8.RuneCountInString(tt.in), utf8.RuneCountInString(got), strings.HasSuffix(got, "…"), tt.want, tt.cut)
		}
	}
}
