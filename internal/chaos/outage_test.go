//go:build chaos

package chaos_test

import (
	"context"
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
	db := startMariaDB(t)
	dsn := db.createDatabase("powercheck")
	n := startNode(t, "node", dsn)
	d := setupDistrict(t, n)
	check := db.open("powercheck")
	defer check.Close()

	load := newStepLoad("ZJJ-OUT", d.clerk, n)
	loadCtx, stopLoad := context.WithCancel(context.Background())
	waitLoad := load.run(loadCtx, 3)

	// Probes: readiness, and reads that an officer's console makes.
	var probes journal
	probeCtx, stopProbes := context.WithCancel(context.Background())
	var probing sync.WaitGroup
	for _, p := range []struct{ path, token string }{
		{"/readyz", ""},
		{"/api/v1/warnings?limit=5", d.clerk},
		{"/api/v1/cases/ZJJ-OUT-0-00000", d.clerk},
	} {
		probing.Add(1)
		go func() {
			defer probing.Done()
			for probeCtx.Err() == nil {
				probes.add(n.call(context.Background(), "GET", p.path, p.token, nil))
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}

	time.Sleep(warmup)
	killAt := time.Now()
	db.kill()
	killedAt := time.Now()
	time.Sleep(downFor)
	restartAt := time.Now()
	db.start()
	upAt := time.Now()

	// Wait for the service to work again, then keep the load on a while.
	var stepBack, readyBack time.Time
	for deadline := upAt.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		stepBack = firstAfter(load.journal.all(), upAt, func(r result) bool { return r.ok() })
		readyBack = firstAfter(probes.all(), upAt, func(r result) bool { return r.Path == "/readyz" && r.Status == 200 })
		if !stepBack.IsZero() && !readyBack.IsZero() {
			break
		}
	}
	time.Sleep(afterwards)
	stopLoad()
	waitLoad()
	stopProbes()
	probing.Wait()

	var (
		all                          = append(load.journal.all(), probes.all()...)
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
	g := load.reconcile(t, check)
	warnings := checkWarnings(t, check, load.prefix)
	t.Logf("RESULT outage: acked=%d stored=%d duplicates=%d lost=%d unacked_stored=%d replays_200=%d warnings=%d "+
		"requests before=%d in_flight_at_kill=%d down=%d (steps %d, readyz %d) after=%d; acked_before=%d acked_after=%d; "+
		"max_latency_down=%s max_latency=%s; db_up_after_start=%s recovery_steps=%s recovery_readyz=%s 503_after_db_up=%d",
		g.acked, g.stored, g.duplicates, len(g.lost), len(g.unacked), load.replays, warnings,
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
	g.check(t, load)
	if panics := n.logLines("panic"); panics > 0 {
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
