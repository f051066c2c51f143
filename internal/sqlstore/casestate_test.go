package sqlstore_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestCaseState holds the one read of a case's state to the reads it
// replaces, on cases of every shape and handlers with none, one or two
// accounts, and counts its round trips: one on MySQL, where the reads go
// as one multi-statement query.
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
		seedHandlers(t, s)
		handlers := []struct {
			name string
			want []string
		}{{"", nil}, {"张三", []string{"zs"}}, {"李四", []string{"ls1", "ls2"}}, {"王五", []string{}}, {"赵六", []string{}}, {quoted, []string{}}}
		for _, c := range cases {
			for _, h := range handlers {
				t.Run(c.caseNo+"/"+h.name, func(t *testing.T) {
					got, err := s.Cases().CaseState(t.Context(), c.caseNo, h.name)
					if err != nil {
						t.Fatal(err)
					}
					want := separateReads(t, s, c.caseNo, h.name)
					slices.Sort(got.Handlers)
					if !reflect.DeepEqual(withoutEmpty(got), withoutEmpty(want)) {
						t.Fatalf("CaseState(%q, %q):\n got %+v\nwant %+v", c.caseNo, h.name, got, want)
					}
					if len(got.Steps) != c.steps || (len(got.Warnings) > 0) != c.warnings || len(got.Approvals) != c.approvals {
						t.Fatalf("CaseState(%q): %d steps, %d warnings, %d approvals; seeded %d, %v, %d",
							c.caseNo, len(got.Steps), len(got.Warnings), len(got.Approvals), c.steps, c.warnings, c.approvals)
					}
					if got.HandlersRead != (h.name != "") || !slices.Equal(got.Handlers, h.want) {
						t.Fatalf("CaseState(%q, %q): handlers %v (read %v), want %v", c.caseNo, h.name, got.Handlers, got.HandlersRead, h.want)
					}
				})
			}
		}
		t.Run("no such case", func(t *testing.T) {
			if _, err := s.Cases().CaseState(t.Context(), "ZJJ-CS-none", "张三"); !errors.Is(err, compliance.ErrNotFound) {
				t.Fatalf("CaseState of a case never stored: %v, want ErrNotFound", err)
			}
		})
		t.Run("round trips", func(t *testing.T) { caseStateRoundTrips(t, s, "ZJJ-CS-4") })
		// The case number in the quotes was sent as a value: nothing went.
		if n := len(caseNosOf(t, s)); n != len(cases) {
			t.Fatalf("%d cases stored after the reads, want %d", n, len(cases))
		}
	})
}

// seedHandlers makes the accounts of the handlers TestCaseState names: 张三
// has one active account in ZJJ, 李四 two, 王五 only a disabled one, 赵六
// one in another department.
func seedHandlers(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	mustDepartment(t, s, "GTJ")
	for _, a := range []struct{ user, name, dept string }{
		{"zs", "张三", "ZJJ"}, {"ls1", "李四", "ZJJ"}, {"ls2", "李四", "ZJJ"}, {"ww", "王五", "ZJJ"}, {"zl", "赵六", "GTJ"},
	} {
		acc := compliance.Account{Username: a.user, RealName: a.name, Role: compliance.RoleClerk, DepartmentCode: a.dept,
			Disabled: a.user == "ww", CreatedAt: time.Now().UTC()}
		if _, err := s.Accounts().CreateAccount(t.Context(), acc, compliance.HashToken("token-"+a.user)); err != nil {
			t.Fatal(err)
		}
	}
}

// caseStateRoundTrips counts what reading caseNo's state sends, its steps
// and approvals kept by s (it read them): one round trip on MySQL, three
// reads on SQLite, none of the steps.
func caseStateRoundTrips(t *testing.T, s *sqlstore.Store, caseNo string) {
	counter := sqlstoretest.CountStatements(t, s)
	wantStateReads(t, s, counter, caseNo, 1, 3, false)
}

// wantStateReads reads caseNo's state on s and wants it sent in
// onMySQL round trips on MySQL, onSQLite reads on SQLite, the steps read
// or not as steps says.
func wantStateReads(t *testing.T, s *sqlstore.Store, counter *sqlstoretest.Statements, caseNo string, onMySQL, onSQLite int64, steps bool) compliance.CaseState {
	t.Helper()
	counter.Start()
	st, err := s.Cases().CaseState(t.Context(), caseNo, "张三")
	if err != nil {
		t.Fatal(err)
	}
	got := counter.Stop()
	want := onSQLite
	if s.Dialect() == "mysql" {
		want = onMySQL
	}
	if got.Statements() != want || got["SELECT"] != want {
		t.Fatalf("CaseState sent %v, want %d SELECT round trips on %s", got, want, s.Dialect())
	}
	stepsRead := slices.ContainsFunc(counter.Texts(), func(q string) bool { return strings.Contains(q, "FROM `steps`") })
	if stepsRead != steps {
		t.Fatalf("CaseState read the steps: %v, want %v:\n%s", stepsRead, steps, strings.Join(counter.Texts(), "\n"))
	}
	return st
}

