package compliance_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// failing evaluates with the real policies, except for the steps it is told
// to fail: as a policy that breaks on some steps' facts does.
type failing struct {
	compliance.Evaluator
	mu    sync.Mutex
	steps map[string]bool
}

func (f *failing) fail(id string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps[id] = on
}

func (f *failing) Evaluate(ctx context.Context, in *compliance.Input) (compliance.Evaluation, error) {
	f.mu.Lock()
	bad := in.Step != nil && f.steps[in.Step.ID]
	f.mu.Unlock()
	if bad {
		return compliance.Evaluation{Revision: 1}, fmt.Errorf("policy revision 1: eval_conflict_error on step %s", in.Step.ID)
	}
	return f.Evaluator.Evaluate(ctx, in)
}

// Steps that keep failing evaluation do not hold up the re-check of newer
// ones: each failed re-check puts its step back (a minute, doubling up to an
// hour), and the next round takes others. A step that never recovers stays
// unchecked, with its error.
// It follows one queue through its rounds of re-checks, so it stays whole.
func TestRecheckBacksOffFailingSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-03-02T10:00:00+08:00")
		engine := engineOf(t, store)
		eval := &failing{Evaluator: engine, steps: map[string]bool{}}
		svc, err := checker.New(checker.SQLStores(store), eval, checker.Options{Now: clk.Now, Log: slog.New(slog.DiscardHandler), Calendar: engine})
		if err != nil {
			t.Fatal(err)
		}
		setup(t, svc)

		const batch = 5
		var broken []string
		for i := range batch + 2 {
			caseNo := fmt.Sprintf("ZJJ-F-%d", i)
			broken = append(broken, caseNo+"-accept")
			eval.fail(caseNo+"-accept", true)
			accept(t, svc, caseNo, "2026-03-02T09:00:00+08:00")
		}
		eval.fail("ZJJ-R-accept", true)
		accept(t, svc, "ZJJ-R", "2026-03-02T09:30:00+08:00")
		eval.fail("ZJJ-R-accept", false) // its cause is fixed; the others' is not

		status := func(id string) compliance.StoredStep {
			t.Helper()
			st, err := store.Cases().StepByID(ctx, "ZJJ", id)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		rounds := 0
		for status("ZJJ-R-accept").Step.CheckStatus != compliance.CheckChecked {
			if rounds == 3 {
				t.Fatalf("the recoverable step is still unchecked after %d rounds of %d behind %d failing steps", rounds, batch, len(broken))
			}
			clk.Set(clk.Now().Add(10 * time.Second).Format(time.RFC3339))
			if _, err := svc.Cases.Recheck(ctx, batch); err != nil {
				t.Fatalf("Recheck: %v", err)
			}
			rounds++
		}
		t.Logf("re-checked after %d rounds", rounds)
		if n, err := svc.Cases.CountUnchecked(ctx); err != nil || n != int64(len(broken)) {
			t.Errorf("CountUnchecked = %d, %v; want %d", n, err, len(broken))
		}
		for _, id := range broken {
			if st := status(id); st.Step.CheckStatus != compliance.CheckUnchecked || st.Step.CheckError == "" {
				t.Errorf("step %s: check status %s, error %q; want unchecked with its error", id, st.Step.CheckStatus, st.Step.CheckError)
			}
		}

		// Each failing step was tried once and waits a minute; then twice
		// and waits two; its error stays in view.
		listed := func(t *testing.T) []compliance.UncheckedStep {
			t.Helper()
			us, err := svc.Cases.UncheckedSteps(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(us); got != len(broken) {
				t.Fatalf("UncheckedSteps lists %d steps, want %d", got, len(broken))
			}
			return us
		}
		for _, u := range listed(t) {
			if u.Attempts != 1 || u.NextRecheckAt == nil || u.Step.CheckError == "" || u.DepartmentCode != "ZJJ" {
				t.Errorf("after one failed re-check: %s attempts %d, next %v, error %q", u.Step.ID, u.Attempts, u.NextRecheckAt, u.Step.CheckError)
			}
		}
		if n, err := svc.Cases.Recheck(ctx, 100); err != nil || n != 0 {
			t.Errorf("Recheck before the wait ended = %d, %v", n, err)
		}
		if us := listed(t); us[0].Attempts != 1 {
			t.Errorf("a step was re-checked before its wait ended: %d attempts", us[0].Attempts)
		}
		clk.Set(clk.Now().Add(time.Minute).Format(time.RFC3339))
		before := clk.Now()
		if _, err := svc.Cases.Recheck(ctx, 100); err != nil {
			t.Fatal(err)
		}
		for _, u := range listed(t) {
			if u.Attempts != 2 || u.NextRecheckAt == nil || !u.NextRecheckAt.Equal(before.Add(2*time.Minute)) {
				t.Errorf("after two failed re-checks: %s attempts %d, next %v; want 2, %v", u.Step.ID, u.Attempts, u.NextRecheckAt, before.Add(2*time.Minute))
			}
		}
	})
}
