package sqlstore

import (
	"context"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.WarningExporter = (*Store)(nil)

// warningQuery selects the warnings f filters, without order or limit: the
// one translation of compliance.WarningFilter into SQL, shared by the
// listing and the export so that both select the same rows.
func (s *Store) warningQuery(ctx context.Context, f compliance.WarningFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&warningRow{})
	if s.dialect == "mysql" && f.Family != "" && f.Rule == "" && f.CaseNo == "" && len(f.Departments) == 0 {
		// (family) is (family, id) in InnoDB: it yields a family's rows in
		// id order, which MariaDB's planner overlooks in favour of walking
		// the primary key through every other family.
		q = q.Table("warnings FORCE INDEX (idx_warning_family)")
	}
	if len(f.Departments) == 1 {
		q = q.Where("department_code = ?", f.Departments[0])
	} else if len(f.Departments) > 1 {
		q = q.Where("department_code IN ?", f.Departments)
	}
	for col, v := range map[string]string{"level": f.Level, "rule": f.Rule, "family": f.Family, "status": f.Status, "case_no": f.CaseNo} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if f.AfterID > 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	if f.OverdueUnanswered {
		key := "CONCAT('alarm:', warnings.id)"
		if s.dialect == "sqlite" {
			key = "'alarm:' || warnings.id"
		}
		q = q.Where("warnings.status = ? AND warnings.level = ?", compliance.WarningOpen, compliance.LevelAlarm).
			Where("EXISTS (SELECT 1 FROM warnings f WHERE f.case_no = warnings.case_no AND f.rule = ? AND f.warning_key = "+key+")",
				"followup.alarm_unanswered")
	}
	return q
}

// EachWarning implements compliance.WarningExporter. Each page is its own
// short query keyed by id (id < the last one seen), so no connection or
// snapshot is held while fn writes to a slow client, and memory holds one
// page whatever the number of rows.
func (s *Store) EachWarning(ctx context.Context, f compliance.WarningFilter, pageSize int, fn func(compliance.Warning) error) error {
	if pageSize <= 0 {
		pageSize = compliance.ExportPageSize
	}
	if empty, err := s.narrowByTime(ctx, &f); err != nil || empty {
		return err
	}
	order := "id DESC"
	if f.Ascending {
		order = "id"
	}
	var rows []warningRow
	for {
		rows = rows[:0]
		if err := s.warningQuery(ctx, f).Order(order).Limit(pageSize).Find(&rows).Error; err != nil {
			return wrap(err, "export warnings")
		}
		for i := range rows {
			if err := fn(toWarning(rows[i])); err != nil {
				return err
			}
		}
		if len(rows) < pageSize {
			return nil
		}
		if f.Ascending {
			f.AfterID = rows[len(rows)-1].ID
		} else {
			f.BeforeID = rows[len(rows)-1].ID
		}
	}
}

// narrowByTime bounds a time-windowed filter by the ids the window holds,
// read from the created_at index. Lists run in id order; without the bounds
// a window in the past would be found by walking every newer row. The
// created_at conditions stay, so the result is exact. empty reports a window
// without warnings.
func (s *Store) narrowByTime(ctx context.Context, f *compliance.WarningFilter) (empty bool, err error) {
	if f.From.IsZero() && f.To.IsZero() {
		return false, nil
	}
	q := s.db.WithContext(ctx).Model(&warningRow{})
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	var ids struct{ Lo, Hi *int64 }
	if err := q.Select("MIN(id) AS lo, MAX(id) AS hi").Scan(&ids).Error; err != nil {
		return false, wrap(err, "warnings in a period")
	}
	if ids.Lo == nil || ids.Hi == nil {
		return true, nil
	}
	if f.AfterID < *ids.Lo-1 {
		f.AfterID = *ids.Lo - 1
	}
	if f.BeforeID == 0 || f.BeforeID > *ids.Hi+1 {
		f.BeforeID = *ids.Hi + 1
	}
	return f.AfterID+1 >= f.BeforeID, nil
}
