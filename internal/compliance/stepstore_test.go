package compliance_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Upper bounds of what one step sends to the database, by dialect
// (docs/performance.md, "Statements per step"): a regression that adds a
// statement to the step path fails here. Statements are round trips and
// exclude BEGIN and COMMIT, counted apart; on MySQL the five reads of a
// stored case's state and the handler's accounts go in one round trip
// (sqlstore.Cases.CaseState).
// Before the statements were cut (December 2026) they were 17, 17 and
// 16.3–16.7; before a step's warnings were read once, 13, 14 and 15 (MySQL
// 13, 10, 11). Steps together are bounded as a step alone: a group none of
// whose steps fails takes no savepoint, and a group of one is a step alone.
// A later step that raises its case's first warning sent 14 (MySQL 10)
// while whether the case had one was asked apart; one that closes its case
// 15 (MySQL 11) while whether the case had a warning was asked even when
// the service's read of the case said so. Then a node kept the steps and
// approvals of the cases it read or stored (two reads fewer for a later
// step on SQLite, 12 → 10; on MySQL two statements fewer in the same round
// trip), and a case's first step stopped looking its case up (11 → 10 on
// both). Steps together depend on the size of the groups they were stored
// in (4.8–4.9 a step on MySQL here, 6.7–6.8 on SQLite, 8.8 before).
var stepStatementBounds = map[string]map[string]float64{
	"sqlite": {
		"first step alone":            10,
		"later step alone":            10,
		"later steps together":        8,
		"later step, first warning":   11,
		"later step closing its case": 12,
	},
	"mysql": {
		"first step alone":            10,
		"later step alone":            8,
		"later steps together":        6,
		"later step, first warning":   9,
		"later step closing its case": 10,
	},
}

// stepStatements measures, on a fresh district, the statements and
// transactions of a case's first step and of a later step submitted one
// at a time, of 64 later steps of 64 cases submitted as one batch (stored
// in groups by the step writer), of a later step that raises the first
// warning of its case and of one that closes its case. It returns the
// counts per step.
//
// It also returns the statements of the first and the later step, in the
// order sent, to show what a count is made of.
func stepStatements(t testing.TB, store *sqlstore.Store, svc *checker.Services, clk *clock) (map[string]sqlstoretest.StatementCounts, []string) {
	t.Helper()
	ctx := context.Background()
	count := sqlstoretest.CountStatements(t, store)
	const cases = 64
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, shanghai)
	sub := func(caseNo, code string, at time.Time) compliance.StepSubmission {
		s := compliance.StepSubmission{ID: caseNo + "-" + code, CaseNo: caseNo, StepCode: code, Handler: "张三",
			OccurredAt: at, LegalBasisIDs: []string{"LB1"}}
		if code == "accept" {
			s.PowerItemCode, s.Applicant = "XK-001", "某公司"
		}
		return s
	}
	submit := func(s compliance.StepSubmission) {
		t.Helper()
		if _, _, err := svc.Cases.SubmitStep(ctx, clerk, s); err != nil {
			t.Fatalf("step %s: %v", s.ID, err)
		}
	}
	clk.Set(at.Add(time.Hour).Format(time.RFC3339))
	// The first step of the district reads what every step shares (the
	// item, the department, the handlers): not counted.
	submit(sub("ZJJ-W-0", "accept", at))
	out := map[string]sqlstoretest.StatementCounts{}
	count.Start()
	submit(sub("ZJJ-A-0", "accept", at))
	out["first step alone"] = count.Stop()
	texts := count.Texts()
	for i := 1; i <= cases; i++ {
		submit(sub(fmt.Sprintf("ZJJ-A-%d", i), "accept", at))
	}
	count.Start()
	submit(sub("ZJJ-A-0", "review", at.Add(time.Minute)))
	out["later step alone"] = count.Stop()
	texts = append(texts, count.Texts()...)
	batch := make([]compliance.StepSubmission, cases)
	for i := range batch {
		batch[i] = sub(fmt.Sprintf("ZJJ-A-%d", i+1), "review", at.Add(time.Minute))
	}
	before := store.Cases().StepWrites()
	count.Start()
	for _, o := range svc.Cases.SubmitSteps(ctx, clerk, batch) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	c := count.Stop()
	after := store.Cases().StepWrites()
	out["later steps together"] = c
	t.Logf("the batch of %d was stored in %d transactions", cases, after.Transactions-before.Transactions)
	// A case whose first step raises nothing (its handler is an account),
	// then a step that raises its first warning (its handler is not).
	if _, _, err := svc.Accounts.CreateAccount(ctx, admin, compliance.Account{Username: "wangwu", RealName: "王五",
		Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}, ""); err != nil {
		t.Fatal(err)
	}
	clean := sub("ZJJ-F-0", "accept", at)
	clean.Handler = "王五"
	submit(clean)
	first := sub("ZJJ-F-0", "review", at.Add(time.Minute))
	first.Handler = "李四"
	count.Start()
	submit(first)
	out["later step, first warning"] = count.Stop()
	texts = append(texts, count.Texts()...)
	// The last step of the flow closes the case, which has warnings.
	submit(sub("ZJJ-A-0", "decide", at.Add(2*time.Minute)))
	count.Start()
	submit(sub("ZJJ-A-0", "deliver", at.Add(3*time.Minute)))
	out["later step closing its case"] = count.Stop()
	return out, texts
}

