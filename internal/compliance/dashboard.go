package compliance

import (
	"context"
	"math"
	"slices"
)

// DashboardStore aggregates what the dashboards show. Every figure is
// computed by the database (GROUP BY); only a handful of rows per
// department come back.
type DashboardStore interface {
	StatsStore
	// WarningFigures counts the warnings created in the filter's period per
	// department; see DepartmentFigures for each count.
	WarningFigures(ctx context.Context, f StatsFilter) ([]WarningFigures, error)
	// CaseFigures counts the cases accepted in the period per department.
	CaseFigures(ctx context.Context, f StatsFilter) ([]CaseFigures, error)
	// RectifyDays counts the alarms created in the period and reported
	// rectified, per department and time to rectify in tenths of a day.
	RectifyDays(ctx context.Context, f StatsFilter) ([]RectifyBucket, error)
	// MonthFigures counts the cases accepted and the warnings raised in the
	// period per department and month (YYYY-MM, Asia/Shanghai).
	MonthFigures(ctx context.Context, f StatsFilter) ([]MonthFigures, error)
}

// MonthFigures are a department's cases and warnings of one month.
type MonthFigures struct {
	DepartmentCode string
	Month          string
	Cases          int64
	Warnings       int64
}

// WarningFigures are a department's warning counts in a period.
type WarningFigures struct {
	DepartmentCode  string
	Warnings        int64
	Alarms          int64
	Prewarnings     int64
	OpenAlarms      int64
	OpenPrewarnings int64
	DeadlineAlarms  int64
	AlarmsRectified int64
}

// CaseFigures are a department's case counts in a period.
type CaseFigures struct {
	DepartmentCode string
	Cases          int64
	OverdueCases   int64
	ClosedCases    int64
	ClosedOnTime   int64
}

// RectifyBucket is the number of alarms of a department rectified after
// Tenths tenths of a day.
type RectifyBucket struct {
	DepartmentCode string
	Tenths         int64
	Count          int64
}

// DepartmentStats is the answer of GET /api/v1/stats/departments.
type DepartmentStats struct {
	From        string              `json:"from"`
	To          string              `json:"to"`
	Departments []DepartmentFigures `json:"departments"`
}

// DepartmentFigures are one department's figures in a period. Warnings
// count by created_at in the period; cases by accepted_at.
//
//   - OpenAlarms, OpenPrewarnings: of the period's alarms (红牌) and
//     prewarnings (黄牌), those still open now.
//   - DeadlineAlarms: the period's alarms of the deadline family (超期).
//   - AlarmsRectified: the period's alarms now rectified, verified or
//     closed; RectificationRate = AlarmsRectified / Alarms.
//   - MedianRectifyDays: the median, in days to one decimal, from an alarm's
//     creation to the department's report that it is rectified, over the
//     period's alarms so reported (RectifiedMeasured of them); nil when none.
//   - OverdueCases: the period's cases with an overdue warning
//     (deadline.item_overdue, deadline.step_overdue), whenever raised;
//     OverdueRate = OverdueCases / Cases.
//   - ClosedCases, ClosedOnTime: the period's cases now closed, and those of
//     them without an overdue warning; OnTimeRate = ClosedOnTime / ClosedCases.
//
// Rates are in [0, 1], rounded to 4 decimals, 0 when there is nothing to
// divide by.
type DepartmentFigures struct {
	DepartmentCode    string   `json:"department_code"`
	DepartmentName    string   `json:"department_name"`
	Warnings          int64    `json:"warnings"`
	Alarms            int64    `json:"alarms"`
	Prewarnings       int64    `json:"prewarnings"`
	OpenAlarms        int64    `json:"open_alarms"`
	OpenPrewarnings   int64    `json:"open_prewarnings"`
	DeadlineAlarms    int64    `json:"deadline_alarms"`
	AlarmsRectified   int64    `json:"alarms_rectified"`
	RectificationRate float64  `json:"rectification_rate"`
	MedianRectifyDays *float64 `json:"median_rectify_days"`
	RectifiedMeasured int64    `json:"rectified_measured"`
	Cases             int64    `json:"cases"`
	OverdueCases      int64    `json:"overdue_cases"`
	OverdueRate       float64  `json:"overdue_rate"`
	ClosedCases       int64    `json:"closed_cases"`
	ClosedOnTime      int64    `json:"closed_on_time"`
	OnTimeRate        float64  `json:"on_time_rate"`
}

// DashboardStorage is what Dashboard reads.
type DashboardStorage interface {
	DashboardStore
	BulletinStore
}

