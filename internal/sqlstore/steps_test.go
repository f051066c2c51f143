package sqlstore_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// newStep returns a checked step of caseNo, entered a minute after it occurred.
func newStep(id, caseNo, code string, occurred time.Time) compliance.Step {
	return compliance.Step{ID: id, CaseNo: caseNo, StepCode: code, Handler: "张三",
		OccurredAt: occurred, RecordedAt: occurred.Add(time.Minute),
		LegalBasisIDs: []string{}, Approvals: []compliance.Approval{}, Attributes: map[string]any{},
		CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
}

// newCaseRecord records step as the first step of a new case of item.
func newCaseRecord(caseNo string, item compliance.PowerItem, step compliance.Step, findings ...compliance.Finding) compliance.StepRecord {
	c := compliance.Case{CaseNo: caseNo, ItemCode: item.Code, ItemVersion: item.Version, DepartmentCode: item.DepartmentCode,
		Applicant: "某建设公司", AcceptedAt: step.OccurredAt, Status: compliance.CaseOpen,
		CreatedAt: step.RecordedAt, UpdatedAt: step.RecordedAt}
	return compliance.StepRecord{Case: c, NewCase: true, Step: step, Digest: "digest-" + step.ID, Findings: findings}
}

// nextRecord records step on the existing case c.
func nextRecord(c compliance.Case, step compliance.Step, findings ...compliance.Finding) compliance.StepRecord {
	c.UpdatedAt = step.RecordedAt
	return compliance.StepRecord{Case: c, Step: step, Digest: "digest-" + step.ID, Findings: findings}
}

// respond answers like the service does: the step and the stored warnings.
func respond(rec compliance.StepRecord) compliance.Responder {
	return func(stored []compliance.Warning) (compliance.StepResult, error) {
		if stored == nil {
			stored = []compliance.Warning{}
		}
		return compliance.StepResult{StepID: rec.Step.ID, CaseNo: rec.Case.CaseNo, PolicyRevision: rec.Step.PolicyRevision,
			CheckStatus: rec.Step.CheckStatus, CheckError: rec.Step.CheckError, Warnings: stored}, nil
	}
}

// mustRecord stores rec; a step of an existing case is stored on the case's
// current version, as the service does once it has read the case.
func mustRecord(t testing.TB, s *sqlstore.Store, rec compliance.StepRecord) compliance.StepResult {
	t.Helper()
	if !rec.NewCase {
		c, err := s.Cases().Case(t.Context(), rec.Case.CaseNo)
		if err != nil {
			t.Fatalf("Case(%s): %v", rec.Case.CaseNo, err)
		}
		rec.Case.Version = c.Version
	}
	res, err := s.Cases().RecordStep(t.Context(), rec, respond(rec))
	if err != nil {
		t.Fatalf("RecordStep(%s): %v", rec.Step.ID, err)
	}
	return res
}

// inUTC is st with every time in UTC, as the store must return it.
func inUTC(st compliance.Step) compliance.Step {
	st.OccurredAt, st.RecordedAt = st.OccurredAt.UTC(), st.RecordedAt.UTC()
	st.Approvals = slices.Clone(st.Approvals)
	for i := range st.Approvals {
		st.Approvals[i].At = st.Approvals[i].At.UTC()
	}
	return st
}

func warningIDs(ws []compliance.Warning) []int64 {
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	return ids
}

func stepIDs(ss []compliance.Step) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

func TestRecordStep(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		rs := recordedStep{s: s, item: mustZJJItem(t, s)}
		rs.first = compliance.Step{ID: rsCase + "-accept", CaseNo: rsCase, StepCode: "accept", Handler: "张三",
			OccurredAt: at(2, 9, 30, 0, 123), RecordedAt: at(2, 9, 31, 5, 456),
			LegalBasisIDs: []string{"LB1", "LB2"},
			Discretion:    &compliance.Discretion{Tier: "一般", Amount: 3000.5},
			Approvals: []compliance.Approval{
				{Role: "dept_inspector", By: "李四", At: at(2, 9, 0, 0, 7)},
				{Role: "dept_admin", By: "王五", At: at(2, 9, 15, 30, 0)},
			},
			Attributes: map[string]any{"extension_days": 5.0, "note": "现场核查`无误`", "flags": []any{true, "二", 3.5},
				"nested": map[string]any{"a": nil}},
			CheckStatus: compliance.CheckChecked, PolicyRevision: 3}
		rs.findings = []compliance.Finding{
			{Rule: "deadline.time_limit", Level: compliance.LevelPrewarning, Message: "距办理时限仅剩 2 个工作日",
				Basis: "《中华人民共和国行政许可法》第四十二条", Key: "time_limit"},
			{Rule: "legal_basis.missing", Level: compliance.LevelAlarm, Message: "未引用法律依据"},
		}
		rs.rec = newCaseRecord(rsCase, rs.item, rs.first, rs.findings...)
		rs.before = rowCounts(t, s)
		rs.res = mustRecord(t, s, rs.rec)

		t.Run("new case stores case, step and warnings together", rs.newCaseStoresAll)
		t.Run("result lists the stored warnings", rs.resultListsWarnings)
		t.Run("stored step round-trips", rs.storedStepRoundTrips)
		t.Run("StepByID returns the digest and the stored result", rs.stepByIDReturnsAll)

		var err error
		if rs.c, err = s.Cases().Case(t.Context(), rsCase); err != nil {
			t.Fatal(err)
		}

		t.Run("CaseSteps returns steps in recording order", rs.caseStepsInRecordingOrder)
		t.Run("same step id again is ErrDuplicate and stores nothing", rs.sameStepIDAgain)
		t.Run("new case for an existing case number is ErrDuplicate and stores nothing", rs.newCaseAgain)
		t.Run("a failing responder stores nothing", rs.failingResponder)
		t.Run("unknown ids are ErrNotFound", rs.unknownIDs)
	})
}

