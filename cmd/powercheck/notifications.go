package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

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
	return notify.New(a.store, nil, log)
}

// newReminders returns the reminders of app a on clock now (nil: the system's).
func newReminders(a *app, now func() time.Time, log *slog.Logger) *notify.Reminders {
	return notify.NewReminders(a.svc, a.store, a.engine.Calendar, now, log)
}
