package sqlstore_test

import (
	"errors"
	"sync"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

var errRefused = errors.New("responder refused")

// The steps submitted while a transaction commits are stored together in
// the next one: a step that fails there is answered with its error and
// leaves nothing behind, while its neighbours are stored.
func TestStepWriterGroupsWaitingSteps(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		// One group at a time, as on SQLite: on MySQL a second writer would
		// take the waiting steps while the first group is held open.
		s.LimitStepWriters(1)
		item := mustZJJItem(t, s)
		mustRecord(t, s, newCaseRecord("G-0", item, newStep("G-0-accept", "G-0", "accept", at(2, 9, 0, 0, 0))))
		stale, err := s.Cases().Case(ctx, "G-0")
		if err != nil {
			t.Fatal(err)
		}
		mustRecord(t, s, nextRecord(stale, newStep("G-0-review", "G-0", "review", at(3, 9, 0, 0, 0))))
		current, err := s.Cases().Case(ctx, "G-0")
		if err != nil {
			t.Fatal(err)
		}
		before, writes := rowCounts(t, s), s.Cases().StepWrites()

		// The first step holds its transaction open (its responder waits)
		// while the others queue behind it.
		entered, release := make(chan struct{}), make(chan struct{})
		blocker := newCaseRecord("G-1", item, newStep("G-1-accept", "G-1", "accept", at(2, 9, 0, 0, 0)))
		blocked := make(chan error, 1)
		go func() {
			_, err := s.Cases().RecordStep(ctx, blocker, func(w []compliance.Warning) (compliance.StepResult, error) {
				close(entered)
				<-release
				return respond(blocker)(w)
			})
			blocked <- err
		}()
		<-entered

		failing := func(compliance.StepRecord) compliance.Responder {
			return func([]compliance.Warning) (compliance.StepResult, error) { return compliance.StepResult{}, errRefused }
		}
		tests := []struct {
			name    string
			rec     compliance.StepRecord
			respond func(compliance.StepRecord) compliance.Responder
			want    error // nil: stored
		}{
			{"a new case", newCaseRecord("G-2", item, newStep("G-2-accept", "G-2", "accept", at(2, 9, 0, 0, 0))), respond, nil},
			{"another new case", newCaseRecord("G-3", item, newStep("G-3-accept", "G-3", "accept", at(2, 9, 0, 0, 0))), respond, nil},
			{"a step of a case at its version", nextRecord(current, newStep("G-0-decide", "G-0", "decide", at(4, 9, 0, 0, 0))), respond, nil},
			{"a step id taken", newCaseRecord("G-4", item, newStep("G-0-accept", "G-4", "accept", at(2, 9, 0, 0, 0))), respond, compliance.ErrDuplicate},
			{"a case number taken in the transaction before", newCaseRecord("G-1", item, newStep("G-1-again", "G-1", "accept", at(2, 9, 0, 0, 0))), respond, compliance.ErrDuplicate},
			{"a case that changed", nextRecord(stale, newStep("G-0-deliver", "G-0", "deliver", at(5, 9, 0, 0, 0))), respond, compliance.ErrCaseChanged},
			{"a responder that fails", newCaseRecord("G-5", item, newStep("G-5-accept", "G-5", "accept", at(2, 9, 0, 0, 0))), failing, errRefused},
		}
		errs := make([]error, len(tests))
		var wg sync.WaitGroup
		for i, tt := range tests {
			wg.Go(func() {
				_, errs[i] = s.Cases().RecordStep(ctx, tt.rec, tt.respond(tt.rec))
			})
		}
		waitQueued(t, "steps", len(tests), func() int { return s.Cases().StepWrites().Waiting })
		close(release)
		wg.Wait()
		if err := <-blocked; err != nil {
			t.Fatalf("RecordStep(G-1-accept): %v", err)
		}

		stored := int64(1) // the blocker
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.want == nil && errs[i] != nil || !errors.Is(errs[i], tt.want) {
					t.Fatalf("RecordStep(%s) error = %v, want %v", tt.rec.Step.ID, errs[i], tt.want)
				}
				_, err := s.Cases().StepByID(ctx, "ZJJ", tt.rec.Step.ID)
				if tt.want == nil && err != nil {
					t.Errorf("StepByID(%s) after it was stored: %v", tt.rec.Step.ID, err)
				}
			})
			if tt.want == nil {
				stored++
			}
		}
		after := rowCounts(t, s)
		for table, n := range map[string]int64{"cases": 3, "steps": stored} { // G-1, G-2, G-3
			if got := after[table] - before[table]; got != n {
				t.Errorf("new %s rows = %d, want %d", table, got, n)
			}
		}
		got := s.Cases().StepWrites()
		if txs, steps := got.Transactions-writes.Transactions, got.Steps-writes.Steps; txs != 2 || steps != stored {
			t.Errorf("step writer: %d transactions stored %d steps, want 2 storing %d", txs, steps, stored)
		}
		if got.Splits != writes.Splits {
			t.Errorf("step writer split %d groups, want none", got.Splits-writes.Splits)
		}
		c, err := s.Cases().Case(ctx, "G-0")
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != current.Version+1 {
			t.Errorf("case G-0 at version %d, want %d: one step of the group moved it", c.Version, current.Version+1)
		}
	})
}
