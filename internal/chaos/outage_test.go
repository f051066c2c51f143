//go:build chaos

package chaos_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"
)

// Database outage: under a steady load of steps, the database is
// killed (SIGKILL), kept down for 10 s and started again on the same data
// directory and port. While it is down every request answers 503
// database_unavailable within 2 s and /readyz says so; once it is back the
// service recovers by itself within 5 s; every step answered 2xx is stored
// exactly once.
// It is one timeline (load, outage, recovery, count), so it stays whole.
func TestDatabaseOutage(t *testing.T) {
	const (
		warmup     = 5 * time.Second
		downFor    = 10 * time.Second
		afterwards = 5 * time.Second
		maxDown    = 2 * time.Second // longest answer while the database is down
		maxRecover = 5 * time.Second // from the database accepting connections to the service working
	)
	b := startFaultBed(t, "ZJJ-OUT")
	// Probes: readiness, and reads that an officer's console makes.
	probes, stopProbes := probe(b.n,
		probePath{"/readyz", ""},
		probePath{"/api/v1/warnings?limit=5", b.d.clerk},
		probePath{"/api/v1/cases/ZJJ-OUT-0-00000", b.d.clerk})

	time.Sleep(warmup)
	killAt := time.Now()
	b.db.kill()
	killedAt := time.Now()
	time.Sleep(downFor)
	restartAt := time.Now()
	b.db.start()
	upAt := time.Now()

	// Wait for the service to work again, then keep the load on a while.
	var stepBack, readyBack time.Time
	for deadline := upAt.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		stepBack = firstAfter(b.load.journal.all(), upAt, func(r result) bool { return r.ok() })
		readyBack = firstAfter(probes.all(), upAt, func(r result) bool { return r.Path == "/readyz" && r.Status == 200 })
		if !stepBack.IsZero() && !readyBack.IsZero() {
			break
		}
	}
	time.Sleep(afterwards)
	b.stopLoad()
	stopProbes()

	var (
		all                          = append(b.load.journal.all(), probes.all()...)
		down, downSteps, straddling  int
		before, after, after503      int
		maxDownLatency, maxLatency   time.Duration
		badDown, bad500, noAnswer    []string
		readyDown, readyDownWrong    int
		ackedBefore, ackedAfterCount int
	)
	for _, r := range all {
		maxLatency = max(maxLatency, r.latency())
		if r.Status == 0 {
			noAnswer = append(noAnswer, r.String())
			continue
		}
		if r.Status >= 500 && r.Status != 503 {
			bad500 = append(bad500, r.String())
		}
		isStep := r.Path == "/api/v1/steps"
		switch {
		case r.End.Before(killAt):
			before++
			if isStep && r.ok() {
				ackedBefore++
			}
		case r.Start.Before(killedAt):
			straddling++ // in flight when the database died: 2xx or 503
			if !r.ok() && r.Status != 503 {
				badDown = append(badDown, "in flight at the kill: "+r.String())
			}
		case r.Start.Before(restartAt):
			down++
			if isStep {
				downSteps++
			}
			maxDownLatency = max(maxDownLatency, r.latency())
			switch {
			case r.ok() && r.End.After(restartAt):
				// sent while down, answered once the database was back
			case r.Status != 503 || r.latency() > maxDown:
				badDown = append(badDown, r.String())
			case r.Path == "/readyz":
				readyDown++
				if !strings.Contains(string(r.Body), `"database":"unavailable"`) {
					readyDownWrong++
					badDown = append(badDown, r.String())
				}
			case r.Code != "database_unavailable":
				badDown = append(badDown, r.String())
			}
		default:
			after++
			if !r.ok() && r.Status != 503 {
				badDown = append(badDown, "after the restart: "+r.String())
			}
			if r.Status == 503 && r.Start.After(upAt) {
				after503++
			}
			if isStep && r.ok() {
				ackedAfterCount++
			}
		}
	}
	g := b.load.reconcile(t, b.check)
	warnings := checkWarnings(t, b.check, b.load.prefix)
	t.Logf("RESULT outage: acked=%d stored=%d duplicates=%d lost=%d unacked_stored=%d replays_200=%d warnings=%d "+
		"requests before=%d in_flight_at_kill=%d down=%d (steps %d, readyz %d) after=%d; acked_before=%d acked_after=%d; "+
		"max_latency_down=%s max_latency=%s; db_up_after_start=%s recovery_steps=%s recovery_readyz=%s 503_after_db_up=%d",
		g.acked, g.stored, g.duplicates, len(g.lost), len(g.unacked), b.load.replays, warnings,
		before, straddling, down, downSteps, readyDown, after, ackedBefore, ackedAfterCount,
		maxDownLatency.Round(time.Millisecond), maxLatency.Round(time.Millisecond),
		upAt.Sub(restartAt).Round(time.Millisecond), since(upAt, stepBack), since(upAt, readyBack), after503)

	if downSteps < 10 || readyDown < 5 {
		t.Errorf("only %d steps and %d readiness checks sent while the database was down; the test proves nothing", downSteps, readyDown)
	}
	if ackedBefore == 0 || ackedAfterCount == 0 {
		t.Errorf("steps acknowledged before the kill: %d, after the restart: %d; want some of each", ackedBefore, ackedAfterCount)
	}
	for i, s := range badDown {
		if i == 10 {
			t.Errorf("… %d wrong answers in all", len(badDown))
			break
		}
		t.Errorf("want 503 database_unavailable within %s: %s", maxDown, s)
	}
	if len(bad500) > 0 {
		t.Errorf("%d answers 5xx other than 503: %s", len(bad500), first(bad500, 5))
	}
	if len(noAnswer) > 0 {
		t.Errorf("%d requests got no answer: %s", len(noAnswer), first(noAnswer, 5))
	}
	switch {
	case stepBack.IsZero() || readyBack.IsZero():
		t.Errorf("the service did not recover within 60 s of the database (steps back: %v, /readyz back: %v)", !stepBack.IsZero(), !readyBack.IsZero())
	case stepBack.Sub(upAt) > maxRecover || readyBack.Sub(upAt) > maxRecover:
		t.Errorf("recovery took %s (steps) and %s (/readyz); want at most %s", stepBack.Sub(upAt), readyBack.Sub(upAt), maxRecover)
	}
	g.check(t, b.load)
	if panics := b.n.logLines("panic"); panics > 0 {
		t.Errorf("the node logged %d panics", panics)
	}
}

