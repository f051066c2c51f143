package compliance

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
)

// CalendarStore keeps the yearly holiday schedules.
type CalendarStore interface {
	CalendarYears(ctx context.Context) ([]StoredYear, error)
	SaveCalendarYear(ctx context.Context, y StoredYear) error
	// ScheduleChecks sets the next check of every open case accepted at or
	// after from to at, so that the sweeper re-evaluates them.
	ScheduleChecks(ctx context.Context, from, at time.Time) (int64, error)
}

// StoredYear is a year's schedule with who entered it and when.
type StoredYear struct {
	calendar.Year
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CalendarHolder holds the calendar in force; the policy engine is one.
type CalendarHolder interface {
	Calendar() *calendar.Calendar
	SetCalendar(*calendar.Calendar)
}

// SyncCalendar loads the stored schedules into the calendar in force, first
// storing the official schedules of years the store does not have.
func (s *Accounts) SyncCalendar(ctx context.Context) error {
	cs := s.store
	stored, err := cs.CalendarYears(ctx)
	if err != nil {
		return err
	}
	have := map[int]bool{}
	for _, y := range stored {
		have[y.Year.Year] = true
	}
	for _, y := range calendar.Official() {
		if !have[y.Year] {
			sy := StoredYear{Year: y, UpdatedBy: "system", UpdatedAt: s.now().UTC()}
			if err := cs.SaveCalendarYear(ctx, sy); err != nil {
				return err
			}
			stored = append(stored, sy)
		}
	}
	years := make([]calendar.Year, len(stored))
	for i, y := range stored {
		years[i] = y.Year
	}
	c, err := calendar.New(years...)
	if err != nil {
		return fmt.Errorf("stored calendar: %w", err)
	}
	s.calendar.SetCalendar(c)
	return nil
}

// CalendarOverview lists the known years and the years that are missing
// around today (last year, this year and next year), which deadlines will
// reach into.
type CalendarOverview struct {
	Years   []StoredYear `json:"years"`
	Missing []int        `json:"missing"`
}

// CalendarOverview describes the calendar in force.
func (s *Accounts) CalendarOverview(ctx context.Context) (CalendarOverview, error) {
	cs := s.store
	stored, err := cs.CalendarYears(ctx)
	if err != nil {
		return CalendarOverview{}, err
	}
	for i := range stored {
		stored[i].Holidays, stored[i].Workdays = nil, nil // the overview names years only
	}
	return CalendarOverview{Years: nonNil(stored), Missing: s.MissingYears()}, nil
}

// MissingYears lists the years around today that the calendar does not know.
func (s *Accounts) MissingYears() []int {
	missing := []int{}
	if s.calendar == nil {
		return missing
	}
	this := calendar.DateOf(s.now()).Year()
	for y := this - 1; y <= this+1; y++ {
		if _, ok := s.calendar.Calendar().Year(y); !ok {
			missing = append(missing, y)
		}
	}
	return missing
}

// CalendarYear returns one year's schedule.
func (s *Accounts) CalendarYear(ctx context.Context, year int) (StoredYear, error) {
	cs := s.store
	stored, err := cs.CalendarYears(ctx)
	if err != nil {
		return StoredYear{}, err
	}
	for _, y := range stored {
		if y.Year.Year == year {
			return y, nil
		}
	}
	return StoredYear{}, Errorf(ClassNotFound, "calendar_year_unknown",
		"尚未录入 %d 年的节假日安排，涉及该年的期限无法计算，请系统管理员按国务院办公厅通知录入", year)
}

// PutCalendarResult says what a calendar change set in motion.
type PutCalendarResult struct {
	StoredYear
	// Rechecks is how many open cases will be re-evaluated by the sweeper.
	Rechecks int64 `json:"rechecks"`
}

// validateYear checks a year's schedule field by field: each date must be
// a YYYY-MM-DD day of that year, listed once, and a make-up working day a
// Saturday or Sunday.
func validateYear(y calendar.Year) error {
	var v Validation
	if utf8.RuneCountInString(y.Source) > 128 {
		v.Add("source", "依据（source）不超过 128 个字")
	}
	checkChars(&v, "source", "依据", y.Source, false)
	seen := map[calendar.Date]bool{}
	for _, list := range []struct {
		field string
		dates []string
	}{{"holidays", y.Holidays}, {"workdays", y.Workdays}} {
		for i, s := range list.dates {
			f := fmt.Sprintf("%s[%d]", list.field, i)
			d, err := calendar.ParseDate(s)
			switch {
			case err != nil:
				v.Add(f, "“%.32s”不是 YYYY-MM-DD 格式的日期", s)
			case d.Year() != y.Year:
				v.Add(f, "%s 不在 %d 年内", s, y.Year)
			case seen[d]:
				v.Add(f, "%s 重复列出", s)
			case list.field == "workdays" && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
				v.Add(f, "调休上班日 %s 不是周六或周日", s)
			}
			if err == nil {
				seen[d] = true
			}
			if len(v.fields) >= 20 {
				return v.Err("invalid_calendar", "节假日安排不合法") // enough to act on
			}
		}
	}
	return v.Err("invalid_calendar", "节假日安排不合法")
}

// PutCalendarYear enters or corrects a year's schedule. Open cases whose
// deadlines may reach into it are re-evaluated by the next sweep.
func (s *Accounts) PutCalendarYear(ctx context.Context, who *Account, y calendar.Year) (PutCalendarResult, error) {
	if err := Authorize(who, ActPutCalendar, ""); err != nil {
		return PutCalendarResult{}, err
	}
	cs := s.store
	if y.Holidays == nil {
		y.Holidays = []string{}
	}
	if y.Workdays == nil {
		y.Workdays = []string{}
	}
	if err := validateYear(y); err != nil {
		return PutCalendarResult{}, err
	}
	// validateYear says in Chinese what the calendar package refuses; this
	// is the backstop.
	if err := calendar.ValidateYear(y); err != nil {
		return PutCalendarResult{}, Errorf(ClassInvalid, "invalid_calendar", "节假日安排不合法：%v", err)
	}
	now := s.now()
	sy := StoredYear{Year: y, UpdatedBy: who.Username, UpdatedAt: now.UTC()}
	if err := cs.SaveCalendarYear(ctx, sy); err != nil {
		return PutCalendarResult{}, err
	}
	if err := s.SyncCalendar(ctx); err != nil {
		return PutCalendarResult{}, err
	}
	// A deadline that reaches into year y started at most a year or so
	// before it: every open case accepted since the start of y-1 is looked at.
	from := calendar.MakeDate(y.Year-1, time.January, 1).Start()
	n, err := cs.ScheduleChecks(ctx, from, now)
	if err != nil {
		return PutCalendarResult{}, err
	}
	stored, err := s.CalendarYear(ctx, y.Year)
	if err != nil {
		return PutCalendarResult{}, err
	}
	return PutCalendarResult{StoredYear: stored, Rechecks: n}, nil
}