// The statements a step sends stay within their bounds, on each database.
func TestStepStatements(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		clk := clockAt("2026-03-02T10:30:00+08:00")
		svc := newDistrict(t, store, clk)
		got, texts := stepStatements(t, store, svc, clk)
		for name, bound := range stepStatementBounds[store.Dialect()] {
			n := 1
			if name == "later steps together" {
				n = 64
			}
			c := got[name]
			t.Logf("%s: %s", name, c.Per(n))
			if per := float64(c.Statements()) / float64(n); per > bound {
				t.Errorf("%s: %.2f statements a step, want at most %.0f", name, per, bound)
			}
			if c.Statements() == 0 {
				t.Errorf("%s: no statement counted: is the counter blind?", name)
			}
			// A group none of whose steps fails takes no savepoint.
			if c["SAVEPOINT"] != 0 {
				t.Errorf("%s: %d savepoints, want none", name, c["SAVEPOINT"])
			}
		}
		if t.Failed() {
			t.Logf("the first step's and a later step's statements:\n%s", strings.Join(texts, "\n"))
		}
	})
}

// BenchmarkStepStatements reports the statements and transactions a step
// sends, alone and in a batch of 64, as metrics (b.N is not used: the
// counts do not vary).
func BenchmarkStepStatements(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, store *sqlstore.Store) {
		clk := clockAt("2026-03-02T10:30:00+08:00")
		svc := newDistrict(b, store, clk)
		got, texts := stepStatements(b, store, svc, clk)
		b.Logf("the first step's and a later step's statements:\n%s", strings.Join(texts, "\n"))
		for name, c := range got {
			n := 1
			if name == "later steps together" {
				n = 64
			}
			b.Logf("%s: %s", name, c.Per(n))
		}
		c := got["later step alone"]
		b.ReportMetric(float64(c.Statements()), "stmts/step-alone")
		b.ReportMetric(float64(c["COMMIT"]), "commits/step-alone")
		g := got["later steps together"]
		b.ReportMetric(float64(g.Statements())/64, "stmts/step-batch64")
		b.ReportMetric(float64(g["COMMIT"])/64, "commits/step-batch64")
	})
}

// busyStore finds every existing case changed when a step is stored, as if
// other steps of it kept arriving.
type busyStore struct {
	compliance.CasesStorage
	tries int
}

func (b *busyStore) RecordStep(ctx context.Context, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	if !rec.NewCase {
		b.tries++
		return compliance.StepResult{}, compliance.ErrCaseChanged
	}
	return b.CasesStorage.RecordStep(ctx, rec, respond)
}

// A step whose case keeps changing under it is checked again a bounded
// number of times, then refused with a conflict that says to send it again.
func TestStepOnACaseThatKeepsChanging(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-03-02T10:00:00+08:00")
		plain := newDistrict(t, store, clk)
		accept(t, plain, "ZJJ-B", "2026-03-02T09:00:00+08:00")

		stores := checker.SQLStores(store)
		busy := &busyStore{CasesStorage: stores.Cases}
		stores.Cases = busy
		svc, err := checker.New(stores, engineOf(t, store), checker.Options{Now: clk.Now, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Cases.SubmitStep(ctx, clerk, compliance.StepSubmission{ID: "ZJJ-B-review", CaseNo: "ZJJ-B", StepCode: "review",
			Handler: "张三", OccurredAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*60*60)), LegalBasisIDs: []string{"LB1"}})
		var e *compliance.Error
		if !errors.As(err, &e) || e.Class != compliance.ClassConflict || e.PublicCode() != "case_busy" || e.Message == "" {
			t.Fatalf("SubmitStep on a case that keeps changing: %v, want a case_busy conflict", err)
		}
		if busy.tries < 2 || busy.tries > 10 {
			t.Errorf("the step was tried %d times, want a few and a bound", busy.tries)
		}
		if _, err := store.Cases().StepByID(ctx, "ZJJ", "ZJJ-B-review"); !errors.Is(err, compliance.ErrNotFound) {
			t.Errorf("StepByID after a refused step: %v, want ErrNotFound", err)
		}
	})
}