// Dashboard computes the dashboards' figures.
type Dashboard struct {
	reports *Reports // the period and departments asked for, explanations due
	patrols *Patrols // patrol days
	store   DashboardStorage
}

// NewDashboard returns the dashboard over store.
func NewDashboard(store DashboardStorage, reports *Reports, patrols *Patrols) *Dashboard {
	return &Dashboard{reports: reports, patrols: patrols, store: store}
}

// scope checks who may read statistics and reads the period and the
// departments, as WarningStats does: department accounts get their own
// department only, and asking for another one is forbidden.
func (d *Dashboard) scope(ctx context.Context, who *Account, q StatsQuery) (StatsFilter, string, string, []string, error) {
	if err := Authorize(who, ActReadStats, ""); err != nil {
		return StatsFilter{}, "", "", nil, err
	}
	from, to, err := d.reports.statsPeriod(q.From, q.To)
	if err != nil {
		return StatsFilter{}, "", "", nil, err
	}
	depts, err := d.reports.statsDepartments(ctx, who, q.Departments)
	if err != nil {
		return StatsFilter{}, "", "", nil, err
	}
	// The departments are always named: the store reads each one's range
	// of a (department, time) index rather than the whole period's rows.
	f := StatsFilter{From: from.Start(), To: to.End(), Departments: depts}
	return f, from.String(), to.String(), depts, nil
}

// Departments returns each department's figures over a period.
func (d *Dashboard) Departments(ctx context.Context, who *Account, q StatsQuery) (DepartmentStats, error) {
	f, from, to, depts, err := d.scope(ctx, who, q)
	if err != nil {
		return DepartmentStats{}, err
	}
	ws, err := d.store.WarningFigures(ctx, f)
	if err != nil {
		return DepartmentStats{}, err
	}
	cs, err := d.store.CaseFigures(ctx, f)
	if err != nil {
		return DepartmentStats{}, err
	}
	bs, err := d.store.RectifyDays(ctx, f)
	if err != nil {
		return DepartmentStats{}, err
	}
	byW := map[string]WarningFigures{}
	for _, w := range ws {
		byW[w.DepartmentCode] = w
	}
	byC := map[string]CaseFigures{}
	for _, c := range cs {
		byC[c.DepartmentCode] = c
	}
	buckets := map[string][]RectifyBucket{}
	for _, b := range bs {
		buckets[b.DepartmentCode] = append(buckets[b.DepartmentCode], b)
	}
	out := DepartmentStats{From: from, To: to, Departments: make([]DepartmentFigures, 0, len(depts))}
	for _, code := range depts {
		w, c := byW[code], byC[code]
		fig := DepartmentFigures{DepartmentCode: code, Warnings: w.Warnings, Alarms: w.Alarms, Prewarnings: w.Prewarnings,
			OpenAlarms: w.OpenAlarms, OpenPrewarnings: w.OpenPrewarnings, DeadlineAlarms: w.DeadlineAlarms,
			AlarmsRectified: w.AlarmsRectified, RectificationRate: ratio(w.AlarmsRectified, w.Alarms),
			Cases: c.Cases, OverdueCases: c.OverdueCases, OverdueRate: ratio(c.OverdueCases, c.Cases),
			ClosedCases: c.ClosedCases, ClosedOnTime: c.ClosedOnTime, OnTimeRate: ratio(c.ClosedOnTime, c.ClosedCases)}
		fig.MedianRectifyDays, fig.RectifiedMeasured = medianTenths(buckets[code])
		if dept, err := d.reports.department(ctx, code); err == nil {
			fig.DepartmentName = dept.Name
		}
		out.Departments = append(out.Departments, fig)
	}
	return out, nil
}

// medianTenths is the median of a distribution given as counts per tenth
// of a day, in days to one decimal, and the number of values; nil when
// there is none. Of an even number of values it is the mean of the middle two.
func medianTenths(bs []RectifyBucket) (*float64, int64) {
	slices.SortFunc(bs, func(a, b RectifyBucket) int { return int(a.Tenths - b.Tenths) })
	var n int64
	for _, b := range bs {
		n += b.Count
	}
	if n == 0 {
		return nil, 0
	}
	// nth returns the k-th value (0-based) in order.
	nth := func(k int64) int64 {
		for _, b := range bs {
			if k < b.Count {
				return b.Tenths
			}
			k -= b.Count
		}
		return bs[len(bs)-1].Tenths
	}
	mid := float64(nth((n-1)/2)+nth(n/2)) / 2
	m := math.Round(mid) / 10
	return &m, n
}
