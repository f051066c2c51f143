package sqlstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestCaseState holds the one read of a case's state to the four reads it
// replaces, on cases of every shape, and counts its round trips: one on
// MySQL, where the reads go as one multi-statement query.
func TestCaseState(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)
		// A case number that would end the statement early were it ever
		// written into the SQL rather than sent as a value.
		const quoted = `ZJJ-'; DELETE FROM cases; -- "\`
		cases := []struct {
			caseNo    string
			steps     int
			warnings  bool
			approvals int
		}{
			{"ZJJ-CS-1", 1, false, 0},
			{"ZJJ-CS-2", 3, true, 0},
			{"ZJJ-CS-3", 2, false, 2},
			{"ZJJ-CS-4", 4, true, 3},
			{quoted, 2, true, 1},
		}
		for _, c := range cases {
			seedCaseState(t, s, item, c.caseNo, c.steps, c.warnings, c.approvals)
		}
		for _, c := range cases {
			t.Run(c.caseNo, func(t *testing.T) {
				got, err := s.Cases().CaseState(t.Context(), c.caseNo)
				if err != nil {
					t.Fatal(err)
				}
				want := separateReads(t, s, c.caseNo)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("CaseState(%q):\n got %+v\nwant %+v", c.caseNo, got, want)
				}
				if len(got.Steps) != c.steps || (len(got.Warnings) > 0) != c.warnings || len(got.Approvals) != c.approvals {
					t.Fatalf("CaseState(%q): %d steps, %d warnings, %d approvals; seeded %d, %v, %d",
						c.caseNo, len(got.Steps), len(got.Warnings), len(got.Approvals), c.steps, c.warnings, c.approvals)
				}
			})
		}
		t.Run("no such case", func(t *testing.T) {
			if _, err := s.Cases().CaseState(t.Context(), "ZJJ-CS-none"); !errors.Is(err, compliance.ErrNotFound) {
				t.Fatalf("CaseState of a case never stored: %v, want ErrNotFound", err)
			}
		})
		t.Run("round trips", func(t *testing.T) {
			counter := sqlstoretest.CountStatements(t, s)
			counter.Start()
			if _, err := s.Cases().CaseState(t.Context(), "ZJJ-CS-4"); err != nil {
				t.Fatal(err)
			}
			got := counter.Stop()
			want := int64(4)
			if s.Dialect() == "mysql" {
				want = 1
			}
			if got.Statements() != want || got["SELECT"] != want {
				t.Fatalf("CaseState sent %v, want %d SELECT round trips on %s", got, want, s.Dialect())
			}
		})
		// The case number in the quotes was sent as a value: nothing went.
		if n := len(caseNosOf(t, s)); n != len(cases) {
			t.Fatalf("%d cases stored after the reads, want %d", n, len(cases))
		}
	})
}

// seedCaseState records a case of item with steps steps (the first with two
// warnings when warnings), then signs approvals approvals of its first step.
func seedCaseState(t *testing.T, s *sqlstore.Store, item compliance.PowerItem, caseNo string, steps int, warnings bool, approvals int) {
	t.Helper()
	var findings []compliance.Finding
	if warnings {
		findings = []compliance.Finding{
			{Rule: "deadline.time_limit", Level: compliance.LevelPrewarning, Message: "距办理时限仅剩 2 个工作日", Key: "time_limit"},
			{Rule: "legal_basis.missing", Level: compliance.LevelAlarm, Message: "未引用法律依据"},
		}
	}
	first := newStep(caseNo+"-1", caseNo, "accept", at(2, 9, 0, 0, 0))
	rec := newCaseRecord(caseNo, item, first, findings...)
	mustRecord(t, s, rec)
	for i := 2; i <= steps; i++ {
		mustRecord(t, s, nextRecord(rec.Case, newStep(fmt.Sprintf("%s-%d", caseNo, i), caseNo, "review", at(2+i, 10, 0, 0, 0))))
	}
	for i := range approvals {
		a := compliance.SignedApproval{CaseNo: caseNo, StepCode: "review", Decision: compliance.DecisionApprove,
			Role: "dept_admin", Username: "wangwu", RealName: "王五", At: at(3, 11, i, 0, 0)}
		if _, err := s.Approvals().CreateApproval(t.Context(), a, false); err != nil {
			t.Fatal(err)
		}
	}
}

// separateReads is a case's state read as it was before CaseState: the
// case, its steps, its warnings and its approvals, one read each.
func separateReads(t *testing.T, s *sqlstore.Store, caseNo string) compliance.CaseState {
	t.Helper()
	var st compliance.CaseState
	var err error
	if st.Case, err = s.Cases().Case(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	if st.Steps, err = s.Cases().CaseSteps(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	known, err := s.Warnings().CaseWarnings(t.Context(), []string{caseNo})
	if err != nil {
		t.Fatal(err)
	}
	st.Warnings = known[caseNo]
	if st.Approvals, err = s.Approvals().CaseApprovals(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	return st
}

// caseNosOf lists the numbers of the stored cases.
func caseNosOf(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	var nos []string
	if err := s.DB().WithContext(t.Context()).Table("cases").Pluck("case_no", &nos).Error; err != nil {
		t.Fatal(err)
	}
	return nos
}
