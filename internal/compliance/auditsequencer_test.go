package compliance_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// auditNode is one server node's audit log over its own connection to a
// shared database.
func auditNode(t *testing.T, st *sqlstore.Store, key []byte) *compliance.Audit {
	t.Helper()
	svc, err := checker.New(checker.SQLStores(st), nil, checker.Options{AuditKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return svc.Audit
}

// runSequencer runs q until the test ends, then stops and finishes it.
func runSequencer(t *testing.T, q *compliance.AuditSequencer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	t.Cleanup(func() {
		_ = q.Stop(ctx)
		if err := <-done; err != nil {
			t.Errorf("sequencer Run: %v", err)
		}
		cancel()
		if err := q.Finish(context.Background()); err != nil {
			t.Errorf("sequencer Finish: %v", err)
		}
	})
}

// waitDrained waits up to within for the queue to be empty.
func waitDrained(t *testing.T, st *sqlstore.Store, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := st.Audit().AuditBacklog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b.Count == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d audit entries still queued after %s", b.Count, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recordFrom appends perWorker entries from each of workers goroutines of
// each node, all at once; each entry's target names its node, worker and
// place.
func recordFrom(t *testing.T, nodes []*compliance.Audit, workers, perWorker int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes)*workers)
	for n, a := range nodes {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					e := compliance.AuditEntry{Actor: fmt.Sprintf("n%d", n), Role: compliance.RoleClerk, IP: "10.0.0.1",
						Action: "POST /api/v1/steps", Target: fmt.Sprintf("n%d-w%d-%04d", n, w, i), RequestDigest: "req", ResponseDigest: "res"}
					if _, err := a.RecordAudit(context.Background(), e); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("record: %v", err)
	}
}

// checkChain verifies the chain with key and that it holds each target
// once, every worker's entries in the order it appended them.
func checkChain(t *testing.T, st *sqlstore.Store, key []byte, want int) {
	t.Helper()
	ctx := context.Background()
	n, err := compliance.VerifyAudit(ctx, st.Audit(), key)
	if err != nil || n != int64(want) {
		t.Fatalf("VerifyAudit = %d, %v; want %d, nil", n, err, want)
	}
	es, err := st.Audit().AuditEntries(ctx, 0, want+1)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	last := map[string]string{} // worker → its last target
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i+1, e.Seq)
		}
		if seen[e.Target] {
			t.Fatalf("target %s sequenced twice", e.Target)
		}
		seen[e.Target] = true
		worker := e.Target[:strings.LastIndexByte(e.Target, '-')]
		if e.Target < last[worker] {
			t.Errorf("%s sequenced after %s: not in arrival order", e.Target, last[worker])
		}
		last[worker] = e.Target
	}
	if len(seen) != want {
		t.Fatalf("%d distinct entries, want %d", len(seen), want)
	}
}

// Two nodes append at once while both run a sequencer: the chain holds
// every entry once, without gaps, in each appender's order, sealed with
// the key; the lease has one holder.
func TestAuditSequencersOnTwoNodesFormOneChain(t *testing.T) {
	t.Parallel()
	key := []byte(strings.Repeat("s", compliance.MinAuditKey))
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		a, b := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		na, nb := auditNode(t, a, key), auditNode(t, b, key)
		runSequencer(t, na.NewSequencer("node-a", 20*time.Millisecond, time.Second, 0))
		runSequencer(t, nb.NewSequencer("node-b", 20*time.Millisecond, time.Second, 0))

		recordFrom(t, []*compliance.Audit{na, nb}, 8, 25)
		waitDrained(t, a, 5*time.Second)
		checkChain(t, b, key, 400)

		holder, until, err := a.Audit().AuditSequencerLease(context.Background())
		if err != nil || (holder != "node-a" && holder != "node-b") || !until.After(time.Now()) {
			t.Fatalf("lease = %q until %v, %v; want node-a or node-b, running", holder, until, err)
		}
	})
}

// Passes of two sequencers that ignore the lease (a lease expired while its
// holder still worked) race on the head: still one chain, no gaps, no
// entry twice.
func TestAuditSequencingPassesRaceSafely(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		a, b := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		na, nb := auditNode(t, a, nil), auditNode(t, b, nil)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		passes := make([]int, 2)
		for i, st := range []*sqlstore.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := st.Audit().SequenceAudit(context.Background(), nil, 7)
					if err != nil {
						t.Errorf("pass: %v", err)
						return
					}
					if n > 0 {
						passes[i]++
					}
					select {
					case <-stop:
						return
					default:
					}
				}
			}()
		}
		recordFrom(t, []*compliance.Audit{na, nb}, 4, 30)
		waitDrained(t, a, 10*time.Second)
		close(stop)
		wg.Wait()
		checkChain(t, a, nil, 240)
		if passes[0] == 0 && passes[1] == 0 {
			t.Fatal("no pass sequenced anything")
		}
	})
}

