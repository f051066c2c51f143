package compliance

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"powercheck/internal/calendar"
)

// OverdueRules are the rules whose warnings make a case count as overdue.
var OverdueRules = []string{"deadline.item_overdue", "deadline.step_overdue"}

// RectifiedStatuses are the statuses of an alarm that counts as rectified:
// the department reported it done, or the office or the bureau has since
// verified or closed it.
var RectifiedStatuses = []string{WarningRectified, WarningVerified, WarningClosed}

// StatsStore aggregates warnings and cases for the statistics. Every count is
// computed by the database (GROUP BY), never by reading rows one by one.
type StatsStore interface {
	// WarningCounts counts the warnings created in the filter's period by
	// department, month of creation (YYYY-MM in Asia/Shanghai), level and
	// family.
	WarningCounts(ctx context.Context, f StatsFilter) ([]WarningCount, error)
	// DepartmentCounts returns the counts behind DepartmentRate, one entry per
	// department that has anything to count; see DepartmentRate for what
	// each count means.
	DepartmentCounts(ctx context.Context, f StatsFilter) ([]DepartmentCounts, error)
}

// StatsFilter selects what the statistics count.
type StatsFilter struct {
	Departments []string  // empty: every department
	From, To    time.Time // the period [From, To)
}

// StatsQuery is what a caller asks for: departments (empty: every department
// the account may see) and a period of dates, YYYY-MM-DD in Asia/Shanghai,
// To included. An empty To is today; an empty From is the first day of To's
// month, so that the defaults are the current month up to today.
type StatsQuery struct {
	Departments []string
	From, To    string
}

// WarningStats is the answer of the statistics: warning counts and, per
// department, the rates derived from cases, warnings and alarms.
type WarningStats struct {
	From  string           `json:"from"`
	To    string           `json:"to"`
	Rows  []WarningCount   `json:"rows"`
	Rates []DepartmentRate `json:"rates"`
}

// WarningCount is the number of warnings of one department, level and rule
// family created in one month (YYYY-MM, Asia/Shanghai) of the period.
type WarningCount struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	Level          string `json:"level"`
	Family         string `json:"family"`
	Count          int64  `json:"count"`
}

// DepartmentCounts are the raw counts of one department in a period; see
// DepartmentRate for their definitions.
type DepartmentCounts struct {
	DepartmentCode    string
	Cases             int64
	CasesWithWarnings int64
	OverdueCases      int64
	Alarms            int64
	AlarmsRectified   int64
}

// DepartmentRate is one department's figures in a period. Rates are ratios
// in [0, 1] rounded to 4 decimals, and 0 when there is nothing to divide by.
//
//   - Cases: the department's cases accepted in the period (by accepted_at).
//   - CasesWithWarnings: of those cases, the ones with at least one warning,
//     whenever it was raised.
//   - WarningRate = CasesWithWarnings / Cases.
//   - OverdueCases: the department's cases with a deadline.item_overdue or
//     deadline.step_overdue warning created in the period, whenever the case
//     was accepted (an overdue shows in the month it is raised).
//   - OverdueRate = OverdueCases / Cases: the period's overdues against the
//     period's intake; it may exceed 1 when an earlier backlog falls due.
//   - Alarms: the department's alarms (level alarm) created in the period.
//   - AlarmsRectified: of those alarms, the ones now rectified, verified or
//     closed.
//   - RectificationRate = AlarmsRectified / Alarms.
type DepartmentRate struct {
	DepartmentCode    string  `json:"department_code"`
	Cases             int64   `json:"cases"`
	CasesWithWarnings int64   `json:"cases_with_warnings"`
	WarningRate       float64 `json:"warning_rate"`
	OverdueCases      int64   `json:"overdue_cases"`
	OverdueRate       float64 `json:"overdue_rate"`
	Alarms            int64   `json:"alarms"`
	AlarmsRectified   int64   `json:"alarms_rectified"`
	RectificationRate float64 `json:"rectification_rate"`
}

