package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Audit entries waiting for the audit writer ride in the next group of
// steps' transaction: they are queued, and their callers answered, by its
// commit while the writer is still busy. A group that fails hands them
// back to the writer, which queues each once.
func TestAuditEntriesRideWithSteps(t *testing.T) {
	for _, groupFails := range []bool{false, true} {
		name := "the group commits"
		if groupFails {
			name = "the group fails"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) { checkRiders(t, s, groupFails) })
		})
	}
}

func checkRiders(t *testing.T, s *sqlstore.Store, groupFails bool) {
	ctx := context.Background()
	item := benchSetup(t, s, "ZJJ")
	changes := []context.Context{trackedStep(t, s, item, "ZJJ-1"), trackedStep(t, s, item, "ZJJ-2")}
	before, err := s.Audit().AuditBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writes := s.Audit().AuditWrites()
	release := holdAuditWriter(t, s)

	entries := []struct {
		ctx context.Context
		e   compliance.AuditEntry
	}{
		{changes[0], clerkEntry("id=ZJJ-1-accept", 2)},
		{changes[1], clerkEntry("id=ZJJ-2-accept", 2)},
		{ctx, clerkEntry("a job's entry", 0)},
		{ctx, clerkEntry("effects apart", 150)},
	}
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	for i, q := range entries {
		wg.Go(func() { errs[i] = s.Audit().EnqueueAudit(q.ctx, q.e) })
	}
	waitQueued(t, "entries", len(entries), func() int { return s.Audit().AuditWrites().Waiting })
	answered := make(chan struct{})
	go func() { wg.Wait(); close(answered) }()

	// A group of two steps; when it fails, the second one's answer is a
	// deadlock, which ends the whole transaction.
	recs := []compliance.StepRecord{recentRecord(item, "ZJJ-10"), recentRecord(item, "ZJJ-11")}
	answers := []compliance.Responder{benchRespond(&recs[0]), benchRespond(&recs[1])}
	if groupFails {
		answers[1] = func([]compliance.Warning) (compliance.StepResult, error) {
			return compliance.StepResult{}, &mysqldrv.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
		}
	}
	_, groupErr := s.WriteStepGroup([]context.Context{ctx, ctx}, recs, answers)
	if groupFails != (groupErr != nil) {
		t.Fatalf("the group's transaction: %v, want it to fail: %v", groupErr, groupFails)
	}
	if !groupFails {
		// Answered by the group's commit, the writer still held.
		select {
		case <-answered:
		case <-time.After(10 * time.Second):
			release()
			t.Fatal("the entries were not answered by the group's commit")
		}
		if w := s.Audit().AuditWrites(); w.Transactions != writes.Transactions || w.Rode-writes.Rode != int64(len(entries)) {
			t.Errorf("audit writer: %d transactions, %d entries rode; want none and %d",
				w.Transactions-writes.Transactions, w.Rode-writes.Rode, len(entries))
		}
	} else if w := s.Audit().AuditWrites(); w.Waiting != len(entries) || w.Rode != writes.Rode {
		t.Errorf("after the failed group: %d entries wait, %d rode; want %d waiting and none", w.Waiting, w.Rode-writes.Rode, len(entries))
	}
	release()
	<-answered
	for i, err := range errs {
		if err != nil {
			t.Errorf("EnqueueAudit(%s): %v", entries[i].e.Target, err)
		}
	}
	if left := intentTargets(t, s); len(left) != 0 {
		t.Errorf("intents left = %q, want none", left)
	}
	after, err := s.Audit().AuditBacklog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := after.Count - before.Count; n != int64(len(entries))+1 { // and the writer's held entry
		t.Errorf("pending entries added = %d, want %d: each entry queued once", n, len(entries)+1)
	}
}
