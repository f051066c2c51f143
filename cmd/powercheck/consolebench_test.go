package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // database/sql driver "sqlite", the one the store uses
	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The console's list pages on a grown demo district: BenchmarkConsoleLists
// times the API requests behind them, one at a time, against a real server
// (the same wiring as `powercheck serve --demo`) whose database holds the
// demo plus about consoleCases cases, entered through POST /api/v1/steps,
// and consoleWarnings warnings, most of them inserted directly. Run alone:
//
//	go test -run '^$' -bench BenchmarkConsoleLists -benchtime 20x ./cmd/powercheck/
//
// with POWERCHECK_TEST_MYSQL_DSN set to run on MySQL too. Each route reports
// ns/op and the p50 and p95 of one request in ms (p50-ms, p95-ms). Seeding
// takes a minute or two per driver and is not timed.
const (
	consoleCases    = 2_000
	consoleWarnings = 100_000
)

// consoleRoute is one request of a list page, made as account token.
type consoleRoute struct {
	name, path, token string
}

func BenchmarkConsoleLists(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		b.Run(d.Name, func(b *testing.B) {
			env := seedConsole(b, d.DSN(b))
			for _, r := range env.routes() {
				b.Run(r.name, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for range b.N {
						t0 := time.Now()
						status, body, err := env.request("GET", r.path, r.token, nil)
						lat = append(lat, time.Since(t0))
						if err != nil || status != http.StatusOK {
							b.Fatalf("GET %s: %d %v %.300s", r.path, status, err, body)
						}
					}
					b.StopTimer()
					slices.Sort(lat)
					b.ReportMetric(msOf(quantile(lat, 0.50)), "p50-ms")
					b.ReportMetric(msOf(quantile(lat, 0.95)), "p95-ms")
				})
			}
		})
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// consoleEnv is a seeded server and the periods the pages ask for.
type consoleEnv struct {
	s      *server
	client *http.Client
	// month is last month (YYYY-MM); monthFrom and monthTo its first and
	// last days; winFrom and winTo the last 30 days (YYYY-MM-DD).
	month, monthFrom, monthTo string
	winFrom, winTo            string
}

// routes are the requests the console's list pages make, each as an
// account that opens the page.
func (e *consoleEnv) routes() []consoleRoute {
	const (
		oversight   = "demo-oversight"
		supervision = "demo-supervision"
		zjjAdmin    = "demo-zjj-admin"
		zjjClerk    = "demo-zjj-clerk"
		zjjInspect  = "demo-zjj-inspector"
	)
	win := "&from=" + e.winFrom + "&to=" + e.winTo
	return []consoleRoute{
		{"warnings", "/api/v1/warnings?limit=50", oversight},
		{"warnings/level=alarm", "/api/v1/warnings?limit=50&level=alarm", oversight},
		{"warnings/department=ZJJ", "/api/v1/warnings?limit=50&department=ZJJ", oversight},
		{"warnings/status=open", "/api/v1/warnings?limit=50&status=open", oversight},
		{"warnings/30-days", "/api/v1/warnings?limit=50" + win, oversight},
		{"warnings/all-filters", "/api/v1/warnings?limit=50&level=alarm&department=ZJJ&status=open" + win, oversight},
		{"warnings/zjj-admin", "/api/v1/warnings?limit=50", zjjAdmin},
		{"cases/zjj-clerk", "/api/v1/cases?limit=20", zjjClerk},
		{"cases/oversight", "/api/v1/cases?limit=20", oversight},
		{"workbench/zjj-admin", "/api/v1/workbench", zjjAdmin},
		{"workbench/zjj-clerk", "/api/v1/workbench", zjjClerk},
		{"workbench/oversight", "/api/v1/workbench", oversight},
		{"ledgers/patrols", "/api/v1/ledgers/patrols?from=" + e.monthFrom + "&to=" + e.monthTo, zjjInspect},
		{"reports/monthly", "/api/v1/reports/monthly?department=ZJJ&month=" + e.month, oversight},
		{"audit", "/api/v1/audit?limit=50", supervision},
		{"spot-checks", "/api/v1/spot-checks", supervision},
		{"accounts", "/api/v1/accounts", apitest.AdminToken},
	}
}

