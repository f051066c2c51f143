package compliance_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore"
	"powercheck/policies"
)

// clock is a settable clock for the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// clockAt returns a clock showing s (RFC 3339).
func clockAt(s string) *clock {
	c := &clock{}
	c.Set(s)
	return c
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var (
	admin = &compliance.Account{Username: "admin", Role: compliance.RoleAdmin}
	legal = &compliance.Account{Username: "legal", Role: compliance.RoleLegal}
	clerk = &compliance.Account{Username: "clerk", Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}
)

// engineOf returns a policy engine with the default policies, synced with
// store.
func engineOf(t testing.TB, store *sqlstore.Store) *policy.Engine {
	t.Helper()
	engine := policy.NewEngine(calendar.Default(), 10*time.Second) // the cut-off has tests of its own; a loaded machine must not trip it here
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Sync(context.Background(), store.Revisions(), defaults); err != nil {
		t.Fatal(err)
	}
	return engine
}

// newService wires a service over store with the real policies and clk.
func newService(t testing.TB, store *sqlstore.Store, clk *clock) *checker.Services {
	t.Helper()
	engine := engineOf(t, store)
	svc, err := checker.New(checker.SQLStores(store), engine, checker.Options{Now: clk.Now, Calendar: engine})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// licensing is a 20-working-day licence whose review has 10 working days.
var licensing = compliance.PowerItem{Code: "XK-001", Name: "建筑工程施工许可", Category: "行政许可", DepartmentCode: "ZJJ",
	LegalBases: []compliance.LegalBasis{{ID: "LB1", Title: "《中华人民共和国建筑法》", Article: "第八条"}},
	TimeLimit:  compliance.TimeLimit{Days: 20, Unit: compliance.UnitWorkday},
	Steps: []compliance.FlowStep{{Code: "accept", Name: "受理"}, {Code: "review", Name: "审查", TimeLimitDays: 10},
		{Code: "decide", Name: "决定", EndsClock: true}, {Code: "deliver", Name: "送达"}}}

// newDistrict is newService with ZJJ and its licensing item set up.
func newDistrict(t testing.TB, store *sqlstore.Store, clk *clock) *checker.Services {
	t.Helper()
	svc := newService(t, store, clk)
	setup(t, svc)
	return svc
}

func setup(t testing.TB, svc *checker.Services) {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.Accounts.CreateDepartment(ctx, admin, compliance.Department{Code: "ZJJ", Name: "区住房和城乡建设局"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Catalog.SaveItem(ctx, legal, licensing); err != nil {
		t.Fatal(err)
	}
}

func accept(t testing.TB, svc *checker.Services, caseNo, at string) {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.Cases.SubmitStep(context.Background(), clerk, compliance.StepSubmission{ID: caseNo + "-accept", CaseNo: caseNo,
		PowerItemCode: "XK-001", Applicant: "某公司", StepCode: "accept", Handler: "张三", OccurredAt: ts, LegalBasisIDs: []string{"LB1"}})
	if err != nil {
		t.Fatal(err)
	}
}

// deadlineWarnings returns rule/level of the deadline warnings of a case.
func deadlineWarnings(t testing.TB, store *sqlstore.Store, caseNo string) map[string]int {
	t.Helper()
	ws, err := store.Warnings().ListWarnings(context.Background(), compliance.WarningFilter{CaseNo: caseNo, Family: "deadline", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, w := range ws {
		out[w.Rule+"/"+w.Level]++
	}
	return out
}

// atOnce runs f(i) for each i below n, each in a goroutine of its own, as
// n nodes would, and waits for all of them.
func atOnce(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
