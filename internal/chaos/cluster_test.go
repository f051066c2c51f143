//go:build cluster

package chaos_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/compliance"
)

// clusterServeArgs turn every background job on, at short intervals: the
// deadline sweeper, the webhook fan-out and dispatch (with quick retries),
// the policy poll; the audit sequencer always runs. The receiver answers at
// once, so a delivery's time limit is 1 s: a dispatcher's claim lasts twice
// that plus 10 s (12 s) unless its holder renews it, and the deliveries a
// killed node had claimed (and, behind them, the later events of their
// cases) are sent again well within the test's wait.
var clusterServeArgs = []string{"--sweep-interval", "2s", "--policy-poll", "1s",
	"--webhook-fanout-interval", "500ms", "--webhook-dispatch-interval", "500ms",
	"--webhook-retry-base", "100ms", "--webhook-retry-cap", "1s", "--webhook-timeout", "1s",
	// A change committed by a node killed before it recorded its audit
	// entry is recorded from its intent once the intent is this old.
	"--audit-intent-age", "5s"}

// faultTimes is when each fault began and ended.
type faultTimes struct {
	dbKilled, pcKilled, dbBack, pcBack time.Time
}

// TestClusterFaults: three powercheck nodes, each on its own node of a
// three-node Galera cluster, under a steady load of steps spread over the
// three. Galera node 2 is killed (SIGKILL), then powercheck node 3; then
// both come back: the database node rejoins by incremental state transfer,
// the powercheck node restarts on its port. The load never stops.
//
// A step that gets no 2xx (a 503 while a node's database is gone, a refused
// connection while a node is down) is sent again under the same id to the
// next node until one acknowledges it, as a load balancer would retry: so a
// refused step that was nevertheless stored is replayed, and must answer
// 200 with the stored answer, never store a second copy. At the end every
// acknowledged step must be stored exactly once and nothing stored that was
// never acknowledged; no warning stored twice; `powercheck audit verify`
// passes; the sweepers claimed ticks after the faults; webhook deliveries
// went on after the faults and every delivery the database marks delivered
// reached the receiver. Deliveries are at-least-once (DESIGN.md), so the
// receiver counts distinct delivery ids and reports repeats without failing.
func TestClusterFaults(t *testing.T) {
	const (
		warmup     = 8 * time.Second
		phase      = 8 * time.Second
		afterwards = 10 * time.Second
	)
	began := time.Now()
	g := startGalera(t)
	check := g.open(1)
	var pcs []*node
	for i := 1; i <= 3; i++ {
		// One after the other: the first one creates the schema.
		pcs = append(pcs, startNode(t, "pc"+string(rune('0'+i)), g.serviceDSN(i), clusterServeArgs...))
	}
	d := setupDistrict(t, pcs[0])
	rcv := newReceiver(t)
	pcs[0].must(201, "PUT", "/api/v1/webhooks/chaos", adminToken,
		map[string]any{"url": rcv.srv.URL + "/in", "events": []string{"*"}, "secret": hookSecret})

	load := newStepLoad("ZJJ-GC", d.clerk, pcs...)
	loadCtx, stopLoad := context.WithCancel(context.Background())
	waitLoad := load.run(loadCtx, 6)
	stopClock := keepDue(t, check, load.prefix)

	time.Sleep(warmup)
	ft := faults(t, g, pcs, phase)
	time.Sleep(afterwards)
	stopLoad()
	waitLoad()
	stopClock()
	loadEnded := time.Now()

	g2 := load.reconcile(t, check)
	warnings := checkWarnings(t, check, load.prefix)
	ticked, sweeps := sweptAfter(t, check, load.prefix, ft.pcBack)
	hooks := deliveredAfter(t, check, rcv, ft.pcBack)
	waiting, recovered := intentsRecovered(t, check, 60*time.Second)
	audit := auditVerify(t, g.serviceDSN(1))
	served := servedAfter(load, ft.pcBack)
	took := time.Since(began).Round(time.Second)

	t.Logf("faults: Galera node 2 killed at %s, back (synced) at %s; pc3 killed at %s, back at %s; load ended %s",
		clock(ft.dbKilled), clock(ft.dbBack), clock(ft.pcKilled), clock(ft.pcBack), clock(loadEnded))
	failed, failedBy := failedRequests(load)
	t.Logf("steps: acked=%d stored=%d duplicates=%d lost=%d unacked_stored=%d replays_200=%d requests=%d failed_requests=%d %v",
		g2.acked, g2.stored, g2.duplicates, len(g2.lost), len(g2.unacked), load.replays, len(load.journal.all()), failed, failedBy)
	t.Logf("after the faults: steps acknowledged by pc1=%d pc2=%d pc3=%d; cases ticked=%d; sweeps audited=%d",
		served["pc1"], served["pc2"], served["pc3"], ticked, sweeps)
	t.Logf("webhooks: rows delivered=%d pending=%d dead=%d; receiver distinct ids=%d requests=%d repeated ids=%d (at-least-once) first received after the faults=%d missing=%d",
		hooks.delivered, hooks.pending, hooks.dead, hooks.got.distinct, hooks.got.requests, hooks.got.repeated, hooks.got.after, hooks.missing)
	t.Logf("audit verify: %s", strings.TrimSpace(audit.out))
	t.Logf("RESULT cluster faults: acked=%d stored=%d duplicates=%d lost=%d warnings=%d warnings_twice=0 ticked_after=%d sweeps_after=%d "+
		"hooks_delivered=%d hooks_distinct=%d hooks_repeated=%d hooks_after=%d audit_recovered=%d audit_intents_waiting=%d audit_verify=%s took=%s",
		g2.acked, g2.stored, g2.duplicates, len(g2.lost), warnings, ticked, sweeps,
		hooks.delivered, hooks.got.distinct, hooks.got.repeated, hooks.got.after, recovered, waiting, audit.verdict(), took)

	g2.check(t, load)
	if audit.err != nil {
		t.Errorf("powercheck audit verify: %v\n%s", audit.err, audit.out)
	}
	if ticked == 0 {
		t.Errorf("no case was ticked by a sweeper after %s", clock(ft.pcBack))
	}
	hooks.check(t)
	for _, name := range []string{"pc1", "pc2", "pc3"} {
		if served[name] == 0 {
			t.Errorf("%s acknowledged no step after the faults", name)
		}
	}
	for _, n := range pcs {
		if p := n.logLines("panic"); p > 0 {
			t.Errorf("%s logged %d panics", n.name, p)
		}
	}
}

