package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // database/sql driver "sqlite", the one the store uses
	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/calendar"
)

// openRaw opens the database of a powercheck DSN with database/sql.
func openRaw(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	kind, rest, _ := strings.Cut(dsn, ":")
	var (
		db  *sql.DB
		err error
	)
	switch kind {
	case "sqlite":
		// A page cache of 256 MiB for this connection alone: the inserts
		// update ten indexes of the warnings table.
		db, err = sql.Open("sqlite", rest+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-262144)")
	case "mysql":
		var cfg *mysqldrv.Config
		if cfg, err = mysqldrv.ParseDSN(rest); err == nil {
			cfg.ParseTime, cfg.Loc = true, time.UTC
			cfg.Params = map[string]string{"time_zone": "'+00:00'"}
			db, err = sql.Open("mysql", cfg.FormatDSN())
		}
	default:
		tb.Fatalf("dsn %q: unknown kind", dsn)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// consoleFlow is a demo item and the steps of its flow.
type consoleFlow struct {
	item, dept, clerk string
	steps             []string
	penalty           bool
	approver          string // who approves the decision
	approverRole      string
	handler           string
}

var consoleFlows = []consoleFlow{
	{"XK-ZJJ-001", "ZJJ", "demo-zjj-clerk", []string{"accept", "review", "decide", "deliver"}, false, "李四", "dept_inspector", "张三"},
	{"CF-ZJJ-001", "ZJJ", "demo-zjj-clerk", []string{"file", "investigate", "notify", "decide", "deliver"}, true, "孙局长", "dept_admin", "张三"},
	{"XK-SCJ-001", "SCJ", "demo-scj-clerk", []string{"accept", "review", "decide", "deliver"}, false, "郑七", "dept_inspector", "吴六"},
	{"CF-SCJ-001", "SCJ", "demo-scj-clerk", []string{"file", "investigate", "notify", "decide", "deliver"}, true, "周局长", "dept_admin", "吴六"},
}

// growCases enters n cases of the demo items through POST /api/v1/steps,
// accepted over the last twelve months; older cases are more often done.
// Most are handled by the book; some lack an approval or a legal basis.
// All are entered late (today), so the sync rules fire on them. It returns
// the number of steps entered.
func growCases(b testing.TB, e *consoleEnv, n int) int {
	b.Helper()
	if n <= 0 {
		return 0
	}
	r := rand.New(rand.NewPCG(11, 12))
	now := time.Now().In(calendar.Shanghai)
	plans := make([]casePlan, n)
	total := 0
	for i := range plans {
		plans[i] = planCase(r, now, i)
		total += len(plans[i].steps)
	}
	postPlans(b, e, plans)
	return total
}

// casePlan is the steps of one case and the clerk who enters them.
type casePlan struct {
	clerk string
	steps []map[string]any
}

// planCase draws the i-th case of growCases from r.
func planCase(r *rand.Rand, now time.Time, i int) casePlan {
	f := consoleFlows[0]
	switch x := r.IntN(10); {
	case x < 4:
	case x < 6:
		f = consoleFlows[1]
	case x < 9:
		f = consoleFlows[2]
	default:
		f = consoleFlows[3]
	}
	age := time.Duration(1+r.IntN(364)) * 24 * time.Hour
	at := now.Add(-age).Truncate(24 * time.Hour).Add(time.Duration(1+r.IntN(8)) * time.Hour) // 09:00–16:00 Shanghai
	caseNo := fmt.Sprintf("%s-%d-B%05d", f.dept, at.Year(), i)
	done := len(f.steps)
	if age < 60*24*time.Hour || r.IntN(10) == 0 {
		done = 1 + r.IntN(len(f.steps))
	}
	noApproval, noBasis := r.IntN(10) == 0, r.IntN(12) == 0
	var steps []map[string]any
	for k, code := range f.steps[:done] {
		if k > 0 {
			at = at.Add(time.Duration(1+r.IntN(4*24)) * time.Hour)
		}
		if at.After(now.Add(-time.Minute)) {
			break
		}
		st := map[string]any{"id": fmt.Sprintf("%s-%d-%s", caseNo, k, code), "case_no": caseNo, "step_code": code,
			"handler": f.handler, "occurred_at": at.Format(time.RFC3339), "legal_basis_ids": []string{},
			"approvals": []any{}, "attributes": map[string]any{}}
		if k == 0 {
			st["power_item_code"] = f.item
			st["applicant"] = fmt.Sprintf("某%s有限公司", []string{"建设集团", "置业", "餐饮管理", "超市", "建筑工程", "食品贸易"}[r.IntN(6)])
			if !f.penalty {
				st["legal_basis_ids"] = []string{"LB1"}
			}
		}
		if code == "decide" {
			if !noBasis {
				st["legal_basis_ids"] = []string{"LB1"}
			}
			if !noApproval {
				st["approvals"] = []any{map[string]any{"role": f.approverRole, "by": f.approver, "at": at.Add(-time.Hour).Format(time.RFC3339)}}
			}
			if f.penalty {
				st["discretion"] = map[string]any{"tier": "一般", "amount": 10000 + r.IntN(30000)}
			}
		}
		steps = append(steps, st)
	}
	return casePlan{f.clerk, steps}
}

// postPlans enters the plans' steps through POST /api/v1/steps, six cases at
// a time, and stops at the first failure.
func postPlans(b testing.TB, e *consoleEnv, plans []casePlan) {
	b.Helper()
	const workers = 6
	work := make(chan casePlan)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			for p := range work {
				for _, st := range p.steps {
					status, body, err := e.request("POST", "/api/v1/steps", p.clerk, st)
					if err == nil && status != http.StatusCreated {
						err = fmt.Errorf("POST /api/v1/steps %s: %d %.300s", st["id"], status, body)
					}
					if err != nil {
						mu.Lock()
						firstErr = cmpOr(firstErr, err)
						mu.Unlock()
						break
					}
				}
			}
		})
	}
	for _, p := range plans {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- p
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// seedPatrolsAndChecks records last month's patrols of ZJJ (two on each
// weekday) and draws a spot check of each of the last twelve months.
func seedPatrolsAndChecks(b testing.TB, e *consoleEnv, first time.Time) {
	b.Helper()
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for _, h := range []int{10, 15} {
			e.must(b, 201, "POST", "/api/v1/patrols", "demo-zjj-inspector", map[string]any{
				"at": d.Add(time.Duration(h) * time.Hour).Format(time.RFC3339), "findings": "现场巡查，未发现异常", "problems": []string{}})
		}
	}
	for k := range 12 {
		m := first.AddDate(0, -k, 0)
		e.must(b, 201, "POST", "/api/v1/spot-checks", "demo-supervision", map[string]any{
			"from": m.Format(time.DateOnly), "to": m.AddDate(0, 1, -1).Format(time.DateOnly), "size": 20,
			"note": "月度重点抽查 " + m.Format("2006-01")})
	}
}
