package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestPrefetchCases has a node that keeps nothing read a batch's cases
// ahead: three statements for all of them, after which each case's state
// is read without its steps and equals a fresh read. What was read ahead
// serves only the batch's context, and only while its case stays at the
// version read: a step another node stores meanwhile makes the case read
// afresh, and an approval signed there is caught at commit as for the
// steps a node keeps.
func TestPrefetchCases(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := sqlstoretest.MustOpen(t, dsn)
		item := mustZJJItem(t, a)
		seedHandlers(t, a)
		shapes := []struct {
			caseNo           string
			steps, approvals int
		}{{"ZJJ-PF-1", 1, 0}, {"ZJJ-PF-2", 3, 2}, {"ZJJ-PF-3", 2, 1}, {"ZJJ-PF-4", 4, 0}}
		var nos []string
		for _, c := range shapes {
			seedCaseState(t, a, item, c.caseNo, c.steps, true, c.approvals)
			nos = append(nos, c.caseNo)
		}
		b := sqlstoretest.Open(t, dsn)
		counter := sqlstoretest.CountStatements(t, b)

		counter.Start()
		ctx, err := b.Cases().PrefetchCases(t.Context(), append(slices.Clone(nos), "ZJJ-PF-none"))
		if err != nil {
			t.Fatal(err)
		}
		if got := counter.Stop(); got.Statements() != 3 || got["SELECT"] != 3 {
			t.Fatalf("PrefetchCases of %d cases sent %v, want 3 SELECT", len(nos)+1, got)
		}
		for i, c := range shapes {
			st := readState(t, b, counter, ctx, c.caseNo, false)
			if want := separateReads(t, a, c.caseNo, "张三"); !reflect.DeepEqual(withoutEmpty(st), withoutEmpty(want)) {
				t.Fatalf("%s read ahead:\n got %+v\nwant %+v", c.caseNo, st, want)
			}
			if len(st.Steps) != c.steps || len(st.Approvals) != c.approvals {
				t.Fatalf("%s read ahead: %d steps, %d approvals; seeded %d, %d", c.caseNo, len(st.Steps), len(st.Approvals), c.steps, c.approvals)
			}
			if i == 0 { // read once under the batch, the case is kept by the node
				readState(t, b, counter, t.Context(), c.caseNo, false)
			}
		}
		if _, err := b.Cases().CaseState(ctx, "ZJJ-PF-none", ""); !errors.Is(err, compliance.ErrNotFound) {
			t.Fatalf("CaseState of a case never stored, read ahead: %v, want ErrNotFound", err)
		}

		// Outside the batch's context, a case b has not read is read whole.
		fresh := sqlstoretest.Open(t, dsn)
		readState(t, fresh, sqlstoretest.CountStatements(t, fresh), t.Context(), "ZJJ-PF-2", true)

		// a stores a step of a case read ahead by another batch: that batch
		// reads the case's steps again, and sees the new step.
		c := sqlstoretest.Open(t, dsn)
		cc := sqlstoretest.CountStatements(t, c)
		ahead, err := c.Cases().PrefetchCases(t.Context(), nos)
		if err != nil {
			t.Fatal(err)
		}
		before, err := a.Cases().Case(t.Context(), "ZJJ-PF-4")
		if err != nil {
			t.Fatal(err)
		}
		mustRecord(t, a, nextRecord(before, newStep("ZJJ-PF-4-5", "ZJJ-PF-4", "review", at(9, 10, 0, 0, 0))))
		if st := readState(t, c, cc, ahead, "ZJJ-PF-4", true); len(st.Steps) != 5 {
			t.Fatalf("ZJJ-PF-4 after a step stored elsewhere: %d steps, want 5", len(st.Steps))
		}

		// An approval signed on a after the read ahead moves no version: a
		// step checked against the approvals read ahead is refused.
		signed := compliance.SignedApproval{CaseNo: "ZJJ-PF-3", StepCode: "review", Decision: compliance.DecisionApprove,
			Role: "dept_admin", Username: "wangwu", RealName: "王五", At: at(9, 11, 0, 0, 0)}
		if _, err := a.Approvals().CreateApproval(t.Context(), signed, false); err != nil {
			t.Fatal(err)
		}
		stale := readState(t, c, cc, ahead, "ZJJ-PF-3", false)
		if len(stale.Approvals) != 1 {
			t.Fatalf("ZJJ-PF-3's approvals read ahead: %d, want the 1 signed before", len(stale.Approvals))
		}
		rec := nextRecord(stale.Case, newStep("ZJJ-PF-3-3", "ZJJ-PF-3", "review", at(9, 12, 0, 0, 0)))
		rec.ApprovalsAsRead = new(len(stale.Approvals))
		if _, err := c.Cases().RecordStep(ahead, rec, respond(rec)); !errors.Is(err, compliance.ErrCaseChanged) {
			t.Fatalf("a step checked against the approvals read ahead: %v, want ErrCaseChanged", err)
		}
	})
}

