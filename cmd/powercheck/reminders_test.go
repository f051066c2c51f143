package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

func TestPatrolReminder(t *testing.T) {
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--notify-interval", "0", "--reminder-interval", "0")
		setupDistrict(t, s)
		out := openOutbox(t, dsn)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var nodes []*app
		for range 2 {
			a, err := openApp(context.Background(), dsn, time.Second, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.store.Close() })
			nodes = append(nodes, a)
		}
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
