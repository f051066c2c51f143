package sqlstore_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// rollupRules are the findings the workload raises: every family the
// dashboard tells apart, and both overdue rules.
var rollupRules = []string{"deadline.item_due_soon", "deadline.item_overdue", "deadline.step_overdue",
	"checkpoint.approval_missing", "legal_basis.missing", "sequence.out_of_order", "sync.late_entry"}

var rollupStatuses = []struct{ action, to string }{
	{compliance.ActionExplain, compliance.WarningExplained},
	{compliance.ActionBeginRectify, compliance.WarningRectifying},
	{compliance.ActionRectify, compliance.WarningRectified},
	{compliance.ActionRectify, compliance.WarningRectified},
	{compliance.ActionVerify, compliance.WarningVerified},
	{compliance.ActionRefer, compliance.WarningReferred},
	{compliance.ActionClose, compliance.WarningClosed},
	{"reopen", compliance.WarningOpen},
	{compliance.ActionLift, compliance.WarningLifted},
}

// rollupWorkload drives a random mix of what changes the dashboard's
// figures through the store: new cases, later steps that close and reopen
// cases, sweeper ticks, catalog checks (warnings without a case) and
// warning transitions, over about two months with many steps near
// midnight in Shanghai. The clock only moves forward, so that a warning
// never precedes its case nor a rectification its alarm.
type rollupWorkload struct {
	t     *testing.T
	s     *sqlstore.Store
	r     *rand.Rand
	items []compliance.PowerItem
	now   time.Time
	cases []string
	warns []int64
	seq   int
}

func (w *rollupWorkload) tick() time.Time {
	switch w.r.IntN(4) {
	case 0: // to a minute or so before or after midnight in Shanghai
		next := w.now.Add(8 * time.Hour).Truncate(24 * time.Hour).Add(24*time.Hour - 8*time.Hour)
		w.now = next.Add(time.Duration(w.r.IntN(240)-60) * time.Second)
		if w.now.Before(next.Add(-2 * time.Minute)) {
			w.now = next.Add(time.Duration(w.r.IntN(60)) * time.Second)
		}
	default:
		w.now = w.now.Add(time.Duration(1+w.r.IntN(600)) * time.Minute)
	}
	w.now = w.now.Add(time.Duration(w.r.IntN(1000)) * time.Millisecond)
	return w.now
}

func (w *rollupWorkload) findings() []compliance.Finding {
	var out []compliance.Finding
	for range w.r.IntN(4) {
		level := compliance.LevelPrewarning
		if w.r.IntN(2) == 0 {
			level = compliance.LevelAlarm
		}
		w.seq++
		out = append(out, compliance.Finding{Rule: rollupRules[w.r.IntN(len(rollupRules))], Level: level,
			Message: "发现问题", Basis: "依据", Key: strconv.Itoa(w.seq)})
	}
	return out
}

