package compliance_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// A case that stops moving is caught by the sweeper, on the days the law
// counts, across the 2026 Spring Festival; sweeping again raises nothing twice.
func TestSweepCatchesStalledCases(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-02-09T10:00:00+08:00")
		svc := newDistrict(t, store, clk)
		// Accepted Monday 9 Feb: the review is due 28 Feb (a make-up
		// Saturday), the decision 13 March.
		accept(t, svc, "ZJJ-1", "2026-02-09T09:00:00+08:00")

		steps := []struct {
			now      string
			wantDue  int
			wantRule string // a warning that must exist after the sweep ("" none)
			wantNot  string // one that must not
		}{
			{"2026-02-13T10:00:00+08:00", 0, "", "deadline.step_due_soon/prewarning"},
			{"2026-02-24T10:00:00+08:00", 0, "", "deadline.step_due_soon/prewarning"},
			{"2026-02-25T10:00:00+08:00", 1, "deadline.step_due_soon/prewarning", "deadline.step_overdue/alarm"},
			{"2026-02-25T18:00:00+08:00", 0, "deadline.step_due_soon/prewarning", "deadline.step_overdue/alarm"},
			{"2026-02-28T23:00:00+08:00", 0, "", "deadline.step_overdue/alarm"},
			{"2026-03-02T09:00:00+08:00", 1, "deadline.step_overdue/alarm", "deadline.item_due_soon/prewarning"},
			{"2026-03-10T09:00:00+08:00", 1, "deadline.item_due_soon/prewarning", "deadline.item_overdue/alarm"},
			// A new alarm is looked at again the next day (its answer period
			// starts): the 10 March follow-up alarm brings the case back on
			// the 11th, caught by this sweep.
			{"2026-03-13T20:00:00+08:00", 1, "deadline.item_due_soon/prewarning", "deadline.item_overdue/alarm"},
			{"2026-03-16T09:00:00+08:00", 1, "deadline.item_overdue/alarm", ""},
			{"2026-03-17T09:00:00+08:00", 1, "deadline.item_overdue/alarm", ""},
			{"2026-03-18T09:00:00+08:00", 0, "deadline.item_overdue/alarm", ""},
		}
		for _, st := range steps {
			clk.Set(st.now)
			res, err := svc.Deadlines.Sweep(ctx, admin)
			if err != nil {
				t.Fatalf("sweep at %s: %v", st.now, err)
			}
			if res.Due != st.wantDue || res.Checked != st.wantDue {
				t.Errorf("sweep at %s: %+v, want %d due and checked", st.now, res, st.wantDue)
			}
			got := deadlineWarnings(t, store, "ZJJ-1")
			for rule, n := range got {
				if n != 1 {
					t.Errorf("after sweep at %s: %s stored %d times", st.now, rule, n)
				}
			}
			if st.wantRule != "" && got[st.wantRule] == 0 {
				t.Errorf("after sweep at %s: no %s in %v", st.now, st.wantRule, got)
			}
			if st.wantNot != "" && got[st.wantNot] > 0 {
				t.Errorf("after sweep at %s: unexpected %s", st.now, st.wantNot)
			}
		}
	})
}

// Two sweepers on one database at once store each case's tick once.
func TestConcurrentSweepers(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-02-09T10:00:00+08:00")
		svc := newDistrict(t, store, clk)
		const cases = 120
		for i := range cases {
			accept(t, svc, fmt.Sprintf("ZJJ-C%03d", i), "2026-02-09T09:00:00+08:00")
		}
		clk.Set("2026-03-10T09:00:00+08:00")
		other := newService(t, store, clk)

		nodes := []*checker.Services{svc, other}
		results := make([]compliance.SweepResult, len(nodes))
		atOnce(len(nodes), func(i int) {
			var err error
			if results[i], err = nodes[i].Deadlines.Sweep(ctx, admin); err != nil {
				t.Error(err)
			}
		})
		checked := results[0].Checked + results[1].Checked
		if checked != cases {
			t.Errorf("checked %d + %d = %d cases, want %d (results %+v)", results[0].Checked, results[1].Checked, checked, cases, results)
		}
		for i := range cases {
			got := deadlineWarnings(t, store, fmt.Sprintf("ZJJ-C%03d", i))
			if got["deadline.item_due_soon/prewarning"] != 1 || got["deadline.step_overdue/alarm"] != 1 {
				t.Fatalf("case %d: warnings %v, want one item_due_soon and one step_overdue", i, got)
			}
		}
		if res, err := svc.Deadlines.Sweep(ctx, admin); err != nil || res.Due != 0 {
			t.Errorf("third sweep: %+v, %v; want nothing due", res, err)
		}
	})
}

// An alarm the department leaves unanswered for five working days is
// followed up by the sweeper, once; an answered one is not.
func TestUnansweredAlarmIsFollowedUp(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-03-02T09:10:00+08:00")
		svc := newDistrict(t, store, clk)
		leader := &compliance.Account{Username: "zjj-admin", Role: compliance.RoleDeptAdmin, DepartmentCode: "ZJJ"}
		alarms := map[string][]int64{}
		for _, no := range []string{"ZJJ-F1", "ZJJ-F2"} {
			accept(t, svc, no, "2026-03-02T09:00:00+08:00")
			// A decision citing no legal basis, made before the review: alarms.
			res, _, err := svc.Cases.SubmitStep(ctx, clerk, compliance.StepSubmission{ID: no + "-decide", CaseNo: no, StepCode: "decide",
				Handler: "张三", OccurredAt: time.Date(2026, 3, 2, 1, 5, 0, 0, time.UTC)}) // 09:05 in Shanghai
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.Warnings {
				if w.Level == compliance.LevelAlarm {
					alarms[no] = append(alarms[no], w.ID)
				}
			}
		}
		if len(alarms["ZJJ-F1"]) == 0 || len(alarms["ZJJ-F2"]) == 0 {
			t.Fatalf("alarms = %v, want some on both cases", alarms)
		}
		// ZJJ-F2 answers its alarms; ZJJ-F1 does not.
		for _, id := range alarms["ZJJ-F2"] {
			if _, err := svc.Supervision.Transition(ctx, leader, id, compliance.ActionExplain, "已补充说明", "", ""); err != nil {
				t.Fatal(err)
			}
		}
		for _, now := range []string{"2026-03-09T18:00:00+08:00", "2026-03-10T09:00:00+08:00", "2026-03-11T09:00:00+08:00"} {
			clk.Set(now)
			if _, err := svc.Deadlines.Sweep(ctx, admin); err != nil {
				t.Fatal(err)
			}
			for i, no := range []string{"ZJJ-F1", "ZJJ-F2"} {
				ws, err := store.Warnings().ListWarnings(ctx, compliance.WarningFilter{CaseNo: no, Rule: "followup.alarm_unanswered", Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if i == 0 && now >= "2026-03-10" {
					want = len(alarms[no]) // one follow-up per unanswered alarm
				}
				if len(ws) != want {
					t.Errorf("%s after the sweep at %s: %d follow-ups, want %d", no, now, len(ws), want)
				}
			}
		}
		// The violation list finds exactly the unanswered alarms.
		overdue, err := svc.Cases.ListWarnings(ctx, admin, compliance.WarningFilter{OverdueUnanswered: true, Ascending: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, w := range overdue {
			got = append(got, w.ID)
		}
		if !slices.Equal(got, alarms["ZJJ-F1"]) {
			t.Errorf("overdue unanswered = %v, want %v", got, alarms["ZJJ-F1"])
		}
	})
}
