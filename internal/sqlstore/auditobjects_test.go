package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// auditFixture stores a department with an item of two versions, an
// account, a calendar year, a step with two warnings (written under
// TrackWrites) and two transitions of one of them (tracked too).
type auditFixture struct {
	stepWritten, transitionWritten []compliance.AuditObject
	warnings                       []compliance.Warning
}

func seedAuditFixture(t *testing.T, s *sqlstore.Store) auditFixture {
	t.Helper()
	ctx := context.Background()
	item := benchSetup(t, s, "ZJJ")
	if _, err := s.Catalog().SaveItem(ctx, benchItem(item.Code, "ZJJ")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Accounts().CreateAccount(ctx, compliance.Account{Username: "zjj-clerk", RealName: "张三", Role: compliance.RoleClerk,
		DepartmentCode: "ZJJ", CreatedAt: time.Now().UTC()}, strings.Repeat("a", 64)); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts().SaveCalendarYear(ctx, compliance.StoredYear{Year: calendar.Year{Year: 2031, Source: "test", Holidays: []string{"2031-01-01"}},
		UpdatedBy: "admin", UpdatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	var f auditFixture
	tracked, written := s.Audit().TrackWrites(ctx)
	rec := recentRecord(item, "ZJJ-1")
	res, err := s.Cases().RecordStep(tracked, rec, benchRespond(&rec))
	if err != nil {
		t.Fatal(err)
	}
	f.warnings = res.Warnings
	if f.stepWritten, err = written(ctx); err != nil {
		t.Fatal(err)
	}
	mustBeStored(t, s, f.stepWritten)
	tracked, written = s.Audit().TrackWrites(ctx)
	if _, ok, err := s.Warnings().TransitionWarning(tracked, compliance.Transition{WarningID: f.warnings[0].ID, Action: "explain",
		From: compliance.WarningOpen, To: compliance.WarningExplained, Actor: "zjj-admin", Role: compliance.RoleDeptAdmin,
		At: time.Now().UTC()}); err != nil || !ok {
		t.Fatalf("TransitionWarning: %v, %v", ok, err)
	}
	// A second one: the state lists both, in order.
	if _, ok, err := s.Warnings().TransitionWarning(tracked, compliance.Transition{WarningID: f.warnings[0].ID, Action: compliance.ActionBeginRectify,
		From: compliance.WarningExplained, To: compliance.WarningRectifying, Actor: "zjj-admin", Role: compliance.RoleDeptAdmin,
		At: time.Now().UTC()}); err != nil || !ok {
		t.Fatalf("TransitionWarning: %v, %v", ok, err)
	}
	if f.transitionWritten, err = written(ctx); err != nil {
		t.Fatal(err)
	}
	mustBeStored(t, s, f.transitionWritten)
	return f
}

// mustBeStored checks that each object's state is the one stored.
func mustBeStored(t *testing.T, s *sqlstore.Store, objs []compliance.AuditObject) {
	t.Helper()
	for _, o := range objs {
		state, err := s.Audit().AuditState(context.Background(), o.Subject)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(state, o.State) {
			t.Errorf("%s: written state is not the stored one", o.Subject)
		}
	}
}

// TestAuditObjectsEncodeAsAuditState lists every followed object a page of
// one at a time and checks that each state is the one AuditState reads, byte
// for byte: verification compares their digests.
func TestAuditObjectsEncodeAsAuditState(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedAuditFixture(t, s)
		listed := map[string][]string{}
		for _, kind := range compliance.FollowedKinds() {
			var after *compliance.AuditSubject
			for {
				objs, err := s.Audit().AuditObjects(ctx, kind, after, 1)
				if err != nil {
					t.Fatalf("AuditObjects(%s): %v", kind, err)
				}
				if len(objs) == 0 {
					break
				}
				o := objs[0]
				want, err := s.Audit().AuditState(ctx, o.Subject)
				if err != nil {
					t.Fatal(err)
				}
				if want == nil || !bytes.Equal(o.State, want) {
					t.Errorf("%s: listed state\n%q\nwant AuditState's\n%q", o.Subject, o.State, want)
				}
				listed[kind] = append(listed[kind], o.Subject.Key)
				after = &o.Subject
			}
		}
		wantWarnings := []string{fmt.Sprint(f.warnings[0].ID), fmt.Sprint(f.warnings[1].ID)}
		if fmt.Sprint(listed[compliance.SubjectWarning]) != fmt.Sprint(wantWarnings) || len(listed[compliance.SubjectItem]) != 1 ||
			fmt.Sprint(listed[compliance.SubjectCalendar]) != "[2031]" || fmt.Sprint(listed[compliance.SubjectAccount]) != "[zjj-clerk]" ||
			len(listed[compliance.SubjectTransition]) != 0 {
			t.Errorf("listed %v", listed)
		}
	})
}

// TestTrackWritesListsWhatAChangeStored checks what TrackWrites notes: the
// warnings a step stored, a warning moved by a transition, and nothing of a
// transaction that was rolled back.
func TestTrackWritesListsWhatAChangeStored(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedAuditFixture(t, s)
		w0, w1 := fmt.Sprintf("warning:%d", f.warnings[0].ID), fmt.Sprintf("warning:%d", f.warnings[1].ID)
		if got, want := subjectList(f.stepWritten), w0+" "+w1; got != want {
			t.Errorf("the step wrote %q, want %q", got, want)
		}
		if got := subjectList(f.transitionWritten); got != w0 {
			t.Errorf("the transition wrote %q, want %q", got, w0)
		}

		// A sweep's tick of the case, with a finding: its warning.
		c, err := s.Cases().Case(ctx, "ZJJ-1")
		if err != nil {
			t.Fatal(err)
		}
		tracked, written := s.Audit().TrackWrites(ctx)
		claimed, inserted, err := s.Cases().RecordTicks(tracked, []compliance.TickRecord{{Case: c, Revision: 1, At: time.Now().UTC(),
			Findings: []compliance.Finding{{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "已超期", Key: "item"}}}})
		if err != nil || !claimed[0] || inserted != 1 {
			t.Fatalf("RecordTicks: %v, %d, %v", claimed, inserted, err)
		}
		objs, err := written(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustBeStored(t, s, objs)
		if got := subjectList(objs); len(objs) != 1 || got == w0 || got == w1 {
			t.Errorf("the tick wrote %q, want its one new warning", got)
		}

		// A second step whose id is taken: its new warnings are inserted,
		// then the step's insert fails and the transaction is rolled back.
		item, err := s.Catalog().Item(ctx, "XK-ZJJ", 0)
		if err != nil {
			t.Fatal(err)
		}
		rec := benchRecord(item, "ZJJ-1", time.Now().Add(-time.Hour).UTC(),
			[]compliance.Finding{{Rule: "sequence.repeated", Level: compliance.LevelAlarm, Message: "重复"}})
		rec.NewCase = false
		rec.Case.Version = c.Version
		tracked, written = s.Audit().TrackWrites(ctx)
		if _, err := s.Cases().RecordStep(tracked, rec, benchRespond(&rec)); err == nil {
			t.Fatal("a step whose id is taken was stored")
		}
		if objs, err := written(ctx); err != nil || len(objs) != 0 {
			t.Errorf("a rolled-back step wrote %q, %v; want nothing", subjectList(objs), err)
		}

		laterStepWritesItsOwnWarnings(t, s, item, f.warnings, objs)
	})
}

