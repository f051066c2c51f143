package sqlstore_test

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Step ids are unique within a department, not across departments, also on
// a database whose schema predates that (its old unique index on the id
// alone is dropped by the upgrade).
func TestStepIDsPerDepartment(t *testing.T) {
	t.Parallel()
	for _, schema := range []struct {
		name    string
		prepare func(t *testing.T, s *sqlstore.Store)
	}{
		{"fresh schema", func(*testing.T, *sqlstore.Store) {}},
		{"upgraded schema", func(t *testing.T, s *sqlstore.Store) {
			if err := s.DB().Exec("CREATE UNIQUE INDEX idx_steps_id ON steps (id)").Error; err != nil {
				t.Fatalf("the old unique index: %v", err)
			}
			for i := range 2 { // a second start finds nothing left to do
				if err := s.Migrate(t.Context()); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
			}
			if s.DB().Migrator().HasIndex("steps", "idx_steps_id") {
				t.Fatal("the old unique index on steps(id) survived the upgrade")
			}
		}},
	} {
		t.Run(schema.name, func(t *testing.T) {
			sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
				ctx := t.Context()
				schema.prepare(t, s)
				items := map[string]compliance.PowerItem{}
				for _, d := range []string{"ZJJ", "SCJ"} {
					mustDepartment(t, s, d)
					items[d] = mustItem(t, s, testItem("XK-"+d, d))
				}
				record := func(dept, caseNo string) error {
					st := newStep("DUP-1", caseNo, "accept", at(2, 9, 0, 0, 0))
					rec := newCaseRecord(caseNo, items[dept], st)
					rec.Digest = "digest-" + dept
					_, err := s.Cases().RecordStep(ctx, rec, respond(rec))
					return err
				}
				tests := []struct {
					name, dept, caseNo string
					want               error
				}{
					{"a department uses an id", "ZJJ", "ZJJ-1", nil},
					{"another department uses the same id", "SCJ", "SCJ-1", nil},
					{"the first department uses it again", "ZJJ", "ZJJ-2", compliance.ErrDuplicate},
					{"the second department uses it again", "SCJ", "SCJ-2", compliance.ErrDuplicate},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						before := rowCounts(t, s)
						err := record(tt.dept, tt.caseNo)
						if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
							t.Fatalf("RecordStep(%s, DUP-1) error = %v, want %v", tt.dept, err, tt.want)
						}
						if after := rowCounts(t, s); tt.want != nil && !maps.Equal(after, before) {
							t.Errorf("rows after a refused step = %v, want %v", after, before)
						}
					})
				}
				for _, d := range []string{"ZJJ", "SCJ"} {
					got, err := s.Cases().StepByID(ctx, d, "DUP-1")
					if err != nil || got.DepartmentCode != d || got.Step.CaseNo != d+"-1" || got.Digest != "digest-"+d {
						t.Errorf("StepByID(%s, DUP-1) = %s of %s (%s), %v; want the step of %s-1", d, got.Step.CaseNo, got.DepartmentCode, got.Digest, err, d)
					}
				}
				if _, err := s.Cases().StepByID(ctx, "HBJ", "DUP-1"); !errors.Is(err, compliance.ErrNotFound) {
					t.Errorf("StepByID(HBJ, DUP-1) error = %v, want ErrNotFound", err)
				}
			})
		})
	}
}

// A case's steps are read page by page in the order they were recorded.
func TestCaseStepsPage(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		item := mustZJJItem(t, s)
		var want []string
		for i := range 7 {
			id := fmt.Sprintf("P-%d", i)
			want = append(want, id)
			st := newStep(id, "ZJJ-P", "review", at(2, 9, i, 0, 0))
			if i == 0 {
				mustRecord(t, s, newCaseRecord("ZJJ-P", item, st))
				continue
			}
			c, err := s.Cases().Case(ctx, "ZJJ-P")
			if err != nil {
				t.Fatal(err)
			}
			mustRecord(t, s, nextRecord(c, st))
		}
		tests := []struct {
			offset, limit int
			want          []string
		}{
			{0, 3, want[:3]},
			{3, 3, want[3:6]},
			{6, 3, want[6:]},
			{7, 3, nil},
			{0, 100, want},
		}
		for _, tt := range tests {
			got, err := s.Cases().CaseStepsPage(ctx, "ZJJ-P", tt.offset, tt.limit)
			if err != nil || !slices.Equal(stepIDs(got), tt.want) {
				t.Errorf("CaseStepsPage(%d, %d) = %v, %v; want %v", tt.offset, tt.limit, stepIDs(got), err, tt.want)
			}
		}
	})
}

func TestUncheckedSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)
		unchecked := func(st compliance.Step) compliance.Step {
			st.CheckStatus, st.CheckError, st.PolicyRevision = compliance.CheckUnchecked, "policy revision 2: evaluation cut off after 2s", 2
			return st
		}
		us := uncheckedSteps{s: s,
			u1: unchecked(newStep("U-1-accept", "U-1", "accept", at(2, 9, 0, 0, 0))),
			u2: unchecked(newStep("U-1-decide", "U-1", "decide", at(2, 11, 0, 0, 0))),
			u3: unchecked(newStep("U-2-accept", "U-2", "accept", at(2, 12, 0, 0, 0)))}
		c1 := newStep("U-1-review", "U-1", "review", at(2, 10, 0, 0, 0))
		us.r1 = newCaseRecord("U-1", item, us.u1)
		mustRecord(t, s, us.r1)
		mustRecord(t, s, nextRecord(us.r1.Case, c1))
		mustRecord(t, s, nextRecord(us.r1.Case, us.u2))
		mustRecord(t, s, newCaseRecord("U-2", item, us.u3))

		t.Run("unchecked steps are listed oldest first and counted", us.listedAndCounted)
		t.Run("a deferred step is not due until its time, and stays listed with its error", us.deferred)

		finding := compliance.Finding{Rule: "sync.late", Level: compliance.LevelPrewarning, Message: "录入不及时", Basis: "《某区行政权力运行监督办法》第十条"}
		rechecked := us.u1
		rechecked.CheckStatus, rechecked.CheckError, rechecked.PolicyRevision = compliance.CheckChecked, "", 5
		us.rec = compliance.StepRecord{Case: us.r1.Case, Step: rechecked, Findings: []compliance.Finding{finding}}

		t.Run("RecordRecheck marks the step checked and stores its warnings", us.recordRecheck)
		t.Run("DeferRecheck leaves a checked step as it is", func(t *testing.T) {
			us.leftAsItIs(t, "DeferRecheck", func() error {
				return s.Cases().DeferRecheck(t.Context(), compliance.RecheckFailure{StepID: us.u1.ID, Error: "late failure", Attempts: 1, Next: at(4, 0, 0, 0, 0)})
			})
		})
		t.Run("a second RecordRecheck leaves the step as it is", func(t *testing.T) {
			again := us.rec
			again.Step.PolicyRevision = 6
			us.leftAsItIs(t, "a second RecordRecheck", func() error {
				_, err := s.Cases().RecordRecheck(t.Context(), again, respond(again))
				return err
			})
			us.checkCount(t, 2)
		})
	})
}

// uncheckedSteps is what the subtests of TestUncheckedSteps share: three
// unchecked steps (u1 and u2 of case U-1, recorded by r1, u3 of U-2) and
// the re-check of u1.
type uncheckedSteps struct {
	s          *sqlstore.Store
	u1, u2, u3 compliance.Step
	r1, rec    compliance.StepRecord
}

func (us uncheckedSteps) checkUnchecked(t *testing.T, limit int, want ...compliance.Step) {
	t.Helper()
	got, err := us.s.Cases().UncheckedSteps(t.Context(), limit)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := uncheckedIDs(got), stepIDs(want); !slices.Equal(g, w) {
		t.Errorf("UncheckedSteps(%d) = %v, want %v", limit, g, w)
	}
}

func (us uncheckedSteps) checkCount(t *testing.T, want int64) {
	t.Helper()
	n, err := us.s.Cases().CountUnchecked(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("CountUnchecked = %d, want %d", n, want)
	}
}

func (us uncheckedSteps) checkDue(t *testing.T, now time.Time, limit int, want ...string) {
	t.Helper()
	got, err := us.s.Cases().DueRechecks(t.Context(), now, limit)
	if err != nil {
		t.Fatal(err)
	}
	if g := uncheckedIDs(got); !slices.Equal(g, want) {
		t.Errorf("DueRechecks(%v, %d) = %v, want %v", now, limit, g, want)
	}
}