// A step whose handler is the account entering it is known without looking
// the handler up among the accounts; a step naming someone else still
// looks, and an unknown handler is still found.
func TestStepByItsOwnHandler(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		clk := clockAt("2026-03-02T10:30:00+08:00")
		svc := newDistrict(t, store, clk)
		ctx := context.Background()
		if _, _, err := svc.Accounts.CreateAccount(ctx, admin, compliance.Account{Username: "wangwu", RealName: "王五",
			Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}, ""); err != nil {
			t.Fatal(err)
		}
		who := &compliance.Account{Username: "wangwu", RealName: "王五", Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}
		at := time.Date(2026, 3, 2, 9, 30, 0, 0, shanghai)
		count := sqlstoretest.CountStatements(t, store)
		tests := []struct {
			name, id, code, handler string
			lookedUp, unknown       bool
		}{
			{"a first step by its handler", "O-1-accept", "accept", "王五", false, false},
			{"a later step by its handler", "O-1-review", "review", "王五", false, false},
			{"a later step naming someone else", "O-1-decide", "decide", "张三", true, true},
		}
		for i, tt := range tests {
			sub := compliance.StepSubmission{ID: tt.id, CaseNo: "ZJJ-O-1", StepCode: tt.code, Handler: tt.handler,
				OccurredAt: at.Add(time.Duration(i) * time.Minute), LegalBasisIDs: []string{"LB1"}}
			if tt.code == "accept" {
				sub.PowerItemCode, sub.Applicant = "XK-001", "某公司"
			}
			count.Start()
			res, _, err := svc.Cases.SubmitStep(ctx, who, sub)
			count.Stop()
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			unknown := slices.ContainsFunc(res.Warnings, func(w compliance.Warning) bool { return w.Rule == "sync.unknown_handler" })
			if unknown != tt.unknown {
				t.Errorf("%s: handler unknown %v, want %v", tt.name, unknown, tt.unknown)
			}
			// On MySQL a stored case's handler is read in the round trip
			// of its state, whose text the counter cuts before it.
			if store.Dialect() != "sqlite" {
				continue
			}
			lookedUp := slices.ContainsFunc(count.Texts(), func(q string) bool { return strings.Contains(q, "real_name") })
			if lookedUp != tt.lookedUp {
				t.Errorf("%s: handler looked up %v, want %v", tt.name, lookedUp, tt.lookedUp)
			}
		}
	})
}

// A case's first step takes its item's version in force without reading it
// again while it is recent, and a version saved through the same services
// is taken at once.
func TestFirstStepsItemVersion(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-03-02T10:30:00+08:00")
		svc := newDistrict(t, store, clk)
		count := sqlstoretest.CountStatements(t, store)
		versionOf := func(caseNo string) int {
			t.Helper()
			c, err := store.Cases().Case(ctx, caseNo)
			if err != nil {
				t.Fatal(err)
			}
			return c.ItemVersion
		}
		accept(t, svc, "ZJJ-I-1", "2026-03-02T09:30:00+08:00")
		count.Start()
		accept(t, svc, "ZJJ-I-2", "2026-03-02T09:31:00+08:00")
		count.Stop()
		for _, q := range count.Texts() {
			if strings.Contains(q, "power_items") {
				t.Errorf("the second first step read the item again: %s", q)
			}
		}
		next := licensing
		next.Name += "（调整）"
		saved, err := svc.Catalog.SaveItem(ctx, legal, next)
		if err != nil {
			t.Fatal(err)
		}
		accept(t, svc, "ZJJ-I-3", "2026-03-02T09:32:00+08:00")
		if v1, v3 := versionOf("ZJJ-I-1"), versionOf("ZJJ-I-3"); v1 == saved.Version || v3 != saved.Version {
			t.Errorf("item versions of the cases: %d before the save, %d after; want the saved %d after only", v1, v3, saved.Version)
		}
		// A department's adjustment takes effect when the legal office
		// approves it.
		deptAdmin := &compliance.Account{Username: "zjj-admin", Role: compliance.RoleDeptAdmin, DepartmentCode: "ZJJ"}
		next.Name += "（再调整）"
		pending, err := svc.Catalog.SaveItem(ctx, deptAdmin, next)
		if err != nil {
			t.Fatal(err)
		}
		accept(t, svc, "ZJJ-I-4", "2026-03-02T09:33:00+08:00")
		if _, err := svc.Catalog.ReviewItem(ctx, legal, "XK-001", pending.Version, true, "同意"); err != nil {
			t.Fatal(err)
		}
		accept(t, svc, "ZJJ-I-5", "2026-03-02T09:34:00+08:00")
		if v4, v5 := versionOf("ZJJ-I-4"), versionOf("ZJJ-I-5"); v4 != saved.Version || v5 != pending.Version {
			t.Errorf("item versions of the cases: %d while pending, %d once approved; want %d, %d", v4, v5, saved.Version, pending.Version)
		}
	})
}
