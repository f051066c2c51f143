// Background jobs (policy and calendar polls, re-checks, the deadline
// sweeper) and the graceful shutdown that joins them.

package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
)

// shutdown stops the service gracefully: it stops accepting connections and
// starting background jobs, lets in-flight requests and jobs finish within
// drain, cuts what is left after it, and returns once every loop has
// returned, so that the store can be closed.
func shutdown(srv *http.Server, bg *loops, cutJobs, stopLoops context.CancelFunc, drain time.Duration, log *slog.Logger) error {
	log.Info("shutting down", "drain_timeout", drain)
	deadline := time.Now().Add(drain)
	stopLoops()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("requests still running when the drain time was up; cut", "error", err)
		_ = srv.Close()
	}
	if !bg.wait(time.Until(deadline)) {
		log.Warn("background jobs still running when the drain time was up; cut")
		cutJobs()
		bg.wait(10 * time.Second)
	}
	bg.finish()
	log.Info("stopped")
	return nil
}

// loops runs the background jobs and joins them at shutdown.
type loops struct {
	stop context.Context // ends: take no new work
	jobs context.Context // ends: cut the work in hand
	wg   sync.WaitGroup
	last []func(ctx context.Context)
}

// atStop runs job once at shutdown, after the requests and the other jobs
// have finished (or were cut), before the store is closed.
func (l *loops) atStop(job func(ctx context.Context)) { l.last = append(l.last, job) }

// finish runs the atStop jobs, each within 10 seconds.
func (l *loops) finish() {
	for _, job := range l.last {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		job(ctx)
		cancel()
	}
}

func (l *loops) run(f func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
}

// every runs job every interval until stop ends.
func (l *loops) every(interval time.Duration, job func(ctx context.Context)) {
	l.run(func() { every(l.stop, interval, func() { job(l.jobs) }) })
}

// wait waits up to d for every loop to return and reports whether they did.
func (l *loops) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	if d <= 0 {
		d = time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// every runs f every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// recheckJob re-evaluates steps whose evaluation failed, so that a policy
// or calendar fix catches up with them.
func recheckJob(ctx context.Context, svc *checker.Services, log *slog.Logger) {
	const limit = 500
	tracked, written := svc.Audit.TrackWrites(ctx)
	n, err := svc.Cases.Recheck(tracked, limit)
	if err != nil && ctx.Err() == nil {
		log.Warn("re-check unchecked steps", "error", err)
	}
	if n > 0 {
		log.Info("re-checked steps", "count", n)
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "recheck", Request: map[string]int{"limit": limit},
		Result: map[string]int{"rechecked": n}}, written, n > 0)
}

// syncCalendar reloads the holiday calendar, so that a change entered on
// any node is in force on every node within an interval.
func syncCalendar(ctx context.Context, svc *checker.Services, log *slog.Logger) {
	tracked, written := svc.Audit.TrackWrites(ctx)
	if err := svc.Accounts.SyncCalendar(tracked); err != nil && ctx.Err() == nil {
		log.Warn("reload calendar", "error", err)
	}
	// An official year this node stored (another node's binary may know
	// fewer years) is in the audit log.
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "calendar", Target: "official years"}, written, false)
}

// refreshSettings reloads the district's settings, so that a change made
// on another node reaches this node's policies (input.settings) too.
func refreshSettings(ctx context.Context, svc *checker.Services, log *slog.Logger) {
	if _, err := svc.Accounts.RefreshSettings(ctx); err != nil && ctx.Err() == nil {
		log.Warn("reload settings", "error", err)
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

func (sw *sweeper) run(ctx context.Context) {
	svc, log := sw.svc, sw.log
	// Each job is in the audit log when it stored something; a run that
	// found nothing to do leaves no entry.
	tracked, written := svc.Audit.TrackWrites(ctx)
	res, err := svc.Deadlines.Sweep(tracked, nil)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("deadline sweep", "error", err)
	case res.Due > 0:
		log.Info("deadline sweep", "due", res.Due, "checked", res.Checked, "skipped", res.Skipped,
			"failed", res.Failed, "new_warnings", res.NewWarnings, "seconds", res.Seconds)
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "sweep", Result: res}, written, res.Checked > 0)
	// The working days that ended are judged for their patrols, once
	// each; last month is closed again (nothing is raised twice), so
	// that a missing explanation is caught once its due date passes.
	tracked, written = svc.Audit.TrackWrites(ctx)
	days, err := svc.Patrols.ClosePatrolDays(tracked, nil, 0, 0)
	if err != nil && ctx.Err() == nil {
		log.Warn("close patrol days", "error", err)
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "close_patrol_days", Target: "from=" + days.From + " to=" + days.To,
		Result: days}, written, days.Evaluated > 0)
	y, m, _ := time.Now().In(calendar.Shanghai).Date()
	lastMonth := time.Date(y, m, 0, 0, 0, 0, 0, calendar.Shanghai).Format("2006-01") // day 0: the last day of the month before
	tracked, written = svc.Audit.TrackWrites(ctx)
	closed, err := svc.Reports.CloseMonth(tracked, nil, lastMonth, "")
	if err != nil && ctx.Err() == nil {
		log.Warn("close month", "month", lastMonth, "error", err)
	}
	auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "close_month", Target: "month=" + lastMonth,
		Request: map[string]string{"month": lastMonth}, Result: closed}, written, closed.NewWarnings > 0)
	// Once a month the whole catalog is checked for upkeep (no legal
	// basis, dormant items, …); a finding is stored once per item.
	if month := time.Now().In(calendar.Shanghai).Format("2006-01"); month != sw.catalogChecked {
		tracked, written = svc.Audit.TrackWrites(ctx)
		checked, err := svc.Catalog.CheckCatalog(tracked, nil)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("catalog check", "error", err)
			}
		} else {
			sw.catalogChecked = month
		}
		auditSystem(ctx, svc.Audit, log, compliance.SystemChange{Action: "check_catalog", Target: "month=" + month, Result: checked},
			written, checked.Evaluated > 0)
	}
}
