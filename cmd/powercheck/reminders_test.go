package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestPatrolReminder(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--notify-interval", "0", "--reminder-interval", "0")
		s.SetupDistrict(t)
		out := openOutbox(t, dsn)
		nodes := openNodes(t, dsn, 2)
		log := slog.New(slog.DiscardHandler)
		at := func(s string) time.Time {
			tm, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		tests := []struct {
			name, now string
			want      int // patrol.short events
		}{
			{"a working day before 16:00", "2026-03-04 15:59", 0},
			{"a working day at 16:00", "2026-03-04 16:00", 2},
			{"the working day before February's explanation runs out", "2026-03-02 16:00", 2},
			{"a make-up Saturday", "2026-02-14 16:30", 2},
			{"a holiday on a weekday", "2026-10-05 16:30", 0},
			{"a Sunday", "2026-03-08 17:00", 0},
			// December's explanation runs out in a year not entered yet:
			// that is no reason to fail the day's patrol reminder.
			{"a December day before next year is entered", "2026-12-07 16:00", 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				now := at(tt.now)
				for _, a := range nodes { // two nodes, each running the reminders
					r := newReminders(a, func() time.Time { return now }, log)
					for range 2 {
						if err := r.Run(context.Background()); err != nil {
							t.Fatal(err)
						}
					}
				}
				var got []compliance.PatrolShort
				for _, e := range out.since(t) {
					if e.Name != compliance.EventPatrolShort {
						continue
					}
					var p compliance.PatrolShort
					if err := json.Unmarshal(e.Data, &p); err != nil {
						t.Fatal(err)
					}
					got = append(got, p)
				}
				if len(got) != tt.want {
					t.Fatalf("patrol.short = %+v, want %d", got, tt.want)
				}
				for _, p := range got {
					if p.Date != now.Format(time.DateOnly) || p.Done != 0 || p.Required != compliance.PatrolsPerWorkday {
						t.Errorf("patrol.short = %+v", p)
					}
				}
			})
		}
	})
}

// TestExplanationReminder: a department that owes the explanation of the
// month is reminded from 09:00 of the working day before it runs out, once
// however many nodes remind; a department that owes none is not.
func TestExplanationReminder(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, "--notify-interval", "0", "--reminder-interval", "0")
		s.EnterCurrentYears(t) // the explanation of December runs out in January
		raiseAlarm(t, s, tok[apitest.ZJJClerk], "71")
		month := time.Now().In(calendar.Shanghai).Format("2006-01")
		var rep struct {
			ExplanationRequired bool   `json:"explanation_required"`
			ExplanationDue      string `json:"explanation_due"`
		}
		s.Must(200, "GET", "/api/v1/reports/monthly?department=ZJJ&month="+month, tok[apitest.ZJJAdmin], nil).Decode(t, &rep)
		if !rep.ExplanationRequired || rep.ExplanationDue == "" {
			t.Fatalf("ZJJ's report of %s = %+v: want an explanation required", month, rep)
		}
		out := openOutbox(t, dsn)
		nodes := openNodes(t, dsn, 2)
		log := slog.New(slog.DiscardHandler)
		due, err := calendar.ParseDate(rep.ExplanationDue)
		if err != nil {
			t.Fatal(err)
		}
		eve := due - 1 // the working day before the due date
		for {
			k, err := nodes[0].engine.Calendar().DayKind(eve)
			if err != nil {
				t.Fatal(err)
			}
			if k.IsWorking() {
				break
			}
			eve--
		}
		remind := func(at time.Time) []compliance.ExplanationDueNotice {
			for _, a := range nodes {
				r := newReminders(a, func() time.Time { return at }, log)
				if err := r.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			var got []compliance.ExplanationDueNotice
			for _, e := range out.since(t) {
				if e.Name == compliance.EventExplanationDue {
					var n compliance.ExplanationDueNotice
					if err := json.Unmarshal(e.Data, &n); err != nil {
						t.Fatal(err)
					}
					got = append(got, n)
				}
			}
			return got
		}
		morning := eve.Start().Add(9 * time.Hour)
		if got := remind(morning.Add(-time.Minute)); len(got) != 0 {
			t.Errorf("at 08:59 of %s: %+v, want none yet", eve, got)
		}
		got := remind(morning)
		if len(got) != 1 || got[0].Department != "ZJJ" || got[0].Month != month || got[0].Due != rep.ExplanationDue {
			t.Errorf("at 09:00 of %s: %+v, want one for ZJJ's %s, due %s", eve, got, month, rep.ExplanationDue)
		}
		if got := remind(eve.Start().Add(-15 * time.Hour)); len(got) != 0 {
			t.Errorf("the working day before at 09:00: %+v, want none", got)
		}
	})
}

// openNodes opens n apps on the database at dsn, as n nodes of serve would
// be, closed when the test ends.
func openNodes(t *testing.T, dsn string, n int) []*app {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	var nodes []*app
	for range n {
		a, err := openApp(context.Background(), dsn, time.Second, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.store.Close() })
		nodes = append(nodes, a)
	}
	return nodes
}