// TestCaseStateKeepsSteps has two nodes share a database: each keeps the
// steps and approvals of the cases it read or stored and reads them again
// only when the case's version has moved, after a step the other node
// stored; the steps kept equal a fresh read. An approval signed on the
// other node moves no version: a step checked against the approvals kept
// without it is refused, and the case read afresh.
func TestCaseStateKeepsSteps(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := sqlstoretest.MustOpen(t, dsn)
		b := sqlstoretest.Open(t, dsn)
		item := mustZJJItem(t, a)
		seedHandlers(t, a)
		const caseNo = "ZJJ-KS-1"
		step := func(i int, code string) compliance.Step {
			s := newStep(fmt.Sprintf("%s-%d", caseNo, i), caseNo, code, at(2+i, 9, 30, 15, 123).Add(456789)) // below the millisecond too
			// A number and a nested value, as a client sends them: kept as
			// the column gives them back (JSON numbers are float64).
			s.Attributes = map[string]any{"面积": 120, "tags": []string{"甲", "乙"}, "n": map[string]any{"k": int64(7)}}
			s.Discretion = &compliance.Discretion{Tier: "一般", Amount: 5000}
			s.Approvals = []compliance.Approval{{Role: "dept_admin", By: "王五", At: at(2+i, 9, 0, 0, 987).Add(654321)}}
			return s
		}
		first := newCaseRecord(caseNo, item, step(1, "accept"))
		mustRecord(t, a, first)
		mustRecord(t, a, nextRecord(first.Case, step(2, "review")))
		ca, cb := sqlstoretest.CountStatements(t, a), sqlstoretest.CountStatements(t, b)
		fresh := func() compliance.CaseState { return separateReads(t, a, caseNo, "张三") }
		same := func(what string, got compliance.CaseState, steps int) {
			t.Helper()
			want := fresh()
			if !reflect.DeepEqual(withoutEmpty(got), withoutEmpty(want)) {
				t.Fatalf("%s:\n got %+v\nwant %+v", what, got.Steps, want.Steps)
			}
			if len(got.Steps) != steps {
				t.Fatalf("%s: %d steps, want %d", what, len(got.Steps), steps)
			}
		}
		same("a, which stored both steps", wantStateReads(t, a, ca, caseNo, 1, 3, false), 2)
		same("b, which kept nothing", wantStateReads(t, b, cb, caseNo, 1, 5, true), 2)
		// b stores the third step: a's steps are at a version the case has
		// left, and are read again, in a round trip of their own on MySQL.
		mustRecord(t, b, nextRecord(first.Case, step(3, "review")))
		same("a, after b stored a step", wantStateReads(t, a, ca, caseNo, 2, 5, true), 3)
		same("a, again", wantStateReads(t, a, ca, caseNo, 1, 3, false), 3)
		// a stores the fourth: it keeps it with the others; b reads again.
		mustRecord(t, a, nextRecord(first.Case, step(4, "decide")))
		same("a, after it stored a step", wantStateReads(t, a, ca, caseNo, 1, 3, false), 4)
		same("b, after a stored a step", wantStateReads(t, b, cb, caseNo, 2, 5, true), 4)

		// b signs an approval, which moves no version: a's approvals as
		// kept lack it, and a step checked against them is refused.
		signed := compliance.SignedApproval{CaseNo: caseNo, StepCode: "decide", Decision: compliance.DecisionApprove,
			Role: "dept_admin", Username: "wangwu", RealName: "王五", At: at(7, 11, 0, 0, 0)}
		if _, err := b.Approvals().CreateApproval(t.Context(), signed, false); err != nil {
			t.Fatal(err)
		}
		stale := wantStateReads(t, a, ca, caseNo, 1, 3, false)
		if len(stale.Approvals) != 0 {
			t.Fatalf("a's approvals as kept: %d, want none (b's is not known to a)", len(stale.Approvals))
		}
		rec := nextRecord(stale.Case, step(5, "deliver"))
		rec.ApprovalsAsRead = new(len(stale.Approvals))
		if _, err := a.Cases().RecordStep(t.Context(), rec, respond(rec)); !errors.Is(err, compliance.ErrCaseChanged) {
			t.Fatalf("a step checked against the approvals as kept: %v, want ErrCaseChanged", err)
		}
		// Refused, it dropped what a kept: a reads the case afresh, and a
		// step checked against that is stored.
		st := wantStateReads(t, a, ca, caseNo, 1, 5, true)
		same("a, after its step was refused", st, 4)
		rec = nextRecord(st.Case, step(5, "deliver"))
		rec.ApprovalsAsRead = new(len(st.Approvals))
		if _, err := a.Cases().RecordStep(t.Context(), rec, respond(rec)); err != nil {
			t.Fatalf("a step checked against a fresh read: %v", err)
		}
		same("a, after it stored the step", wantStateReads(t, a, ca, caseNo, 1, 3, false), 5)
		// An approval a signs itself drops what a kept at once.
		if _, err := a.Approvals().CreateApproval(t.Context(), signed, false); err != nil {
			t.Fatal(err)
		}
		same("a, after it signed an approval", wantStateReads(t, a, ca, caseNo, 1, 5, true), 5)
	})
}