func (w *rollupWorkload) step(caseNo, code string) compliance.Step {
	w.seq++
	return compliance.Step{ID: fmt.Sprintf("%s-%s-%d", caseNo, code, w.seq), CaseNo: caseNo, StepCode: code, Handler: "张三",
		OccurredAt: w.now, RecordedAt: w.now, LegalBasisIDs: []string{}, Approvals: []compliance.Approval{},
		Attributes: map[string]any{}, CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
}

func (w *rollupWorkload) keep(res compliance.StepResult) {
	for _, x := range res.Warnings {
		w.warns = append(w.warns, x.ID)
	}
}

// run does n random operations.
func (w *rollupWorkload) run(n int) {
	ctx := context.Background()
	for range n {
		w.tick()
		switch op := w.r.IntN(10); {
		case op < 3 || len(w.cases) == 0: // a new case
			it := w.items[w.r.IntN(len(w.items))]
			no := fmt.Sprintf("%s-%04d", it.DepartmentCode, len(w.cases))
			st := w.step(no, "accept")
			c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
				Applicant: "某公司", AcceptedAt: w.now, Status: compliance.CaseOpen, CreatedAt: w.now, UpdatedAt: w.now}
			if w.r.IntN(10) == 0 {
				c.Status = compliance.CaseClosed
			}
			rec := compliance.StepRecord{Case: c, NewCase: true, Step: st, Digest: "d-" + st.ID, Findings: w.findings()}
			res, err := w.s.Cases().RecordStep(ctx, rec, respond(rec))
			if err != nil {
				w.t.Fatalf("new case %s: %v", no, err)
			}
			w.cases = append(w.cases, no)
			w.keep(res)
		case op < 5: // a later step, which may close or reopen its case
			c, err := w.s.Cases().Case(ctx, w.cases[w.r.IntN(len(w.cases))])
			if err != nil {
				w.t.Fatal(err)
			}
			switch w.r.IntN(4) {
			case 0:
				c.Status = compliance.CaseClosed
			case 1:
				c.Status = compliance.CaseOpen
			}
			c.UpdatedAt = w.now
			st := w.step(c.CaseNo, "review")
			rec := compliance.StepRecord{Case: c, Step: st, Digest: "d-" + st.ID, Findings: w.findings()}
			res, err := w.s.Cases().RecordStep(ctx, rec, respond(rec))
			if err != nil {
				w.t.Fatalf("step on %s: %v", c.CaseNo, err)
			}
			w.keep(res)
		case op < 6: // the sweeper's ticks on a few cases
			var ts []compliance.TickRecord
			for range 1 + w.r.IntN(3) {
				c, err := w.s.Cases().Case(ctx, w.cases[w.r.IntN(len(w.cases))])
				if err != nil {
					w.t.Fatal(err)
				}
				if slices.ContainsFunc(ts, func(t compliance.TickRecord) bool { return t.Case.CaseNo == c.CaseNo }) {
					continue
				}
				next := w.now.Add(time.Hour)
				ts = append(ts, compliance.TickRecord{Case: c, NextCheck: &next, Findings: w.findings(), Revision: 1, At: w.now})
			}
			if _, _, err := w.s.Cases().RecordTicks(ctx, ts); err != nil {
				w.t.Fatalf("ticks: %v", err)
			}
		case op < 7: // a catalog check: warnings of no case
			it := w.items[w.r.IntN(len(w.items))]
			if _, err := w.s.Catalog().RecordCatalogCheck(ctx, compliance.CatalogRecord{ItemCode: it.Code, DepartmentCode: it.DepartmentCode,
				Findings: w.findings(), Revision: 1, At: w.now}); err != nil {
				w.t.Fatalf("catalog check: %v", err)
			}
		default: // a warning changes status
			if len(w.warns) == 0 {
				continue
			}
			x, err := w.s.Warnings().Warning(ctx, w.warns[w.r.IntN(len(w.warns))])
			if err != nil {
				w.t.Fatal(err)
			}
			to := rollupStatuses[w.r.IntN(len(rollupStatuses))]
			if _, _, err := w.s.Warnings().TransitionWarning(ctx, compliance.Transition{WarningID: x.ID, Action: to.action,
				From: x.Status, To: to.to, Actor: "tester", Role: compliance.RoleAdmin, At: w.now}); err != nil {
				w.t.Fatalf("transition %d: %v", x.ID, err)
			}
		}
	}
}

// sortedFigures are the six aggregates of one filter, in one order.
type sortedFigures struct {
	Warnings []compliance.WarningFigures
	Cases    []compliance.CaseFigures
	Rectify  []compliance.RectifyBucket
	Months   []compliance.MonthFigures
	Counts   []compliance.WarningCount
	Depts    []compliance.DepartmentCounts
}

