package calendar_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

func mustDate(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestKind(t *testing.T) {
	c := calendar.Default()
	tests := []struct {
		day  string
		want calendar.DayKind
	}{
		{"2025-09-28", calendar.MakeupWorkday}, // Sunday before National Day
		{"2025-10-01", calendar.Holiday},
		{"2025-10-08", calendar.Holiday},
		{"2025-10-09", calendar.Workday},
		{"2025-10-11", calendar.MakeupWorkday}, // Saturday
		{"2025-10-12", calendar.Weekend},
		{"2026-01-04", calendar.MakeupWorkday}, // Sunday
		{"2026-02-14", calendar.MakeupWorkday},
		{"2026-02-23", calendar.Holiday}, // a Monday inside Spring Festival
		{"2026-02-24", calendar.Workday},
		{"2026-04-06", calendar.Holiday}, // 清明, Monday
		{"2026-03-02", calendar.Workday},
		{"2026-03-07", calendar.Weekend},
	}
	for _, tt := range tests {
		got, err := c.DayKind(mustDate(t, tt.day))
		if err != nil {
			t.Fatalf("DayKind(%s): %v", tt.day, err)
		}
		if got != tt.want {
			t.Errorf("DayKind(%s) = %s, want %s", tt.day, got, tt.want)
		}
	}
}

// periodCase is a period of n units from a day and the day it should end.
type periodCase struct {
	name string
	from string
	n    int
	unit string
	want string
}

// periodCases reads the cases of the period computation named name from
// testdata/periods.txt, one table for every such computation.
func periodCases(t *testing.T, name string) []periodCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "periods.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []periodCase
	for i, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != name {
			continue
		}
		if len(f) < 6 {
			t.Fatalf("periods.txt:%d: %q: want function, from, n, unit, want, case", i+1, line)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("periods.txt:%d: %v", i+1, err)
		}
		out = append(out, periodCase{name: strings.Join(f[5:], " "), from: f[1], n: n, unit: f[3], want: f[4]})
	}
	if len(out) == 0 {
		t.Fatalf("periods.txt has no case of %s", name)
	}
	return out
}

// checkPeriods runs each case of name in testdata/periods.txt through the
// period computation f.
func checkPeriods(t *testing.T, name string, f func(calendar.Date, int, string) (calendar.Date, error)) {
	t.Helper()
	for _, tt := range periodCases(t, name) {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f(mustDate(t, tt.from), tt.n, tt.unit)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("%s(%s, %d, %s) = %s, want %s", name, tt.from, tt.n, tt.unit, got, tt.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	checkPeriods(t, "AddDays", calendar.Default().AddDays)
}

func TestCountWorkdays(t *testing.T) {
	c := calendar.Default()
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-02", "2026-03-02", 0},
		{"2026-03-02", "2026-03-03", 1},
		{"2026-03-03", "2026-03-02", -1},
		{"2025-09-30", "2025-10-09", 1},
		{"2025-09-26", "2025-10-12", 6}, // 09-28 (Sun), 09-29, 09-30, 10-09, 10-10, 10-11 (Sat)
		{"2025-12-30", "2026-01-05", 3}, // 12-31, 01-04 (Sun), 01-05
	}
	for _, tt := range tests {
		got, err := c.CountWorkdays(mustDate(t, tt.a), mustDate(t, tt.b))
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("CountWorkdays(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCountMatchesAdd(t *testing.T) {
	c := calendar.Default()
	start := mustDate(t, "2025-01-01")
	for n := 1; n < 400; n += 7 {
		d, err := c.AddWorkdays(start, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.CountWorkdays(start, d)
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("CountWorkdays(start, AddWorkdays(start, %d)) = %d", n, got)
		}
	}
}

func TestUnknownYear(t *testing.T) {
	c := calendar.Default()
	_, err := c.AddWorkdays(mustDate(t, "2026-12-20"), 20)
	var unknown *calendar.UnknownYearError
	if !errors.As(err, &unknown) || unknown.Year != 2027 {
		t.Fatalf("AddWorkdays into 2027: err = %v, want UnknownYearError{2027}", err)
	}
	if _, err := c.DayKind(mustDate(t, "2024-06-03")); !errors.As(err, &unknown) {
		t.Fatalf("DayKind in 2024: err = %v, want UnknownYearError", err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		year calendar.Year
	}{
		{"date outside the year", calendar.Year{Year: 2027, Holidays: []string{"2026-12-31"}}},
		{"make-up day on a weekday", calendar.Year{Year: 2027, Workdays: []string{"2027-03-03"}}},
		{"listed twice", calendar.Year{Year: 2027, Holidays: []string{"2027-01-01"}, Workdays: []string{"2027-01-01"}}},
		{"bad date", calendar.Year{Year: 2027, Holidays: []string{"2027-02-30"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := calendar.New(tt.year); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

func TestDateOfUsesShanghai(t *testing.T) {
	// 2026-03-02T17:00Z is already 3 March in Shanghai.
	ts := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC)
	if got := calendar.DateOf(ts).String(); got != "2026-03-03" {
		t.Errorf("DateOf(%v) = %s, want 2026-03-03", ts, got)
	}
	if got := mustDate(t, "2026-03-03").End(); !got.Equal(time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("End = %v", got)
	}
}

func BenchmarkAddWorkdays20(b *testing.B) {
	c := calendar.Default()
	d := calendar.MakeDate(2026, 2, 9)
	for b.Loop() {
		if _, err := c.AddWorkdays(d, 20); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDue(t *testing.T) {
	c := calendar.Default()
	checkPeriods(t, "Due", c.Due)
	t.Run("a last day in an unknown year is not guessed", func(t *testing.T) {
		var unknown *calendar.UnknownYearError
		if _, err := c.Due(mustDate(t, "2026-12-30"), 2, "calendar"); !errors.As(err, &unknown) {
			t.Errorf("Due into 2027: err = %v, want an UnknownYearError", err)
		}
	})
}