func TestAuditSequencerLeaseHasOneHolder(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		now := time.Now()
		for _, c := range []struct {
			name   string
			holder string
			at     time.Time
			want   bool
		}{
			{"the first claim takes it", "a", now, true},
			{"another node is refused while it runs", "b", now.Add(500 * time.Millisecond), false},
			{"its holder renews it", "a", now.Add(900 * time.Millisecond), true},
			{"still refused after the renewal", "b", now.Add(1500 * time.Millisecond), false},
			{"expired, another node takes it", "b", now.Add(3 * time.Second), true},
			{"the old holder is refused", "a", now.Add(3 * time.Second), false},
		} {
			got, err := st.Audit().ClaimAuditSequencer(ctx, c.holder, c.at, time.Second)
			if err != nil || got != c.want {
				t.Fatalf("%s: claim by %s = %v, %v; want %v", c.name, c.holder, got, err, c.want)
			}
		}
		if err := st.Audit().ReleaseAuditSequencer(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Audit().ClaimAuditSequencer(ctx, "a", now.Add(3*time.Second), time.Second); err != nil || !got {
			t.Fatalf("claim after the release = %v, %v; want it taken", got, err)
		}
	})
}

// Entries queued by a node that stopped before any sequencer ran (a crash
// between the append and the sequencing) are reported while they wait,
// and sequenced, in the order they came, by the next sequencer.
func TestAuditEntriesQueuedBeforeACrashAreSequencedLater(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		crashed := sqlstoretest.MustOpen(t, dsn)
		recordFrom(t, []*compliance.Audit{auditNode(t, crashed, nil)}, 1, 5)
		if err := crashed.Close(); err != nil {
			t.Fatal(err)
		}

		st := sqlstoretest.MustOpen(t, dsn)
		b, err := st.Audit().AuditBacklog(ctx)
		if err != nil || b.Count != 5 {
			t.Fatalf("backlog = %+v, %v; want 5 entries", b, err)
		}
		if p := compliance.UnsealedProblem(b, b.Oldest.Add(time.Second)); p != "" {
			t.Errorf("a second after: %q; want no problem yet", p)
		}
		if p := compliance.UnsealedProblem(b, b.Oldest.Add(compliance.AuditSealLimit+time.Second)); !strings.Contains(p, "5 条审计记录超过 10s 仍未封存") {
			t.Errorf("past the limit: %q; want the 5 entries reported", p)
		}
		if head, err := st.Audit().AuditHead(ctx); err == nil {
			t.Fatalf("head %+v before any sequencing; want none", head)
		}

		runSequencer(t, auditNode(t, st, nil).NewSequencer("restarted", 20*time.Millisecond, time.Second, 0))
		waitDrained(t, st, 5*time.Second)
		checkChain(t, st, nil, 5)
	})
}

// A reader of the chain sees an entry recorded just before, with no
// sequencer running; a sequencer stopped with entries queued (its Run never
// came round to them) chains them when it finishes.
func TestAuditReadersSettleTheQueue(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		node := auditNode(t, st, nil)
		recordFrom(t, []*compliance.Audit{node}, 1, 3)
		es, err := node.ListAudit(ctx, admin, compliance.AuditFilter{})
		if err != nil || len(es) != 3 || es[0].Target != "n0-w0-0002" {
			t.Fatalf("ListAudit = %+v, %v; want the 3 entries, newest first", es, err)
		}
		v, err := node.VerifyAuditLog(ctx, admin)
		if err != nil || v.Entries != 3 {
			t.Fatalf("VerifyAuditLog = %+v, %v; want 3 entries", v, err)
		}

		q := node.NewSequencer("stopping", time.Hour, time.Second, 0) // no poll comes round
		recordFrom(t, []*compliance.Audit{node}, 1, 2)
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := q.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		if b, err := st.Audit().AuditBacklog(ctx); err != nil || b.Count != 0 {
			t.Fatalf("backlog after Finish = %+v, %v; want empty", b, err)
		}
		if head, err := st.Audit().AuditHead(ctx); err != nil || head.Seq != 5 {
			t.Fatalf("head after Finish = %+v, %v; want seq 5", head, err)
		}
	})
}

// Entries with effects, a few kept in the entry's row and many stored
// apart, are chained with all of them, and the queue keeps none.
func TestAuditQueuedEffectsAreChained(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		node := auditNode(t, st, nil)
		for _, n := range []int{0, 2, 250} {
			e := compliance.AuditEntry{Actor: compliance.SystemActor, Role: compliance.SystemActor, Action: "SYSTEM sweep",
				Target: fmt.Sprintf("effects=%d", n), RequestDigest: "req", ResponseDigest: "res"}
			for i := range n {
				e.Effects = append(e.Effects, compliance.AuditEffect{Subject: compliance.AuditSubject{Kind: compliance.SubjectWarning,
					Key: fmt.Sprint(i + 1)}, After: fmt.Sprintf("%064d", i)})
			}
			if _, err := node.RecordAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := node.SettleAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := compliance.VerifyAudit(ctx, st.Audit(), nil); err != nil || n != 3 {
			t.Fatalf("VerifyAudit = %d, %v; want 3 entries, their effects matching", n, err)
		}
		effects, err := st.Audit().AuditEffects(ctx, 0, 3)
		if err != nil || len(effects) != 252 {
			t.Fatalf("AuditEffects = %d effects, %v; want 252", len(effects), err)
		}
		var left int64
		if err := st.DB().Raw("SELECT COUNT(*) FROM audit_pending_effects").Scan(&left).Error; err != nil || left != 0 {
			t.Fatalf("audit_pending_effects holds %d rows, %v; want none", left, err)
		}
	})
}