// readState reads caseNo's state on s under ctx, its handler 张三, and wants
// it in one round trip on MySQL (two when the steps kept or read ahead are
// behind the case) and three reads on SQLite (five with the steps), the
// steps read or not as steps says.
func readState(t *testing.T, s *sqlstore.Store, counter *sqlstoretest.Statements, ctx context.Context, caseNo string, steps bool) compliance.CaseState {
	t.Helper()
	counter.Start()
	st, err := s.Cases().CaseState(ctx, caseNo, "张三")
	if err != nil {
		t.Fatal(err)
	}
	got := counter.Stop()
	stepsRead := slices.ContainsFunc(counter.Texts(), func(q string) bool { return strings.Contains(q, "FROM `steps`") })
	if stepsRead != steps {
		t.Fatalf("CaseState(%s) read the steps: %v, want %v:\n%s", caseNo, stepsRead, steps, strings.Join(counter.Texts(), "\n"))
	}
	want := map[bool]int64{false: 3, true: 5}[steps]
	if s.Dialect() == "mysql" {
		want = 1
		if steps && got.Statements() == 2 {
			want = 2 // the version moved since what was kept: read again
		}
	}
	if got.Statements() != want || got["SELECT"] != want {
		t.Fatalf("CaseState(%s) sent %v, want %d SELECT on %s", caseNo, got, want, s.Dialect())
	}
	return st
}

// BenchmarkPrefetchCases reads a batch's 100 cases of four steps ahead,
// then each case's state, against each case's state read whole.
func BenchmarkPrefetchCases(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		item := mustZJJItem(b, s)
		var nos []string
		for i := range 100 {
			no := fmt.Sprintf("ZJJ-PFB-%d", i)
			seedCaseState(b, s, item, no, 4, true, 1)
			nos = append(nos, no)
		}
		for _, ahead := range []bool{false, true} {
			b.Run(map[bool]string{false: "case by case", true: "read ahead"}[ahead], func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s.ForgetKnownCases() // a node that has read none of them
					ctx := b.Context()
					if ahead {
						var err error
						if ctx, err = s.Cases().PrefetchCases(ctx, nos); err != nil {
							b.Fatal(err)
						}
					}
					for _, no := range nos {
						if _, err := s.Cases().CaseState(ctx, no, ""); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	})
}

// TestPrefetchCasesBounded reads no more chunks of cases ahead once the
// steps read reach the bound: the cases left are read whole when asked.
// Not parallel: it sets the bounds of the package.
func TestPrefetchCasesBounded(t *testing.T) {
	sqlstore.LimitPrefetch(t, 2, 3)
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		item := mustZJJItem(t, s)
		seedHandlers(t, s)
		nos := []string{"ZJJ-PB-1", "ZJJ-PB-2", "ZJJ-PB-3", "ZJJ-PB-4"}
		for i, no := range nos {
			seedCaseState(t, s, item, no, 1+i%2*2, false, 0) // 1, 3, 1, 3 steps
		}
		s.ForgetKnownCases()
		counter := sqlstoretest.CountStatements(t, s)
		counter.Start()
		ctx, err := s.Cases().PrefetchCases(t.Context(), nos)
		if err != nil {
			t.Fatal(err)
		}
		if got := counter.Stop(); got.Statements() != 3 {
			t.Fatalf("PrefetchCases sent %v, want the 3 SELECT of one chunk (4 steps read, over the bound of 3)", got)
		}
		for i, no := range nos {
			readState(t, s, counter, ctx, no, i >= 2)
		}
	})
}
