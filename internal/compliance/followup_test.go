package compliance_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

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
