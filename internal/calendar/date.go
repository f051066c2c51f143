package calendar

import (
	"fmt"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without a zoneinfo database.
)

// Shanghai is the time zone of every date computation in powercheck.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("calendar: load %s: %v", name, err)) // embedded tzdata: cannot fail
	}
	return loc
}

// Date is a civil date, counted in days since 1970-01-01. Dates compare and
// subtract as integers.
type Date int32

// DateOf returns the civil date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return MakeDate(y, m, d)
}

// MakeDate returns the date y-m-d; out-of-range values normalise like time.Date.
func MakeDate(y int, m time.Month, d int) Date {
	return Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("parse date %q: %w", s, err)
	}
	return MakeDate(t.Date()), nil
}

// ParseDateOrTime reads either a YYYY-MM-DD date or an RFC 3339 timestamp,
// which is converted to its date in Asia/Shanghai.
func ParseDateOrTime(s string) (Date, error) {
	if len(s) == len(time.DateOnly) {
		return ParseDate(s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("parse time %q: %w", s, err)
	}
	return DateOf(t), nil
}

func (d Date) civil() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Year returns the calendar year of d.
func (d Date) Year() int { return d.civil().Year() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.civil().Weekday() }

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return d.civil().Format(time.DateOnly) }

// Start returns the first instant of d in Asia/Shanghai.
func (d Date) Start() time.Time {
	y, m, day := d.civil().Date()
	return time.Date(y, m, day, 0, 0, 0, 0, Shanghai)
}

// End returns the first instant after d in Asia/Shanghai: a period that ends
// on d runs until (but excluding) this instant.
func (d Date) End() time.Time { return (d + 1).Start() }
