package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// intentTargets returns the targets of the stored audit intents' parts.
func intentTargets(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	var targets []string
	if err := s.DB().Table("audit_intents").Order("target").Pluck("target", &targets).Error; err != nil {
		t.Fatal(err)
	}
	return targets
}

// stepIntent is the intent of a step's submission, named by target.
func stepIntent(target string) compliance.AuditIntent {
	return compliance.AuditIntent{Actor: "zjj-clerk", Role: compliance.RoleClerk, IP: "10.0.0.1",
		Action: "POST /api/v1/steps", Target: target, RequestDigest: "req"}
}

// TestAuditIntentsOfSteps checks that a step's transaction writes its
// change's intent, that the entry removes it, that a transaction rolled
// back leaves none, and that a group of steps writes one for each step its
// savepoint kept, with what that step wrote.
func TestAuditIntentsOfSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		item, taken := recordedCase(t, s, "ZJJ-0")

		t.Run("a step's transaction writes its intent and its entry removes it", func(t *testing.T) {
			tracked, _ := s.Audit().TrackChange(ctx, stepIntent("id=ZJJ-1-accept"))
			rec := recentRecord(item, "ZJJ-1")
			if _, err := s.Cases().RecordStep(tracked, rec, benchRespond(&rec)); err != nil {
				t.Fatal(err)
			}
			if got := intentTargets(t, s); len(got) != 1 || got[0] != "id=ZJJ-1-accept" {
				t.Fatalf("intents after the step = %q, want its one", got)
			}
			e := compliance.AuditEntry{At: time.Now().UTC(), Actor: "zjj-clerk", Role: compliance.RoleClerk,
				Action: "POST /api/v1/steps", Target: "id=ZJJ-1-accept", RequestDigest: "req", ResponseDigest: "res"}
			if err := s.Audit().EnqueueAudit(tracked, e); err != nil {
				t.Fatal(err)
			}
			if got := intentTargets(t, s); len(got) != 0 {
				t.Errorf("intents after the entry = %q, want none", got)
			}
			if b, err := s.Audit().AuditBacklog(ctx); err != nil || b.Count != 1 {
				t.Errorf("queued entries = %d, %v; want 1", b.Count, err)
			}
		})

		t.Run("a rolled-back transaction leaves no intent", func(t *testing.T) {
			tracked, _ := s.Audit().TrackChange(ctx, stepIntent("id=ZJJ-0-accept"))
			if _, err := s.Cases().RecordStep(tracked, taken, benchRespond(&taken)); !errors.Is(err, compliance.ErrDuplicate) {
				t.Fatalf("RecordStep(id taken) = %v, want ErrDuplicate", err)
			}
			if got := intentTargets(t, s); len(got) != 0 {
				t.Errorf("intents after a rolled-back step = %q, want none", got)
			}
		})

		t.Run("a group writes the intents of the steps it kept", func(t *testing.T) {
			kept := recentRecord(item, "ZJJ-2")
			keptCtx, _ := s.Audit().TrackChange(ctx, stepIntent("id=ZJJ-2-accept"))
			refusedCtx, _ := s.Audit().TrackChange(ctx, stepIntent("id=ZJJ-0-accept"))
			errs, err := s.WriteStepGroup([]context.Context{keptCtx, refusedCtx}, []compliance.StepRecord{kept, taken},
				[]compliance.Responder{benchRespond(&kept), benchRespond(&taken)})
			if err != nil || errs[0] != nil || errs[1] == nil {
				t.Fatalf("group = %v, %v; want the first kept, the second refused (its id is taken)", errs, err)
			}
			if got := intentTargets(t, s); len(got) != 1 || got[0] != "id=ZJJ-2-accept" {
				t.Fatalf("intents after the group = %q, want the kept step's only", got)
			}
			// Its node stops here: the intent lists what the step wrote.
			stale, err := s.Audit().StaleIntents(ctx, time.Now().Add(time.Minute), 10)
			if err != nil || len(stale) != 1 {
				t.Fatalf("StaleIntents = %d, %v; want 1", len(stale), err)
			}
			objs, err := stale[0].Written(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != len(twoFindings) {
				t.Errorf("the intent lists %d objects, want the step's %d warnings", len(objs), len(twoFindings))
			}
			mustBeStored(t, s, objs)
			if fresh, err := s.Audit().StaleIntents(ctx, time.Now().Add(-time.Minute), 10); err != nil || len(fresh) != 0 {
				t.Errorf("StaleIntents(a minute ago) = %d, %v; want none (the change may still run)", len(fresh), err)
			}
		})
	})
}
