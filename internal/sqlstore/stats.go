package sqlstore

import (
	"context"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.StatsStore = (*Dashboard)(nil)

// monthOf is the SQL for the month (YYYY-MM) of a stored UTC time in
// Asia/Shanghai. A fixed +8 hours is exact: Shanghai has kept no daylight
// saving time since 1991.
func (s *Dashboard) monthOf(col string) string {
	if s.dialect == "mysql" {
		return "DATE_FORMAT(" + col + " + INTERVAL 8 HOUR, '%Y-%m')"
	}
	return "strftime('%Y-%m', " + col + ", '+8 hours')"
}

// inDepartments narrows q to the filter's departments, if any.
func inDepartments(q *gorm.DB, col string, depts []string) *gorm.DB {
	switch len(depts) {
	case 0:
		return q
	case 1:
		return q.Where(col+" = ?", depts[0])
	}
	return q.Where(col+" IN ?", depts)
}

// warningCountsFromBase computes WarningCounts from the base tables. It reads
// the warnings of the period through the created_at index.
func (s *Dashboard) warningCountsFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningCount, error) {
	month := s.monthOf("created_at")
	q := s.db.WithContext(ctx).Model(&warningRow{}).
		Select("department_code, "+month+" AS month, level, family, COUNT(*) AS count").
		Where("created_at >= ? AND created_at < ?", utc(f.From), utc(f.To))
	q = inDepartments(q, "department_code", f.Departments).Group("department_code, " + month + ", level, family")
	return scanAll[compliance.WarningCount](q, "count warnings")
}

// departmentCountsFromBase computes DepartmentCounts from the base tables with
// two aggregates: one over the cases accepted in the period (with an indexed
// lookup of each one's warnings by case_no), one over the warnings created in
// it.
func (s *Dashboard) departmentCountsFromBase(ctx context.Context, f compliance.StatsFilter) ([]compliance.DepartmentCounts, error) {
	db := s.db.WithContext(ctx)
	var cases, warns []compliance.DepartmentCounts
	q := db.Model(&caseRow{}).
		Select("department_code, COUNT(*) AS cases, "+
			"COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM warnings w WHERE w.case_no = cases.case_no) THEN 1 ELSE 0 END), 0) AS cases_with_warnings").
		Where("accepted_at >= ? AND accepted_at < ?", utc(f.From), utc(f.To))
	if err := inDepartments(q, "department_code", f.Departments).Group("department_code").Scan(&cases).Error; err != nil {
		return nil, wrap(err, "count cases")
	}

	q = db.Model(&warningRow{}).
		Select("department_code, "+
			"COUNT(DISTINCT CASE WHEN rule IN ? THEN case_no END) AS overdue_cases, "+
			"COALESCE(SUM(CASE WHEN level = ? THEN 1 ELSE 0 END), 0) AS alarms, "+
			"COALESCE(SUM(CASE WHEN level = ? AND status IN ? THEN 1 ELSE 0 END), 0) AS alarms_rectified",
			compliance.OverdueRules, compliance.LevelAlarm, compliance.LevelAlarm, compliance.RectifiedStatuses).
		Where("created_at >= ? AND created_at < ?", utc(f.From), utc(f.To))
	if err := inDepartments(q, "department_code", f.Departments).Group("department_code").Scan(&warns).Error; err != nil {
		return nil, wrap(err, "count alarms")
	}
	return mergeCounts(cases, warns), nil
}

// mergeCounts joins the parts of departments' counts that separate
// aggregates scanned, each filling some of the figures, into one
// DepartmentCounts per department.
func mergeCounts(parts ...[]compliance.DepartmentCounts) []compliance.DepartmentCounts {
	byDept := map[string]*compliance.DepartmentCounts{}
	for _, part := range parts {
		for _, p := range part {
			c := byDept[p.DepartmentCode]
			if c == nil {
				c = &compliance.DepartmentCounts{DepartmentCode: p.DepartmentCode}
				byDept[p.DepartmentCode] = c
			}
			c.Cases += p.Cases
			c.CasesWithWarnings += p.CasesWithWarnings
			c.OverdueCases += p.OverdueCases
			c.Alarms += p.Alarms
			c.AlarmsRectified += p.AlarmsRectified
		}
	}
	out := make([]compliance.DepartmentCounts, 0, len(byDept))
	for _, c := range byDept {
		out = append(out, *c)
	}
	return out
}
