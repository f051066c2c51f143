package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/apitest"
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
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, "--notify-interval", "0")
		out := openOutbox(t, dsn)

		t.Run("a refused step writes no event", func(t *testing.T) {
			bad := apitest.With(apitest.FirstStep("O1-accept", "ZJJ-2026-0101", "XK-001", "accept", "2026-03-02T09:30:00+08:00"), "step_code", "nope")
			apitest.WantCode(t, s.Do("POST", "/api/v1/steps", tok[apitest.ZJJClerk], bad), 422, "unknown_step_code")
			if evs := out.since(t); len(evs) != 0 {
				t.Errorf("events = %v, want none", eventNames(evs))
			}
		})
		var alarm apitest.StepAnswer
		t.Run("a stored step writes its new warnings and the approval it waits for", func(t *testing.T) {
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
				alarm = a
			}
			if len(alarm.Warnings) == 0 {
				t.Fatal("the late review raised no warning")
			}
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