// WarningStats counts warnings and computes the departments' rates over a
// period. Department-scoped accounts get their own department only; asking
// for another one is forbidden.
func (s *Reports) WarningStats(ctx context.Context, who *Account, q StatsQuery) (WarningStats, error) {
	if err := Authorize(who, ActReadStats, ""); err != nil {
		return WarningStats{}, err
	}
	ss := s.store
	from, to, err := s.statsPeriod(q.From, q.To)
	if err != nil {
		return WarningStats{}, err
	}
	depts, err := s.statsDepartments(ctx, who, q.Departments)
	if err != nil {
		return WarningStats{}, err
	}
	f := StatsFilter{From: from.Start(), To: to.End()}
	if len(q.Departments) > 0 || who.Role.DepartmentScoped() {
		f.Departments = depts
	}
	rows, err := ss.WarningCounts(ctx, f)
	if err != nil {
		return WarningStats{}, err
	}
	slices.SortFunc(rows, func(a, b WarningCount) int {
		return cmpStrings(a.DepartmentCode, b.DepartmentCode, a.Month, b.Month, a.Level, b.Level, a.Family, b.Family)
	})
	counts, err := ss.DepartmentCounts(ctx, f)
	if err != nil {
		return WarningStats{}, err
	}
	byDept := make(map[string]DepartmentCounts, len(counts))
	for _, c := range counts {
		byDept[c.DepartmentCode] = c
	}
	rates := make([]DepartmentRate, 0, len(depts))
	for _, d := range depts {
		c := byDept[d]
		rates = append(rates, DepartmentRate{DepartmentCode: d,
			Cases: c.Cases, CasesWithWarnings: c.CasesWithWarnings, WarningRate: ratio(c.CasesWithWarnings, c.Cases),
			OverdueCases: c.OverdueCases, OverdueRate: ratio(c.OverdueCases, c.Cases),
			Alarms: c.Alarms, AlarmsRectified: c.AlarmsRectified, RectificationRate: ratio(c.AlarmsRectified, c.Alarms)})
	}
	return WarningStats{From: from.String(), To: to.String(), Rows: nonNil(rows), Rates: rates}, nil
}

// statsPeriod reads the period's dates and applies the defaults.
func (s *Reports) statsPeriod(fromS, toS string) (from, to calendar.Date, err error) {
	var v Validation
	to = calendar.DateOf(s.now())
	if toS != "" {
		if to, err = calendar.ParseDate(toS); err != nil {
			v.Add("to", "日期“%s”不是 YYYY-MM-DD 格式", toS)
		}
	}
	from = to - calendar.Date(dayOfMonth(to)-1)
	if fromS != "" {
		if from, err = calendar.ParseDate(fromS); err != nil {
			v.Add("from", "日期“%s”不是 YYYY-MM-DD 格式", fromS)
		}
	}
	if err := v.Err("invalid_period", "统计期间不合法"); err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, Errorf(ClassInvalid, "invalid_period", "统计期间的起始日期 %s 晚于截止日期 %s", from, to)
	}
	return from, to, nil
}

func dayOfMonth(d calendar.Date) int { return d.Start().Day() }

// statsDepartments returns the departments the statistics cover, sorted:
// the ones asked for (each must exist and be visible to who), else every
// department who may see.
func (s *Reports) statsDepartments(ctx context.Context, who *Account, asked []string) ([]string, error) {
	if len(asked) == 0 {
		if who.Role.DepartmentScoped() {
			return []string{who.DepartmentCode}, nil
		}
		ds, err := s.store.ListDepartments(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]string, len(ds))
		for i, d := range ds {
			out[i] = d.Code
		}
		slices.Sort(out)
		return out, nil
	}
	out := slices.Clone(asked)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, d := range out {
		if !who.CanSeeDepartment(d) {
			return nil, Errorf(ClassForbidden, "other_department", "无权查看其他部门（%s）的统计", d)
		}
	}
	return out, s.checkDepartments(ctx, out)
}

// checkDepartments fails with ClassInvalid naming the departments that do not exist.
func (s *Core) checkDepartments(ctx context.Context, codes []string) error {
	var v Validation
	for _, d := range codes {
		if _, err := s.department(ctx, d); errors.Is(err, ErrNotFound) {
			v.Add("departments", "部门 %s 不存在", d)
		} else if err != nil {
			return err
		}
	}
	return v.Err("unknown_department", "部门不存在")
}

// ratio is n/d rounded to 4 decimals, 0 when d is 0.
func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}

// cmpStrings compares pairs (a1, b1), (a2, b2), … in turn.
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}
