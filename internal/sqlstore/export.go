package sqlstore

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.WarningExporter = (*Warnings)(nil)

// warningQuery selects the warnings f filters, from where f continues, in
// the listing's order and without a limit: the one translation of
// compliance.WarningFilter into SQL, shared by the listing and the export so
// that both select the same rows in the same order. Where a time-ordered f
// continues must be resolved first (see resolvePlace).
func (s *Warnings) warningQuery(ctx context.Context, f compliance.WarningFilter) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&warningRow{})
	if s.dialect == "mysql" {
		if idx := mysqlListIndex(f); idx != "" {
			q = q.Table("warnings FORCE INDEX (" + idx + ")")
		}
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
	if f.TimeOrdered() {
		if k := f.Cursor; k != nil {
			// The redundant bound on created_at alone is what MariaDB turns
			// into an index range; the OR is exact within it.
			t := k.CreatedAt.UTC()
			if f.Ascending {
				q = q.Where("created_at >= ? AND (created_at > ? OR id > ?)", t, t, k.ID)
			} else {
				q = q.Where("created_at <= ? AND (created_at < ? OR id < ?)", t, t, k.ID)
			}
		}
	} else {
		if f.BeforeID > 0 {
			q = q.Where("id < ?", f.BeforeID)
		}
		if f.AfterID > 0 {
			q = q.Where("id > ?", f.AfterID)
		}
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
	return q.Order(warningOrder(f))
}

// warningOrder is the order of the listing f selects.
func warningOrder(f compliance.WarningFilter) string {
	switch {
	case f.TimeOrdered() && f.Ascending:
		return "created_at, id"
	case f.TimeOrdered():
		return "created_at DESC, id DESC"
	case f.Ascending:
		return "id"
	}
	return "id DESC"
}

// mysqlListIndex names the index a listing reads on MySQL, or "" to leave
// the choice to the planner. With ORDER BY … LIMIT, MariaDB's planner at
// times walks the primary key (or the time index) through the rows of every
// other department, family or rule, taking the matches to be spread evenly,
// or reads all of a rule's rows to sort them; which it does varies with the
// sampled statistics. The indexes named yield the matches in the listing's
// order (InnoDB appends id to each), so a page reads about as many entries
// as it returns; a rule in a time window without a department walks the
// window. A case number is selective enough for the planner, and several
// departments are left to it.
func mysqlListIndex(f compliance.WarningFilter) string {
	if f.CaseNo != "" {
		return ""
	}
	if !f.TimeOrdered() {
		switch {
		case len(f.Departments) == 1 && f.Rule != "":
			return "idx_warning_dept_rule" // (department, rule, id)
		case f.Family != "" && f.Rule == "" && len(f.Departments) == 0:
			return "idx_warning_family" // (family, id)
		}
		return ""
	}
	switch {
	case len(f.Departments) == 1 && f.Rule != "":
		return "idx_warning_dept_rule_created"
	case len(f.Departments) == 1:
		return "idx_warning_dept_created"
	case len(f.Departments) > 1:
		return ""
	case f.Family != "" && f.Rule == "":
		return "idx_warning_family_created"
	}
	return "idx_warnings_created_at" // (created_at, id)
}

// resolvePlace turns the BeforeID (AfterID) of a time-ordered listing
// without a Cursor into the Cursor of that warning, read from the table.
func (s *Warnings) resolvePlace(ctx context.Context, f compliance.WarningFilter) (compliance.WarningFilter, error) {
	id := f.BeforeID
	if f.Ascending {
		id = f.AfterID
	}
	if !f.TimeOrdered() || f.Cursor != nil || id <= 0 {
		return f, nil
	}
	var row warningRow
	if err := s.db.WithContext(ctx).Select("id, created_at").Where("id = ?", id).Take(&row).Error; err != nil {
		return f, wrap(err, fmt.Sprintf("continue a listing after warning %d", id))
	}
	f.Cursor = &compliance.WarningKey{CreatedAt: row.CreatedAt, ID: row.ID}
	return f, nil
}

// ListWarnings implements compliance.WarningReader.
func (s *Warnings) ListWarnings(ctx context.Context, f compliance.WarningFilter) ([]compliance.Warning, error) {
	f, err := s.resolvePlace(ctx, f)
	if err != nil {
		return nil, err
	}
	q := s.warningQuery(ctx, f)
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	return findAll(q, "list warnings", toWarning)
}

// EachWarning implements compliance.WarningExporter. Each page is its own
// short query that continues after the last row seen, in the listing's
// order, so no connection or snapshot is held while fn writes to a slow
// client, and memory holds one page whatever the number of rows.
func (s *Warnings) EachWarning(ctx context.Context, f compliance.WarningFilter, pageSize int, fn func(compliance.Warning) error) error {
	if pageSize <= 0 {
		pageSize = compliance.ExportPageSize
	}
	f, err := s.resolvePlace(ctx, f)
	if err != nil {
		return err
	}
	var rows []warningRow
	for {
		rows = rows[:0]
		if err := s.warningQuery(ctx, f).Limit(pageSize).Find(&rows).Error; err != nil {
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
		last := rows[len(rows)-1]
		switch {
		case f.TimeOrdered():
			f.Cursor = &compliance.WarningKey{CreatedAt: last.CreatedAt, ID: last.ID}
		case f.Ascending:
			f.AfterID = last.ID
		default:
			f.BeforeID = last.ID
		}
	}
}

// policyWarningsRead reads warnings as the policies see them: without
// their wording, oldest first.
func policyWarningsRead(db *gorm.DB) *gorm.DB {
	return db.Model(&warningRow{}).Omit("message", "basis").Order("id")
}

// CaseWarnings implements compliance.WarningReader.
func (s *Warnings) CaseWarnings(ctx context.Context, caseNos []string) (map[string][]compliance.Warning, error) {
	return findByCase(policyWarningsRead(s.db.WithContext(ctx)), caseNos, "list case warnings",
		func(r warningRow) string { return r.CaseNo }, toWarning)
}
