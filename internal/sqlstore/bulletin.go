package sqlstore

import (
	"context"
	"time"

	"powercheck/internal/compliance"
)

var _ compliance.BulletinStore = (*Dashboard)(nil)

// BulletinMonths implements compliance.BulletinStore with two aggregates:
// cases by department and month of acceptance, warnings by department and
// month of creation (both months in Asia/Shanghai).
func (s *Dashboard) BulletinMonths(ctx context.Context, from, to time.Time) ([]compliance.BulletinMonth, error) {
	db := s.db.WithContext(ctx)
	var cases []struct {
		DepartmentCode string
		Month          string
		N              int64
	}
	month := s.monthOf("accepted_at")
	if err := db.Model(&caseRow{}).Select("department_code, "+month+" AS month, COUNT(*) AS n").
		Where("accepted_at >= ? AND accepted_at < ?", utc(from), utc(to)).
		Group("department_code, " + month).Scan(&cases).Error; err != nil {
		return nil, wrap(err, "count cases by month")
	}
	var warns []struct {
		DepartmentCode string
		Month          string
		Prewarnings    int64
		Alarms         int64
		Handled        int64
		Rectified      int64
	}
	month = s.monthOf("created_at")
	if err := db.Model(&warningRow{}).Select("department_code, "+month+" AS month, "+
		"COALESCE(SUM(CASE WHEN level = ? THEN 1 ELSE 0 END), 0) AS prewarnings, "+
		"COALESCE(SUM(CASE WHEN level = ? THEN 1 ELSE 0 END), 0) AS alarms, "+
		"COALESCE(SUM(CASE WHEN status <> ? THEN 1 ELSE 0 END), 0) AS handled, "+
		"COALESCE(SUM(CASE WHEN status IN ? THEN 1 ELSE 0 END), 0) AS rectified",
		compliance.LevelPrewarning, compliance.LevelAlarm, compliance.WarningOpen, compliance.RectifiedStatuses).
		Where("created_at >= ? AND created_at < ?", utc(from), utc(to)).
		Group("department_code, " + month).Scan(&warns).Error; err != nil {
		return nil, wrap(err, "count warnings by month")
	}
	byKey := map[string]*compliance.BulletinMonth{}
	var out []compliance.BulletinMonth
	get := func(dept, m string) *compliance.BulletinMonth {
		k := dept + "|" + m
		if byKey[k] == nil {
			byKey[k] = &compliance.BulletinMonth{DepartmentCode: dept, Month: m}
		}
		return byKey[k]
	}
	for _, c := range cases {
		get(c.DepartmentCode, c.Month).CasesAccepted = c.N
	}
	for _, w := range warns {
		b := get(w.DepartmentCode, w.Month)
		b.Prewarnings, b.Alarms, b.Handled, b.Rectified = w.Prewarnings, w.Alarms, w.Handled, w.Rectified
	}
	for _, b := range byKey {
		out = append(out, *b)
	}
	return out, nil
}

// BulletinItemVersions implements compliance.BulletinStore.
func (s *Dashboard) BulletinItemVersions(ctx context.Context, before time.Time) ([]compliance.ItemVersionFact, error) {
	q := s.db.WithContext(ctx).Select("code", "version", "department_code", "status", "created_at").Where("created_at < ?", utc(before))
	return findAll(q, "list item versions", func(r itemRow) compliance.ItemVersionFact {
		return compliance.ItemVersionFact{Code: r.Code, Version: r.Version, DepartmentCode: r.DepartmentCode,
			Status: r.Status, CreatedAt: r.CreatedAt}
	})
}

// BulletinExplanations implements compliance.BulletinStore.
func (s *Dashboard) BulletinExplanations(ctx context.Context, months []string) ([]compliance.Explanation, error) {
	if len(months) == 0 {
		return nil, nil
	}
	return findAll(s.db.WithContext(ctx).Where("month IN ?", months), "list explanations", toExplanation)
}
