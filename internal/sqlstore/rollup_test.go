package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestRollupMatchesBaseTables drives a random workload through the store
// and holds every figure the rollup gives to the same figure computed from
// the base tables; then it drops the rollup, as on a database that
// predates it, and holds the upgrade's backfill to the same figures. Each
// subtest starts from the rollup the one before left.
func TestRollupMatchesBaseTables(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		seed := time.Now().UnixNano()
		if v := os.Getenv("POWERCHECK_ROLLUP_SEED"); v != "" { // to replay a failure
			seed, _ = strconv.ParseInt(v, 10, 64)
		}
		t.Logf("seed %d (POWERCHECK_ROLLUP_SEED replays it)", seed)
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		rc := rollupCheck{s: s, r: r, depts: []string{"ZJJ", "SCJ", "JYJ"}}
		rc.w = &rollupWorkload{t: t, s: s, r: r, now: rollupStart.Add(-2 * time.Minute).UTC()}
		for _, d := range rc.depts {
			rc.w.items = append(rc.w.items, benchSetup(t, s, d))
		}
		rc.w.run(400)

		t.Run("kept by every write", rc.keptByEveryWrite)
		t.Run("warnings stored under the keys their rows tell", rc.warningsKeyedByTheirRows)
		t.Run("backfilled by the upgrade", rc.backfilledByTheUpgrade)
		t.Run("months filled from the days by the upgrade", rc.monthsFilledByTheUpgrade)
		t.Run("months filled while the store writes", rc.monthsFilledWhileWriting)
		t.Run("a change made outside the store turns the rollup off", rc.outsideChangeTurnsItOff)
	})
}

// rollupCheck is what the subtests of TestRollupMatchesBaseTables share:
// the store, its workload, and the random source of the compared periods.
type rollupCheck struct {
	s     *sqlstore.Store
	r     *rand.Rand
	depts []string
	w     *rollupWorkload
}

func (rc rollupCheck) warningsKeyedByTheirRows(t *testing.T) {
	ctx := context.Background()
	bad, err := rc.s.MisKeyedWarnings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("warnings %v are not stored under the dedupe keys their rows tell", bad)
	}
	// Sweeps' warnings (no step) and steps' (of keys and of the step) were
	// all looked at.
	var ofSweep, ofStepKey, ofStep int
	ws, err := rc.s.Warnings().CaseWarnings(ctx, rc.w.cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range ws {
		for _, x := range list {
			switch {
			case x.StepID == "":
				ofSweep++
			case x.Key != "":
				ofStepKey++
			default:
				ofStep++
			}
		}
	}
	if ofSweep == 0 || ofStepKey == 0 || ofStep == 0 {
		t.Errorf("warnings of sweeps %d, of steps with a key %d, of steps without %d: want some of each", ofSweep, ofStepKey, ofStep)
	}
}

func (rc rollupCheck) keptByEveryWrite(t *testing.T) {
	whole := compareFigures(t, rc.s, rc.r, rc.depts)
	// The comparison means something only if the workload made
	// every kind of figure.
	var warned, overdue, closedOverdue, rectified, buckets int64
	for _, c := range whole.Cases {
		overdue += c.OverdueCases
		closedOverdue += c.ClosedCases - c.ClosedOnTime
	}
	for _, c := range whole.Depts {
		warned += c.CasesWithWarnings
	}
	for _, x := range whole.Warnings {
		rectified += x.AlarmsRectified
	}
	buckets = int64(len(whole.Rectify))
	if warned == 0 || overdue == 0 || closedOverdue == 0 || rectified == 0 || buckets < 2 || len(whole.Months) < 2 {
		t.Errorf("the workload made too little to compare: %d warned cases, %d overdue (%d closed), %d rectified alarms, %d buckets, %d months",
			warned, overdue, closedOverdue, rectified, buckets, len(whole.Months))
	}
}

