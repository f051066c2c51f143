package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkDashboardStats10M measures the aggregates behind the dashboard
// (GET /api/v1/stats/departments, /stats/warnings, /stats/explanations) on
// a MySQL warnings table of ten million rows seeded as
// BenchmarkListWarnings10M seeds it (three years, 40 departments), plus a
// rectify transition for every rectified, verified or closed alarm and a
// case for every case number:
//
//	POWERCHECK_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' \
//	  go test -run '^$' -bench DashboardStats10M -benchtime=1x -timeout 1h ./internal/sqlstore/
//
// POWERCHECK_BENCH_WARNINGS sets the number of rows (default 10,000,000).
// POWERCHECK_BENCH_STATS_DB names a database to seed once and keep: a later
// run that finds it seeded with as many rows measures at once.
//
// Each shape (an aggregate over a period, for every department or for one)
// runs dbQueries times (a year's, 5) with the period moved by a day each time and reports
// p50, p99 and max in ms; the target is p99 < 200 ms. The EXPLAIN of each
// shape's first query is logged.
func BenchmarkDashboardStats10M(b *testing.B) {
	sqlstoretest.NeedMySQL(b, "the dashboard benchmark seeds ten million warnings in MySQL")
	n := benchRows(b)
	opened := time.Now()
	s, db := dbOpen(b)
	b.Logf("opened and migrated in %v (a database without the rollup is filled from the base tables)", time.Since(opened).Round(time.Millisecond))
	last := dbCapture(b, s)
	ctx := context.Background()
	dbEnsureSeeded(b, s, db, n)

	depts := make([]string, lwDepts)
	for i := range depts {
		depts[i] = lwDept(i)
	}
	// The seeded data ends on 1 January 2026: the periods are its last month,
	// quarter and year, in whole days of Asia/Shanghai as the console asks.
	end := time.Date(lwEnd.Year(), lwEnd.Month(), lwEnd.Day(), 0, 0, 0, 0, shanghai)
	dbCheckRollup(b, s, end)
	periods := []struct {
		name string
		from time.Time
	}{{"month", end.AddDate(0, -1, 0)}, {"quarter", end.AddDate(0, -3, 0)}, {"year", end.AddDate(-1, 0, 0)}}
	scopes := []struct {
		name  string
		depts []string
	}{{"district", depts}, {"D01", depts[:1]}, {"D40", depts[39:]}}
	queries := []struct {
		name string
		run  func(f compliance.StatsFilter) error
	}{
		{"WarningFigures", func(f compliance.StatsFilter) error { _, err := s.Dashboard().WarningFigures(ctx, f); return err }},
		{"RectifyDays", func(f compliance.StatsFilter) error { _, err := s.Dashboard().RectifyDays(ctx, f); return err }},
		{"CaseFigures", func(f compliance.StatsFilter) error { _, err := s.Dashboard().CaseFigures(ctx, f); return err }},
		{"WarningCounts", func(f compliance.StatsFilter) error { _, err := s.Dashboard().WarningCounts(ctx, f); return err }},
		{"MonthFigures", func(f compliance.StatsFilter) error { _, err := s.Dashboard().MonthFigures(ctx, f); return err }},
		{"DepartmentCounts", func(f compliance.StatsFilter) error { _, err := s.Dashboard().DepartmentCounts(ctx, f); return err }},
	}
	explained := map[string]bool{}
	for _, q := range queries {
		for _, p := range periods {
			for _, sc := range scopes {
				b.Run(q.name+"/"+p.name+"/"+sc.name, func(b *testing.B) {
					runs := dbQueries
					if p.name == "year" {
						runs = 5 // a year's aggregate reads a third of the table
					}
					dbLatencies(b, runs, func(i int) error {
						return q.run(compliance.StatsFilter{Departments: sc.depts, From: p.from.AddDate(0, 0, -i), To: end.AddDate(0, 0, -i)})
					})
					if !explained[q.name+sc.name] {
						explained[q.name+sc.name] = true
						b.Log(dbExplain(b, db, last, func() error {
							return q.run(compliance.StatsFilter{Departments: sc.depts, From: p.from, To: end})
						}))
					}
				})
			}
		}
	}
}

// dbEnsureSeeded seeds the warnings table with n rows, their transitions
// and cases, and fills the rollup anew, unless it holds n rows already.
func dbEnsureSeeded(b *testing.B, s *sqlstore.Store, db *sql.DB, n int) {
	ctx := context.Background()
	var have int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM warnings").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == n {
		b.Logf("reusing the %d warnings already seeded", n)
		return
	}
	start := time.Now()
	for _, t := range []string{"warnings", "warning_transitions", "cases"} {
		if _, err := db.ExecContext(ctx, "TRUNCATE TABLE "+t); err != nil {
			b.Fatal(err)
		}
	}
	lwSeed(b, s, db, n)
	dbSeedRest(b, db)
	b.Logf("seeded %d warnings, their transitions and cases in %v", n, time.Since(start).Round(time.Second))
	// The seed wrote the base tables directly: fill the rollup anew.
	start = time.Now()
	if _, err := db.ExecContext(ctx, "DELETE FROM dash_rollup_state"); err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled the rollup in %v", time.Since(start).Round(time.Second))
}