// leftAsItIs holds u1, checked by now, to what it was before change.
func (us uncheckedSteps) leftAsItIs(t *testing.T, what string, change func() error) {
	t.Helper()
	before, err := us.s.Cases().StepByID(t.Context(), "ZJJ", us.u1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := change(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	after, err := us.s.Cases().StepByID(t.Context(), "ZJJ", us.u1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("step after %s =\n%+v\nwant\n%+v", what, after, before)
	}
}

func (us uncheckedSteps) listedAndCounted(t *testing.T) {
	us.checkUnchecked(t, 10, us.u1, us.u2, us.u3)
	us.checkUnchecked(t, 2, us.u1, us.u2)
	us.checkCount(t, 3)
	got, err := us.s.Cases().UncheckedSteps(t.Context(), 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("UncheckedSteps(1) = %v, %v", got, err)
	}
	want := compliance.UncheckedStep{Step: inUTC(us.u1), DepartmentCode: "ZJJ"}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("UncheckedSteps(1)[0] = %+v, want %+v", got[0], want)
	}
}

func (us uncheckedSteps) deferred(t *testing.T) {
	ctx, s, u1, u2, u3 := t.Context(), us.s, us.u1, us.u2, us.u3
	now := at(3, 9, 0, 0, 0)
	us.checkDue(t, now, 10, u1.ID, u2.ID, u3.ID)
	next := now.Add(time.Minute)
	f := compliance.RecheckFailure{DepartmentCode: "ZJJ", StepID: u2.ID, Error: "policy revision 3: eval_conflict_error", Revision: 3, Attempts: 1, Next: next}
	if err := s.Cases().DeferRecheck(ctx, f); err != nil {
		t.Fatalf("DeferRecheck: %v", err)
	}
	us.checkDue(t, now, 10, u1.ID, u3.ID)
	us.checkDue(t, now, 1, u1.ID)
	// Those never re-checked come first, then by the end of their wait.
	us.checkDue(t, next, 10, u1.ID, u3.ID, u2.ID)
	us.checkCount(t, 3)
	got, err := s.Cases().UncheckedSteps(ctx, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("UncheckedSteps = %v, %v", got, err)
	}
	if u := got[1]; u.Step.ID != u2.ID || u.Step.CheckError != f.Error || u.Step.PolicyRevision != 3 || u.Attempts != 1 ||
		u.NextRecheckAt == nil || !u.NextRecheckAt.Equal(next) || u.Step.CheckStatus != compliance.CheckUnchecked {
		t.Errorf("deferred step listed as %+v (next %v), want error %q, revision 3, 1 attempt, next %v", u, u.NextRecheckAt, f.Error, next)
	}

	// Under the revision it failed under, it keeps waiting; under
	// another, it is due at once.
	if n, err := s.Cases().ResetRechecks(ctx, 3); err != nil || n != 0 {
		t.Errorf("ResetRechecks(3) = %d, %v; want 0", n, err)
	}
	us.checkDue(t, now, 10, u1.ID, u3.ID)
	if n, err := s.Cases().ResetRechecks(ctx, 4); err != nil || n != 1 {
		t.Errorf("ResetRechecks(4) = %d, %v; want 1", n, err)
	}
	us.checkDue(t, now, 10, u1.ID, u2.ID, u3.ID)
	got, err = s.Cases().UncheckedSteps(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if u := got[1]; u.Attempts != 0 || u.NextRecheckAt != nil || u.Step.CheckError != f.Error {
		t.Errorf("reset step listed as %+v, want 0 attempts, no wait, its error kept", u)
	}
}

func (us uncheckedSteps) recordRecheck(t *testing.T) {
	s, u1 := us.s, us.u1
	before := countRows(t, s, "warnings")
	res, err := s.Cases().RecordRecheck(t.Context(), us.rec, respond(us.rec))
	if err != nil {
		t.Fatalf("RecordRecheck: %v", err)
	}
	if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
		t.Errorf("new warnings rows = %d, want %d", got, want)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].ID == 0 || res.Warnings[0].StepID != u1.ID || res.Warnings[0].PolicyRevision != 5 {
		t.Errorf("result warnings = %+v, want one warning of step %s under revision 5", res.Warnings, u1.ID)
	}
	got, err := s.Cases().StepByID(t.Context(), "ZJJ", u1.ID)
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
	if got.Digest != us.r1.Digest {
		t.Errorf("stored digest = %q, want %q (unchanged)", got.Digest, us.r1.Digest)
	}
	us.checkUnchecked(t, 10, us.u2, us.u3)
	us.checkCount(t, 2)
}

func uncheckedIDs(us []compliance.UncheckedStep) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.Step.ID
	}
	return ids
}
