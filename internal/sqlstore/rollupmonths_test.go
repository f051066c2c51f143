package sqlstore

import "testing"

func TestWholeMonths(t *testing.T) {
	for _, c := range []struct {
		from, to, first, last string
		ok                    bool
	}{
		{"2025-01-01", "2026-01-01", "2025-01-01", "2026-01-01", true},
		{"2024-12-31", "2025-12-31", "2025-01-01", "2025-12-01", true},
		{"2025-12-01", "2026-01-01", "2025-12-01", "2026-01-01", true},
		{"2025-11-30", "2025-12-31", "2025-12-01", "2025-12-01", false},
		{"2025-02-28", "2025-03-01", "2025-03-01", "2025-03-01", false},
		{"2025-03-02", "2025-03-30", "2025-04-01", "2025-03-01", false},
		{"2024-02-29", "2024-04-01", "2024-03-01", "2024-04-01", true},
	} {
		first, last, ok := wholeMonths(c.from, c.to)
		if first != c.first || last != c.last || ok != c.ok {
			t.Errorf("wholeMonths(%s, %s) = %s, %s, %v; want %s, %s, %v", c.from, c.to, first, last, ok, c.first, c.last, c.ok)
		}
	}
}
