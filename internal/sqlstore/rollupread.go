package sqlstore

import (
	"context"
	"sync"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// rollupPeriod is a period of whole days that the rollup answers for.
type rollupPeriod struct {
	from, to string // the days [from, to)
	months   bool   // the warnings' month counters are filled
	// rectifyMonths: the rectifications' month counters are filled
	rectifyMonths bool
}

// fromRollup returns the days of f when the rollup can answer for f: its
// period is whole days in Asia/Shanghai and the rollup is filled.
// Otherwise ok is false and the base tables answer.
func (s *Dashboard) fromRollup(ctx context.Context, f compliance.StatsFilter) (p rollupPeriod, ok bool) {
	if p.from, p.to, ok = wholeDays(f); !ok {
		return rollupPeriod{}, false
	}
	filled := rollupFilled(s.db.WithContext(ctx), rollupName, monthsName, rectifyMonthsName)
	p.months, p.rectifyMonths = filled[monthsName], filled[rectifyMonthsName]
	return p, filled[rollupName]
}

// counters selects model's rows of the days [from, to) of f's departments.
func (s *Dashboard) counters(ctx context.Context, model any, f compliance.StatsFilter, from, to string) *gorm.DB {
	q := s.db.WithContext(ctx).Model(model).Where("day >= ? AND day < ?", from, to)
	return inDepartments(q, "department_code", f.Departments)
}

// WarningFigures implements compliance.DashboardStore: from the rollup,
// each department's counters of the period's days and months.
func (s *Dashboard) WarningFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningFigures, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.warningFiguresFromBase(ctx, f)
	}
	alarm, pre := compliance.LevelAlarm, compliance.LevelPrewarning
	q := s.warningSums(ctx, f, p, []string{"department_code"},
		counterSum{"warnings", "SUM(n)", nil},
		counterSum{"alarms", "SUM(CASE WHEN level = ? THEN n ELSE 0 END)", []any{alarm}},
		counterSum{"prewarnings", "SUM(CASE WHEN level = ? THEN n ELSE 0 END)", []any{pre}},
		counterSum{"open_alarms", "SUM(CASE WHEN level = ? THEN open_n ELSE 0 END)", []any{alarm}},
		counterSum{"open_prewarnings", "SUM(CASE WHEN level = ? THEN open_n ELSE 0 END)", []any{pre}},
		counterSum{"deadline_alarms", "SUM(CASE WHEN level = ? AND family = 'deadline' THEN n ELSE 0 END)", []any{alarm}},
		counterSum{"alarms_rectified", "SUM(CASE WHEN level = ? THEN rectified_n ELSE 0 END)", []any{alarm}},
	)
	return scanAll[compliance.WarningFigures](q, "count warning figures")
}

// CaseFigures implements compliance.DashboardStore from the rollup: a case
// counts as overdue when it has an overdue warning, which is raised after
// the case was accepted, as the base query assumes.
func (s *Dashboard) CaseFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.CaseFigures, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.caseFiguresFromBase(ctx, f)
	}
	q := s.counters(ctx, &caseDayRow{}, f, p.from, p.to).
		Select("department_code, SUM(cases_n) AS cases, SUM(overdue_n) AS overdue_cases, " +
			"SUM(closed_n) AS closed_cases, SUM(closed_n) - SUM(closed_overdue_n) AS closed_on_time").
		Group("department_code").Having("SUM(cases_n) > 0")
	return scanAll[compliance.CaseFigures](q, "count cases")
}

// RectifyDays implements compliance.DashboardStore from the rollup: the
// period's whole months from the month counters, as for the warnings.
func (s *Dashboard) RectifyDays(ctx context.Context, f compliance.StatsFilter) ([]compliance.RectifyBucket, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.rectifyDaysFromBase(ctx, f)
	}
	q := s.spanSums(ctx, f, p, spanCounters{&rectifyDayRow{}, &rectifyMonthRow{}, p.rectifyMonths},
		[]string{"department_code", "tenths"}, counterSum{"count", "SUM(n)", nil})
	return scanAll[compliance.RectifyBucket](q, "count days to rectify")
}

// monthCount is a department's count of a month.
type monthCount struct {
	DepartmentCode string
	Month          string
	N              int64
}

// monthFigures joins the cases and the warnings counted per department and
// month, from the rollup or from the base tables alike.
func monthFigures(cases, warns []monthCount) []compliance.MonthFigures {
	byKey := map[[2]string]*compliance.MonthFigures{}
	get := func(c monthCount) *compliance.MonthFigures {
		k := [2]string{c.DepartmentCode, c.Month}
		if byKey[k] == nil {
			byKey[k] = &compliance.MonthFigures{DepartmentCode: c.DepartmentCode, Month: c.Month}
		}
		return byKey[k]
	}
	for _, c := range cases {
		get(c).Cases = c.N
	}
	for _, w := range warns {
		get(w).Warnings = w.N
	}
	out := make([]compliance.MonthFigures, 0, len(byKey))
	for _, m := range byKey {
		out = append(out, *m)
	}
	return out
}