// dbCheckRollup fails unless the rollup is ready, and holds its answers to
// the base tables' once, on the district's month before end and the second
// half of the one before (whose warnings are read from their days,
// December's from its month).
func dbCheckRollup(b *testing.B, s *sqlstore.Store, end time.Time) {
	ctx := context.Background()
	if ready, err := s.RollupReady(ctx); err != nil || !ready {
		b.Fatalf("RollupReady = %v, %v: the benchmark would time the base tables", ready, err)
	}
	if ready, err := s.RollupMonthsReady(ctx); err != nil || !ready {
		b.Fatalf("RollupMonthsReady = %v, %v: the benchmark would time the days alone", ready, err)
	}
	month := compliance.StatsFilter{Departments: nil, From: end.AddDate(0, -2, 14), To: end}
	for i := range lwDepts {
		month.Departments = append(month.Departments, lwDept(i))
	}
	checked := time.Now()
	if got, want := figuresOf(b, s.Dashboard(), month), figuresOf(b, s.Base(), month); !reflect.DeepEqual(got, want) {
		b.Errorf("district, %s..%s: rollup %+v\nbase %+v", month.From.Format(time.DateOnly), end.Format(time.DateOnly), got, want)
	}
	b.Logf("rollup and base tables agree on the district's %s..%s (checked in %v)", month.From.Format(time.DateOnly),
		end.Format(time.DateOnly), time.Since(checked).Round(time.Millisecond))
}

const dbQueries = 20

// dbLatencies runs run runs times, one at a time, and reports the p50, p99
// and max latency in ms.
func dbLatencies(b *testing.B, runs int, run func(i int) error) {
	lat := make([]time.Duration, 0, runs)
	for i := range runs {
		start := time.Now()
		if err := run(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*99+99)/100-1]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}

// benchRows is the number of warnings the 10M benchmarks seed.
func benchRows(b *testing.B) int {
	return sqlstoretest.BenchSize(b, "POWERCHECK_BENCH_WARNINGS", 10_000_000)
}

// dbOpen opens the benchmark's database: a throwaway one, or the one
// POWERCHECK_BENCH_STATS_DB names, created when missing and kept.
func dbOpen(b *testing.B) (*sqlstore.Store, *sql.DB) {
	name := os.Getenv("POWERCHECK_BENCH_STATS_DB")
	var dsn string
	if name == "" {
		dsn = sqlstoretest.MySQLDSN(b)
	} else {
		dsn = sqlstoretest.KeptMySQLDSN(b, name)
	}
	return openWithDB(b, dsn)
}

// openWithDB opens and migrates the database at dsn, and returns it with
// its pool of connections, for the statements a benchmark runs itself.
func openWithDB(b *testing.B, dsn string) (*sqlstore.Store, *sql.DB) {
	s := sqlstoretest.MustOpen(b, dsn)
	db, err := s.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	return s, db
}

// dbSeedRest adds what the dashboard joins to the seeded warnings: a rectify
// transition for each rectified, verified or closed alarm (reported 1–240
// hours after it was raised) and a case for each case number, accepted when
// its first warning was raised and closed for one case in two.
func dbSeedRest(b *testing.B, db *sql.DB) {
	ctx := context.Background()
	start := time.Now()
	if _, err := db.ExecContext(ctx, `INSERT INTO warning_transitions (warning_id, action, from_state, to_state, actor, role, note, at)
		SELECT id, 'rectify', 'open', 'rectified', 'bench', 'dept_admin', '', created_at + INTERVAL (1 + id % 240) HOUR
		FROM warnings WHERE level = 'alarm' AND status IN ('rectified', 'verified', 'closed') ORDER BY id`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seed: transitions in %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if _, err := db.ExecContext(ctx, `INSERT INTO cases (case_no, item_code, item_version, department_code, status, applicant,
			accepted_at, created_at, updated_at, version, next_checkpoint, next_checkpoint_role)
		SELECT case_no, 'XK-001', 1, MIN(department_code), IF(MIN(id) % 2 = 0, 'closed', 'open'), '',
			MIN(created_at), MIN(created_at), MIN(created_at), 0, '', ''
		FROM warnings GROUP BY case_no`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seed: cases in %v", time.Since(start).Round(time.Millisecond))
	for _, t := range []string{"warning_transitions", "cases"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			b.Fatal(err)
		}
	}
}

// dbCapture records the SQL the store sends last (Find and Scan alike),
// for EXPLAIN.
func dbCapture(b *testing.B, s *sqlstore.Store) func() string {
	var (
		mu   sync.Mutex
		last string
	)
	capture := func(tx *gorm.DB) {
		q := tx.Dialector.Explain(tx.Statement.SQL.String(), tx.Statement.Vars...)
		mu.Lock()
		last = q
		mu.Unlock()
	}
	cb := s.DB().Callback()
	if err := cb.Query().After("gorm:query").Register("dbbench:capture", capture); err != nil {
		b.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register("dbbench:capture_row", capture); err != nil {
		b.Fatal(err)
	}
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// dbExplain runs run and returns the SQL it sent and its EXPLAIN.
func dbExplain(b *testing.B, db *sql.DB, last func() string, run func() error) string {
	if err := run(); err != nil {
		b.Fatal(err)
	}
	q := last()
	return q + "\n" + lwTable(b, db, "EXPLAIN "+q, nil)
}
