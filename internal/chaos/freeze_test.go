//go:build chaos

package chaos_test

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A frozen database (SIGSTOP: connections stay open and nothing answers, as
// in a network partition) is a harsher outage than a killed one. The test
// holds the service to what it does guarantee — /readyz answers 503 within
// its 2 s bound, the service works again within 5 s of the thaw, and every
// acknowledged step is stored exactly once — and records how long steps in
// flight waited: the service sets no deadline of its own on database calls,
// so they wait for the database (see docs/reliability.md).
// It is one timeline (load, freeze, thaw, count), so it stays whole.
func TestDatabaseFreeze(t *testing.T) {
	const (
		warmup     = 4 * time.Second
		frozenFor  = 10 * time.Second
		afterwards = 4 * time.Second
		maxReady   = 2500 * time.Millisecond // /readyz's own 2 s bound, with slack for a loaded machine
		maxRecover = 5 * time.Second
	)
	b := startFaultBed(t, "ZJJ-FZ")
	probes, stopProbes := probe(b.n, probePath{"/readyz", ""})

	time.Sleep(warmup)
	freezeAt := time.Now()
	b.db.signal(syscall.SIGSTOP)
	time.Sleep(frozenFor)
	thawAt := time.Now()
	b.db.signal(syscall.SIGCONT)
	var stepBack time.Time
	for deadline := thawAt.Add(30 * time.Second); time.Now().Before(deadline) && stepBack.IsZero(); time.Sleep(50 * time.Millisecond) {
		stepBack = firstAfter(b.load.journal.all(), thawAt, func(r result) bool { return r.ok() && r.Start.After(thawAt) })
	}
	time.Sleep(afterwards)
	b.stopLoad()
	stopProbes()

	var (
		readyFrozen, readyWrong int
		stepsFrozen             int
		maxStep                 time.Duration
		bad                     []string
	)
	for _, r := range probes.all() {
		if r.Start.After(freezeAt) && r.End.Before(thawAt) {
			readyFrozen++
			if r.Status != 503 || r.latency() > maxReady || !strings.Contains(string(r.Body), `"database":"unavailable"`) {
				readyWrong++
				bad = append(bad, r.String())
			}
		}
	}
	for _, r := range b.load.journal.all() {
		if r.Status == 0 || (r.Status >= 500 && r.Status != 503) {
			bad = append(bad, r.String())
		}
		if r.End.After(freezeAt) && r.Start.Before(thawAt) {
			stepsFrozen++
			maxStep = max(maxStep, r.latency())
		}
	}
	g := b.load.reconcile(t, b.check)
	warnings := checkWarnings(t, b.check, b.load.prefix)
	t.Logf("RESULT freeze: acked=%d stored=%d duplicates=%d lost=%d unacked_stored=%d warnings=%d; "+
		"readyz while frozen=%d (wrong %d); steps in flight while frozen=%d, longest %s; recovery after thaw=%s",
		g.acked, g.stored, g.duplicates, len(g.lost), len(g.unacked), warnings,
		readyFrozen, readyWrong, stepsFrozen, maxStep.Round(time.Millisecond), since(thawAt, stepBack))
	if readyFrozen < 3 {
		t.Errorf("only %d readiness checks while frozen", readyFrozen)
	}
	if len(bad) > 0 {
		t.Errorf("%d wrong answers: %s", len(bad), first(bad, 5))
	}
	if stepBack.IsZero() || stepBack.Sub(thawAt) > maxRecover {
		t.Errorf("steps back %s after the thaw; want at most %s", since(thawAt, stepBack), maxRecover)
	}
	g.check(t, b.load)
}
