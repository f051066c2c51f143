package sqlstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
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

func mustRecord(t *testing.T, s *sqlstore.Store, rec compliance.StepRecord) compliance.StepResult {
	t.Helper()
	res, err := s.RecordStep(t.Context(), rec, respond(rec))
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
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		item := mustItem(t, s, testItem("XK-001", "ZJJ"))

		const caseNo = "ZJJ-2026-0001"
		first := compliance.Step{ID: caseNo + "-accept", CaseNo: caseNo, StepCode: "accept", Handler: "张三",
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
		findings := []compliance.Finding{
			{Rule: "deadline.time_limit", Level: compliance.LevelPrewarning, Message: "距办理时限仅剩 2 个工作日",
				Basis: "《中华人民共和国行政许可法》第四十二条", Key: "time_limit"},
			{Rule: "legal_basis.missing", Level: compliance.LevelAlarm, Message: "未引用法律依据"},
		}
		rec := newCaseRecord(caseNo, item, first, findings...)
		before := rowCounts(t, s)
		res := mustRecord(t, s, rec)

		t.Run("new case stores case, step and warnings together", func(t *testing.T) {
			after := rowCounts(t, s)
			for table, n := range map[string]int64{"cases": 1, "steps": 1, "warnings": 2} {
				if got := after[table] - before[table]; got != n {
					t.Errorf("new %s rows = %d, want %d", table, got, n)
				}
			}
			got, err := s.Case(ctx, caseNo)
			if err != nil {
				t.Fatal(err)
			}
			want := rec.Case
			want.AcceptedAt, want.CreatedAt, want.UpdatedAt = want.AcceptedAt.UTC(), want.CreatedAt.UTC(), want.UpdatedAt.UTC()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Case(%s) = %+v, want %+v", caseNo, got, want)
			}
		})

		t.Run("result lists the stored warnings", func(t *testing.T) {
			wantRes := compliance.StepResult{StepID: first.ID, CaseNo: caseNo, PolicyRevision: 3, CheckStatus: compliance.CheckChecked}
			gotRes := res
			gotRes.Warnings = nil
			if !reflect.DeepEqual(gotRes, wantRes) {
				t.Errorf("result = %+v, want %+v", gotRes, wantRes)
			}
			if len(res.Warnings) != len(findings) {
				t.Fatalf("result has %d warnings, want %d", len(res.Warnings), len(findings))
			}
			for i, f := range findings {
				w := res.Warnings[i]
				if w.ID == 0 {
					t.Errorf("warning %d has no id", i)
				}
				checkUTC(t, "warning CreatedAt", w.CreatedAt, first.RecordedAt)
				w.ID, w.CreatedAt = 0, time.Time{}
				want := compliance.Warning{Rule: f.Rule, Family: f.Family(), Level: f.Level, Message: f.Message,
					Basis: f.Basis, Key: f.Key, DepartmentCode: "ZJJ", CaseNo: caseNo, StepID: first.ID,
					PolicyRevision: 3, Status: compliance.WarningOpen}
				if !reflect.DeepEqual(w, want) {
					t.Errorf("warning %d = %+v, want %+v", i, w, want)
				}
			}
		})

		t.Run("stored step round-trips", func(t *testing.T) {
			steps, err := s.CaseSteps(ctx, caseNo)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != 1 {
				t.Fatalf("CaseSteps returned %d steps, want 1", len(steps))
			}
			got := steps[0]
			checkUTC(t, "OccurredAt", got.OccurredAt, first.OccurredAt)
			checkUTC(t, "RecordedAt", got.RecordedAt, first.RecordedAt)
			for i, a := range got.Approvals {
				if i < len(first.Approvals) {
					checkUTC(t, "approval At", a.At, first.Approvals[i].At)
				}
			}
			if want := inUTC(first); !reflect.DeepEqual(got, want) {
				t.Errorf("CaseSteps[0] =\n%+v\nwant\n%+v", got, want)
			}
		})

		t.Run("StepByID returns the digest and the stored result", func(t *testing.T) {
			got, err := s.StepByID(ctx, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != rec.Digest || got.DepartmentCode != "ZJJ" {
				t.Errorf("StepByID digest, department = %q, %q; want %q, %q", got.Digest, got.DepartmentCode, rec.Digest, "ZJJ")
			}
			if !reflect.DeepEqual(got.Result, res) {
				t.Errorf("StepByID result =\n%+v\nwant\n%+v", got.Result, res)
			}
			if want := inUTC(first); !reflect.DeepEqual(got.Step, want) {
				t.Errorf("StepByID step =\n%+v\nwant\n%+v", got.Step, want)
			}
		})

		c, err := s.Case(ctx, caseNo)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("CaseSteps returns steps in recording order", func(t *testing.T) {
			// Entered out of order of occurrence (a late entry of review):
			// the order is that of recording.
			later := []compliance.Step{
				newStep(caseNo+"-decide", caseNo, "decide", at(6, 15, 0, 0, 0)),
				newStep(caseNo+"-review", caseNo, "review", at(4, 11, 0, 0, 0)),
				newStep(caseNo+"-deliver", caseNo, "deliver", at(9, 10, 0, 0, 0)),
			}
			for i, st := range later {
				r := nextRecord(c, st)
				if i == len(later)-1 {
					r.Case.Status = compliance.CaseClosed
				}
				mustRecord(t, s, r)
			}
			steps, err := s.CaseSteps(ctx, caseNo)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{first.ID, later[0].ID, later[1].ID, later[2].ID}
			if got := stepIDs(steps); !slices.Equal(got, want) {
				t.Errorf("CaseSteps ids = %v, want %v", got, want)
			}
			got, err := s.Case(ctx, caseNo)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != compliance.CaseClosed || !got.UpdatedAt.Equal(later[2].RecordedAt) {
				t.Errorf("case status, updated_at = %s, %v; want %s, %v", got.Status, got.UpdatedAt, compliance.CaseClosed, later[2].RecordedAt)
			}
			if !got.AcceptedAt.Equal(first.OccurredAt) || got.Applicant != c.Applicant {
				t.Errorf("case accepted_at, applicant = %v, %q; want %v, %q (unchanged)", got.AcceptedAt, got.Applicant, first.OccurredAt, c.Applicant)
			}
			c = got
		})

		t.Run("same step id again is ErrDuplicate and stores nothing", func(t *testing.T) {
			before := rowCounts(t, s)
			again := newStep(first.ID, caseNo, "review", at(10, 9, 0, 0, 0))
			r := nextRecord(c, again, compliance.Finding{Rule: "sequence.repeated", Level: compliance.LevelAlarm, Message: "环节重复"})
			r.Case.Status = compliance.CaseSuspended
			_, err := s.RecordStep(ctx, r, respond(r))
			if !errors.Is(err, compliance.ErrDuplicate) {
				t.Fatalf("RecordStep(same id) error = %v, want ErrDuplicate", err)
			}
			if after := rowCounts(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
			}
			if got, err := s.Case(ctx, caseNo); err != nil || got.Status != c.Status || !got.UpdatedAt.Equal(c.UpdatedAt) {
				t.Errorf("case after a failed RecordStep: status %s, updated_at %v, %v; want %s, %v", got.Status, got.UpdatedAt, err, c.Status, c.UpdatedAt)
			}
			if got, err := s.StepByID(ctx, first.ID); err != nil || got.Step.StepCode != "accept" || got.Digest != rec.Digest {
				t.Errorf("StepByID(%s) after a failed RecordStep = %s, %q, %v; want the first step", first.ID, got.Step.StepCode, got.Digest, err)
			}
		})

		t.Run("new case for an existing case number is ErrDuplicate and stores nothing", func(t *testing.T) {
			before := rowCounts(t, s)
			st := newStep(caseNo+"-accept-2", caseNo, "accept", at(10, 9, 0, 0, 0))
			r := newCaseRecord(caseNo, item, st, compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
			_, err := s.RecordStep(ctx, r, respond(r))
			if !errors.Is(err, compliance.ErrDuplicate) {
				t.Fatalf("RecordStep(new case again) error = %v, want ErrDuplicate", err)
			}
			if after := rowCounts(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
			}
			if _, err := s.StepByID(ctx, st.ID); !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("StepByID(%s) error = %v, want ErrNotFound", st.ID, err)
			}
		})

		t.Run("a failing responder stores nothing", func(t *testing.T) {
			before := rowCounts(t, s)
			st := newStep("ZJJ-2026-0002-accept", "ZJJ-2026-0002", "accept", at(10, 9, 0, 0, 0))
			r := newCaseRecord("ZJJ-2026-0002", item, st, compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时"})
			boom := errors.New("boom")
			_, err := s.RecordStep(ctx, r, func([]compliance.Warning) (compliance.StepResult, error) { return compliance.StepResult{}, boom })
			if !errors.Is(err, boom) {
				t.Fatalf("RecordStep error = %v, want %v", err, boom)
			}
			if after := rowCounts(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("rows after a failed RecordStep = %v, want %v", after, before)
			}
		})

		t.Run("unknown ids are ErrNotFound", func(t *testing.T) {
			if _, err := s.StepByID(ctx, "NOPE"); !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("StepByID(NOPE) error = %v, want ErrNotFound", err)
			}
			if _, err := s.Case(ctx, "NOPE"); !errors.Is(err, compliance.ErrNotFound) {
				t.Errorf("Case(NOPE) error = %v, want ErrNotFound", err)
			}
			if steps, err := s.CaseSteps(ctx, "NOPE"); err != nil || len(steps) != 0 {
				t.Errorf("CaseSteps(NOPE) = %v, %v; want no steps, no error", steps, err)
			}
		})
	})
}

