package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestRollupMonthsFilledWhileWriting fills one department's month of the
// warnings' month counters again and again while several goroutines store
// warnings on that month's days and rectify some of them: no writer may
// fail, and the month counters must end as the sums of the day counters.
func TestRollupMonthsFilledWhileWriting(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		it := benchSetup(t, s, "ZJJ")
		var wg sync.WaitGroup
		var written atomic.Int64
		errs := make(chan error, 6)
		for g := range 6 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 2))
				for i := range 30 {
					at := rollupStart.AddDate(0, 0, r.IntN(31)).Add(time.Duration(r.IntN(24*60)) * time.Minute).UTC()
					no := fmt.Sprintf("M-%d-%d", g, i)
					fs := []compliance.Finding{
						{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
						{Rule: "deadline.item_due_soon", Level: compliance.LevelPrewarning, Message: "m", Basis: "b"},
					}
					rec := benchRecord(it, no, at, fs)
					if err := recordAndRectify(ctx, s, rec, r, at); err != nil {
						errs <- err
						return
					}
					written.Add(1)
				}
			})
		}
		// The fills stop while the writers go on, so that a change a fill
		// lost is not made good by a later fill.
		fills := 0
		for ; written.Load() < 150 && len(errs) == 0; fills++ {
			if err := s.FillWarningMonth(ctx, "ZJJ", rollupStart); err != nil {
				t.Fatalf("fill %d: %v", fills, err)
			}
			if s.DB().Dialector.Name() == "sqlite" {
				// SQLite's busy handler sleeps between its tries: fills
				// back to back would keep the writers out.
				time.Sleep(5 * time.Millisecond)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
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
