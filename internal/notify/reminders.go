package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// Facts are the service's answers the reminders are made of.
type Facts interface {
	ListDepartments(ctx context.Context) ([]compliance.Department, error)
	PatrolLedger(ctx context.Context, who *compliance.Account, dept, from, to string) (compliance.PatrolLedger, error)
	MonthlyReport(ctx context.Context, who *compliance.Account, dept, month string) (compliance.MonthlyReport, error)
	ExplanationDue(month string) (string, error)
	RuleParams() compliance.RuleParams
}

// EventAppender writes events that no change causes.
type EventAppender interface {
	AppendEvents(ctx context.Context, events []compliance.Event) error
}

// Reminder hours, Asia/Shanghai: patrols are counted at 16:00, when a
// department can still make up the day's; explanations are reminded of in
// the morning of the working day before they run out.
const (
	PatrolReminderHour      = 16
	ExplanationReminderHour = 9
)

// Reminders writes patrol.short and explanation.due. Each event carries a
// key, so any number of nodes running Reminders write each once.
type Reminders struct {
	facts  Facts
	events EventAppender
	cal    func() *calendar.Calendar
	now    func() time.Time
	log    *slog.Logger

	mu   sync.Mutex
	done map[string]bool // "patrol|<date>", "explanation|<date>": this node's work done
}

// system is the account the reminders read facts as: the whole district.
var system = &compliance.Account{Username: compliance.SystemActor, Role: compliance.RoleOversight}

// NewReminders returns the reminders; now is their clock (nil: the system's).
func NewReminders(facts Facts, events EventAppender, cal func() *calendar.Calendar, now func() time.Time, log *slog.Logger) *Reminders {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Reminders{facts: facts, events: events, cal: cal, now: now, log: log, done: map[string]bool{}}
}

// Run writes the reminders due at the clock's time that this node has not
// written yet today.
func (r *Reminders) Run(ctx context.Context) error {
	now := r.now()
	today := calendar.DateOf(now)
	c := r.cal()
	if c == nil {
		return errors.New("reminders: no calendar")
	}
	k, err := c.DayKind(today)
	var unknown *calendar.UnknownYearError
	if errors.As(err, &unknown) {
		return nil // no working days without the year's calendar
	}
	if err != nil || !k.IsWorking() {
		return err
	}
	hour := now.In(calendar.Shanghai).Hour()
	r.mu.Lock()
	defer r.mu.Unlock()
	if key := "patrol|" + today.String(); hour >= PatrolReminderHour && !r.done[key] {
		if err := r.patrolsShort(ctx, today, now); err != nil {
			return err
		}
		r.done[key] = true
	}
	if key := "explanation|" + today.String(); hour >= ExplanationReminderHour && !r.done[key] {
		if err := r.explanationsDue(ctx, c, today, now); err != nil {
			return err
		}
		r.done[key] = true
	}
	return nil
}

// patrolsShort writes patrol.short for each department whose patrols that
// count for today are fewer than a working day needs.
func (r *Reminders) patrolsShort(ctx context.Context, today calendar.Date, now time.Time) error {
	depts, err := r.facts.ListDepartments(ctx)
	if err != nil {
		return err
	}
	required := r.facts.RuleParams().PatrolsPerWorkday
	var events []compliance.Event
	for _, d := range depts {
		l, err := r.facts.PatrolLedger(ctx, system, d.Code, today.String(), today.String())
		if err != nil {
			return err
		}
		done := 0
		for _, day := range l.Days {
			done += day.Patrols
		}
		if done < required {
			events = append(events, compliance.PatrolShortEvent(compliance.PatrolShort{Department: d.Code,
				Date: today.String(), Done: done, Required: required}, now))
		}
	}
	return r.events.AppendEvents(ctx, events)
}

// explanationsDue writes explanation.due for each department that owes the
// explanation of a month due on the next working day and has not given it.
func (r *Reminders) explanationsDue(ctx context.Context, c *calendar.Calendar, today calendar.Date, now time.Time) error {
	next, err := c.AddWorkdays(today, 1)
	if err != nil {
		var unknown *calendar.UnknownYearError
		if errors.As(err, &unknown) {
			return nil
		}
		return err
	}
	t := today.Start()
	var months []string
	for _, m := range []time.Time{t.AddDate(0, 0, 1-t.Day()).AddDate(0, -1, 0), t} {
		month := m.Format("2006-01")
		due, err := r.facts.ExplanationDue(month)
		if yearUnknown(err) {
			// December's explanation runs out in a year whose holidays
			// are not entered yet: nothing is due before they are.
			continue
		}
		if err != nil {
			return err
		}
		if due == next.String() {
			months = append(months, month)
		}
	}
	if len(months) == 0 {
		return nil
	}
	depts, err := r.facts.ListDepartments(ctx)
	if err != nil {
		return err
	}
	var events []compliance.Event
	for _, month := range months {
		for _, d := range depts {
			rep, err := r.facts.MonthlyReport(ctx, system, d.Code, month)
			if err != nil {
				return err
			}
			if rep.ExplanationRequired && rep.Explanation == nil {
				events = append(events, compliance.ExplanationDueEvent(compliance.ExplanationDueNotice{Department: d.Code,
					Month: month, Due: rep.ExplanationDue}, now))
			}
		}
	}
	return r.events.AppendEvents(ctx, events)
}

// yearUnknown reports whether err says that a year's calendar is missing.
func yearUnknown(err error) bool {
	var e *compliance.Error
	return errors.As(err, &e) && e.Code == "calendar_year_unknown"
}
