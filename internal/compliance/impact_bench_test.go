package compliance_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore/sqlstoretest"
)

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
