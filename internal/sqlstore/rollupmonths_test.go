package sqlstore

import (
	"fmt"
	"testing"
	"time"
)

// TestSpansOf holds the spans of every period of up to 400 days starting in
// 2023–2024 (a leap February among them) to what they must be: each day of
// the period counted once and no other day, by whole months, months less
// the days they lack, and days; and no month read by more than half its
// days.
func TestSpansOf(t *testing.T) {
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	for start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC); start.Year() < 2025; start = start.AddDate(0, 0, 5) {
		for n := 1; n <= 400; n += 11 {
			end := start.AddDate(0, 0, n)
			sp, err := spansOf(day(start), day(end))
			if err != nil {
				t.Fatal(err)
			}
			counted := map[string]int{}  // day → times counted
			daysRead := map[string]int{} // month → days read from the day counters
			month := func(m string) {
				first, err := time.Parse("2006-01", m)
				if err != nil {
					t.Fatal(err)
				}
				for d := first; d.Before(first.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
					counted[day(d)]++
				}
			}
			days := func(r [2]string, sign int) {
				a, _ := time.Parse(time.DateOnly, r[0])
				b, _ := time.Parse(time.DateOnly, r[1])
				for d := a; d.Before(b); d = d.AddDate(0, 0, 1) {
					counted[day(d)] += sign
					daysRead[day(d)[:7]]++
				}
			}
			if sp.mFrom < sp.mTo {
				m, _ := time.Parse("2006-01", sp.mFrom)
				for ; m.Format("2006-01") < sp.mTo; m = m.AddDate(0, 1, 0) {
					month(m.Format("2006-01"))
				}
			}
			for _, m := range sp.most {
				month(m)
			}
			for _, r := range sp.plus {
				days(r, 1)
			}
			for _, r := range sp.minus {
				days(r, -1)
			}
			what := fmt.Sprintf("spansOf(%s, %s) = %+v", day(start), day(end), sp)
			for d := start.AddDate(0, -1, 0); d.Before(end.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
				want := 0
				if !d.Before(start) && d.Before(end) {
					want = 1
				}
				if counted[day(d)] != want {
					t.Fatalf("%s: day %s counted %d times, want %d", what, day(d), counted[day(d)], want)
				}
			}
			for m, n := range daysRead {
				first, _ := time.Parse("2006-01", m)
				if all := first.AddDate(0, 1, -1).Day(); 2*n > all {
					t.Fatalf("%s: %d days of %s read, more than half of its %d", what, n, m, all)
				}
			}
		}
	}
	// A year moved back by a day: twelve months, December less its last
	// day, and the day before them.
	sp, err := spansOf("2024-12-31", "2025-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("%+v", sp), "{mFrom:2025-01 mTo:2025-12 most:[2025-12] plus:[[2024-12-31 2025-01-01]] minus:[[2025-12-31 2026-01-01]]}"; got != want {
		t.Errorf("spansOf(2024-12-31, 2025-12-31) = %s, want %s", got, want)
	}
}
