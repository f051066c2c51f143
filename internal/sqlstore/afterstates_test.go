package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The state of a grouped step and of its case that the audit records after
// the change is kept from the group's transaction, without a read after
// the commit, and is byte for byte what a read of them gives; a step that
// the group refused keeps nothing and is read.
func TestGroupKeepsStatesAfter(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)
		mustRecord(t, s, newCaseRecord("K-0", item, newStep("K-0-accept", "K-0", "accept", at(2, 9, 0, 0, 0))))
		later, err := s.Cases().Case(t.Context(), "K-0")
		if err != nil {
			t.Fatal(err)
		}
		recs := []compliance.StepRecord{
			// Its answer fails the second time: it is rolled back to its
			// savepoint when the group is written again.
			newCaseRecord("K-4", item, newStep("K-4-accept", "K-4", "accept", at(2, 9, 0, 0, 0))),
			newCaseRecord("K-1", item, newStep("K-1-accept", "K-1", "accept", at(2, 9, 0, 0, 0)),
				compliance.Finding{Rule: "legal_basis.missing", Level: compliance.LevelAlarm, Message: "未引用法律依据"}),
			// Its id is taken: the group is written again without it.
			newCaseRecord("K-2", item, newStep("K-0-accept", "K-2", "accept", at(2, 9, 0, 0, 0))),
			nextRecord(later, newStep("K-0-review", "K-0", "review", at(2, 10, 0, 0, 0)),
				compliance.Finding{Rule: "deadline.step_overdue", Level: compliance.LevelPrewarning, Message: "审查环节已超期"}),
			newCaseRecord("K-3", item, newStep("K-3-accept", "K-3", "accept", at(2, 9, 0, 0, 0))),
		}
		ctxs := make([]context.Context, len(recs))
		written := make([]compliance.Written, len(recs))
		answers := make([]compliance.Responder, len(recs))
		for i, rec := range recs {
			ctxs[i], written[i] = s.Audit().TrackWrites(t.Context())
			answers[i] = respond(rec)
		}
		calls := 0
		answers[0] = func(w []compliance.Warning) (compliance.StepResult, error) {
			if calls++; calls > 1 {
				return compliance.StepResult{}, errors.New("the answer failed")
			}
			return respond(recs[0])(w)
		}
		errs, err := s.WriteStepGroup(ctxs, recs, answers)

		if err != nil {
			t.Fatal(err)
		}
		count := sqlstoretest.CountStatements(t, s)
		for i, rec := range recs {
			stored := errs[i] == nil
			checkKeptStates(t, s, count, ctxs[i], rec, stored, errs[i])
			checkKeptWarnings(t, s, count, written[i], rec, stored)
		}
		if errs[0] == nil || errs[2] == nil {
			t.Errorf("K-4-accept, whose answer failed, or K-0-accept again stored: %v", errs)
		}
	})
}

// checkKeptStates: the states of rec's step and case, as the audit tells
// them under the change's ctx, are those a read gives; they are told
// without a statement when the group stored the step, and read when not.
func checkKeptStates(t *testing.T, s *sqlstore.Store, count *sqlstoretest.Statements, ctx context.Context,
	rec compliance.StepRecord, stored bool, refused error) {
	t.Helper()
	subjects := []compliance.AuditSubject{
		{Kind: compliance.SubjectStep, Key: rec.Step.ID, Department: rec.Case.DepartmentCode},
		{Kind: compliance.SubjectCase, Key: rec.Case.CaseNo},
	}
	count.Start()
	kept, err := s.Audit().AuditStates(ctx, subjects)
	if err != nil {
		t.Fatal(err)
	}
	statements := count.Stop().Statements()
	read, err := s.Audit().AuditStates(t.Context(), subjects)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || !bytes.Equal(kept[0], read[0]) || !bytes.Equal(kept[1], read[1]) {
		t.Errorf("%s: the states kept differ from those read:\n%q\n%q", rec.Step.ID, kept, read)
	}
	if stored && (read[0] == nil || read[1] == nil) {
		t.Errorf("%s: the step or its case is not stored", rec.Step.ID)
	}
	switch {
	case stored && statements != 0:
		t.Errorf("%s, stored in the group: %d statements to tell its states, want none", rec.Step.ID, statements)
	case !stored && statements == 0:
		t.Errorf("%s, refused (%v): its states were not read", rec.Step.ID, refused)
	}
}