func (rc rollupCheck) backfilledByTheUpgrade(t *testing.T) {
	s := rc.s
	before := rollupTables(t, s)
	dropTables(t, s, "dash_warning_days", "dash_warning_months", "dash_case_days", "dash_rectify_days", "dash_rectify_months", "dash_overdue_days", "dash_rollup_state")
	// Until the upgrade runs, the figures come from the base tables.
	rc.sameAsBase(t, "without the rollup", rollupStart, rollupStart.AddDate(0, 2, 0))
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := rollupTables(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("backfilled rollup differs from the one kept by the writes:\nbackfilled %v\nkept       %v", after, before)
	}
	compareFigures(t, s, rc.r, rc.depts)
	// The store keeps the backfilled rollup as it kept the first.
	rc.w.run(100)
	compareFigures(t, s, rc.r, rc.depts)
}

func (rc rollupCheck) monthsFilledByTheUpgrade(t *testing.T) {
	s := rc.s
	// A database whose rollup predates the warnings' months.
	before := rollupTables(t, s)
	if len(before["months"]) == 0 || len(before["rectify_months"]) == 0 {
		t.Fatal("no month counters to compare")
	}
	dropTables(t, s, "dash_warning_months", "dash_rectify_months")
	if err := s.DB().Exec("DELETE FROM dash_rollup_state WHERE name IN ?", monthParts).Error; err != nil {
		t.Fatal(err)
	}
	if ready, err := s.RollupMonthsReady(context.Background()); err != nil || ready {
		t.Fatalf("RollupMonthsReady without the months = %v, %v; want false", ready, err)
	}
	// Until the upgrade runs, the figures come from the days.
	rc.sameAsBase(t, "without the months", rollupStart.AddDate(0, 0, 3), rollupStart.AddDate(0, 3, 5))
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := rollupTables(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("months filled from the days differ from those kept by the writes:\nfilled %v %v\nkept   %v %v",
			after["months"], after["rectify_months"], before["months"], before["rectify_months"])
	}
	compareFigures(t, s, rc.r, rc.depts)
}

func (rc rollupCheck) monthsFilledWhileWriting(t *testing.T) {
	s := rc.s
	// Wrong month counters, which the fill must replace while the
	// workload goes on adding to them.
	if err := s.DB().Exec("UPDATE dash_warning_months SET n = n + 7, open_n = open_n - 1").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec("UPDATE dash_rectify_months SET n = n + 3").Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rc.w.run(150)
	}()
	fills := 0
	for running := true; running || fills == 0; fills++ {
		select {
		case <-done:
			running = false
		default:
		}
		if err := s.DB().Exec("DELETE FROM dash_rollup_state WHERE name IN ?", monthParts).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("fill %d: %v", fills, err)
		}
	}
	t.Logf("%d fills while the workload ran", fills)
	tables := rollupTables(t, s)
	if got, want := tables["months"], monthsOfDays(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("month counters after filling while writing:\n%v\nsums of the days:\n%v", got, want)
	}
	if got, want := tables["rectify_months"], rectifyMonthsOfDays(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("rectification month counters after filling while writing:\n%v\nsums of the days:\n%v", got, want)
	}
	compareFigures(t, s, rc.r, rc.depts)
}

