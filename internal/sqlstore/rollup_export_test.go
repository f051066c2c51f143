package sqlstore

import (
	"context"
	"time"

	"powercheck/internal/compliance"
)

// BaseFigures are the dashboard's aggregates computed from the base tables,
// the oracle the rollup's answers are held to.
type BaseFigures struct{ s *Dashboard }

// Base returns the base-table computations of s.
func (s *Store) Base() BaseFigures { return BaseFigures{s.Dashboard()} }

func (b BaseFigures) WarningFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningFigures, error) {
	return b.s.warningFiguresFromBase(ctx, f)
}

func (b BaseFigures) CaseFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.CaseFigures, error) {
	return b.s.caseFiguresFromBase(ctx, f)
}

func (b BaseFigures) RectifyDays(ctx context.Context, f compliance.StatsFilter) ([]compliance.RectifyBucket, error) {
	return b.s.rectifyDaysFromBase(ctx, f)
}

func (b BaseFigures) MonthFigures(ctx context.Context, f compliance.StatsFilter) ([]compliance.MonthFigures, error) {
	return b.s.monthFiguresFromBase(ctx, f)
}

func (b BaseFigures) WarningCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.WarningCount, error) {
	return b.s.warningCountsFromBase(ctx, f)
}

func (b BaseFigures) DepartmentCounts(ctx context.Context, f compliance.StatsFilter) ([]compliance.DepartmentCounts, error) {
	return b.s.departmentCountsFromBase(ctx, f)
}

// RollupReady reports whether the dashboard reads the rollup.
func (s *Store) RollupReady(ctx context.Context) (bool, error) {
	return rollupReady(s.db.WithContext(ctx), rollupName) && rollupReady(s.db.WithContext(ctx), overdueName), nil
}

// RollupMonthsReady reports whether the warnings' and the rectifications'
// month counters are filled, so that a period's whole months read them.
func (s *Store) RollupMonthsReady(ctx context.Context) (bool, error) {
	filled := rollupFilled(s.db.WithContext(ctx), monthsName, rectifyMonthsName)
	return filled[monthsName] && filled[rectifyMonthsName], nil
}

// FillWarningMonth fills the warnings' month counters of dept's month (its
// first day) from their day counters, as the upgrade fills each month.
func (s *Store) FillWarningMonth(ctx context.Context, dept string, month time.Time) error {
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	return fillMonth(s.db.WithContext(ctx), []rollupPart{{monthsName, rollupName, fillMonths}}, dept, from, from.AddDate(0, 1, 0))
}

// MisKeyedWarnings returns the ids of the case warnings whose dedupe key is
// not the one their rows tell (storedDedupe), which a step relies on to
// know the warnings it read before as stored.
func (s *Store) MisKeyedWarnings(ctx context.Context) ([]int64, error) {
	var rows []warningRow
	if err := s.conn.db.WithContext(ctx).Where("case_no <> ''").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var out []int64
	for _, r := range rows {
		if r.Dedupe != storedDedupe(toWarning(r)) {
			out = append(out, r.ID)
		}
	}
	return out, nil
}
