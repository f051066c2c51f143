package sqlstore

import (
	"fmt"
	"testing"
)

func TestSpansOf(t *testing.T) {
	for _, c := range []struct {
		from, to    string
		whole, most string
		plus, minus string
	}{
		{"2025-01-01", "2026-01-01", "[2025-01 2026-01)", "[]", "[]", "[]"},
		{"2025-12-01", "2026-01-01", "[2025-12 2026-01)", "[]", "[]", "[]"},
		// A day less than a year: the last month less its last day.
		{"2024-12-31", "2025-12-31", "[2025-01 2025-12)", "[2025-12]", "[[2024-12-31 2025-01-01]]", "[[2025-12-31 2026-01-01]]"},
		{"2025-11-30", "2025-12-31", "[ )", "[2025-12]", "[[2025-11-30 2025-12-01]]", "[[2025-12-31 2026-01-01]]"},
		// More than half of one month, inside it.
		{"2025-03-03", "2025-03-29", "[ )", "[2025-03]", "[]", "[[2025-03-01 2025-03-03] [2025-03-29 2025-04-01]]"},
		// Half of a month or less: its days, adjacent ones as one range.
		{"2025-03-02", "2025-03-17", "[ )", "[]", "[[2025-03-02 2025-03-17]]", "[]"},
		{"2025-02-20", "2025-03-10", "[ )", "[]", "[[2025-02-20 2025-03-10]]", "[]"},
		{"2025-02-28", "2025-03-01", "[ )", "[]", "[[2025-02-28 2025-03-01]]", "[]"},
		// 15 of 29 days is more than half; 14 of 28 is not.
		{"2024-02-15", "2024-03-01", "[ )", "[2024-02]", "[]", "[[2024-02-01 2024-02-15]]"},
		{"2025-02-15", "2025-03-01", "[ )", "[]", "[[2025-02-15 2025-03-01]]", "[]"},
		{"2025-01-20", "2025-04-05", "[2025-02 2025-04)", "[]", "[[2025-01-20 2025-02-01] [2025-04-01 2025-04-05]]", "[]"},
		{"2025-01-10", "2025-04-25", "[2025-02 2025-04)", "[2025-01 2025-04]", "[]", "[[2025-01-01 2025-01-10] [2025-04-25 2025-05-01]]"},
	} {
		sp, err := spansOf(c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		whole := fmt.Sprintf("[%s %s)", sp.mFrom, sp.mTo)
		most, plus, minus := fmt.Sprint(sp.most), fmt.Sprint(sp.plus), fmt.Sprint(sp.minus)
		if whole != c.whole || most != c.most || plus != c.plus || minus != c.minus {
			t.Errorf("spansOf(%s, %s) = whole %s, most %s, plus %s, minus %s; want %s, %s, %s, %s",
				c.from, c.to, whole, most, plus, minus, c.whole, c.most, c.plus, c.minus)
		}
	}
}