func TestWarningDedupe(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		item := mustItem(t, s, testItem("XK-001", "ZJJ"))

		keyed := compliance.Finding{Rule: "deadline.overdue", Level: compliance.LevelAlarm, Message: "已超过办理时限", Key: "time_limit"}
		unkeyed := compliance.Finding{Rule: "sequence.repeated", Level: compliance.LevelPrewarning, Message: "环节重复"}
		rec1 := newCaseRecord("C-1", item, newStep("C-1-s1", "C-1", "accept", at(2, 9, 0, 0, 0)), keyed, unkeyed, keyed)
		res1 := mustRecord(t, s, rec1)
		c := rec1.Case

		t.Run("the same finding twice in one step is one warning", func(t *testing.T) {
			if got, want := countRows(t, s, "warnings"), int64(2); got != want {
				t.Errorf("warnings rows = %d, want %d", got, want)
			}
			if len(res1.Warnings) != 2 || res1.Warnings[0].Rule != keyed.Rule || res1.Warnings[1].Rule != unkeyed.Rule {
				t.Errorf("result warnings = %+v, want %s then %s", res1.Warnings, keyed.Rule, unkeyed.Rule)
			}
		})

		t.Run("a keyed finding on another step of the case is the existing warning", func(t *testing.T) {
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, nextRecord(c, newStep("C-1-s2", "C-1", "review", at(3, 9, 0, 0, 0)), keyed, unkeyed))
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d (the unkeyed finding only)", got, want)
			}
			if len(res.Warnings) != 2 {
				t.Fatalf("result has %d warnings, want 2: %+v", len(res.Warnings), res.Warnings)
			}
			if got, want := res.Warnings[0], res1.Warnings[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("keyed warning = %+v, want the existing %+v", got, want)
			}
			if got := res.Warnings[1]; got.ID == res1.Warnings[1].ID || got.StepID != "C-1-s2" || got.Rule != unkeyed.Rule {
				t.Errorf("unkeyed warning = %+v, want a new warning of step C-1-s2 (not id %d)", got, res1.Warnings[1].ID)
			}
		})

		t.Run("re-recording the same findings adds nothing", func(t *testing.T) {
			r := nextRecord(c, newStep("C-1-s2b", "C-1", "review", at(3, 10, 0, 0, 0)), keyed)
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, r)
			if got := countRows(t, s, "warnings"); got != before {
				t.Errorf("warnings rows = %d, want %d", got, before)
			}
			if got, want := warningIDs(res.Warnings), []int64{res1.Warnings[0].ID}; !slices.Equal(got, want) {
				t.Errorf("result warning ids = %v, want %v", got, want)
			}
		})

		t.Run("prewarning then alarm on the same rule and key are two warnings", func(t *testing.T) {
			pre := compliance.Finding{Rule: "deadline.step_limit", Level: compliance.LevelPrewarning, Message: "审查环节即将超时", Key: "review"}
			alarm := compliance.Finding{Rule: "deadline.step_limit", Level: compliance.LevelAlarm, Message: "审查环节已超时", Key: "review"}
			before := countRows(t, s, "warnings")
			r1 := mustRecord(t, s, nextRecord(c, newStep("C-1-s3", "C-1", "review", at(4, 9, 0, 0, 0)), pre))
			r2 := mustRecord(t, s, nextRecord(c, newStep("C-1-s4", "C-1", "review", at(5, 9, 0, 0, 0)), pre, alarm))
			if got, want := countRows(t, s, "warnings")-before, int64(2); got != want {
				t.Errorf("new warnings rows = %d, want %d", got, want)
			}
			if len(r1.Warnings) != 1 || len(r2.Warnings) != 2 {
				t.Fatalf("results have %d and %d warnings, want 1 and 2", len(r1.Warnings), len(r2.Warnings))
			}
			if r2.Warnings[0].ID != r1.Warnings[0].ID || r2.Warnings[1].ID == r1.Warnings[0].ID || r2.Warnings[1].Level != compliance.LevelAlarm {
				t.Errorf("second result = %+v, want the existing prewarning %d and a new alarm", r2.Warnings, r1.Warnings[0].ID)
			}
		})

		t.Run("concurrent steps of one case store a keyed warning once", func(t *testing.T) {
			c := newCaseRecord("C-3", item, newStep("C-3-s0", "C-3", "accept", at(2, 9, 0, 0, 0)))
			mustRecord(t, s, c)
			const n = 8
			var wg sync.WaitGroup
			results := make([]compliance.StepResult, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					r := nextRecord(c.Case, newStep(fmt.Sprintf("C-3-s%d", i+1), "C-3", "review", at(3, 9, 0, 0, 0)), keyed)
					results[i], errs[i] = s.RecordStep(ctx, r, respond(r))
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("RecordStep in goroutine %d: %v", i, err)
				}
			}
			ws, err := s.ListWarnings(ctx, compliance.WarningFilter{CaseNo: "C-3"})
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != 1 {
				t.Fatalf("case C-3 has %d warnings, want 1: %+v", len(ws), ws)
			}
			for i, res := range results {
				if got, want := warningIDs(res.Warnings), []int64{ws[0].ID}; !slices.Equal(got, want) {
					t.Errorf("goroutine %d: result warning ids = %v, want %v", i, got, want)
				}
			}
		})

		t.Run("the same keyed finding on another case is a new warning", func(t *testing.T) {
			before := countRows(t, s, "warnings")
			res := mustRecord(t, s, newCaseRecord("C-2", item, newStep("C-2-s1", "C-2", "accept", at(2, 9, 0, 0, 0)), keyed))
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d", got, want)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].ID == res1.Warnings[0].ID || res.Warnings[0].CaseNo != "C-2" {
				t.Errorf("result = %+v, want a new warning of case C-2", res.Warnings)
			}
		})
	})
}

