package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/notify"
)

// notifyOptions are the flags of the inbox's background jobs.
type notifyOptions struct {
	fanOut, reminders *time.Duration
}

func notifyFlags(fs *flag.FlagSet) *notifyOptions {
	return &notifyOptions{
		fanOut:    fs.Duration("notify-interval", 2*time.Second, "how often new events are routed to the recipients' inboxes (0: never)"),
		reminders: fs.Duration("reminder-interval", time.Minute, "how often to look for reminders due (patrols short at 16:00, explanations due the working day before; 0: never)"),
	}
}

// check refuses values that cannot work, naming each.
func (o *notifyOptions) check() error {
	var errs []error
	for name, d := range map[string]time.Duration{"notify-interval": *o.fanOut, "reminder-interval": *o.reminders} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("--%s %s: want 0 or more", name, d))
		}
	}
	return errors.Join(errs...)
}

// service returns the inbox's service for the API.
func (o *notifyOptions) service(a *app, log *slog.Logger) *notify.Service {
	return notify.New(a.store.Notifications(), nil, log)
}

// newReminders returns the reminders of app a on clock now (nil: the system's).
func newReminders(a *app, now func() time.Time, log *slog.Logger) *notify.Reminders {
	return notify.NewReminders(reminderFacts{a.services}, a.store.Notifications(), a.engine.Calendar, now, log)
}

// reminderFacts are the facts the reminders read, from the services that
// keep them.
type reminderFacts struct{ s *checker.Services }

func (f reminderFacts) ListDepartments(ctx context.Context) ([]compliance.Department, error) {
	return f.s.Accounts.ListDepartments(ctx)
}

func (f reminderFacts) PatrolLedger(ctx context.Context, who *compliance.Account, dept, from, to string) (compliance.PatrolLedger, error) {
	return f.s.Patrols.PatrolLedger(ctx, who, dept, from, to)
}

func (f reminderFacts) MonthlyReport(ctx context.Context, who *compliance.Account, dept, month string) (compliance.MonthlyReport, error) {
	return f.s.Reports.MonthlyReport(ctx, who, dept, month)
}

func (f reminderFacts) ExplanationDue(month string) (string, error) {
	return f.s.Reports.ExplanationDue(month)
}

func (f reminderFacts) RuleParams() compliance.RuleParams { return f.s.Core.RuleParams() }
