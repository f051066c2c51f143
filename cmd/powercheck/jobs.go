// Background jobs (policy and calendar polls, re-checks, the deadline
// sweeper), the API server as a component beside them, and the graceful
// shutdown that joins them.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/jobs"
	"powercheck/internal/policy"
)

// shutdown stops the service gracefully: the API stops accepting
// connections and the jobs stop taking new work; requests and jobs in
// hand may finish within drain and are cut after it; the jobs that run at
// stop run then. It returns once every component returned, so that the
// store can be closed, with the error of a component that failed.
func shutdown(bg *jobs.Group, drain time.Duration, log *slog.Logger) error {
	log.Info("shutting down", "drain_timeout", drain)
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := bg.Stop(ctx)
	log.Info("stopped")
	return err
}

// apiServer serves the API as a component: stopped, it takes no new
// connection, and its Run returns once the requests in flight finished, or
// were cut when the drain time was up.
type apiServer struct {
	srv      *http.Server
	ln       net.Listener
	log      *slog.Logger
	shutOnce sync.Once
	shut     chan struct{} // closed once Shutdown returned
}

func newAPIServer(srv *http.Server, ln net.Listener, log *slog.Logger) *apiServer {
	return &apiServer{srv: srv, ln: ln, log: log, shut: make(chan struct{})}
}

func (s *apiServer) Name() string { return "api" }

func (s *apiServer) Start(context.Context) error { return nil }

func (s *apiServer) Run(context.Context) error {
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	<-s.shut // the requests in flight are done
	return nil
}

func (s *apiServer) Stop(ctx context.Context) error {
	s.shutOnce.Do(func() {
		go func() {
			defer close(s.shut)
			if err := s.srv.Shutdown(ctx); err != nil {
				s.log.Warn("requests still running when the drain time was up; cut", "error", err)
				_ = s.srv.Close()
			}
		}()
	})
	return nil
}

// systemRecorder records a change the service made on its own.
type systemRecorder interface {
	RecordSystemChange(ctx context.Context, c compliance.SystemChange) (compliance.AuditEntry, error)
}

// revisionSyncer is the policy engine as the policy poll sees it.
type revisionSyncer interface {
	Revision() int64
	Sync(ctx context.Context, store compliance.RevisionStore, defaults []policy.Module) error
}

// pollPolicy activates the newest policy revision when it is not the
// active one, so that every node on one database runs the same policies
// within an interval of a publish.
func pollPolicy(engine revisionSyncer, store compliance.RevisionStore, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		id, err := store.LatestRevisionID(ctx)
		if err != nil {
			return fmt.Errorf("poll policy revision: %w", err)
		}
		if id == engine.Revision() {
			return nil
		}
		if err := engine.Sync(ctx, store, nil); err != nil {
			if ctx.Err() == nil {
				// This node goes on with older policies than the others.
				log.Error("activate policy revision", "revision", id, "error", err)
			}
			return nil
		}
		log.Info("policy revision activated", "revision", engine.Revision())
		return nil
	}
}

// recheckJob re-evaluates steps whose evaluation failed, so that a policy
// or calendar fix catches up with them.
func recheckJob(svc *checker.Services, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		const limit = 500
		tracked, written := svc.Audit.TrackWrites(ctx)
		n, err := svc.Cases.Recheck(tracked, limit)
		if n > 0 {
			log.Info("re-checked steps", "count", n)
		}
		auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "recheck", Request: map[string]int{"limit": limit},
			Result: map[string]int{"rechecked": n}}, written, n > 0)
		if err != nil {
			return fmt.Errorf("re-check unchecked steps: %w", err)
		}
		return nil
	}
}

// syncCalendar reloads the holiday calendar, so that a change entered on
// any node is in force on every node within an interval.
func syncCalendar(svc *checker.Services, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		tracked, written := svc.Audit.TrackWrites(ctx)
		err := svc.Accounts.SyncCalendar(tracked)
		// An official year this node stored (another node's binary may
		// know fewer years) is in the audit log.
		auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "calendar", Target: "official years"}, written, false)
		if err != nil {
			return fmt.Errorf("reload calendar: %w", err)
		}
		return nil
	}
}

