package compliance_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkSweep measures the deadline sweeper on MySQL with many open cases
// (POWERCHECK_BENCH_CASES, default one million), of which 1% have reached a
// threshold. Run it with -benchtime=1x: seeding takes a while.
func BenchmarkSweep(b *testing.B) {
	if os.Getenv(sqlstoretest.MySQLEnv) == "" {
		b.Skipf("%s not set", sqlstoretest.MySQLEnv)
	}
	total := 1_000_000
	if v := os.Getenv("POWERCHECK_BENCH_CASES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		total = n
	}
	due := total / 100
	ctx := context.Background()
	store := sqlstoretest.MustOpen(b, sqlstoretest.MySQLDSN(b))
	clk := &clock{}
	clk.Set("2026-03-10T09:00:00+08:00")
	svc := newService(b, store, clk)
	setup(b, svc)

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
		if err := db.Exec("INSERT INTO cases (case_no,item_code,item_version,department_code,status,applicant,accepted_at,created_at,updated_at,next_check_at) VALUES " + strings.Join(cases, ",")).Error; err != nil {
			b.Fatal(err)
		}
		if len(steps) > 0 {
			if err := db.Exec("INSERT INTO steps (id,case_no,department_code,step_code,handler,occurred_at,recorded_at,detail,digest,check_status,check_error,policy_revision,response) VALUES " + strings.Join(steps, ",")).Error; err != nil {
				b.Fatal(err)
			}
		}
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
