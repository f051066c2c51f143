package compliance_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkSweep measures the deadline sweeper on MySQL with many open cases
// (POWERCHECK_BENCH_CASES, default one million), of which 1% have reached a
// threshold. Run it with -benchtime=1x: seeding takes a while.
func BenchmarkSweep(b *testing.B) {
	sqlstoretest.NeedMySQL(b, "the sweep benchmark seeds its cases in MySQL")
	total := sqlstoretest.BenchSize(b, "POWERCHECK_BENCH_CASES", 1_000_000)
	due := total / 100
	ctx := context.Background()
	store := sqlstoretest.MustOpen(b, sqlstoretest.MySQLDSN(b))
	clk := clockAt("2026-03-10T09:00:00+08:00")
	svc := newDistrict(b, store, clk)

	db := store.DB()
	const batch = 5000
	for start := 0; start < total; start += batch {
		var cases, steps []string
		for i := start; i < min(start+batch, total); i++ {
			next := "'2026-06-01 00:00:00'"
			no := fmt.Sprintf("F%07d", i)
			if i < due {
				no = fmt.Sprintf("D%07d", i)
				next = "'2026-03-09 16:00:00'"
				steps = append(steps, fmt.Sprintf(`('%s-accept','%s','ZJJ','accept','张三','2026-02-09 01:00:00','2026-02-09 01:05:00','{"legal_basis_ids":["LB1"],"approvals":[],"attributes":{}}','x','checked','',1,'{}')`, no, no))
			}
			cases = append(cases, fmt.Sprintf("('%s','XK-001',1,'ZJJ','open','某公司','2026-02-09 01:00:00','2026-02-09 01:05:00','2026-02-09 01:05:00',%s)", no, next))
		}
		insertRows(b, db, "cases (case_no,item_code,item_version,department_code,status,applicant,accepted_at,created_at,updated_at,next_check_at)", cases)
		insertRows(b, db, stepColumns, steps)
	}
	b.Logf("seeded %d open cases, %d due", total, due)

	b.Run("one_percent_due", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := db.Exec("UPDATE cases SET next_check_at = '2026-03-09 16:00:00' WHERE case_no LIKE 'D%'").Error; err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := svc.Deadlines.Sweep(ctx, admin)
			if err != nil {
				b.Fatal(err)
			}
			if res.Checked != due {
				b.Fatalf("checked %d cases, want %d: %+v", res.Checked, due, res)
			}
			b.ReportMetric(res.Seconds, "s/sweep")
		}
	})
	b.Run("nothing_due", func(b *testing.B) {
		for b.Loop() {
			res, err := svc.Deadlines.Sweep(ctx, admin)
			if err != nil {
				b.Fatal(err)
			}
			if res.Due != 0 {
				b.Fatalf("%d due, want 0", res.Due)
			}
			b.ReportMetric(res.Seconds, "s/sweep")
		}
	})
}

// stepColumns are the columns of the steps that the benchmarks seed.
const stepColumns = "steps (id,case_no,department_code,step_code,handler,occurred_at,recorded_at,detail,digest,check_status,check_error,policy_revision,response)"

// insertRows inserts rows, each a parenthesised list of SQL values, into
// table, "name (columns…)", in one statement; no rows insert nothing.
func insertRows(b *testing.B, db *gorm.DB, table string, rows []string) {
	b.Helper()
	if len(rows) == 0 {
		return
	}
	if err := db.Exec("INSERT INTO " + table + " VALUES " + strings.Join(rows, ",")).Error; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImpact measures a dry run of the default policies over the steps
// stored in a period (POWERCHECK_BENCH_STEPS, default 100,000) on MySQL. Run
// it with -benchtime=1x.
func BenchmarkImpact(b *testing.B) {
	sqlstoretest.NeedMySQL(b, "the impact benchmark seeds its steps in MySQL")
	total := sqlstoretest.BenchSize(b, "POWERCHECK_BENCH_STEPS", 100_000)
	ctx := context.Background()
	store := sqlstoretest.MustOpen(b, sqlstoretest.MySQLDSN(b))
	engine := engineOf(b, store)
	clk := clockAt("2026-03-10T09:00:00+08:00")
	svc, err := checker.New(checker.SQLStores(store), engine, checker.Options{Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	setup(b, svc)

	// Each case has an accepted and a reviewed step, both in March 2026.
	db := store.DB()
	const batch = 2000
	start := time.Now()
	for i := 0; i < total; i += batch {
		var cases, steps []string
		for j := i; j < min(i+batch, total); j += 2 {
			no := fmt.Sprintf("I%07d", j)
			cases = append(cases, fmt.Sprintf("('%s','XK-001',1,'ZJJ','open','某公司','2026-03-02 01:00:00','2026-03-02 01:05:00','2026-03-02 01:05:00')", no))
			for k, code := range []string{"accept", "review"} {
				steps = append(steps, fmt.Sprintf(`('%s-%s','%s','ZJJ','%s','张三','2026-03-0%d 01:00:00','2026-03-0%d 01:05:00','{"legal_basis_ids":["LB1"],"approvals":[],"attributes":{}}','x','checked','',1,'{"warnings":[]}')`,
					no, code, no, code, 2+k, 2+k))
			}
		}
		insertRows(b, db, "cases (case_no,item_code,item_version,department_code,status,applicant,accepted_at,created_at,updated_at)", cases)
		insertRows(b, db, stepColumns, steps)
	}
	b.Logf("seeded %d steps in %v", total, time.Since(start))
	cand, err := policy.NewAuthoring(engine, store.Revisions()).Candidate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, calendar.Shanghai)
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, calendar.Shanghai)
	for b.Loop() {
		rep, err := svc.Policies.Impact(ctx, from, to, cand)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Steps != total || rep.Truncated {
			b.Fatalf("report covers %d steps (truncated %v), want %d", rep.Steps, rep.Truncated, total)
		}
		b.ReportMetric(rep.Seconds, "s/run")
		b.ReportMetric(float64(rep.Steps)/rep.Seconds, "steps/s")
	}
}