// rsCase is the case TestRecordStep records.
const rsCase = "ZJJ-2026-0001"

// recordedStep is what the subtests of TestRecordStep share: the first step
// of rsCase as recorded, and the case as the subtests leave it.
type recordedStep struct {
	s        *sqlstore.Store
	item     compliance.PowerItem
	first    compliance.Step
	findings []compliance.Finding
	rec      compliance.StepRecord
	res      compliance.StepResult
	before   map[string]int64 // the row counts before the first step
	c        compliance.Case
}

func (rs *recordedStep) newCaseStoresAll(t *testing.T) {
	after := rowCounts(t, rs.s)
	for table, n := range map[string]int64{"cases": 1, "steps": 1, "warnings": 2} {
		if got := after[table] - rs.before[table]; got != n {
			t.Errorf("new %s rows = %d, want %d", table, got, n)
		}
	}
	got, err := rs.s.Cases().Case(t.Context(), rsCase)
	if err != nil {
		t.Fatal(err)
	}
	want := rs.rec.Case
	want.AcceptedAt, want.CreatedAt, want.UpdatedAt = want.AcceptedAt.UTC(), want.CreatedAt.UTC(), want.UpdatedAt.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Case(%s) = %+v, want %+v", rsCase, got, want)
	}
}

func (rs *recordedStep) resultListsWarnings(t *testing.T) {
	wantRes := compliance.StepResult{StepID: rs.first.ID, CaseNo: rsCase, PolicyRevision: 3, CheckStatus: compliance.CheckChecked}
	gotRes := rs.res
	gotRes.Warnings = nil
	if !reflect.DeepEqual(gotRes, wantRes) {
		t.Errorf("result = %+v, want %+v", gotRes, wantRes)
	}
	if len(rs.res.Warnings) != len(rs.findings) {
		t.Fatalf("result has %d warnings, want %d", len(rs.res.Warnings), len(rs.findings))
	}
	for i, f := range rs.findings {
		w := rs.res.Warnings[i]
		if w.ID == 0 {
			t.Errorf("warning %d has no id", i)
		}
		checkUTC(t, "warning CreatedAt", w.CreatedAt, rs.first.RecordedAt)
		w.ID, w.CreatedAt = 0, time.Time{}
		want := compliance.Warning{Rule: f.Rule, Family: f.Family(), Level: f.Level, Message: f.Message,
			Basis: f.Basis, Key: f.Key, DepartmentCode: "ZJJ", CaseNo: rsCase, StepID: rs.first.ID,
			PolicyRevision: 3, Status: compliance.WarningOpen}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("warning %d = %+v, want %+v", i, w, want)
		}
	}
}

func (rs *recordedStep) storedStepRoundTrips(t *testing.T) {
	steps, err := rs.s.Cases().CaseSteps(t.Context(), rsCase)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 {
		t.Fatalf("CaseSteps returned %d steps, want 1", len(steps))
	}
	got := steps[0]
	checkUTC(t, "OccurredAt", got.OccurredAt, rs.first.OccurredAt)
	checkUTC(t, "RecordedAt", got.RecordedAt, rs.first.RecordedAt)
	for i, a := range got.Approvals {
		if i < len(rs.first.Approvals) {
			checkUTC(t, "approval At", a.At, rs.first.Approvals[i].At)
		}
	}
	if want := inUTC(rs.first); !reflect.DeepEqual(got, want) {
		t.Errorf("CaseSteps[0] =\n%+v\nwant\n%+v", got, want)
	}
}