// refreshSettings reloads the district's settings, so that a change made
// on another node reaches this node's policies (input.settings) too.
func refreshSettings(svc interface {
	RefreshSettings(ctx context.Context) (compliance.SettingsState, error)
}) func(context.Context) error {
	return func(ctx context.Context) error {
		if _, err := svc.RefreshSettings(ctx); err != nil {
			return fmt.Errorf("reload settings: %w", err)
		}
		return nil
	}
}

// sweeper runs the deadline sweeper and the day and month closings on an
// interval. Several nodes may run it at once: each case's tick is stored by
// one of them.
type sweeper struct {
	svc            *checker.Services
	log            *slog.Logger
	catalogChecked string // the month whose catalog check this node ran
}

// run runs each part even when one before it failed, and returns their
// errors.
func (sw *sweeper) run(ctx context.Context) error {
	svc, log := sw.svc, sw.log
	var errs []error
	// Each job is in the audit log when it stored something; a run that
	// found nothing to do leaves no entry.
	tracked, written := svc.Audit.TrackWrites(ctx)
	res, err := svc.Deadlines.Sweep(tracked, nil)
	if err != nil {
		errs = append(errs, fmt.Errorf("deadline sweep: %w", err))
	} else if res.Due > 0 {
		log.Info("deadline sweep", "due", res.Due, "checked", res.Checked, "skipped", res.Skipped,
			"failed", res.Failed, "new_warnings", res.NewWarnings, "seconds", res.Seconds)
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "sweep", Result: res}, written, res.Checked > 0)
	// The working days that ended are judged for their patrols, once
	// each; last month is closed again (nothing is raised twice), so
	// that a missing explanation is caught once its due date passes.
	tracked, written = svc.Audit.TrackWrites(ctx)
	days, err := svc.Patrols.ClosePatrolDays(tracked, nil, 0, 0)
	if err != nil {
		errs = append(errs, fmt.Errorf("close patrol days: %w", err))
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "close_patrol_days", Target: "from=" + days.From + " to=" + days.To,
		Result: days}, written, days.Evaluated > 0)
	y, m, _ := time.Now().In(calendar.Shanghai).Date()
	lastMonth := time.Date(y, m, 0, 0, 0, 0, 0, calendar.Shanghai).Format("2006-01") // day 0: the last day of the month before
	tracked, written = svc.Audit.TrackWrites(ctx)
	closed, err := svc.Reports.CloseMonth(tracked, nil, lastMonth, "")
	if err != nil {
		errs = append(errs, fmt.Errorf("close month %s: %w", lastMonth, err))
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "close_month", Target: "month=" + lastMonth,
		Request: map[string]string{"month": lastMonth}, Result: closed}, written, closed.NewWarnings > 0)
	// Once a month the whole catalog is checked for upkeep (no legal
	// basis, dormant items, …); a finding is stored once per item.
	if month := time.Now().In(calendar.Shanghai).Format("2006-01"); month != sw.catalogChecked {
		tracked, written = svc.Audit.TrackWrites(ctx)
		checked, err := svc.Catalog.CheckCatalog(tracked, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("catalog check: %w", err))
		} else {
			sw.catalogChecked = month
		}
		auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "check_catalog", Target: "month=" + month, Result: checked},
			written, checked.Evaluated > 0)
	}
	return errors.Join(errs...)
}

// dropCount adapts a job that counts what it did to jobs.Every.
func dropCount(job func(ctx context.Context) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := job(ctx)
		return err
	}
}

// sequencerHolder names this process in the audit sequencer's lease.
func sequencerHolder() string {
	host, err := os.Hostname()
	if err != nil {
		host = "node"
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
