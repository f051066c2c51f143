package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// outboxReader reads the outbox of the database at dsn, as a second
// client of it.
type outboxReader struct {
	store *sqlstore.Store
	seq   int64 // the last event read
}

func openOutbox(t *testing.T, dsn string) *outboxReader {
	t.Helper()
	st := sqlstoretest.Open(t, dsn)
	o := &outboxReader{store: st}
	o.since(t)
	return o
}

// since returns the events written after the last call; t is the
// (sub)test that reads them.
func (o *outboxReader) since(t testing.TB) []compliance.Event {
	t.Helper()
	var out []compliance.Event
	for {
		evs, err := o.store.Notifications().OutboxEvents(context.Background(), o.seq, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			o.seq = max(o.seq, e.Seq)
		}
		out = append(out, evs...)
		if len(evs) < 500 {
			return out
		}
	}
}

func eventNames(evs []compliance.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Name
	}
	slices.Sort(out)
	return out
}

// lateReview is a review step five weeks after acceptance: its deadline
// has passed, an alarm.
func lateReview(id, caseNo string) map[string]any {
	return apitest.Step(id, caseNo, "review", "2026-04-08T09:30:00+08:00")
}

func TestOutboxWrittenWithItsChange(t *testing.T) {
	eachDistrict(t, []string{"--notify-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		out := openOutbox(t, s.dsn)

		t.Run("a refused step writes no event", func(t *testing.T) {
			bad := apitest.With(apitest.FirstStep("O1-accept", "ZJJ-2026-0101", "XK-001", "accept", "2026-03-02T09:30:00+08:00"), "step_code", "nope")
			apitest.WantCode(t, s.Do("POST", "/api/v1/steps", tok[apitest.ZJJClerk], bad), 422, "unknown_step_code")
			if evs := out.since(t); len(evs) != 0 {
				t.Errorf("events = %v, want none", eventNames(evs))
			}
		})
		var alarm apitest.StepAnswer
		t.Run("a stored step writes its new warnings and the approval it waits for", func(t *testing.T) {
			stepEvents(t, s, tok, out, &alarm)
		})
		t.Run("a replayed step writes nothing again", func(t *testing.T) {
			s.Must(200, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], lateReview("O1-review", "ZJJ-2026-0101"))
			if evs := out.since(t); len(evs) != 0 {
				t.Errorf("events = %v, want none", eventNames(evs))
			}
		})
		t.Run("a transition from the wrong state writes nothing, a taken one its event", func(t *testing.T) {
			id := strconv.FormatInt(alarm.Warnings[0].ID, 10)
			s.Must(409, "POST", "/api/v1/warnings/"+id+"/transitions", tok[apitest.SupervisionToken], map[string]any{"action": "close", "note": "x"})
			if evs := out.since(t); len(evs) != 0 {
				t.Errorf("events = %v, want none", eventNames(evs))
			}
			s.Must(200, "POST", "/api/v1/warnings/"+id+"/transitions", tok[apitest.ZJJAdmin], map[string]any{"action": "explain", "note": "已作书面说明"})
			evs := out.since(t)
			if got := eventNames(evs); !slices.Equal(got, []string{compliance.EventWarningTransitioned}) {
				t.Fatalf("events = %v, want [warning.transitioned]", got)
			}
			var d compliance.TransitionData
			if err := json.Unmarshal(evs[0].Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.Action != "explain" || d.Warning.Status != "explained" || strconv.FormatInt(d.Warning.ID, 10) != id {
				t.Errorf("transition data = %s", evs[0].Data)
			}
		})
		t.Run("an alarm for a pre-warning's deadline escalates it", func(t *testing.T) {
			escalationEvent(t, out)
		})
		t.Run("a transaction that fails writes no event", func(t *testing.T) {
			now := time.Now().UTC()
			rec := compliance.StepRecord{NewCase: true,
				Case: compliance.Case{CaseNo: "ZJJ-2026-0199", ItemCode: "XK-001", ItemVersion: 1, DepartmentCode: "ZJJ",
					Applicant: "某公司", AcceptedAt: now, Status: compliance.CaseOpen, CreatedAt: now, UpdatedAt: now},
				Step: compliance.Step{ID: "O9-accept", CaseNo: "ZJJ-2026-0199", StepCode: "accept", Handler: "张三",
					OccurredAt: now, RecordedAt: now, CheckStatus: compliance.CheckChecked, RecordedBy: "zjj-clerk"},
				Findings: []compliance.Finding{{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "测试"}}}
			forced := errors.New("forced")
			_, err := out.store.Cases().RecordStep(context.Background(), rec, func([]compliance.Warning) (compliance.StepResult, error) {
				return compliance.StepResult{}, forced
			})
			if !errors.Is(err, forced) {
				t.Fatalf("err = %v, want the forced one", err)
			}
			if evs := out.since(t); len(evs) != 0 {
				t.Errorf("events = %v, want none", eventNames(evs))
			}
		})
	})
}

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
	eachDistrict(t, []string{"--notify-interval", "0", "--reminder-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
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
		out := openOutbox(t, s.dsn)
		nodes := openNodes(t, s.dsn, 2)
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

// escalationEvent records a pre-warning, then an alarm for the same deadline,
// straight through the store, and checks the escalation event.
func escalationEvent(t *testing.T, out *outboxReader) {
	now := time.Now().UTC()
	c := compliance.Case{CaseNo: "ZJJ-2026-0198", ItemCode: "XK-001", ItemVersion: 1, DepartmentCode: "ZJJ",
		Applicant: "某公司", AcceptedAt: now, Status: compliance.CaseOpen, CreatedAt: now, UpdatedAt: now}
	respond := func(ws []compliance.Warning) (compliance.StepResult, error) {
		return compliance.StepResult{Warnings: ws}, nil
	}
	soon := compliance.StepRecord{NewCase: true, Case: c,
		Step: compliance.Step{ID: "O8-accept", CaseNo: c.CaseNo, StepCode: "accept", Handler: "张三",
			OccurredAt: now, RecordedAt: now, CheckStatus: compliance.CheckChecked, RecordedBy: "zjj-clerk"},
		Findings: []compliance.Finding{{Rule: "deadline.item_due_soon", Level: compliance.LevelPrewarning, Message: "将到期", Key: "item"}}}
	first, err := out.store.Cases().RecordStep(context.Background(), soon, respond)
	if err != nil {
		t.Fatal(err)
	}
	late := soon
	late.NewCase = false
	late.Step.ID, late.Step.StepCode = "O8-review", "review"
	late.Findings = []compliance.Finding{{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "已超期", Key: "item"}}
	if _, err := out.store.Cases().RecordStep(context.Background(), late, respond); err != nil {
		t.Fatal(err)
	}
	evs := out.since(t)
	want := []string{compliance.EventWarningEscalated, compliance.EventWarningRaised, compliance.EventWarningRaised}
	if got := eventNames(evs); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for _, e := range evs {
		if e.Name != compliance.EventWarningEscalated {
			continue
		}
		var d compliance.EscalatedWarning
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Escalates != first.Warnings[0].ID || d.Rule != "deadline.item_overdue" || e.Account != "zjj-clerk" {
			t.Errorf("warning.escalated = %s for %q, want the alarm escalating warning %d", e.Data, e.Account, first.Warnings[0].ID)
		}
	}
}

// stepEvents submits an acceptance and a late review and checks the events
// each writes; alarm keeps the last answer.
func stepEvents(t *testing.T, s *server, tok map[string]string, out *outboxReader, alarm *apitest.StepAnswer) {
	known := map[int64]bool{}
	for i, st := range []map[string]any{apitest.FirstStep("O1-accept", "ZJJ-2026-0101", "XK-001", "accept", "2026-03-02T09:30:00+08:00"),
		lateReview("O1-review", "ZJJ-2026-0101")} {
		a := s.Submit(t, tok[apitest.ZJJClerk], st)
		var want []string
		if i == 0 { // the case now waits for the approval of its decision
			want = append(want, compliance.EventApprovalWaiting)
		}
		fresh := map[int64]bool{}
		for _, w := range a.Warnings {
			if !known[w.ID] {
				fresh[w.ID], known[w.ID] = true, true
				want = append(want, compliance.EventWarningRaised)
			}
		}
		slices.Sort(want)
		evs := out.since(t)
		if got := eventNames(evs); !slices.Equal(got, want) {
			t.Fatalf("step %d: events = %v, want %v", i, got, want)
		}
		for _, e := range evs {
			if e.Department != "ZJJ" || e.CaseNo != "ZJJ-2026-0101" || len(e.ID) != 32 {
				t.Errorf("event = %+v", e)
			}
			if e.Name != compliance.EventWarningRaised {
				continue
			}
			var w compliance.Warning
			if err := json.Unmarshal(e.Data, &w); err != nil {
				t.Fatal(err)
			}
			if !fresh[w.ID] || e.Account != "zjj-clerk" {
				t.Errorf("warning.raised of warning %d for %q: want a new warning, handler zjj-clerk", w.ID, e.Account)
			}
		}
		*alarm = a
	}
	if len(alarm.Warnings) == 0 {
		t.Fatal("the late review raised no warning")
	}
}
