package calendar_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

// FuzzYear reads a year's schedule as PUT /api/v1/calendar/{year} takes it.
// A schedule is refused or builds a calendar in which every listed day has
// its kind, and in which counting and adding working days agree.
func FuzzYear(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, day uint16, n int16) {
		var y calendar.Year
		if err := json.Unmarshal(data, &y); err != nil {
			return
		}
		errValid := calendar.ValidateYear(y)
		c, errNew := calendar.New(y)
		if (errValid == nil) != (errNew == nil) {
			t.Fatalf("ValidateYear: %v; New: %v", errValid, errNew)
		}
		if errNew != nil {
			return
		}
		spec, ok := c.Year(y.Year)
		if !ok || !slices.IsSorted(spec.Holidays) || !slices.IsSorted(spec.Workdays) ||
			len(spec.Holidays) != len(y.Holidays) || len(spec.Workdays) != len(y.Workdays) {
			t.Fatalf("Year(%d) = %+v, %v; from %+v", y.Year, spec, ok, y)
		}
		for _, list := range []struct {
			days []string
			want calendar.DayKind
		}{{y.Holidays, calendar.Holiday}, {y.Workdays, calendar.MakeupWorkday}} {
			for _, s := range list.days {
				d, err := calendar.ParseDate(s)
				if err != nil {
					t.Fatalf("accepted date %q does not parse: %v", s, err)
				}
				if k, err := c.DayKind(d); err != nil || k != list.want {
					t.Fatalf("DayKind(%s) = %s, %v; want %s", s, k, err, list.want)
				}
			}
		}
		first := calendar.MakeDate(y.Year, time.January, 1)
		d := first + calendar.Date(int(day)%366)
		if d.Year() != y.Year {
			return
		}
		m := int(n) % 400
		e, err := c.AddWorkdays(d, m)
		var unknown *calendar.UnknownYearError
		switch {
		case errors.As(err, &unknown):
			return // the count ran out of the one known year
		case err != nil:
			t.Fatalf("AddWorkdays(%s, %d): %v", d, m, err)
		}
		if m > 0 {
			if ok, err := c.IsWorkday(e); err != nil || !ok {
				t.Fatalf("AddWorkdays(%s, %d) = %s, not a working day (%v)", d, m, e, err)
			}
			if got, err := c.CountWorkdays(d, e); err != nil || got != m {
				t.Fatalf("CountWorkdays(%s, %s) = %d, %v; want %d", d, e, got, err, m)
			}
			if got, err := c.CountWorkdays(e, d); err != nil || got != -m {
				t.Fatalf("CountWorkdays(%s, %s) = %d, %v; want %d", e, d, got, err, -m)
			}
		}
	})
}
