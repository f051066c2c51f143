package sqlstore_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestUncheckedSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		item := mustZJJItem(t, s)

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
			got, err := s.Cases().UncheckedSteps(ctx, limit)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := uncheckedIDs(got), stepIDs(want); !slices.Equal(g, w) {
				t.Errorf("UncheckedSteps(%d) = %v, want %v", limit, g, w)
			}
		}
		checkCount := func(t *testing.T, want int64) {
			t.Helper()
			n, err := s.Cases().CountUnchecked(ctx)
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
			got, err := s.Cases().UncheckedSteps(ctx, 1)
			if err != nil || len(got) != 1 {
				t.Fatalf("UncheckedSteps(1) = %v, %v", got, err)
			}
			want := compliance.UncheckedStep{Step: inUTC(u1), DepartmentCode: "ZJJ"}
			if !reflect.DeepEqual(got[0], want) {
				t.Errorf("UncheckedSteps(1)[0] = %+v, want %+v", got[0], want)
			}
		})

		t.Run("a deferred step is not due until its time, and stays listed with its error", func(t *testing.T) {
			now := at(3, 9, 0, 0, 0)
			due := func(t *testing.T, now time.Time, limit int, want ...string) {
				t.Helper()
				got, err := s.Cases().DueRechecks(ctx, now, limit)
				if err != nil {
					t.Fatal(err)
				}
				if g := uncheckedIDs(got); !slices.Equal(g, want) {
					t.Errorf("DueRechecks(%v, %d) = %v, want %v", now, limit, g, want)
				}
			}
			due(t, now, 10, u1.ID, u2.ID, u3.ID)
			next := now.Add(time.Minute)
			f := compliance.RecheckFailure{DepartmentCode: "ZJJ", StepID: u2.ID, Error: "policy revision 3: eval_conflict_error", Revision: 3, Attempts: 1, Next: next}
			if err := s.Cases().DeferRecheck(ctx, f); err != nil {
				t.Fatalf("DeferRecheck: %v", err)
			}
			due(t, now, 10, u1.ID, u3.ID)
			due(t, now, 1, u1.ID)
			// Those never re-checked come first, then by the end of their wait.
			due(t, next, 10, u1.ID, u3.ID, u2.ID)
			checkCount(t, 3)
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
			due(t, now, 10, u1.ID, u3.ID)
			if n, err := s.Cases().ResetRechecks(ctx, 4); err != nil || n != 1 {
				t.Errorf("ResetRechecks(4) = %d, %v; want 1", n, err)
			}
			due(t, now, 10, u1.ID, u2.ID, u3.ID)
			got, err = s.Cases().UncheckedSteps(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if u := got[1]; u.Attempts != 0 || u.NextRecheckAt != nil || u.Step.CheckError != f.Error {
				t.Errorf("reset step listed as %+v, want 0 attempts, no wait, its error kept", u)
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
			if res, err = s.Cases().RecordRecheck(ctx, rec, respond(rec)); err != nil {
				t.Fatalf("RecordRecheck: %v", err)
			}
			if got, want := countRows(t, s, "warnings")-before, int64(1); got != want {
				t.Errorf("new warnings rows = %d, want %d", got, want)
			}
			if len(res.Warnings) != 1 || res.Warnings[0].ID == 0 || res.Warnings[0].StepID != u1.ID || res.Warnings[0].PolicyRevision != 5 {
				t.Errorf("result warnings = %+v, want one warning of step %s under revision 5", res.Warnings, u1.ID)
			}
			got, err := s.Cases().StepByID(ctx, "ZJJ", u1.ID)
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

		// leftAsItIs holds u1, checked by now, to what it was before change.
		leftAsItIs := func(t *testing.T, what string, change func() error) {
			t.Helper()
			before, err := s.Cases().StepByID(ctx, "ZJJ", u1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := change(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			after, err := s.Cases().StepByID(ctx, "ZJJ", u1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("step after %s =\n%+v\nwant\n%+v", what, after, before)
			}
		}

		t.Run("DeferRecheck leaves a checked step as it is", func(t *testing.T) {
			leftAsItIs(t, "DeferRecheck", func() error {
				return s.Cases().DeferRecheck(ctx, compliance.RecheckFailure{StepID: u1.ID, Error: "late failure", Attempts: 1, Next: at(4, 0, 0, 0, 0)})
			})
		})

		t.Run("a second RecordRecheck leaves the step as it is", func(t *testing.T) {
			again := rec
			again.Step.PolicyRevision = 6
			leftAsItIs(t, "a second RecordRecheck", func() error {
				_, err := s.Cases().RecordRecheck(ctx, again, respond(again))
				return err
			})
			checkCount(t, 2)
		})
	})
}

func uncheckedIDs(us []compliance.UncheckedStep) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.Step.ID
	}
	return ids
}