func (rc rollupCheck) outsideChangeTurnsItOff(t *testing.T) {
	s := rc.s
	// A warning without a rectify report: moving a rectified alarm
	// after its report would break what the base queries assume.
	var moved int64
	if err := s.DB().Raw("SELECT MIN(id) FROM warnings WHERE id NOT IN (SELECT warning_id FROM warning_transitions WHERE action = ?)",
		compliance.ActionRectify).Scan(&moved).Error; err != nil || moved == 0 {
		t.Fatalf("a warning without a rectify report: %d, %v", moved, err)
	}
	if err := s.DB().Exec("UPDATE warnings SET created_at = ? WHERE id = ?", rollupStart.AddDate(0, 0, 3), moved).Error; err != nil {
		t.Fatal(err)
	}
	if ready, err := s.RollupReady(context.Background()); err != nil || ready {
		t.Fatalf("RollupReady after a manual edit = %v, %v; want false", ready, err)
	}
	if ready, err := s.RollupMonthsReady(context.Background()); err != nil || ready {
		t.Fatalf("RollupMonthsReady after a manual edit = %v, %v; want false", ready, err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	compareFigures(t, s, rc.r, rc.depts)
}

// sameAsBase holds the dashboard's figures for the departments over
// from..to to the base tables', naming the state of the rollup (what).
func (rc rollupCheck) sameAsBase(t *testing.T, what string, from, to time.Time) {
	t.Helper()
	f := compliance.StatsFilter{Departments: rc.depts, From: from, To: to}
	if got, want := figuresOf(t, rc.s.Dashboard(), f), figuresOf(t, rc.s.Base(), f); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %+v, want %+v", what, got, want)
	}
}

// dropTables drops the tables, as on a database that predates them.
func dropTables(t *testing.T, s *sqlstore.Store, tables ...string) {
	t.Helper()
	for _, table := range tables {
		if err := s.DB().Exec("DROP TABLE " + table).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// rollupTables returns the rows of the rollup's counters, zeros left out.
func rollupTables(t *testing.T, s *sqlstore.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, q := range map[string]string{
		"warnings": "SELECT department_code, day, family, level, n, open_n, rectified_n FROM dash_warning_days " +
			"WHERE n <> 0 OR open_n <> 0 OR rectified_n <> 0 ORDER BY department_code, day, family, level",
		"months": "SELECT department_code, month, family, level, n, open_n, rectified_n FROM dash_warning_months " +
			"WHERE n <> 0 OR open_n <> 0 OR rectified_n <> 0 ORDER BY department_code, month, family, level",
		"cases": "SELECT department_code, day, cases_n, closed_n, overdue_n, closed_overdue_n, warned_n FROM dash_case_days " +
			"WHERE cases_n <> 0 OR closed_n <> 0 OR overdue_n <> 0 OR closed_overdue_n <> 0 OR warned_n <> 0 ORDER BY department_code, day",
		"rectify":        "SELECT department_code, day, tenths, n, 0, 0, 0 FROM dash_rectify_days WHERE n <> 0 ORDER BY department_code, day, tenths",
		"rectify_months": "SELECT department_code, month, tenths, n, 0, 0, 0 FROM dash_rectify_months WHERE n <> 0 ORDER BY department_code, month, tenths",
		"overdue":        "SELECT department_code, day, case_no, n, 0, 0, 0 FROM dash_overdue_days WHERE n <> 0 ORDER BY department_code, day, case_no",
	} {
		out[table] = sumRows(t, s, q)
	}
	return out
}

// monthParts are the parts of the rollup filled from the day counters.
var monthParts = []string{"dashboard_warning_months", "dashboard_rectify_months"}

// monthsOfDays returns the sums of the warnings' day counters by month, as
// rollupTables returns the month counters.
func monthsOfDays(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	return sumRows(t, s, "SELECT department_code, SUBSTR(day, 1, 7), family, level, SUM(n), SUM(open_n), SUM(rectified_n) "+
		"FROM dash_warning_days GROUP BY department_code, SUBSTR(day, 1, 7), family, level "+
		"HAVING SUM(n) <> 0 OR SUM(open_n) <> 0 OR SUM(rectified_n) <> 0 ORDER BY department_code, SUBSTR(day, 1, 7), family, level")
}

// rectifyMonthsOfDays returns the sums of the rectifications' day counters
// by month, as rollupTables returns their month counters.
func rectifyMonthsOfDays(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	return sumRows(t, s, "SELECT department_code, SUBSTR(day, 1, 7), tenths, SUM(n), 0, 0, 0 FROM dash_rectify_days "+
		"GROUP BY department_code, SUBSTR(day, 1, 7), tenths HAVING SUM(n) <> 0 ORDER BY department_code, SUBSTR(day, 1, 7), tenths")
}

// sumRows returns the rows of q: four keys and three counts each.
func sumRows(t *testing.T, s *sqlstore.Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Raw(q).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a, b, c, d string
		var n [3]int64
		if err := rows.Scan(&a, &b, &c, &d, &n[0], &n[1], &n[2]); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(a, b, c, d, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
