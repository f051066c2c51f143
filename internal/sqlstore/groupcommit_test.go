package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// A group that fails as a whole is split under one more timeout, not one
// for each of its steps: behind a step that hangs, the others are answered
// once the split's time is up, as not stored (a retry may send them again),
// and nothing of them is stored.
func TestStepWriterSplitSharesOneDeadline(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		const timeout = time.Second
		s.SetGroupTimeout(timeout)
		s.LimitStepWriters(1)
		item := mustZJJItem(t, s)
		before := rowCounts(t, s)

		// The first group holds the writer while the next one queues.
		release := holdStepWriter(t, s, newCaseRecord("H-0", item, newStep("H-0-accept", "H-0", "accept", at(2, 9, 0, 0, 0))))

		// H-1 sorts first in its group and hangs past the timeout each time
		// it is written: in the group, then alone in the split.
		const steps = 5
		recs := make([]compliance.StepRecord, steps)
		for i := range recs {
			no := "H-" + string(rune('1'+i))
			recs[i] = newCaseRecord(no, item, newStep(no+"-accept", no, "accept", at(2, 9, 0, 0, 0)))
		}
		hanging := func(rec compliance.StepRecord) compliance.Responder {
			return func(w []compliance.Warning) (compliance.StepResult, error) {
				time.Sleep(timeout + timeout/2)
				return respond(rec)(w)
			}
		}
		errs := make([]error, steps)
		var wg sync.WaitGroup
		start := time.Now()
		for i, rec := range recs {
			answer := respond(rec)
			if i == 0 {
				answer = hanging(rec)
			}
			wg.Go(func() { _, errs[i] = s.Cases().RecordStep(t.Context(), rec, answer) })
		}
		waitQueued(t, "steps", steps, func() int { return s.Cases().StepWrites().Waiting })
		release()
		wg.Wait()
		took := time.Since(start)

		// The group: 1.5 timeouts (H-1 hangs); the split: H-1 again, past
		// its one timeout. One timeout a step would be 2.5 + 4 more.
		if limit := 4 * timeout; took > limit {
			t.Errorf("the group's steps were answered after %v, want within %v", took, limit)
		}
		if errs[0] == nil {
			t.Errorf("RecordStep(H-1), which hung past its deadline: stored, want an error")
		}
		for i, err := range errs[1:] {
			if compliance.ClassOf(err) != compliance.ClassUnavailable || !errors.As(err, new(*compliance.Error)) {
				t.Errorf("RecordStep(%s) behind the hanging step: %v, want database_unavailable", recs[i+1].Step.ID, err)
			}
		}
		after := rowCounts(t, s)
		for _, table := range []string{"cases", "steps"} {
			if got := after[table] - before[table]; got != 1 { // the blocker's
				t.Errorf("new %s rows = %d, want 1: a step answered with an error was stored", table, got)
			}
		}
		if w := s.Cases().StepWrites(); w.Splits != 1 {
			t.Errorf("step writer split %d groups, want 1", w.Splits)
		}
	})
}

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
	before := backlog(t, s)
	writes := s.Audit().AuditWrites()
	release := holdAuditWriter(t, s)

	entries := []queuedEntry{
		{changes[0], clerkEntry("id=ZJJ-1-accept", 2)},
		{changes[1], clerkEntry("id=ZJJ-2-accept", 2)},
		{ctx, clerkEntry("a job's entry", 0)},
		{ctx, clerkEntry("effects apart", 150)},
	}
	answered, checkAnswers := enqueueAll(t, s, entries)

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
	checkAnswers()
	if left := intentTargets(t, s); len(left) != 0 {
		t.Errorf("intents left = %q, want none", left)
	}
	if n := backlog(t, s).Count - before.Count; n != int64(len(entries))+1 { // and the writer's held entry
		t.Errorf("pending entries added = %d, want %d: each entry queued once", n, len(entries)+1)
	}
}