// checkKeptWarnings: the warnings rec's change wrote are listed with the
// states a read gives, without a statement when the group stored them.
func checkKeptWarnings(t *testing.T, s *sqlstore.Store, count *sqlstoretest.Statements, written compliance.Written,
	rec compliance.StepRecord, stored bool) {
	t.Helper()
	count.Start()
	objs, err := written(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	statements := count.Stop().Statements()
	if want := len(rec.Findings); stored && len(objs) != want {
		t.Errorf("%s: %d warnings written, want %d", rec.Step.ID, len(objs), want)
	}
	if stored && len(objs) > 0 && statements != 0 {
		t.Errorf("%s: %d statements to list its warnings, want none", rec.Step.ID, statements)
	}
	for _, o := range objs {
		read, err := s.Audit().AuditState(t.Context(), o.Subject)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(o.State, read) {
			t.Errorf("%s: warning %s kept as\n%q\nread as\n%q", rec.Step.ID, o.Subject.Key, o.State, read)
		}
	}
}

// A group none of whose steps fails inserts their rows in one statement,
// in the order the group stored them: a case's steps keep their order.
func TestStepWriterInsertsAGroupsRowsTogether(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		s.LimitStepWriters(1)
		item := mustZJJItem(t, s)
		_, current := caseG0(t, s, item)
		count := sqlstoretest.CountStatements(t, s)
		release := holdStepWriter(t, s, newCaseRecord("R-0", item, newStep("R-0-accept", "R-0", "accept", at(2, 9, 0, 0, 0))))
		recs := []compliance.StepRecord{nextRecord(current, newStep("G-0-decide", "G-0", "decide", at(4, 9, 0, 0, 0)))}
		for i := 1; i <= 4; i++ {
			no := "R-" + strconv.Itoa(i)
			recs = append(recs, newCaseRecord(no, item, newStep(no+"-accept", no, "accept", at(2, 9, 0, 0, 0))))
		}
		errs := make([]error, len(recs))
		var wg sync.WaitGroup
		for i, rec := range recs {
			wg.Go(func() { _, errs[i] = s.Cases().RecordStep(ctx, rec, respond(rec)) })
		}
		waitQueued(t, "steps", len(recs), func() int { return s.Cases().StepWrites().Waiting })
		count.Start()
		release()
		wg.Wait()
		count.Stop()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("RecordStep(%s): %v", recs[i].Step.ID, err)
			}
		}
		inserts := 0
		for _, q := range count.Texts() {
			if strings.HasPrefix(q, "INSERT INTO `steps`") {
				inserts++
			}
		}
		// The blocker's own, then the group's.
		if inserts != 2 {
			t.Errorf("%d INSERTs into steps for the blocker and a group of %d, want 2:\n%s", inserts, len(recs), strings.Join(count.Texts(), "\n"))
		}
		var ids []string
		if err := s.DB().Table("steps").Where("case_no = ?", "G-0").Order("seq").Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"G-0-accept", "G-0-review", "G-0-decide"}; !slices.Equal(ids, want) {
			t.Errorf("steps of G-0 in stored order: %v, want %v", ids, want)
		}
		for _, rec := range recs {
			if _, err := s.Cases().StepByID(ctx, "ZJJ", rec.Step.ID); err != nil {
				t.Errorf("StepByID(%s): %v", rec.Step.ID, err)
			}
		}
	})
}

// A step's state before, taken from the service's read of its case, is
// what the audit's own read of the step and the case gives, byte for byte,
// also with a column the store's row type lacks (a newer node's migration).
func TestCaseStateAsRead(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)
		mustRecord(t, s, newCaseRecord("B-0", item, newStep("B-0-accept", "B-0", "accept", at(2, 9, 0, 0, 0))))
		if err := s.DB().Exec("ALTER TABLE cases ADD COLUMN pc_newer VARCHAR(8) NOT NULL DEFAULT 'x'").Error; err != nil {
			t.Fatal(err)
		}
		subj := []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: "B-0-review", Department: "ZJJ"},
			{Kind: compliance.SubjectCase, Key: "B-0"}}
		want, err := compliance.StateDigest(t.Context(), s.Audit(), subj)
		if err != nil {
			t.Fatal(err)
		}
		ctx, _ := s.Audit().TrackChange(t.Context(), compliance.AuditIntent{Actor: "clerk", Subjects: subj, BeforeAsRead: true})
		st, err := s.Cases().CaseState(ctx, "B-0", "")
		if err != nil || st.Case.CaseNo != "B-0" || len(st.Steps) != 1 {
			t.Fatalf("CaseState: %+v, %v", st, err)
		}
		rec := nextRecord(st.Case, newStep("B-0-review", "B-0", "review", at(3, 9, 0, 0, 0)))
		if _, err := s.Cases().RecordStep(ctx, rec, respond(rec)); err != nil {
			t.Fatal(err)
		}
		if got, committed := s.Audit().ChangeBefore(ctx); !committed || got != want {
			t.Errorf("state before = %q (committed %v), want %q", got, committed, want)
		}
	})
}