// faults kills Galera node 2, then powercheck node 3, a phase apart; a
// phase later it brings the database node back (waiting until it is
// synced) and restarts powercheck node 3 on its old port, so that the load,
// which knows the nodes by address, reaches it again.
func faults(t *testing.T, g *galera, pcs []*node, phase time.Duration) faultTimes {
	var ft faultTimes
	ft.dbKilled = time.Now()
	g.kill(2)
	time.Sleep(phase)
	ft.pcKilled = time.Now()
	pcs[2].kill()
	time.Sleep(phase)
	g.up(2)
	ft.dbBack = time.Now()
	u, err := url.Parse(pcs[2].base)
	if err != nil {
		t.Fatal(err)
	}
	startNode(t, "pc3-restarted", g.serviceDSN(3), append(clusterServeArgs, "--addr", u.Host)...)
	ft.pcBack = time.Now()
	return ft
}

// keepDue makes the load's open cases due every second, as the passing of
// time would, so that the three nodes' sweepers race for them while steps
// are stored; the returned function stops it.
func keepDue(t *testing.T, db *sql.DB, prefix string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			makeDue(t, db, prefix)
			time.Sleep(time.Second)
		}
	}()
	return func() { cancel(); <-done }
}

// makeDue sets the open cases' next check a second ago. Galera reports a
// certification conflict, and MySQL a deadlock, as error 1213: the update
// is made again.
func makeDue(t *testing.T, db *sql.DB, prefix string) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = db.Exec("UPDATE cases SET next_check_at = ? WHERE case_no LIKE ? AND status = 'open'",
			time.Now().UTC().Add(-time.Second), prefix+"-%")
		var me *mysqldrv.MySQLError
		if !errors.As(err, &me) || me.Number != 1213 {
			break
		}
	}
	if err != nil {
		t.Logf("make cases due: %v", err)
	}
}

// sweptAfter makes the cases due once more and waits, up to 30 s, for the
// sweepers to tick one; it returns the cases ticked and the sweeps audited
// since since.
func sweptAfter(t *testing.T, db *sql.DB, prefix string, since time.Time) (ticked, sweeps int) {
	makeDue(t, db, prefix)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if err := db.QueryRow("SELECT COUNT(*) FROM cases WHERE case_no LIKE ? AND last_tick_at > ?",
			prefix+"-%", since.UTC()).Scan(&ticked); err != nil {
			t.Fatalf("count ticked cases: %v", err)
		}
		if ticked > 0 || time.Now().After(deadline) {
			break
		}
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'SYSTEM sweep' AND logged_at > ?",
		since.UTC()).Scan(&sweeps); err != nil {
		t.Logf("count sweeps in the audit log: %v", err)
		sweeps = -1
	}
	return ticked, sweeps
}

// intentsRecovered waits, up to wait, until the running nodes' audit
// sequencer has recorded the entries of the changes whose node died before
// recording them (their audit intents); it returns the intents still
// waiting and the entries recorded from intents.
func intentsRecovered(t *testing.T, db *sql.DB, wait time.Duration) (waiting, recovered int) {
	for deadline := time.Now().Add(wait); ; time.Sleep(500 * time.Millisecond) {
		if err := db.QueryRow("SELECT COUNT(*) FROM audit_intents").Scan(&waiting); err != nil {
			t.Fatalf("count audit intents: %v", err)
		}
		if waiting == 0 || time.Now().After(deadline) {
			break
		}
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE response_digest = ?", compliance.AuditRecovered).Scan(&recovered); err != nil {
		t.Fatalf("count recovered audit entries: %v", err)
	}
	return waiting, recovered
}

// audited is the outcome of `powercheck audit verify`.
type audited struct {
	out string
	err error
}

func (a audited) verdict() string {
	if a.err != nil {
		return "failed"
	}
	return "ok"
}

// auditVerify runs `powercheck audit verify` against the cluster.
func auditVerify(t *testing.T, dsn string) audited {
	cmd := exec.Command(binary, "audit", "verify", "--db", dsn, "--wait", "30s")
	out, err := cmd.CombinedOutput()
	return audited{out: string(out), err: err}
}

// servedAfter counts the steps each node acknowledged after since.
func servedAfter(l *stepLoad, since time.Time) map[string]int {
	n := map[string]int{}
	for _, r := range l.journal.all() {
		if r.ok() && r.Start.After(since) {
			n[r.Node]++
		}
	}
	return n
}

// failedRequests counts the load's requests that got no 2xx, and them by
// status ("no answer" for a refused connection or a timeout) and code.
func failedRequests(l *stepLoad) (int, map[string]int) {
	n, by := 0, map[string]int{}
	for _, r := range l.journal.all() {
		if r.ok() {
			continue
		}
		n++
		switch {
		case r.Status == 0:
			by["no answer"]++
		default:
			by[fmt.Sprintf("%d %s", r.Status, r.Code)]++
		}
	}
	return n, by
}

func clock(t time.Time) string { return t.Format("15:04:05.000") }
