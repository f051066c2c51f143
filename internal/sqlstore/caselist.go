package sqlstore

import (
	"context"
	"strings"

	"powercheck/internal/compliance"
)

var _ compliance.CaseListStore = (*Cases)(nil)

// ListCases implements compliance.CaseListStore.
func (s *Cases) ListCases(ctx context.Context, f compliance.CaseFilter) ([]compliance.Case, error) {
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
	return findAll(q.Order("accepted_at DESC, case_no DESC").Limit(f.Limit), "list cases", toCase)
}

// escapeLike escapes the wildcards of a LIKE pattern with '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// OpenWarningCounts implements compliance.CaseListStore.
func (s *Cases) OpenWarningCounts(ctx context.Context, caseNos []string) (map[string]compliance.LevelCounts, error) {
	out := map[string]compliance.LevelCounts{}
	if len(caseNos) == 0 {
		return out, nil
	}
	var rows []struct {
		CaseNo string
		Level  string
		N      int
	}
	// The unique key (case_no, dedupe) finds the few warnings of each case.
	// Without statistics, SQLite takes idx_warning_status instead for a page
	// of 20 cases and reads every unsettled warning (about 50,000 of
	// 100,000: 117 ms against 4 ms for this query); MySQL picks the key.
	q := s.db.WithContext(ctx).Model(&warningRow{})
	if s.dialect == "sqlite" {
		q = q.Table("warnings INDEXED BY uq_warning")
	}
	err := q.Select("case_no, level, COUNT(*) AS n").
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
func (s *Cases) CountOpenWarnings(ctx context.Context, departments []string) ([]compliance.StatusCount, error) {
	q := s.db.WithContext(ctx).Model(&warningRow{}).Select("level, status, COUNT(*) AS n").
		Where("status IN ?", compliance.UnsettledStatuses)
	if len(departments) > 0 {
		q = q.Where("department_code IN ?", departments)
	}
	return scanAll[compliance.StatusCount](q.Group("level, status"), "count open warnings")
}

// openWarningsIndex names the index CasesWithOpenWarnings reads on MySQL,
// or "" to leave the choice to the planner: (department_code, level, id) for
// one department, (family, id) for all; both yield the matches in id order.
// Left to itself, MariaDB intersects the two and sorts every match (21,786
// rows of one department's deadline alarms among 100,000 warnings: 37 ms
// against 1.5 ms). SQLite picks them by itself.
func openWarningsIndex(dialect string, departments []string) string {
	switch {
	case dialect != "mysql" || len(departments) > 1:
		return ""
	case len(departments) == 1:
		return "idx_warning_dept_level"
	}
	return "idx_warning_family"
}

// casesWithOpenWarningsBatch is the first batch of warnings
// CasesWithOpenWarnings reads per case it looks for; each further batch is
// four times larger.
const casesWithOpenWarningsBatch = 20

// CasesWithOpenWarnings implements compliance.CaseListStore: the cases in
// the order of their newest matching warning (GROUP BY case_no ORDER BY
// MAX(id) DESC). It walks the matching warnings newest first, in batches,
// and stops at the limit-th distinct case, instead of grouping every
// matching warning: a (department, level) or family index yields them in id
// order, so a batch reads about as many entries as it returns.
func (s *Cases) CasesWithOpenWarnings(ctx context.Context, departments []string, family, level string, limit int) ([]string, error) {
	var out []string
	if limit <= 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	batch := casesWithOpenWarningsBatch * limit
	var before int64
	for {
		q := s.db.WithContext(ctx).Model(&warningRow{})
		if idx := openWarningsIndex(s.dialect, departments); idx != "" {
			q = q.Table("warnings FORCE INDEX (" + idx + ")")
		}
		q = q.Select("id, case_no").
			Where("family = ? AND level = ? AND status IN ? AND case_no <> ''", family, level, compliance.UnsettledStatuses)
		if len(departments) > 0 {
			q = q.Where("department_code IN ?", departments)
		}
		if before > 0 {
			q = q.Where("id < ?", before)
		}
		var rows []struct {
			ID     int64
			CaseNo string
		}
		if err := q.Order("id DESC").Limit(batch).Scan(&rows).Error; err != nil {
			return nil, wrap(err, "cases with open warnings")
		}
		for _, r := range rows {
			if !seen[r.CaseNo] {
				seen[r.CaseNo] = true
				out = append(out, r.CaseNo)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if len(rows) < batch {
			return out, nil
		}
		before = rows[len(rows)-1].ID
		batch = min(4*batch, 10_000)
	}
}