type figureSource interface {
	WarningFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningFigures, error)
	CaseFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.CaseFigures, error)
	RectifyDays(ctx context.Context, f compliance.StatsFilter) ([]compliance.RectifyBucket, error)
	MonthFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.MonthFigures, error)
	WarningCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningCount, error)
	DepartmentCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.DepartmentCounts, error)
}

func figuresOf(t testing.TB, src figureSource, f compliance.StatsFilter) sortedFigures {
	t.Helper()
	ctx := context.Background()
	var out sortedFigures
	var errs [6]error
	out.Warnings, errs[0] = src.WarningFigures(ctx, f)
	out.Cases, errs[1] = src.CaseFigures(ctx, f)
	out.Rectify, errs[2] = src.RectifyDays(ctx, f)
	out.Months, errs[3] = src.MonthFigures(ctx, f)
	out.Counts, errs[4] = src.WarningCounts(ctx, f)
	out.Depts, errs[5] = src.DepartmentCounts(ctx, f)
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out.Warnings, func(a, b compliance.WarningFigures) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	slices.SortFunc(out.Cases, func(a, b compliance.CaseFigures) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	slices.SortFunc(out.Rectify, func(a, b compliance.RectifyBucket) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Tenths, b.Tenths))
	})
	slices.SortFunc(out.Months, func(a, b compliance.MonthFigures) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Month, b.Month))
	})
	slices.SortFunc(out.Counts, func(a, b compliance.WarningCount) int {
		return cmp.Or(cmp.Compare(a.DepartmentCode, b.DepartmentCode), cmp.Compare(a.Month, b.Month),
			cmp.Compare(a.Level, b.Level), cmp.Compare(a.Family, b.Family))
	})
	slices.SortFunc(out.Depts, func(a, b compliance.DepartmentCounts) int { return cmp.Compare(a.DepartmentCode, b.DepartmentCode) })
	return out
}

var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// rollupStart is the workload's first day, a midnight in Shanghai.
var rollupStart = time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)

// compareFigures holds the rollup's answers to the base tables' over random
// whole-day periods and department sets, and over the whole workload; it
// returns the whole workload's figures. Some periods are whole months,
// some hold whole months between partial ones or most of a month, and some
// end or begin on a month's first day, so that the warnings' months are
// read with days added and days taken off.
func compareFigures(t *testing.T, s *sqlstore.Store, r *rand.Rand, depts []string) sortedFigures {
	t.Helper()
	ready, err := s.RollupReady(context.Background())
	if err != nil || !ready {
		t.Fatalf("RollupReady = %v, %v: the dashboard would read the base tables", ready, err)
	}
	if ready, err := s.RollupMonthsReady(context.Background()); err != nil || !ready {
		t.Fatalf("RollupMonthsReady = %v, %v: the dashboard would read days only", ready, err)
	}
	all := compliance.StatsFilter{Departments: depts, From: rollupStart.AddDate(0, -1, 0), To: rollupStart.AddDate(0, 6, 0)}
	filters := []compliance.StatsFilter{all, {From: all.From, To: all.To}}
	for _, p := range [][2]time.Time{
		{rollupStart, rollupStart.AddDate(0, 1, 0)},                                    // March
		{rollupStart, rollupStart.AddDate(0, 2, 17)},                                   // March, April and days of May
		{rollupStart.AddDate(0, 0, 16), rollupStart.AddDate(0, 3, 0)},                  // days of March, April, May
		{rollupStart.AddDate(0, 0, 30), rollupStart.AddDate(0, 3, 1)},                  // 31 March, April, May, 1 June
		{rollupStart.AddDate(0, 0, 1), rollupStart.AddDate(0, 1, 0)},                   // March but its first day
		{rollupStart.AddDate(0, 1, 0).AddDate(0, 0, -1), rollupStart.AddDate(0, 1, 1)}, // 31 March, 1 April
		{rollupStart.AddDate(0, 0, 2), rollupStart.AddDate(0, 0, 28)},                  // most of March
		{rollupStart.AddDate(0, 0, 10), rollupStart.AddDate(0, 2, 20)},                 // most of March, April, most of May
	} {
		filters = append(filters, compliance.StatsFilter{Departments: depts, From: p[0], To: p[1]})
	}
	for i := range 60 {
		from := rollupStart.AddDate(0, 0, r.IntN(70)-5)
		f := compliance.StatsFilter{From: from, To: from.AddDate(0, 0, 1+r.IntN(40))}
		if i >= 40 {
			f.From = rollupStart.AddDate(0, 0, r.IntN(110)-10)
			f.To = f.From.AddDate(0, 0, 25+r.IntN(90))
		}
		for _, d := range depts {
			if r.IntN(2) == 0 {
				f.Departments = append(f.Departments, d)
			}
		}
		filters = append(filters, f)
	}
	var whole sortedFigures
	for i, f := range filters {
		got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s..%s %v:\nrollup %+v\nbase   %+v", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly), f.Departments, got, want)
		}
		if i == 0 {
			whole = got
		}
	}
	return whole
}

