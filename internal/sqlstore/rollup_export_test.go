package sqlstore

import (
	"context"

	"powercheck/internal/compliance"
)

// BaseFigures are the dashboard's aggregates computed from the base tables,
// the oracle the rollup's answers are held to.
type BaseFigures struct{ s *Store }

// Base returns the base-table computations of s.
func (s *Store) Base() BaseFigures { return BaseFigures{s} }

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

// RollupMonthsReady reports whether the warnings' month counters are
// filled, so that a period's whole months read them.
func (s *Store) RollupMonthsReady(ctx context.Context) (bool, error) {
	return rollupReady(s.db.WithContext(ctx), monthsName), nil
}