// seedCaseState records a case of item with steps steps (the first with two
// warnings when warnings), then signs approvals approvals of its first step.
func seedCaseState(t testing.TB, s *sqlstore.Store, item compliance.PowerItem, caseNo string, steps int, warnings bool, approvals int) {
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
// case, its steps (without their checks), its warnings, its approvals and
// the handler's accounts, one read each.
func separateReads(t testing.TB, s *sqlstore.Store, caseNo, handler string) compliance.CaseState {
	t.Helper()
	var st compliance.CaseState
	var err error
	if st.Case, err = s.Cases().Case(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	if st.Steps, err = s.Cases().CaseSteps(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	for i := range st.Steps {
		// A step is checked against what was recorded of the steps before
		// it, not against their own checks, which a re-check rewrites.
		st.Steps[i].CheckStatus, st.Steps[i].CheckError, st.Steps[i].PolicyRevision = "", "", 0
	}
	known, err := s.Warnings().CaseWarnings(t.Context(), []string{caseNo})
	if err != nil {
		t.Fatal(err)
	}
	st.Warnings = known[caseNo]
	if st.Approvals, err = s.Approvals().CaseApprovals(t.Context(), caseNo); err != nil {
		t.Fatal(err)
	}
	if handler != "" {
		st.HandlersRead = true
		if st.Handlers, err = s.Approvals().HandlerAccounts(t.Context(), st.Case.DepartmentCode, handler); err != nil {
			t.Fatal(err)
		}
		slices.Sort(st.Handlers)
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

// withoutEmpty is st with no handlers as nil, whether read or not: an
// empty list and nil say the same.
func withoutEmpty(st compliance.CaseState) compliance.CaseState {
	if len(st.Handlers) == 0 {
		st.Handlers = nil
	}
	return st
}

// BenchmarkCaseState reads a case of four steps, two warnings and three
// approvals with its handler's accounts: at once (CaseState) and as the
// five reads it replaces.
func BenchmarkCaseState(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		seedCaseState(b, s, mustZJJItem(b, s), "ZJJ-CS-B", 4, true, 3)
		b.Run("at-once", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Cases().CaseState(b.Context(), "ZJJ-CS-B", "张三"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("separate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				separateReads(b, s, "ZJJ-CS-B", "张三")
			}
		})
	})
}

// TestCaseStateOverUnixSocket reads a case's state, one multi-statement
// query on MySQL, through the server's Unix socket, as a store on the
// database's host connects (README): skipped where the server has none
// here.
func TestCaseStateOverUnixSocket(t *testing.T) {
	sqlstoretest.NeedMySQL(t, "reads through the MySQL server's Unix socket")
	t.Parallel()
	dsn := sqlstoretest.MySQLDSN(t)
	tcp := sqlstoretest.MustOpen(t, dsn)
	var sock string
	if err := tcp.DB().WithContext(t.Context()).Raw("SELECT @@socket").Scan(&sock).Error; err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Skipf("the server's socket %q is not on this host: %v", sock, err)
	}
	start, end := strings.Index(dsn, "@tcp("), strings.Index(dsn, ")/")
	if start < 0 || end < start {
		t.Fatalf("DSN %q: no tcp(…) address", dsn)
	}
	s := sqlstoretest.MustOpen(t, dsn[:start+1]+"unix("+sock+dsn[end:])
	seedCaseState(t, s, mustZJJItem(t, s), "ZJJ-CS-U", 3, true, 2)
	got, err := s.Cases().CaseState(t.Context(), "ZJJ-CS-U", "张三")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Steps) != 3 || len(got.Warnings) != 2 || len(got.Approvals) != 2 || !got.HandlersRead {
		t.Fatalf("over the socket: %d steps, %d warnings, %d approvals, handlers read %v; want 3, 2, 2, true",
			len(got.Steps), len(got.Warnings), len(got.Approvals), got.HandlersRead)
	}
}