// TestRollupMatchesBaseTables drives a random workload through the store
// and holds every figure the rollup gives to the same figure computed from
// the base tables; then it drops the rollup, as on a database that
// predates it, and holds the upgrade's backfill to the same figures.
func TestRollupMatchesBaseTables(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		seed := time.Now().UnixNano()
		if v := os.Getenv("POWERCHECK_ROLLUP_SEED"); v != "" { // to replay a failure
			seed, _ = strconv.ParseInt(v, 10, 64)
		}
		t.Logf("seed %d (POWERCHECK_ROLLUP_SEED replays it)", seed)
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		depts := []string{"ZJJ", "SCJ", "JYJ"}
		w := &rollupWorkload{t: t, s: s, r: r, now: rollupStart.Add(-2 * time.Minute).UTC()}
		for _, d := range depts {
			w.items = append(w.items, benchSetup(t, s, d))
		}
		w.run(400)

		t.Run("kept by every write", func(t *testing.T) {
			whole := compareFigures(t, s, r, depts)
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
		})

		t.Run("backfilled by the upgrade", func(t *testing.T) {
			before := rollupTables(t, s)
			for _, table := range []string{"dash_warning_days", "dash_warning_months", "dash_case_days", "dash_rectify_days", "dash_rectify_months", "dash_overdue_days", "dash_rollup_state"} {
				if err := s.DB().Exec("DROP TABLE " + table).Error; err != nil {
					t.Fatal(err)
				}
			}
			// Until the upgrade runs, the figures come from the base tables.
			f := compliance.StatsFilter{Departments: depts, From: rollupStart, To: rollupStart.AddDate(0, 2, 0)}
			if got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f); !reflect.DeepEqual(got, want) {
				t.Errorf("without the rollup: %+v, want %+v", got, want)
			}
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if after := rollupTables(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("backfilled rollup differs from the one kept by the writes:\nbackfilled %v\nkept       %v", after, before)
			}
			compareFigures(t, s, r, depts)
			// The store keeps the backfilled rollup as it kept the first.
			w.run(100)
			compareFigures(t, s, r, depts)
		})

		t.Run("months filled from the days by the upgrade", func(t *testing.T) {
			// A database whose rollup predates the warnings' months.
			before := rollupTables(t, s)
			if len(before["months"]) == 0 || len(before["rectify_months"]) == 0 {
				t.Fatal("no month counters to compare")
			}
			for _, table := range []string{"dash_warning_months", "dash_rectify_months"} {
				if err := s.DB().Exec("DROP TABLE " + table).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DB().Exec("DELETE FROM dash_rollup_state WHERE name IN ?", monthParts).Error; err != nil {
				t.Fatal(err)
			}
			if ready, err := s.RollupMonthsReady(context.Background()); err != nil || ready {
				t.Fatalf("RollupMonthsReady without the months = %v, %v; want false", ready, err)
			}
			// Until the upgrade runs, the figures come from the days.
			f := compliance.StatsFilter{Departments: depts, From: rollupStart.AddDate(0, 0, 3), To: rollupStart.AddDate(0, 3, 5)}
			if got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f); !reflect.DeepEqual(got, want) {
				t.Errorf("without the months: %+v, want %+v", got, want)
			}
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if after := rollupTables(t, s); !reflect.DeepEqual(after, before) {
				t.Errorf("months filled from the days differ from those kept by the writes:\nfilled %v %v\nkept   %v %v",
					after["months"], after["rectify_months"], before["months"], before["rectify_months"])
			}
			compareFigures(t, s, r, depts)
		})

		t.Run("months filled while the store writes", func(t *testing.T) {
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
				w.run(150)
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
			compareFigures(t, s, r, depts)
		})

		t.Run("a change made outside the store turns the rollup off", func(t *testing.T) {
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
			compareFigures(t, s, r, depts)
		})
	})
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

