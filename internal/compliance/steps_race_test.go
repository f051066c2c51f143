package compliance_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// busyStore finds every existing case changed when a step is stored, as if
// other steps of it kept arriving.
type busyStore struct {
	compliance.CasesStorage
	tries int
}

func (b *busyStore) RecordStep(ctx context.Context, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	if !rec.NewCase {
		b.tries++
		return compliance.StepResult{}, compliance.ErrCaseChanged
	}
	return b.CasesStorage.RecordStep(ctx, rec, respond)
}

// A step whose case keeps changing under it is checked again a bounded
// number of times, then refused with a conflict that says to send it again.
func TestStepOnACaseThatKeepsChanging(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-03-02T10:00:00+08:00")
		plain := newDistrict(t, store, clk)
		accept(t, plain, "ZJJ-B", "2026-03-02T09:00:00+08:00")

		stores := checker.SQLStores(store)
		busy := &busyStore{CasesStorage: stores.Cases}
		stores.Cases = busy
		svc, err := checker.New(stores, engineOf(t, store), checker.Options{Now: clk.Now, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Cases.SubmitStep(ctx, clerk, compliance.StepSubmission{ID: "ZJJ-B-review", CaseNo: "ZJJ-B", StepCode: "review",
			Handler: "张三", OccurredAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*60*60)), LegalBasisIDs: []string{"LB1"}})
		var e *compliance.Error
		if !errors.As(err, &e) || e.Class != compliance.ClassConflict || e.PublicCode() != "case_busy" || e.Message == "" {
			t.Fatalf("SubmitStep on a case that keeps changing: %v, want a case_busy conflict", err)
		}
		if busy.tries < 2 || busy.tries > 10 {
			t.Errorf("the step was tried %d times, want a few and a bound", busy.tries)
		}
		if _, err := store.Cases().StepByID(ctx, "ZJJ", "ZJJ-B-review"); !errors.Is(err, compliance.ErrNotFound) {
			t.Errorf("StepByID after a refused step: %v, want ErrNotFound", err)
		}
	})
}
