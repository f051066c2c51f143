package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/webhook"
)

// hookOptions are the flags of the webhooks' and the mail's background jobs.
type hookOptions struct {
	fanOut, dispatch, mail *time.Duration
	base, cap, window      *time.Duration
	timeout                *time.Duration
}

func hookFlags(fs *flag.FlagSet) *hookOptions {
	return &hookOptions{
		fanOut:   fs.Duration("webhook-fanout-interval", time.Second, "how often new events are turned into webhook deliveries (0: never)"),
		dispatch: fs.Duration("webhook-dispatch-interval", time.Second, "how often due webhook deliveries are sent (0: never)"),
		base:     fs.Duration("webhook-retry-base", webhook.DefaultBase, "back-off before the first retry of a failed delivery; it doubles per retry, with full jitter"),
		cap:      fs.Duration("webhook-retry-cap", webhook.DefaultCap, "longest back-off between retries of a delivery"),
		window:   fs.Duration("webhook-retry-window", webhook.DefaultWindow, "how long after its event a delivery is retried before it is dead"),
		timeout:  fs.Duration("webhook-timeout", webhook.DefaultTimeout, "time limit of one delivery attempt"),
		mail:     fs.Duration("mail-digest-interval", time.Minute, "how often to look for daily digests due to be mailed (0: never)"),
	}
}

// check refuses values that cannot work, naming each.
func (o *hookOptions) check() error {
	var errs []error
	for name, d := range map[string]time.Duration{"webhook-fanout-interval": *o.fanOut,
		"webhook-dispatch-interval": *o.dispatch, "mail-digest-interval": *o.mail} {
		if d < 0 || (d > 0 && d < 10*time.Millisecond) {
			errs = append(errs, fmt.Errorf("--%s %s: want 0 (never) or at least 10ms", name, d))
		}
	}
	for name, d := range map[string]time.Duration{"webhook-retry-base": *o.base, "webhook-retry-cap": *o.cap,
		"webhook-retry-window": *o.window, "webhook-timeout": *o.timeout} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("--%s %s: want more than 0", name, d))
		}
	}
	if *o.cap < *o.base {
		errs = append(errs, fmt.Errorf("--webhook-retry-cap %s: want at least --webhook-retry-base %s", *o.cap, *o.base))
	}
	return errors.Join(errs...)
}

func (o *hookOptions) config() webhook.Config {
	host, _ := os.Hostname()
	return webhook.Config{Node: fmt.Sprintf("%s/%d", host, os.Getpid()), Base: *o.base, Cap: *o.cap,
		Window: *o.window, Timeout: *o.timeout}
}

// services returns the webhooks' and the mail's services for the API.
func (o *hookOptions) services(a *app, log *slog.Logger) (*webhook.Service, *webhook.Mailer) {
	return webhook.NewService(a.store.Webhooks(), a.store.Webhooks(), *o.window), webhook.NewMailer(a.store.Webhooks(), digestSource{a}, log)
}

// dispatcher returns the webhooks' fan-out and dispatch.
func (o *hookOptions) dispatcher(a *app, log *slog.Logger) *webhook.Dispatcher {
	return webhook.NewDispatcher(a.store.Webhooks(), o.config(), log)
}

// mailDigest mails the daily digests that are due.
func mailDigest(mailer interface {
	Digest(ctx context.Context) (int, error)
}, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		n, err := mailer.Digest(ctx)
		if n > 0 {
			log.Info("daily digests mailed", "sent", n)
		}
		if err != nil {
			return fmt.Errorf("daily digest (%d sent): %w", n, err)
		}
		return nil
	}
}

// digestSource tells the mail what is open for an account.
type digestSource struct{ a *app }

func (d digestSource) DigestAccount(ctx context.Context, username string) (*compliance.Account, error) {
	acc, err := d.a.store.Accounts().AccountByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return &acc, nil
}

func (d digestSource) Workbench(ctx context.Context, who *compliance.Account) (compliance.Workbench, error) {
	return d.a.services.Cases.Workbench(ctx, who)
}

func (d digestSource) UnreadNotifications(ctx context.Context, username string) (int, bool, error) {
	return d.a.store.Notifications().UnreadNotifications(ctx, username)
}

func (d digestSource) IsWorkday(day calendar.Date) (bool, error) {
	cal := d.a.engine.Calendar()
	if cal == nil {
		return false, errors.New("no calendar loaded")
	}
	return cal.IsWorkday(day)
}