// MonthFigures implements compliance.DashboardStore from the rollup: the
// cases from their day counters, the warnings from their days and months.
func (s *Dashboard) MonthFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.MonthFigures, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.monthFiguresFromBase(ctx, f)
	}
	var cases, warns []monthCount
	month := "SUBSTR(day, 1, 7)"
	if err := s.counters(ctx, &caseDayRow{}, f, p.from, p.to).Select("department_code, " + month + " AS month, SUM(cases_n) AS n").
		Group("department_code, " + month).Having("SUM(cases_n) > 0").Scan(&cases).Error; err != nil {
		return nil, wrap(err, "count cases by month")
	}
	if err := s.warningSums(ctx, f, p, []string{"department_code", "month"}).Scan(&warns).Error; err != nil {
		return nil, wrap(err, "count warnings by month")
	}
	return monthFigures(cases, warns), nil
}

// WarningCounts implements compliance.StatsStore from the rollup.
func (s *Dashboard) WarningCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningCount, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.warningCountsFromBase(ctx, f)
	}
	q := s.warningSums(ctx, f, p, []string{"department_code", "month", "family", "level"}, counterSum{"count", "SUM(n)", nil})
	return scanAll[compliance.WarningCount](q, "count warnings")
}

// DepartmentCounts implements compliance.StatsStore from the rollup: the
// overdue cases are the sum of the period's overdue firsts whose previous
// overdue day is before the period, or, until those are filled, the
// distinct case numbers of the period's overdue counters.
func (s *Dashboard) DepartmentCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.DepartmentCounts, error) {
	p, ok := s.fromRollup(ctx, f)
	if !ok {
		return s.departmentCountsFromBase(ctx, f)
	}
	from, to := p.from, p.to
	var cases []struct {
		DepartmentCode    string
		Cases             int64
		CasesWithWarnings int64
	}
	// The three counts read different tables: they run at once, so that
	// the period costs the slowest of them rather than their sum.
	var wg sync.WaitGroup
	var errs [3]error
	wg.Go(func() {
		errs[0] = s.counters(ctx, &caseDayRow{}, f, from, to).
			Select("department_code, SUM(cases_n) AS cases, SUM(warned_n) AS cases_with_warnings").
			Group("department_code").Having("SUM(cases_n) > 0").Scan(&cases).Error
	})
	var alarms []struct {
		DepartmentCode  string
		Alarms          int64
		AlarmsRectified int64
	}
	wg.Go(func() {
		errs[1] = s.warningSums(ctx, f, p, []string{"department_code"},
			counterSum{"alarms", "SUM(CASE WHEN level = ? THEN n ELSE 0 END)", []any{compliance.LevelAlarm}},
			counterSum{"alarms_rectified", "SUM(CASE WHEN level = ? THEN rectified_n ELSE 0 END)", []any{compliance.LevelAlarm}},
		).Scan(&alarms).Error
	})
	var overdue []struct {
		DepartmentCode string
		OverdueCases   int64
	}
	db := s.db.WithContext(ctx)
	var q *gorm.DB
	switch {
	case rollupReady(db, overdueName) && rollupReady(db, firstsName):
		// Each case counts on its first overdue day of the period.
		q = s.counters(ctx, &overdueFirstRow{}, f, from, to).Where("prev_day < ?", from).
			Select("department_code, SUM(n) AS overdue_cases").Group("department_code").Having("SUM(n) > 0")
	case rollupReady(db, overdueName):
		q = s.counters(ctx, &overdueDayRow{}, f, from, to).Where("n > 0").
			Select("department_code, COUNT(DISTINCT case_no) AS overdue_cases").Group("department_code")
	default:
		q = db.Model(&warningRow{}).
			Where("rule IN ? AND created_at >= ? AND created_at < ?", compliance.OverdueRules, utc(f.From), utc(f.To))
		q = inDepartments(q, "department_code", f.Departments).
			Select("department_code, COUNT(DISTINCT case_no) AS overdue_cases").Group("department_code")
	}
	wg.Go(func() { errs[2] = q.Scan(&overdue).Error })
	wg.Wait()
	for i, what := range []string{"count cases", "count alarms", "count overdue cases"} {
		if errs[i] != nil {
			return nil, wrap(errs[i], what)
		}
	}

	byDept := map[string]compliance.DepartmentCounts{}
	for _, c := range cases {
		byDept[c.DepartmentCode] = compliance.DepartmentCounts{DepartmentCode: c.DepartmentCode,
			Cases: c.Cases, CasesWithWarnings: c.CasesWithWarnings}
	}
	for _, a := range alarms {
		c := byDept[a.DepartmentCode]
		c.DepartmentCode, c.Alarms, c.AlarmsRectified = a.DepartmentCode, a.Alarms, a.AlarmsRectified
		byDept[a.DepartmentCode] = c
	}
	for _, o := range overdue {
		c := byDept[o.DepartmentCode]
		c.DepartmentCode, c.OverdueCases = o.DepartmentCode, o.OverdueCases
		byDept[o.DepartmentCode] = c
	}
	out := make([]compliance.DepartmentCounts, 0, len(byDept))
	for _, c := range byDept {
		out = append(out, c)
	}
	return out, nil
}