// firstAfter returns the end of the first result after t that matches, or
// the zero time.
func firstAfter(rs []result, t time.Time, match func(result) bool) time.Time {
	var best time.Time
	for _, r := range rs {
		if r.End.After(t) && match(r) && (best.IsZero() || r.End.Before(best)) {
			best = r.End
		}
	}
	return best
}

func since(from, to time.Time) string {
	if to.IsZero() {
		return "never"
	}
	return to.Sub(from).Round(time.Millisecond).String()
}

// faultBed is what a database fault test runs on: a fresh MariaDB, one node
// on it with the district set up, and a steady load of steps from three
// workers.
type faultBed struct {
	db       *mariaDB
	n        *node
	d        district
	check    *sql.DB // the test's own connection, to count what was stored
	load     *stepLoad
	stopLoad func() // stops the load and waits for the steps in hand
}

func startFaultBed(t *testing.T, prefix string) faultBed {
	t.Helper()
	db := startMariaDB(t)
	n := startNode(t, "node", db.createDatabase("powercheck"))
	d := setupDistrict(t, n)
	check := db.open("powercheck")
	t.Cleanup(func() { _ = check.Close() })
	load := newStepLoad(prefix, d.clerk, n)
	ctx, cancel := context.WithCancel(context.Background())
	wait := load.run(ctx, 3)
	return faultBed{db: db, n: n, d: d, check: check, load: load, stopLoad: func() { cancel(); wait() }}
}

// probePath is a path a probe GETs, and the token it sends ("" for none).
type probePath struct{ path, token string }

// probe GETs each of paths on n every 200 ms, each from its own goroutine,
// until stop is called; stop waits for the probes in flight.
func probe(n *node, paths ...probePath) (_ *journal, stop func()) {
	var probes journal
	ctx, cancel := context.WithCancel(context.Background())
	var probing sync.WaitGroup
	for _, p := range paths {
		probing.Go(func() {
			for ctx.Err() == nil {
				probes.add(n.call(context.Background(), "GET", p.path, p.token, nil))
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
	return &probes, func() { cancel(); probing.Wait() }
}