// request makes one request; safe from any goroutine (no testing calls).
func (e *consoleEnv) request(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.s.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// must makes a request that must answer want.
func (e *consoleEnv) must(tb testing.TB, want int, method, path, token string, body any) []byte {
	tb.Helper()
	status, b, err := e.request(method, path, token, body)
	if err != nil || status != want {
		tb.Fatalf("%s %s: %d %v, want %d: %.500s", method, path, status, err, want, b)
	}
	return b
}

// seedConsole starts a server with the demo on dsn and grows it: cases
// through the API, patrols and spot checks through the API, then warnings
// inserted with SQL up to consoleWarnings. The deadline sweeper runs once,
// on request, after the cases are in, and not in the background while the
// requests are timed.
func seedConsole(b testing.TB, dsn string) *consoleEnv {
	b.Helper()
	begin := time.Now()
	s := startServer(b, dsn, "--demo", "--sweep-interval", "0")
	e := &consoleEnv{s: s, client: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	b.Cleanup(e.client.CloseIdleConnections)
	now := time.Now().In(calendar.Shanghai)
	y, m, _ := now.Date()
	first := time.Date(y, m-1, 1, 0, 0, 0, 0, calendar.Shanghai)
	e.month = first.Format("2006-01")
	e.monthFrom = first.Format(time.DateOnly)
	e.monthTo = first.AddDate(0, 1, -1).Format(time.DateOnly)
	e.winFrom = now.AddDate(0, 0, -30).Format(time.DateOnly)
	e.winTo = now.Format(time.DateOnly)

	// A district enters each year's holidays; past the shipped years, a
	// plain weekends-only year lets every deadline be counted.
	for yr := y; yr <= y+1; yr++ {
		path := "/api/v1/calendar/" + strconv.Itoa(yr)
		if status, _, _ := e.request("GET", path, apitest.AdminToken, nil); status == http.StatusNotFound {
			e.must(b, 200, "PUT", path, apitest.AdminToken, map[string]any{"source": "基准测试", "holidays": []string{}, "workdays": []string{}})
		}
	}

	db := openRaw(b, dsn)
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return n
	}
	t0 := time.Now()
	steps := growCases(b, e, consoleCases-count("SELECT COUNT(*) FROM cases"))
	b.Logf("seed: %d cases (%d steps through POST /api/v1/steps) in %v",
		count("SELECT COUNT(*) FROM cases"), steps, time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	e.must(b, 200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
	b.Logf("seed: one deadline sweep in %v; %d warnings raised by the policies so far",
		time.Since(t0).Round(time.Millisecond), count("SELECT COUNT(*) FROM warnings"))
	seedPatrolsAndChecks(b, e, first)
	t0 = time.Now()
	n := insertWarnings(b, db, consoleWarnings-count("SELECT COUNT(*) FROM warnings"))
	b.Logf("seed: %d warnings inserted with SQL in %v; %d warnings, %d cases, %d steps, %d audit entries; setup %v",
		n, time.Since(t0).Round(time.Millisecond), count("SELECT COUNT(*) FROM warnings"), count("SELECT COUNT(*) FROM cases"),
		count("SELECT COUNT(*) FROM steps"), count("SELECT COUNT(*) FROM audit_log"), time.Since(begin).Round(time.Second))

	// One untimed look at each route: it answers, and with how much.
	for _, r := range e.routes() {
		body := e.must(b, 200, "GET", r.path, r.token, nil)
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(body, &page)
		b.Logf("route %-24s %6d bytes, %3d items", r.name, len(body), len(page.Items))
	}
	return e
}

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
	type plan struct {
		clerk string
		steps []map[string]any
	}
	plans := make([]plan, n)
	total := 0
	for i := range plans {
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
		plans[i] = plan{f.clerk, steps}
		total += len(steps)
	}

	const workers = 6
	work := make(chan plan)
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
	return total
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

// consoleRules are rules the policies raise, with how often each fires.
var consoleRules = []struct {
	rule, basis string
	weight      int
}{
	{"deadline.item_due_soon", "《中华人民共和国行政许可法》第四十二条", 20},
	{"deadline.item_overdue", "《中华人民共和国行政许可法》第四十二条", 8},
	{"deadline.step_due_soon", "《中华人民共和国行政许可法》第四十二条", 14},
	{"deadline.step_overdue", "《中华人民共和国行政许可法》第四十二条", 6},
	{"checkpoint.approval_missing", "《廉政风险防控工作规定》第十二条", 8},
	{"checkpoint.self_approval", "《廉政风险防控工作规定》第十二条", 2},
	{"checkpoint.approval_after_step", "《廉政风险防控工作规定》第十二条", 3},
	{"legal_basis.missing", "《中华人民共和国行政处罚法》第三十八条", 6},
	{"legal_basis.unknown", "《中华人民共和国行政处罚法》第三十八条", 2},
	{"discretion.amount_out_of_range", "《中华人民共和国行政处罚法》第三十四条", 4},
	{"discretion.missing", "《中华人民共和国行政处罚法》第三十四条", 3},
	{"sequence.out_of_order", "", 5},
	{"sequence.time_reversed", "", 1},
	{"sync.late_entry", "《行政权力依法规范公开运行工作方案》同步录入要求", 12},
	{"sync.very_late_entry", "《行政权力依法规范公开运行工作方案》同步录入要求", 4},
}

// consoleStatuses are the statuses of warnings, recent ones (weight) and
// those older than 60 days (settled), most of which are dealt with.
var consoleStatuses = []struct {
	status          string
	recent, settled int
}{
	{"open", 60, 12}, {"explained", 12, 5}, {"rectifying", 10, 5}, {"rectified", 10, 10},
	{"verified", 4, 30}, {"referred", 2, 6}, {"closed", 2, 32},
}

// insertWarnings inserts n warnings with multi-row INSERTs in one
// transaction, spread over the stored cases (each in its case's department,
// on one of its steps), the rules, levels and statuses, created between the
// case's acceptance and 60 days later (never in the future), in creation
// order so that ids follow time as they do when steps raise them.
func insertWarnings(b testing.TB, db *sql.DB, n int) int {
	b.Helper()
	if n <= 0 {
		return 0
	}
	ctx := context.Background()
	type caseInfo struct {
		no, dept string
		accepted time.Time
		steps    []string
	}
	var cases []*caseInfo
	byNo := map[string]*caseInfo{}
	rows, err := db.QueryContext(ctx, "SELECT case_no, department_code, accepted_at FROM cases ORDER BY case_no")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		c := &caseInfo{}
		if err := rows.Scan(&c.no, &c.dept, &c.accepted); err != nil {
			b.Fatal(err)
		}
		cases = append(cases, c)
		byNo[c.no] = c
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, "SELECT id, case_no FROM steps ORDER BY seq")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id, no string
		if err := rows.Scan(&id, &no); err != nil {
			b.Fatal(err)
		}
		if c := byNo[no]; c != nil {
			c.steps = append(c.steps, id)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	var revision int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 1) FROM policy_revisions").Scan(&revision); err != nil {
		b.Fatal(err)
	}
	cases = slices.DeleteFunc(cases, func(c *caseInfo) bool { return len(c.steps) == 0 })
	if len(cases) == 0 {
		b.Fatal("no cases with steps to hang warnings on")
	}

	type warning struct {
		c                           *caseInfo
		step, rule, family, level   string
		status, basis, key, message string
		created                     time.Time
	}
	r := rand.New(rand.NewPCG(21, 22))
	ruleTotal, recentTotal, settledTotal := 0, 0, 0
	for _, x := range consoleRules {
		ruleTotal += x.weight
	}
	for _, x := range consoleStatuses {
		recentTotal += x.recent
		settledTotal += x.settled
	}
	now := time.Now().UTC()
	ws := make([]warning, n)
	for i := range ws {
		c := cases[r.IntN(len(cases))]
		k := r.IntN(ruleTotal)
		rule := consoleRules[0]
		for _, x := range consoleRules {
			if k -= x.weight; k < 0 {
				rule = x
				break
			}
		}
		family, _, _ := strings.Cut(rule.rule, ".")
		level := "prewarning"
		switch {
		case strings.HasSuffix(rule.rule, "_overdue"), strings.HasSuffix(rule.rule, "very_late_entry"):
			level = "alarm"
		case strings.HasSuffix(rule.rule, "_due_soon"):
		case r.IntN(4) == 0:
			level = "alarm"
		}
		created := c.accepted.UTC().Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		if created.After(now) {
			created = now.Add(-time.Duration(r.Int64N(int64(24 * time.Hour))))
		}
		settled := now.Sub(created) > 60*24*time.Hour
		k = r.IntN(pick(settled, settledTotal, recentTotal))
		status := "open"
		for _, x := range consoleStatuses {
			if k -= pick(settled, x.settled, x.recent); k < 0 {
				status = x.status
				break
			}
		}
		key := ""
		if family == "deadline" {
			key = "item"
		}
		step := c.steps[r.IntN(len(c.steps))]
		ws[i] = warning{c: c, step: step, rule: rule.rule, family: family, level: level, status: status, basis: rule.basis,
			key: key, created: created,
			message: fmt.Sprintf("办件 %s 的环节 %s 触发规则 %s，请及时核查处理", c.no, step, rule.rule)}
	}
	slices.SortStableFunc(ws, func(a, b warning) int { return a.created.Compare(b.created) })

	const cols = "case_no, dedupe, step_id, department_code, `rule`, family, level, status, message, basis, warning_key, policy_revision, created_at, updated_at"
	const perRow, batch = 14, 500
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", perRow), ",") + ")"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	args := make([]any, 0, batch*perRow)
	flush := func() {
		if len(args) == 0 {
			return
		}
		q := "INSERT INTO warnings (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", len(args)/perRow), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("insert warnings: %v", err)
		}
		args = args[:0]
	}
	for i, w := range ws {
		sum := sha256.Sum256([]byte("console-bench|" + strconv.Itoa(i)))
		updated := w.created
		if w.status != "open" {
			updated = w.created.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
			if updated.After(now) {
				updated = now
			}
		}
		args = append(args, w.c.no, hex.EncodeToString(sum[:]), w.step, w.c.dept, w.rule, w.family, w.level, w.status,
			w.message, w.basis, w.key, revision, w.created, updated)
		if len(args) == batch*perRow {
			flush()
		}
	}
	flush()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return n
}

// pick returns a when cond holds, else b.
func pick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}
