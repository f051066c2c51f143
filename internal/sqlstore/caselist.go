package sqlstore

import (
	"context"
	"strings"

	"powercheck/internal/compliance"
)

var _ compliance.CaseListStore = (*Store)(nil)

// ListCases implements compliance.CaseListStore.
func (s *Store) ListCases(ctx context.Context, f compliance.CaseFilter) ([]compliance.Case, error) {
	q := s.db.WithContext(ctx).Model(&caseRow{})
	if len(f.Departments) > 0 {
		q = q.Where("department_code IN ?", f.Departments)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ItemCode != "" {
		q = q.Where("item_code = ?", f.ItemCode)
	}
	if len(f.CaseNos) > 0 {
		q = q.Where("case_no IN ?", f.CaseNos)
	}
	if f.Query != "" {
		like := escapeLike(f.Query)
		q = q.Where("(case_no LIKE ? ESCAPE '!' OR applicant LIKE ? ESCAPE '!')", like+"%", "%"+like+"%")
	}
	if !f.From.IsZero() {
		q = q.Where("accepted_at >= ?", utc(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("accepted_at < ?", utc(f.To))
	}
	if f.After != nil {
		at := utc(f.After.AcceptedAt)
		q = q.Where("(accepted_at < ? OR (accepted_at = ? AND case_no < ?))", at, at, f.After.CaseNo)
	}
	var rows []caseRow
	if err := q.Order("accepted_at DESC, case_no DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list cases")
	}
	out := make([]compliance.Case, len(rows))
	for i, r := range rows {
		out[i] = toCase(r)
	}
	return out, nil
}

// escapeLike escapes the wildcards of a LIKE pattern with '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// OpenWarningCounts implements compliance.CaseListStore.
func (s *Store) OpenWarningCounts(ctx context.Context, caseNos []string) (map[string]compliance.LevelCounts, error) {
	out := map[string]compliance.LevelCounts{}
	if len(caseNos) == 0 {
		return out, nil
	}
	var rows []struct {
		CaseNo string
		Level  string
		N      int
	}
	err := s.db.WithContext(ctx).Model(&warningRow{}).Select("case_no, level, COUNT(*) AS n").
		Where("case_no IN ? AND status IN ?", caseNos, compliance.UnsettledStatuses).
		Group("case_no, level").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "count open warnings of cases")
	}
	for _, r := range rows {
		c := out[r.CaseNo]
		if r.Level == compliance.LevelAlarm {
			c.Alarms += r.N
		} else {
			c.Prewarnings += r.N
		}
		out[r.CaseNo] = c
	}
	return out, nil
}

// CountOpenWarnings implements compliance.CaseListStore.
func (s *Store) CountOpenWarnings(ctx context.Context, departments []string) ([]compliance.StatusCount, error) {
	q := s.db.WithContext(ctx).Model(&warningRow{}).Select("level, status, COUNT(*) AS n").
		Where("status IN ?", compliance.UnsettledStatuses)
	if len(departments) > 0 {
		q = q.Where("department_code IN ?", departments)
	}
	var out []compliance.StatusCount
	if err := q.Group("level, status").Scan(&out).Error; err != nil {
		return nil, wrap(err, "count open warnings")
	}
	return out, nil
}

// CasesWithOpenWarnings implements compliance.CaseListStore.
func (s *Store) CasesWithOpenWarnings(ctx context.Context, departments []string, family, level string, limit int) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&warningRow{}).Select("case_no").
		Where("family = ? AND level = ? AND status IN ? AND case_no <> ''", family, level, compliance.UnsettledStatuses)
	if len(departments) > 0 {
		q = q.Where("department_code IN ?", departments)
	}
	var out []string
	if err := q.Group("case_no").Order("MAX(id) DESC").Limit(limit).Pluck("case_no", &out).Error; err != nil {
		return nil, wrap(err, "cases with open warnings")
	}
	return out, nil
}
