package sqlstore_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

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
			st := compliance.Step{ID: no + "-" + string(rune('a'+i)), CaseNo: no, StepCode: "accept", Handler: "张三", OccurredAt: at, RecordedAt: at,
				LegalBasisIDs: []string{}, Approvals: []compliance.Approval{}, Attributes: map[string]any{},
				CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
			c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
				Applicant: "某公司", AcceptedAt: rollupStart.Add(10 * time.Hour).UTC(), Status: compliance.CaseOpen, CreatedAt: at, UpdatedAt: at,
				Version: int64(max(i-1, 0))}
			rec := compliance.StepRecord{Case: c, NewCase: i == 0, Step: st, Digest: "d",
				Findings: []compliance.Finding{{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "m", Basis: "b"}}}
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
