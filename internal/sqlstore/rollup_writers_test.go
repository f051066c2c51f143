package sqlstore_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The rollup's counters under writers: concurrent steps and transitions,
// days counted out of order, and month fills racing the writers.

// TestRollupConcurrentWriters stores steps and transitions from several
// goroutines at once on the same departments and days, the counter rows
// every one of them updates; none may fail (a deadlock would) and the
// figures must still match the base tables.
func TestRollupConcurrentWriters(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		items := []compliance.PowerItem{benchSetup(t, s, "ZJJ"), benchSetup(t, s, "SCJ")}
		at := rollupStart.Add(10 * time.Hour).UTC()
		startWriters(ctx, s, 8, 15, 1, func(r *rand.Rand, g, i int) (compliance.StepRecord, time.Time) {
			it := items[r.IntN(len(items))]
			no := fmt.Sprintf("C-%d-%d", g, i)
			// Families in both orders, so that two steps want the same
			// counter rows.
			fs := []compliance.Finding{
				{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
				{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
			}
			if r.IntN(2) == 0 {
				fs[0], fs[1] = fs[1], fs[0]
			}
			return rollupRecord(it, no, no+"-accept", at, fs), at
		}).wait(t)
		f := compliance.StatsFilter{Departments: []string{"SCJ", "ZJJ"}, From: rollupStart, To: rollupStart.AddDate(0, 0, 1)}
		got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rollup %+v\nbase   %+v", got, want)
		}
		if n := got.Warnings[0].Warnings + got.Warnings[1].Warnings; n != 8*15*2 {
			t.Errorf("%d warnings counted, want %d", n, 8*15*2)
		}
	})
}

// rollupRecord is the first step stepID of a new case no of it at at, with
// findings: the bare record the rollup tests store.
func rollupRecord(it compliance.PowerItem, no, stepID string, at time.Time, fs []compliance.Finding) compliance.StepRecord {
	st := compliance.Step{ID: stepID, CaseNo: no, StepCode: "accept", Handler: "张三", OccurredAt: at, RecordedAt: at,
		LegalBasisIDs: []string{}, Approvals: []compliance.Approval{}, Attributes: map[string]any{},
		CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
	c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
		Applicant: "某公司", AcceptedAt: at, Status: compliance.CaseOpen, CreatedAt: at, UpdatedAt: at}
	return compliance.StepRecord{Case: c, NewCase: true, Step: st, Digest: "d", Findings: fs}
}

// rollupWriters are goroutines storing steps and transitions at once.
type rollupWriters struct {
	wg      sync.WaitGroup
	errs    chan error
	written atomic.Int64 // steps stored and rectified
}

// startWriters starts n writers, each storing perWriter records that next
// makes with the writer's own random source (seeded with seed) and
// rectifying one warning of each; a writer stops at its first error.
func startWriters(ctx context.Context, s *sqlstore.Store, n, perWriter int, seed uint64,
	next func(r *rand.Rand, g, i int) (compliance.StepRecord, time.Time)) *rollupWriters {
	w := &rollupWriters{errs: make(chan error, n)}
	for g := range n {
		w.wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), seed))
			for i := range perWriter {
				rec, at := next(r, g, i)
				if err := recordAndRectify(ctx, s, rec, r, at); err != nil {
					w.errs <- err
					return
				}
				w.written.Add(1)
			}
		})
	}
	return w
}

// wait waits for the writers and fails t with each error they met.
func (w *rollupWriters) wait(t *testing.T) {
	w.wg.Wait()
	close(w.errs)
	for err := range w.errs {
		t.Error(err)
	}
}

// recordAndRectify stores rec and rectifies one of its warnings, picked by
// r, an hour after at: the two writes every concurrent rollup test makes.
func recordAndRectify(ctx context.Context, s *sqlstore.Store, rec compliance.StepRecord, r *rand.Rand, at time.Time) error {
	res, err := s.Cases().RecordStep(ctx, rec, respond(rec))
	if err != nil {
		return fmt.Errorf("RecordStep(%s): %w", rec.Step.CaseNo, err)
	}
	x := res.Warnings[r.IntN(len(res.Warnings))]
	if _, _, err := s.Warnings().TransitionWarning(ctx, compliance.Transition{WarningID: x.ID, Action: compliance.ActionRectify,
		From: x.Status, To: compliance.WarningRectified, Actor: "t", Role: compliance.RoleAdmin, At: at.Add(time.Hour)}); err != nil {
		return fmt.Errorf("TransitionWarning(%d): %w", x.ID, err)
	}
	return nil
}