// subjectList names objs' subjects, separated by spaces.
func subjectList(objs []compliance.AuditObject) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Subject.String())
	}
	return strings.Join(out, " ")
}

// laterStepWritesItsOwnWarnings stores a later step of case ZJJ-1 that
// finds again the warning of a tick (tick, stored after the step read the
// case's warnings, known) and one of its own: it is answered with both and
// wrote only its own.
func laterStepWritesItsOwnWarnings(t *testing.T, s *sqlstore.Store, item compliance.PowerItem, known []compliance.Warning, tick []compliance.AuditObject) {
	t.Helper()
	ctx := context.Background()
	later := benchRecord(item, "ZJJ-1", time.Now().Add(-time.Hour).UTC(), []compliance.Finding{
		{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "已超期", Key: "item"},
		{Rule: "legal_basis.missing", Level: compliance.LevelPrewarning, Message: "缺少法律依据"}})
	later.NewCase, later.Step.ID, later.Warnings = false, "ZJJ-1-review", known
	var err error
	if later.Case, err = s.Cases().Case(ctx, "ZJJ-1"); err != nil {
		t.Fatal(err)
	}
	tracked, written := s.Audit().TrackWrites(ctx)
	res, err := s.Cases().RecordStep(tracked, later, benchRespond(&later))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 2 || subjectList(tick) != fmt.Sprintf("warning:%d", res.Warnings[0].ID) ||
		res.Warnings[1].StepID != "ZJJ-1-review" {
		t.Fatalf("the later step was answered with %+v; want the tick's %s and a new one", res.Warnings, subjectList(tick))
	}
	objs, err := written(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := subjectList(objs), fmt.Sprintf("warning:%d", res.Warnings[1].ID); got != want {
		t.Errorf("the later step wrote %q, want %q", got, want)
	}
}

// TestAuditEffectsAreChained appends entries with effects and checks that
// the history lists them by object, and that an altered, added or removed
// effect breaks the chain at its entry.
func TestAuditEffectsAreChained(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		digest := func(c byte) string { return strings.Repeat(string(c), 64) }
		warning := func(id int) compliance.AuditSubject {
			return compliance.AuditSubject{Kind: compliance.SubjectWarning, Key: fmt.Sprint(id)}
		}
		for i, effects := range [][]compliance.AuditEffect{
			{{Subject: warning(10), After: digest('a')}, {Subject: warning(9), After: digest('b')}},
			{{Subject: warning(10), Before: digest('a'), After: digest('c')}},
		} {
			e := compliance.AuditEntry{At: at(2, 9, 0, i, 0), Actor: "system", Role: compliance.SystemActor, Action: "SYSTEM sweep",
				RequestDigest: "req", ResponseDigest: "res", Effects: effects, EffectsDigest: compliance.EffectsDigest(effects)}
			if _, err := s.Audit().AppendAudit(ctx, e, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := compliance.VerifyAudit(ctx, s.Audit(), nil); err != nil || n != 2 {
			t.Fatalf("VerifyAudit = %d, %v; want 2, nil", n, err)
		}
		var got []string
		after := (*compliance.AuditSubject)(nil)
		for {
			es, err := s.Audit().AuditHistory(ctx, compliance.SubjectWarning, after, 1, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				got = append(got, fmt.Sprintf("%s@%d=%c", e.Subject, e.Seq, e.After[0]))
			}
			last := es[len(es)-1].Subject
			after = &last
		}
		// By id as a number (9 before 10), then by entry.
		if want := "warning:9@1=b warning:10@1=a warning:10@2=c"; strings.Join(got, " ") != want {
			t.Errorf("history %q, want %q", strings.Join(got, " "), want)
		}

		for _, tt := range []struct {
			name, tamper, undo string
		}{
			{"an effect altered", "UPDATE audit_effects SET after_digest = '" + digest('f') + "' WHERE seq = 1 AND ord = 1",
				"UPDATE audit_effects SET after_digest = '" + digest('b') + "' WHERE seq = 1 AND ord = 1"},
			{"an effect removed", "DELETE FROM audit_effects WHERE seq = 2",
				"INSERT INTO audit_effects (seq, ord, kind, ref, subject_key, before_digest, after_digest) VALUES (2, 0, 'warning', 10, '10', '" + digest('a') + "', '" + digest('c') + "')"},
			{"an effect added", "INSERT INTO audit_effects (seq, ord, kind, ref, subject_key, before_digest, after_digest) VALUES (1, 2, 'account', 0, 'mallory', '', '" + digest('d') + "')",
				"DELETE FROM audit_effects WHERE seq = 1 AND ord = 2"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := s.DB().Exec(tt.tamper).Error; err != nil {
					t.Fatal(err)
				}
				if _, err := compliance.VerifyAudit(ctx, s.Audit(), nil); err == nil || !strings.Contains(err.Error(), "stored effects do not match its effects digest") {
					t.Errorf("VerifyAudit: %v; want the entry's effects named", err)
				}
				if err := s.DB().Exec(tt.undo).Error; err != nil {
					t.Fatal(err)
				}
				if _, err := compliance.VerifyAudit(ctx, s.Audit(), nil); err != nil {
					t.Errorf("VerifyAudit after undoing: %v", err)
				}
			})
		}
	})
}
