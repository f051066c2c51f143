// Package calendar knows which days are working days in the People's Republic
// of China: weekends, public holidays and make-up working days (调休), year by
// year as the State Council announces them, and counts periods the way the law
// does (the start day is not counted).
package calendar

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"time"
)

// DayKind classifies a day: a working day, a holiday, …
type DayKind string

// The kinds of day.
const (
	Workday       DayKind = "workday"        // an ordinary Monday–Friday
	MakeupWorkday DayKind = "makeup_workday" // a weekend day worked in exchange for a holiday
	Holiday       DayKind = "holiday"        // a public holiday, including the weekend days inside it
	Weekend       DayKind = "weekend"        // an ordinary Saturday or Sunday
)

// IsWorking reports whether a day of kind k is a working day.
func (k DayKind) IsWorking() bool { return k == Workday || k == MakeupWorkday }

// Year is the announced schedule of one year: its days off and its make-up
// working days, as YYYY-MM-DD dates.
type Year struct {
	Year     int      `json:"year"`
	Source   string   `json:"source,omitempty"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// UnknownYearError says that a computation reached a year whose schedule has
// not been entered. Treating such a year as "weekdays only" would silently
// miscount every holiday in it.
type UnknownYearError struct{ Year int }

func (e *UnknownYearError) Error() string {
	return fmt.Sprintf("calendar: the holiday schedule of %d has not been entered", e.Year)
}

// yearTable answers a year's questions in constant time.
type yearTable struct {
	spec  Year
	first Date
	kinds []DayKind
	// cum[i] is the number of working days among the year's first i days.
	cum []int
}

// Calendar is an immutable set of yearly schedules. Build a new one to change
// it; callers swap whole calendars.
type Calendar struct {
	years map[int]*yearTable
}

// New builds a calendar from yearly schedules, rejecting malformed ones.
func New(years ...Year) (*Calendar, error) {
	c := &Calendar{years: make(map[int]*yearTable, len(years))}
	for _, y := range years {
		t, err := buildYear(y)
		if err != nil {
			return nil, err
		}
		if _, dup := c.years[y.Year]; dup {
			return nil, fmt.Errorf("calendar: year %d given twice", y.Year)
		}
		c.years[y.Year] = t
	}
	return c, nil
}

// ValidateYear checks one year's schedule without building a calendar.
func ValidateYear(y Year) error {
	_, err := buildYear(y)
	return err
}

func buildYear(y Year) (*yearTable, error) {
	if y.Year < 1970 || y.Year > 9999 {
		return nil, fmt.Errorf("calendar: year %d out of range", y.Year)
	}
	first := MakeDate(y.Year, time.January, 1)
	n := int(MakeDate(y.Year+1, time.January, 1) - first)
	t := &yearTable{first: first, kinds: make([]DayKind, n), cum: make([]int, n+1)}
	for i := range n {
		switch (first + Date(i)).Weekday() {
		case time.Saturday, time.Sunday:
			t.kinds[i] = Weekend
		default:
			t.kinds[i] = Workday
		}
	}
	seen := map[Date]string{}
	mark := func(list []string, what string, apply func(i int) error) error {
		for _, s := range list {
			d, err := ParseDate(s)
			if err != nil {
				return fmt.Errorf("calendar %d: %s: %w", y.Year, what, err)
			}
			if d.Year() != y.Year {
				return fmt.Errorf("calendar %d: %s %s is not in that year", y.Year, what, s)
			}
			if prev, ok := seen[d]; ok {
				return fmt.Errorf("calendar %d: %s is listed as %s and as %s", y.Year, s, prev, what)
			}
			seen[d] = what
			if err := apply(int(d - first)); err != nil {
				return fmt.Errorf("calendar %d: %s: %w", y.Year, s, err)
			}
		}
		return nil
	}
	if err := mark(y.Holidays, "holiday", func(i int) error { t.kinds[i] = Holiday; return nil }); err != nil {
		return nil, err
	}
	if err := mark(y.Workdays, "make-up working day", func(i int) error {
		if t.kinds[i] != Weekend {
			return errors.New("a make-up working day must fall on a Saturday or Sunday")
		}
		t.kinds[i] = MakeupWorkday
		return nil
	}); err != nil {
		return nil, err
	}
	for i, k := range t.kinds {
		t.cum[i+1] = t.cum[i]
		if k.IsWorking() {
			t.cum[i+1]++
		}
	}
	y.Holidays = sortedCopy(y.Holidays)
	y.Workdays = sortedCopy(y.Workdays)
	t.spec = y
	return t, nil
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

//go:embed data/*.json
var official embed.FS

// Official returns the schedules shipped with powercheck (the State Council's
// announcements for 2025 and 2026).
func Official() []Year {
	paths, err := fs.Glob(official, "data/*.json")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	out := make([]Year, 0, len(paths))
	for _, p := range paths {
		b, err := official.ReadFile(p)
		if err != nil {
			panic(err) // embedded at build time
		}
		var y Year
		if err := json.Unmarshal(b, &y); err != nil {
			panic(fmt.Sprintf("calendar: embedded %s: %v", p, err))
		}
		out = append(out, y)
	}
	return out
}

// Default returns a calendar of the official schedules.
func Default() *Calendar {
	c, err := New(Official()...)
	if err != nil {
		panic(fmt.Sprintf("calendar: embedded schedules: %v", err)) // covered by tests
	}
	return c
}

// Years lists the years the calendar knows, ascending.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Year returns the schedule of year y.
func (c *Calendar) Year(y int) (Year, bool) {
	t, ok := c.years[y]
	if !ok {
		return Year{}, false
	}
	return t.spec, true
}

func (c *Calendar) table(d Date) (*yearTable, int, error) {
	y := d.Year()
	t, ok := c.years[y]
	if !ok {
		return nil, 0, &UnknownYearError{Year: y}
	}
	return t, int(d - t.first), nil
}

// DayKind classifies day d.
func (c *Calendar) DayKind(d Date) (DayKind, error) {
	t, i, err := c.table(d)
	if err != nil {
		return "", err
	}
	return t.kinds[i], nil
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Date) (bool, error) {
	k, err := c.DayKind(d)
	return k.IsWorking(), err
}

// AddWorkdays returns the n-th working day after d; d itself is not counted
// (期间开始之日不计算在内). With n = 0 it returns d. A negative n counts back.
func (c *Calendar) AddWorkdays(d Date, n int) (Date, error) {
	step := Date(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += step
		ok, err := c.IsWorkday(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}

// CountWorkdays returns the number of working days after a up to and
// including b; it is negative when b is before a.
func (c *Calendar) CountWorkdays(a, b Date) (int, error) {
	if b < a {
		n, err := c.CountWorkdays(b, a)
		return -n, err
	}
	// upto(d) = working days from the first known day through d.
	upto := func(d Date) (int, error) {
		t, i, err := c.table(d)
		if err != nil {
			return 0, err
		}
		return t.cum[i+1], nil
	}
	if a.Year() == b.Year() {
		ua, err := upto(a)
		if err != nil {
			return 0, err
		}
		ub, err := upto(b)
		return ub - ua, err
	}
	total, err := upto(b)
	if err != nil {
		return 0, err
	}
	ua, err := upto(a)
	if err != nil {
		return 0, err
	}
	total += c.years[a.Year()].cum[len(c.years[a.Year()].kinds)] - ua
	for y := a.Year() + 1; y < b.Year(); y++ {
		t, ok := c.years[y]
		if !ok {
			return 0, &UnknownYearError{Year: y}
		}
		total += t.cum[len(t.kinds)]
	}
	return total, nil
}

// AddDays returns the day n units after d: working days for unit "workday"
// (or ""), calendar days for "calendar". The start day is not counted either
// way.
func (c *Calendar) AddDays(d Date, n int, unit string) (Date, error) {
	switch unit {
	case "", "workday":
		return c.AddWorkdays(d, n)
	case "calendar":
		return d.AddDays(n), nil
	default:
		return 0, fmt.Errorf("calendar: unknown unit %q (want workday or calendar)", unit)
	}
}

// Due returns the last day of a period of n units counted from d, as the law
// counts it: the start day is not counted, and a period whose last day is a
// rest day or a public holiday ends on the next working day (民法典第二百零三条,
// 民事诉讼法第八十五条). For unit "workday" that is AddWorkdays; for "calendar"
// the n-th day after d, moved to the next working day when it is not one.
// A make-up working day (调休上班日) is a working day.
func (c *Calendar) Due(d Date, n int, unit string) (Date, error) {
	due, err := c.AddDays(d, n, unit)
	if err != nil || unit != "calendar" {
		return due, err
	}
	for {
		ok, err := c.IsWorkday(due)
		if err != nil {
			return 0, err
		}
		if ok {
			return due, nil
		}
		due++
	}
}