// TestRollupOverdueFirsts records the overdue warnings of one case on
// days out of order (a day between two already counted, as a re-checked
// step keeps its old recording time) and holds the overdue cases of every
// period of up to two weeks to the base tables, before and after a refill.
func TestRollupOverdueFirsts(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		it := benchSetup(t, s, "ZJJ")
		no := "C-FIRSTS"
		for i, d := range []int{1, 9, 5, 3, 9, 12} {
			at := rollupStart.AddDate(0, 0, d).Add(10 * time.Hour).UTC()
			rec := rollupRecord(it, no, no+"-"+string(rune('a'+i)), at,
				[]compliance.Finding{{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "m", Basis: "b"}})
			// Later steps of the one case, accepted on the first day.
			rec.NewCase = i == 0
			rec.Case.AcceptedAt = rollupStart.Add(10 * time.Hour).UTC()
			rec.Case.Version = int64(max(i-1, 0))
			if _, err := s.Cases().RecordStep(ctx, rec, respond(rec)); err != nil {
				t.Fatalf("RecordStep(%d): %v", i, err)
			}
		}
		check := func(when string) {
			for a := range 14 {
				for n := 1; a+n <= 15; n++ {
					f := compliance.StatsFilter{Departments: []string{"ZJJ"}, From: rollupStart.AddDate(0, 0, a), To: rollupStart.AddDate(0, 0, a+n)}
					got, err := s.Dashboard().DepartmentCounts(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					want, err := s.Base().DepartmentCounts(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					by := func(x, y compliance.DepartmentCounts) int { return cmp.Compare(x.DepartmentCode, y.DepartmentCode) }
					slices.SortFunc(got, by)
					slices.SortFunc(want, by)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s, days [%d, %d): rollup %+v, base %+v", when, a, a+n, got, want)
					}
				}
			}
		}
		check("kept by the writers")
		if ready, err := s.RollupReady(ctx); err != nil || !ready {
			t.Fatalf("rollup not ready (%v)", err)
		}
	})
}

// TestRollupMonthsFilledWhileWriting fills one department's month of the
// warnings' month counters again and again while several goroutines store
// warnings on that month's days and rectify some of them: no writer may
// fail, and the month counters must end as the sums of the day counters.
func TestRollupMonthsFilledWhileWriting(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		it := benchSetup(t, s, "ZJJ")
		w := startWriters(ctx, s, 6, 30, 2, func(r *rand.Rand, g, i int) (compliance.StepRecord, time.Time) {
			at := rollupStart.AddDate(0, 0, r.IntN(31)).Add(time.Duration(r.IntN(24*60)) * time.Minute).UTC()
			fs := []compliance.Finding{
				{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
				{Rule: "deadline.item_due_soon", Level: compliance.LevelPrewarning, Message: "m", Basis: "b"},
			}
			return benchRecord(it, fmt.Sprintf("M-%d-%d", g, i), at, fs), at
		})
		// The fills stop while the writers go on, so that a change a fill
		// lost is not made good by a later fill.
		fills := 0
		for ; w.written.Load() < 150 && len(w.errs) == 0; fills++ {
			if err := s.FillWarningMonth(ctx, "ZJJ", rollupStart); err != nil {
				t.Fatalf("fill %d: %v", fills, err)
			}
			if s.DB().Dialector.Name() == "sqlite" {
				// SQLite's busy handler sleeps between its tries: fills
				// back to back would keep the writers out.
				time.Sleep(5 * time.Millisecond)
			}
		}
		w.wait(t)
		t.Logf("%d fills while the writers ran", fills)
		if fills == 0 {
			t.Error("no fill ran while the writers wrote")
		}
		if got, want := rollupTables(t, s)["months"], monthsOfDays(t, s); !reflect.DeepEqual(got, want) || len(got) == 0 {
			t.Errorf("month counters after filling while writing:\n%v\nsums of the days:\n%v", got, want)
		}
		f := compliance.StatsFilter{Departments: []string{"ZJJ"}, From: rollupStart, To: rollupStart.AddDate(0, 1, 0)}
		if got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f); !reflect.DeepEqual(got, want) {
			t.Errorf("rollup %+v\nbase   %+v", got, want)
		}
	})
}