func TestUncheckedSteps(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		item := mustItem(t, s, testItem("XK-001", "ZJJ"))

		unchecked := func(st compliance.Step) compliance.Step {
			st.CheckStatus, st.CheckError, st.PolicyRevision = compliance.CheckUnchecked, "policy revision 2: evaluation cut off after 2s", 2
			return st
		}
		u1 := unchecked(newStep("U-1-accept", "U-1", "accept", at(2, 9, 0, 0, 0)))
		c1 := newStep("U-1-review", "U-1", "review", at(2, 10, 0, 0, 0))
		u2 := unchecked(newStep("U-1-decide", "U-1", "decide", at(2, 11, 0, 0, 0)))
		u3 := unchecked(newStep("U-2-accept", "U-2", "accept", at(2, 12, 0, 0, 0)))
		r1 := newCaseRecord("U-1", item, u1)
		mustRecord(t, s, r1)
		mustRecord(t, s, nextRecord(r1.Case, c1))
		mustRecord(t, s, nextRecord(r1.Case, u2))
		mustRecord(t, s, newCaseRecord("U-2", item, u3))

		checkUnchecked := func(t *testing.T, limit int, want ...compliance.Step) {
			t.Helper()
			got, err := s.UncheckedSteps(ctx, limit)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := stepIDs(got), stepIDs(want); !slices.Equal(g, w) {
				t.Errorf("UncheckedSteps(%d) = %v, want %v", limit, g, w)
			}
		}
		checkCount := func(t *testing.T, want int64) {
			t.Helper()
			n, err := s.CountUnchecked(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("CountUnchecked = %d, want %d", n, want)
			}
		}

		t.Run("unchecked steps are listed oldest first and counted", func(t *testing.T) {
			checkUnchecked(t, 10, u1, u2, u3)
			checkUnchecked(t, 2, u1, u2)
			checkCount(t, 3)
			got, err := s.UncheckedSteps(ctx, 1)
			if err != nil || len(got) != 1 {
				t.Fatalf("UncheckedSteps(1) = %v, %v", got, err)
			}
			if want := inUTC(u1); !reflect.DeepEqual(got[0], want) {
				t.Errorf("UncheckedSteps(1)[0] = %+v, want %+v", got[0], want)
			}
		})

		finding := compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时", Basis: "《某区行政权力运行监督办法》第十条"}
		rechecked := u1
		rechecked.CheckStatus, rechecked.CheckError, rechecked.PolicyRevision = compliance.CheckChecked, "", 5
		rec := compliance.StepRecord{Case: r1.Case, Step: rechecked, Findings: []compliance.Finding{finding}}
		var res compliance.StepResult

		t.Run("RecordRecheck marks the step checked and stores its warnings", func(t *testing.T) {
			before := countRows(t, s, "warnings")
			var err error
			if res, err = s.RecordRecheck(ctx, rec, respond(rec)); err != nil {
				t.Fatalf("RecordRecheck: %v", err)
			}
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d", got, want)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].ID == 0 || res.Warnings[0].StepID != u1.ID || res.Warnings[0].PolicyRevision != 5 {
				t.Errorf("result warnings = %+v, want one warning of step %s under revision 5", res.Warnings, u1.ID)
			}
			got, err := s.StepByID(ctx, u1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Step.CheckStatus != compliance.CheckChecked || got.Step.CheckError != "" || got.Step.PolicyRevision != 5 {
				t.Errorf("stored step check status, error, revision = %q, %q, %d; want %q, \"\", 5",
					got.Step.CheckStatus, got.Step.CheckError, got.Step.PolicyRevision, compliance.CheckChecked)
			}
			if !reflect.DeepEqual(got.Result, res) {
				t.Errorf("stored result = %+v, want %+v", got.Result, res)
			}
			if got.Digest != r1.Digest {
				t.Errorf("stored digest = %q, want %q (unchanged)", got.Digest, r1.Digest)
			}
			checkUnchecked(t, 10, u2, u3)
			checkCount(t, 2)
		})

		t.Run("a second RecordRecheck leaves the step as it is", func(t *testing.T) {
			before, err := s.StepByID(ctx, u1.ID)
			if err != nil {
				t.Fatal(err)
			}
			again := rec
			again.Step.PolicyRevision = 6
			if _, err := s.RecordRecheck(ctx, again, respond(again)); err != nil {
				t.Fatalf("second RecordRecheck: %v", err)
			}
			after, err := s.StepByID(ctx, u1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("step after a second RecordRecheck =\n%+v\nwant\n%+v", after, before)
			}
			checkCount(t, 2)
		})
	})
}
