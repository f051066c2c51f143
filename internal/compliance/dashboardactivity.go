package compliance

import (
	"context"

	"powercheck/internal/calendar"
)

// PatrolStats is the answer of GET /api/v1/stats/patrols: the patrol
// ledger's working days per department and month of a period, up to today
// and from the day each department was set up.
type PatrolStats struct {
	From string          `json:"from"`
	To   string          `json:"to"`
	Rows []PatrolStatRow `json:"rows"`
}

// PatrolStatRow is one department's month (YYYY-MM) of a period;
// Compliance = OKDays / WorkingDays, 1 when no working day was owed.
type PatrolStatRow struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	PatrolCompliance
	Compliance float64 `json:"compliance"`
}

// Patrols returns the patrol compliance of each department by month.
func (d *Dashboard) Patrols(ctx context.Context, who *Account, q StatsQuery) (PatrolStats, error) {
	_, fromS, toS, depts, err := d.scope(ctx, who, q)
	if err != nil {
		return PatrolStats{}, err
	}
	from, _ := calendar.ParseDate(fromS)
	to, _ := calendar.ParseDate(toS)
	to = min(to, calendar.DateOf(d.reports.now()))
	out := PatrolStats{From: fromS, To: toS, Rows: []PatrolStatRow{}}
	for _, code := range depts {
		dept, err := d.reports.department(ctx, code)
		if err != nil {
			return PatrolStats{}, err
		}
		start := from
		if created := calendar.DateOf(dept.CreatedAt); !dept.CreatedAt.IsZero() && created > start {
			start = created // no patrol was owed before the department existed
		}
		days, err := d.patrols.patrolDays(ctx, code, start, to)
		if err != nil {
			return PatrolStats{}, err
		}
		byMonth := map[string][]PatrolDay{}
		var months []string
		for _, day := range days {
			m := day.Date[:7]
			if _, ok := byMonth[m]; !ok {
				months = append(months, m)
			}
			byMonth[m] = append(byMonth[m], day)
		}
		for _, m := range months {
			pc := patrolCompliance(byMonth[m])
			row := PatrolStatRow{DepartmentCode: code, Month: m, PatrolCompliance: pc, Compliance: 1}
			if pc.WorkingDays > 0 {
				row.Compliance = ratio(int64(pc.OKDays), int64(pc.WorkingDays))
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

// Explanation statuses of a month, as the dashboard shows them.
const (
	ExplanationNotRequired = "not_required" // no warning and some case: nothing to explain
	ExplanationPending     = "pending"      // required, not yet due, not submitted
	ExplanationOnTime      = "on_time"      // submitted by its due date
	ExplanationLate        = "late"         // submitted after it
	ExplanationMissing     = "missing"      // past due without one
)

// ExplanationStats is the answer of GET /api/v1/stats/explanations: per
// department and month of the period that is over, whether a written
// explanation was required (any warning, or no case in a month the
// department existed for in whole, as the bulletin counts) and when it came.
type ExplanationStats struct {
	From string               `json:"from"`
	To   string               `json:"to"`
	Rows []ExplanationStatRow `json:"rows"`
}

// ExplanationStatRow is one department's month.
type ExplanationStatRow struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	Status         string `json:"status"`
	Due            string `json:"due,omitempty"`          // YYYY-MM-DD, when required
	SubmittedOn    string `json:"submitted_on,omitempty"` // YYYY-MM-DD, Asia/Shanghai
}

// Explanations returns the explanations owed by each department, by month.
func (d *Dashboard) Explanations(ctx context.Context, who *Account, q StatsQuery) (ExplanationStats, error) {
	_, fromS, toS, depts, err := d.scope(ctx, who, q)
	if err != nil {
		return ExplanationStats{}, err
	}
	bs := d.store
	from, _ := calendar.ParseDate(fromS)
	to, _ := calendar.ParseDate(toS)
	today := calendar.DateOf(d.reports.now())
	var months []calendar.Date // the months of the period that are over
	for m := from - calendar.Date(dayOfMonth(from)-1); m <= to && nextMonth(m) <= today; m = nextMonth(m) {
		months = append(months, m)
	}
	out := ExplanationStats{From: fromS, To: toS, Rows: []ExplanationStatRow{}}
	if len(months) == 0 {
		return out, nil
	}
	counts, err := d.store.MonthFigures(ctx, StatsFilter{Departments: depts,
		From: months[0].Start(), To: nextMonth(months[len(months)-1]).Start()})
	if err != nil {
		return ExplanationStats{}, err
	}
	perMonth := map[string]MonthFigures{}
	for _, c := range counts {
		perMonth[c.DepartmentCode+"|"+c.Month] = c
	}
	names := make([]string, len(months))
	for i, m := range months {
		names[i] = m.Start().Format("2006-01")
	}
	exps, err := bs.BulletinExplanations(ctx, names)
	if err != nil {
		return ExplanationStats{}, err
	}
	explained := map[string]Explanation{}
	for _, e := range exps {
		explained[e.DepartmentCode+"|"+e.Month] = e
	}
	for _, code := range depts {
		dept, err := d.reports.department(ctx, code)
		if err != nil {
			return ExplanationStats{}, err
		}
		for i, m := range months {
			if !dept.CreatedAt.IsZero() && calendar.DateOf(dept.CreatedAt) >= nextMonth(m) {
				continue // the department did not exist yet
			}
			row := ExplanationStatRow{DepartmentCode: code, Month: names[i], Status: ExplanationNotRequired}
			c := perMonth[code+"|"+names[i]]
			if (c.Cases == 0 && wholeMonth(dept, m)) || c.Warnings > 0 {
				if row.Due, err = d.reports.ExplanationDue(names[i]); err != nil {
					return ExplanationStats{}, err
				}
				e, ok := explained[code+"|"+names[i]]
				switch {
				case ok:
					row.SubmittedOn = calendar.DateOf(e.SubmittedAt).String()
					row.Status = ExplanationOnTime
					if row.SubmittedOn > row.Due {
						row.Status = ExplanationLate
					}
				case today.String() > row.Due:
					row.Status = ExplanationMissing
				default:
					row.Status = ExplanationPending
				}
			}
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}
