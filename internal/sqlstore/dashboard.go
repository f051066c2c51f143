package sqlstore

import (
	"context"

	"powercheck/internal/compliance"
)

var _ compliance.DashboardStore = (*Dashboard)(nil)

// warningFiguresFromBase computes WarningFigures from the base tables: one
// pass over the period's warnings, which the (created_at, department_code,
// level, status, family) index covers.
func (s *Dashboard) warningFiguresFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningFigures, error) {
	alarm, pre, open := compliance.LevelAlarm, compliance.LevelPrewarning, compliance.WarningOpen
	q := s.db.WithContext(ctx).Model(&warningRow{}).
		Select("department_code, COUNT(*) AS warnings, "+
			"COALESCE(SUM(CASE WHEN level = ? THEN 1 ELSE 0 END), 0) AS alarms, "+
			"COALESCE(SUM(CASE WHEN level = ? THEN 1 ELSE 0 END), 0) AS prewarnings, "+
			"COALESCE(SUM(CASE WHEN level = ? AND status = ? THEN 1 ELSE 0 END), 0) AS open_alarms, "+
			"COALESCE(SUM(CASE WHEN level = ? AND status = ? THEN 1 ELSE 0 END), 0) AS open_prewarnings, "+
			"COALESCE(SUM(CASE WHEN level = ? AND family = 'deadline' THEN 1 ELSE 0 END), 0) AS deadline_alarms, "+
			"COALESCE(SUM(CASE WHEN level = ? AND status IN ? THEN 1 ELSE 0 END), 0) AS alarms_rectified",
			alarm, pre, alarm, open, pre, open, alarm, alarm, compliance.RectifiedStatuses).
		Where("created_at >= ? AND created_at < ?", utc(f.From), utc(f.To))
	return scanAll[compliance.WarningFigures](inDepartments(q, "department_code", f.Departments).Group("department_code"), "count warning figures")
}

// caseFiguresFromBase computes CaseFigures from the base tables with two
// aggregates: the period's cases through the (department, accepted_at, status)
// index, and, of those, the ones with an overdue warning. An overdue warning
// is raised after its case was accepted, so only those raised since the period
// began are read, through the (department, rule, created_at) index, each
// joined to its case.
func (s *Dashboard) caseFiguresFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.CaseFigures, error) {
	db := s.db.WithContext(ctx)
	closed := compliance.CaseClosed
	q := db.Model(&caseRow{}).
		Select("department_code, COUNT(*) AS cases, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS closed_cases", closed).
		Where("accepted_at >= ? AND accepted_at < ?", utc(f.From), utc(f.To))
	var out []compliance.CaseFigures
	if err := inDepartments(q, "department_code", f.Departments).Group("department_code").Scan(&out).Error; err != nil {
		return nil, wrap(err, "count cases")
	}
	var overdue []struct {
		DepartmentCode string
		Overdue        int64
		ClosedOverdue  int64
	}
	q = db.Table("warnings w").Joins("JOIN cases c ON c.case_no = w.case_no").
		Select("w.department_code AS department_code, COUNT(DISTINCT c.case_no) AS overdue, "+
			"COUNT(DISTINCT CASE WHEN c.status = ? THEN c.case_no END) AS closed_overdue", closed).
		Where("w.rule IN ? AND w.created_at >= ? AND c.accepted_at >= ? AND c.accepted_at < ?",
			compliance.OverdueRules, utc(f.From), utc(f.From), utc(f.To))
	if err := inDepartments(q, "w.department_code", f.Departments).Group("w.department_code").Scan(&overdue).Error; err != nil {
		return nil, wrap(err, "count overdue cases")
	}
	for _, o := range overdue {
		for i := range out {
			if out[i].DepartmentCode == o.DepartmentCode {
				out[i].OverdueCases = o.Overdue
				out[i].ClosedOnTime = -o.ClosedOverdue // closed cases are added below
			}
		}
	}
	for i := range out {
		out[i].ClosedOnTime += out[i].ClosedCases
	}
	return out, nil
}

// rectifyDaysFromBase computes RectifyDays from the base tables: the period's
// alarms joined to their rectify transition, counted per tenth of a day. A
// rectification comes after its alarm, so only those reported since the period
// began are read (idx_transition_action_at).
func (s *Dashboard) rectifyDaysFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.RectifyBucket, error) {
	tenths := tenthsSQL(s.dialect) // the rollup counts with the same expression
	q := s.db.WithContext(ctx).Table("warnings w").
		Joins("JOIN warning_transitions t ON t.warning_id = w.id AND t.action = ?", compliance.ActionRectify).
		Select("w.department_code AS department_code, "+tenths+" AS tenths, COUNT(*) AS count").
		Where("t.at >= ? AND w.created_at >= ? AND w.created_at < ? AND w.level = ?", utc(f.From), utc(f.From), utc(f.To), compliance.LevelAlarm)
	q = inDepartments(q, "w.department_code", f.Departments).Group("w.department_code, " + tenths)
	return scanAll[compliance.RectifyBucket](q, "count days to rectify")
}

// monthFiguresFromBase computes MonthFigures from the base tables: cases
// accepted and warnings raised per department and month (Asia/Shanghai), each
// read from a (department, time) index alone.
func (s *Dashboard) monthFiguresFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.MonthFigures, error) {
	db := s.db.WithContext(ctx)
	var cases, warns []monthCount
	month := s.monthOf("accepted_at")
	q := db.Model(&caseRow{}).Select("department_code, "+month+" AS month, COUNT(*) AS n").
		Where("accepted_at >= ? AND accepted_at < ?", utc(f.From), utc(f.To))
	if err := inDepartments(q, "department_code", f.Departments).Group("department_code, " + month).Scan(&cases).Error; err != nil {
		return nil, wrap(err, "count cases by month")
	}
	month = s.monthOf("created_at")
	q = db.Model(&warningRow{}).Select("department_code, "+month+" AS month, COUNT(*) AS n").
		Where("created_at >= ? AND created_at < ?", utc(f.From), utc(f.To))
	if err := inDepartments(q, "department_code", f.Departments).Group("department_code, " + month).Scan(&warns).Error; err != nil {
		return nil, wrap(err, "count warnings by month")
	}
	return monthFigures(cases, warns), nil
}