// TestRollupConcurrentWriters stores steps and transitions from several
// goroutines at once on the same departments and days, the counter rows
// every one of them updates; none may fail (a deadlock would) and the
// figures must still match the base tables.
func TestRollupConcurrentWriters(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		items := []compliance.PowerItem{benchSetup(t, s, "ZJJ"), benchSetup(t, s, "SCJ")}
		at := rollupStart.Add(10 * time.Hour).UTC()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				for i := range 15 {
					it := items[r.IntN(len(items))]
					no := fmt.Sprintf("C-%d-%d", g, i)
					st := compliance.Step{ID: no + "-accept", CaseNo: no, StepCode: "accept", Handler: "张三", OccurredAt: at, RecordedAt: at,
						LegalBasisIDs: []string{}, Approvals: []compliance.Approval{}, Attributes: map[string]any{},
						CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
					c := compliance.Case{CaseNo: no, ItemCode: it.Code, ItemVersion: it.Version, DepartmentCode: it.DepartmentCode,
						Applicant: "某公司", AcceptedAt: at, Status: compliance.CaseOpen, CreatedAt: at, UpdatedAt: at}
					// Families in both orders, so that two steps want the
					// same counter rows.
					fs := []compliance.Finding{
						{Rule: "sync.late_entry", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
						{Rule: "deadline.item_overdue", Level: compliance.LevelAlarm, Message: "m", Basis: "b"},
					}
					if r.IntN(2) == 0 {
						fs[0], fs[1] = fs[1], fs[0]
					}
					rec := compliance.StepRecord{Case: c, NewCase: true, Step: st, Digest: "d", Findings: fs}
					res, err := s.Cases().RecordStep(ctx, rec, respond(rec))
					if err != nil {
						errs <- fmt.Errorf("RecordStep(%s): %w", no, err)
						return
					}
					x := res.Warnings[r.IntN(len(res.Warnings))]
					if _, _, err := s.Warnings().TransitionWarning(ctx, compliance.Transition{WarningID: x.ID, Action: compliance.ActionRectify,
						From: x.Status, To: compliance.WarningRectified, Actor: "t", Role: compliance.RoleAdmin, At: at.Add(time.Hour)}); err != nil {
						errs <- fmt.Errorf("TransitionWarning(%d): %w", x.ID, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		f := compliance.StatsFilter{Departments: []string{"SCJ", "ZJJ"}, From: rollupStart, To: rollupStart.AddDate(0, 0, 1)}
		got, want := figuresOf(t, s.Dashboard(), f), figuresOf(t, s.Base(), f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rollup %+v\nbase   %+v", got, want)
		}
		if n := got.Warnings[0].Warnings + got.Warnings[1].Warnings; n != 8*15*2 {
			t.Errorf("%d warnings counted, want %d", n, 8*15*2)
		}
	})
}