func (rs *recordedStep) stepByIDReturnsAll(t *testing.T) {
	got, err := rs.s.Cases().StepByID(t.Context(), "ZJJ", rs.first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest != rs.rec.Digest || got.DepartmentCode != "ZJJ" {
		t.Errorf("StepByID digest, department = %q, %q; want %q, %q", got.Digest, got.DepartmentCode, rs.rec.Digest, "ZJJ")
	}
	if !reflect.DeepEqual(got.Result, rs.res) {
		t.Errorf("StepByID result =\n%+v\nwant\n%+v", got.Result, rs.res)
	}
	if want := inUTC(rs.first); !reflect.DeepEqual(got.Step, want) {
		t.Errorf("StepByID step =\n%+v\nwant\n%+v", got.Step, want)
	}
}

// caseStepsInRecordingOrder records three more steps, the last closing the
// case, and leaves rs.c as the case is after them.
func (rs *recordedStep) caseStepsInRecordingOrder(t *testing.T) {
	ctx, c := t.Context(), rs.c
	// Entered out of order of occurrence (a late entry of review):
	// the order is that of recording.
	later := []compliance.Step{
		newStep(rsCase+"-decide", rsCase, "decide", at(6, 15, 0, 0, 0)),
		newStep(rsCase+"-review", rsCase, "review", at(4, 11, 0, 0, 0)),
		newStep(rsCase+"-deliver", rsCase, "deliver", at(9, 10, 0, 0, 0)),
	}
	for i, st := range later {
		r := nextRecord(c, st)
		if i == len(later)-1 {
			r.Case.Status = compliance.CaseClosed
		}
		mustRecord(t, rs.s, r)
	}
	steps, err := rs.s.Cases().CaseSteps(ctx, rsCase)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{rs.first.ID, later[0].ID, later[1].ID, later[2].ID}
	if got := stepIDs(steps); !slices.Equal(got, want) {
		t.Errorf("CaseSteps ids = %v, want %v", got, want)
	}
	got, err := rs.s.Cases().Case(ctx, rsCase)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != compliance.CaseClosed || !got.UpdatedAt.Equal(later[2].RecordedAt) {
		t.Errorf("case status, updated_at = %s, %v; want %s, %v", got.Status, got.UpdatedAt, compliance.CaseClosed, later[2].RecordedAt)
	}
	if !got.AcceptedAt.Equal(rs.first.OccurredAt) || got.Applicant != c.Applicant {
		t.Errorf("case accepted_at, applicant = %v, %q; want %v, %q (unchanged)", got.AcceptedAt, got.Applicant, rs.first.OccurredAt, c.Applicant)
	}
	rs.c = got
}

func (rs *recordedStep) sameStepIDAgain(t *testing.T) {
	ctx, c := t.Context(), rs.c
	before := rowCounts(t, rs.s)
	again := newStep(rs.first.ID, rsCase, "review", at(10, 9, 0, 0, 0))
	r := nextRecord(c, again, compliance.Finding{Rule: "sequence.repeated", Level: compliance.LevelAlarm, Message: "环节重复"})
	r.Case.Status = compliance.CaseSuspended
	_, err := rs.s.Cases().RecordStep(ctx, r, respond(r))
	if !errors.Is(err, compliance.ErrDuplicate) {
		t.Fatalf("RecordStep(same id) error = %v, want ErrDuplicate", err)
	}
	if after := rowCounts(t, rs.s); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
	}
	if got, err := rs.s.Cases().Case(ctx, rsCase); err != nil || got.Status != c.Status || !got.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("case after a failed RecordStep: status %s, updated_at %v, %v; want %s, %v", got.Status, got.UpdatedAt, err, c.Status, c.UpdatedAt)
	}
	if got, err := rs.s.Cases().StepByID(ctx, "ZJJ", rs.first.ID); err != nil || got.Step.StepCode != "accept" || got.Digest != rs.rec.Digest {
		t.Errorf("StepByID(%s) after a failed RecordStep = %s, %q, %v; want the first step", rs.first.ID, got.Step.StepCode, got.Digest, err)
	}
}

func (rs *recordedStep) newCaseAgain(t *testing.T) {
	before := rowCounts(t, rs.s)
	st := newStep(rsCase+"-accept-2", rsCase, "accept", at(10, 9, 0, 0, 0))
	r := newCaseRecord(rsCase, rs.item, st, compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
	_, err := rs.s.Cases().RecordStep(t.Context(), r, respond(r))
	if !errors.Is(err, compliance.ErrDuplicate) {
		t.Fatalf("RecordStep(new case again) error = %v, want ErrDuplicate", err)
	}
	if after := rowCounts(t, rs.s); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
	}
	if _, err := rs.s.Cases().StepByID(t.Context(), "ZJJ", st.ID); !errors.Is(err, compliance.ErrNotFound) {
		t.Errorf("StepByID(%s) error = %v, want ErrNotFound", st.ID, err)
	}
}

