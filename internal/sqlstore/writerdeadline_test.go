package sqlstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

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
		entered, release := make(chan struct{}), make(chan struct{})
		blocker := newCaseRecord("H-0", item, newStep("H-0-accept", "H-0", "accept", at(2, 9, 0, 0, 0)))
		blocked := make(chan error, 1)
		go func() {
			_, err := s.Cases().RecordStep(t.Context(), blocker, func(w []compliance.Warning) (compliance.StepResult, error) {
				close(entered)
				<-release
				return respond(blocker)(w)
			})
			blocked <- err
		}()
		<-entered

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
		close(release)
		if err := <-blocked; err != nil {
			t.Fatalf("RecordStep(H-0-accept): %v", err)
		}
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
