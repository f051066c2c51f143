package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestRollupConcurrentWriters stores steps and transitions from several
// goroutines at once on the same departments and days, the counter rows
// every one of them updates; none may fail (a deadlock would) and the
// figures must still match the base tables.
func TestRollupConcurrentWriters(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		items := []compliance.PowerItem{benchSetup(t, s, "ZJJ"), benchSetup(t, s, "SCJ")}
		at := rollupStart.Add(10 * time.Hour).UTC()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				for i := range 15 {
					it := items[r.IntN(len(items))]
					no := fmt.Sprintf("C-%d-%d", g, i)
					st := compliance.Step{ID: no + "-accept", CaseNo: no, StepCode: "accept", Handler: "张三", OccurredAt: at, RecordedAt: at,
						LegalBasisIDs: []string{}, Approvals: []compliance.Approval{}, Attributes: map[string]any{},
						CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
					c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
						Applicant: "某公司", AcceptedAt: at, Status: compliance.CaseOpen, CreatedAt: at, UpdatedAt: at}
					// Families in both orders, so that two steps want the
					// same counter rows.
					fs := []compliance.Finding{
						{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
						{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
					}
					if r.IntN(2) == 0 {
						fs[0], fs[1] = fs[1], fs[0]
					}
					rec := compliance.StepRecord{Case: c, NewCase: true, Step: st, Digest: "d", Findings: fs}
					if err := recordAndRectify(ctx, s, rec, r, at); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
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