func (rs *recordedStep) failingResponder(t *testing.T) {
	before := rowCounts(t, rs.s)
	st := newStep("ZJJ-2026-0002-accept", "ZJJ-2026-0002", "accept", at(10, 9, 0, 0, 0))
	r := newCaseRecord("ZJJ-2026-0002", rs.item, st, compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
	boom := errors.New("boom")
	_, err := rs.s.Cases().RecordStep(t.Context(), r, func([]compliance.Warning) (compliance.StepResult, error) { return compliance.StepResult{}, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("RecordStep error = %v, want %v", err, boom)
	}
	if after := rowCounts(t, rs.s); !reflect.DeepEqual(after, before) {
		t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
	}
}

func (rs *recordedStep) unknownIDs(t *testing.T) {
	ctx := t.Context()
	if _, err := rs.s.Cases().StepByID(ctx, "ZJJ", "NOPE"); !errors.Is(err, compliance.ErrNotFound) {
		t.Errorf("StepByID(NOPE) error = %v, want ErrNotFound", err)
	}
	if _, err := rs.s.Cases().Case(ctx, "NOPE"); !errors.Is(err, compliance.ErrNotFound) {
		t.Errorf("Case(NOPE) error = %v, want ErrNotFound", err)
	}
	if steps, err := rs.s.Cases().CaseSteps(ctx, "NOPE"); err != nil || len(steps) != 0 {
		t.Errorf("CaseSteps(NOPE) = %v, %v; want no steps, no error", steps, err)
	}
}

// A step is stored only on the version of its case it was checked against:
// one checked before another step of the case was stored stores nothing, and
// neither does a tick evaluated before it.
func TestRecordStepOnAChangedCase(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		item := mustZJJItem(t, s)
		const caseNo = "V-1"
		mustRecord(t, s, newCaseRecord(caseNo, item, newStep("V-1-accept", caseNo, "accept", at(2, 9, 0, 0, 0))))
		read, err := s.Cases().Case(ctx, caseNo)
		if err != nil {
			t.Fatal(err)
		}
		due := at(20, 0, 0, 0, 0)
		read.NextCheckAt = &due

		// Two steps checked against the same reading of the case.
		deliver := nextRecord(read, newStep("V-1-deliver", caseNo, "deliver", at(5, 9, 0, 0, 0)))
		deliver.Case.Status = compliance.CaseClosed
		review := nextRecord(read, newStep("V-1-review", caseNo, "review", at(3, 9, 0, 0, 0)),
			compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
		if _, err := s.Cases().RecordStep(ctx, deliver, respond(deliver)); err != nil {
			t.Fatalf("RecordStep(deliver): %v", err)
		}
		before := rowCounts(t, s)
		_, err = s.Cases().RecordStep(ctx, review, respond(review))
		if !errors.Is(err, compliance.ErrCaseChanged) {
			t.Fatalf("RecordStep(review on the case as read before deliver) error = %v, want ErrCaseChanged", err)
		}
		if after := rowCounts(t, s); !reflect.DeepEqual(after, before) {
			t.Errorf("rows after a refused RecordStep = %v, want %v", after, before)
		}
		got, err := s.Cases().Case(ctx, caseNo)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != compliance.CaseClosed || got.Version != read.Version+1 {
			t.Errorf("case status, version = %s, %d; want %s, %d", got.Status, got.Version, compliance.CaseClosed, read.Version+1)
		}

		tick := compliance.TickRecord{Case: read, NextCheck: &due, At: at(6, 0, 0, 0, 0), Revision: 1,
			Findings: []compliance.Finding{{Rule: "deadline.step_overdue", Level: compliance.LevelAlarm, Message: "送达超期", Key: "deliver"}}}
		tick.Case.NextCheckAt = got.NextCheckAt // the next check is what the sweeper saw; only the version moved
		claimed, inserted, err := s.Cases().RecordTicks(ctx, []compliance.TickRecord{tick})
		if err != nil {
			t.Fatal(err)
		}
		if claimed[0] || inserted != 0 {
			t.Errorf("RecordTicks on the case as read before deliver: claimed %v, inserted %d; want nothing stored", claimed[0], inserted)
		}

		// Read again, the review is stored after deliver.
		review = nextRecord(got, review.Step, review.Findings...)
		review.Case.Status = compliance.CaseClosed
		if _, err := s.Cases().RecordStep(ctx, review, respond(review)); err != nil {
			t.Fatalf("RecordStep(review on the case as it is now): %v", err)
		}
		steps, err := s.Cases().CaseSteps(ctx, caseNo)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stepIDs(steps), []string{"V-1-accept", "V-1-deliver", "V-1-review"}; !slices.Equal(got, want) {
			t.Errorf("CaseSteps = %v, want %v", got, want)
		}
	})
}
