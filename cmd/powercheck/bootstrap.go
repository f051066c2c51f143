package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/demo"
	"powercheck/internal/session"
)

// bootstrap creates the first administrator when there is no account, with
// the token POWERCHECK_BOOTSTRAP_TOKEN gives or a new one, which it returns
// ("" when accounts exist). The official calendar years the start stored
// are in the audit log with it, or on their own on a later start.
func bootstrap(ctx context.Context, a *app, log *slog.Logger) (string, error) {
	token, err := a.services.Accounts.Bootstrap(ctx, os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"))
	if err != nil {
		return "", fmt.Errorf("bootstrap admin: %w", err)
	}
	if token != "" {
		auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "bootstrap", Target: "username=admin",
			Result: map[string]string{"username": "admin"}, Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}}},
			a.calendarSeeded, true)
	} else {
		auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "calendar", Target: "official years"}, a.calendarSeeded, false)
	}
	return token, nil
}

// auditSystem records a change the service made on its own in the audit
// log, with the followed objects written lists (nil: none): when did says
// the job stored something, or it wrote such objects. A failure is logged,
// not returned: the change was made.
//
// The entry is written even when the job was cut at shutdown: what it
// stored before it was cut is committed and must be in the log.
func auditSystem(ctx context.Context, svc systemRecorder, log *slog.Logger, c compliance.SystemChange, written compliance.Written, did bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if written != nil {
		objects, err := written(ctx)
		if err != nil {
			log.Error("audit: objects a system change wrote not read; recorded without them", "error", err, "action", c.Action)
		}
		c.Written = append(c.Written, objects...)
	}
	if !did && len(c.Written) == 0 {
		return
	}
	if _, err := svc.RecordSystemChange(ctx, c); err != nil {
		log.Error("audit entry of a system change not recorded; the change was made", "error", err, "action", c.Action,
			"target", c.Target, "objects", len(c.Written))
	}
}

func loadDemo(ctx context.Context, a *app, sessions *session.Service, stdout io.Writer, log *slog.Logger) error {
	// Every object the demo stores is in its audit entry, as it is once
	// the demo passwords are set.
	ctx, written := a.services.Audit.TrackWrites(ctx)
	tokens, err := demo.Load(ctx, checker.SQLStores(a.store), a.engine)
	if errors.Is(err, demo.ErrLoaded) {
		fmt.Fprintln(stdout, "demo district already loaded; its accounts keep the tokens listed in the README")
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The demo accounts sign in to the console with their tokens as
	// passwords; so does the administrator when its token was given.
	users := make([]string, len(tokens))
	for i, t := range tokens {
		users[i] = t.Username
		if err := sessions.SetKnownPassword(ctx, t.Username, t.Token); err != nil {
			return fmt.Errorf("demo password of %s: %w", t.Username, err)
		}
	}
	if tok := os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"); tok != "" && len(tok) >= session.MinPasswordRunes {
		err := sessions.SetKnownPassword(ctx, "admin", tok)
		switch {
		case err == nil:
			auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "demo_password", Target: "username=admin",
				Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}}}, nil, true)
		case !errors.Is(err, compliance.ErrNotFound):
			return fmt.Errorf("demo password of admin: %w", err)
		}
	}
	auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "demo", Result: map[string][]string{"accounts": users}}, written, true)
	fmt.Fprintln(stdout, "demo district loaded; accounts and tokens (demo only, never use in production):")
	fmt.Fprintln(stdout, "  (each account signs in to the console with its token as password)")
	for _, t := range tokens {
		fmt.Fprintf(stdout, "  %-16s %-15s %-6s %s\n", t.Username, t.Role, t.Department, t.Token)
	}
	return nil
}
