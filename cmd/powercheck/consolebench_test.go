package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

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
