package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.SweepStore = (*Cases)(nil)

// DueCases implements compliance.SweepStore. It reads the next_check_at
// index only, so its cost follows the number of due cases.
func (s *Cases) DueCases(ctx context.Context, now time.Time, limit int) ([]compliance.Case, error) {
	// Closed cases are swept too when a policy asked (a follow-up of an
	// unanswered alarm, say).
	q := s.db.WithContext(ctx).Where("next_check_at <= ?", utc(now)).Order("next_check_at").Limit(limit)
	return findAll(q, "list due cases", toCase)
}

// StepsOfCases implements compliance.SweepStore.
func (s *Cases) StepsOfCases(ctx context.Context, caseNos []string) (map[string][]compliance.Step, error) {
	return findByCase(s.db.WithContext(ctx).Omit("response").Order("seq"), caseNos, "list steps of cases",
		func(r stepRow) string { return r.CaseNo }, toStep)
}

// RecordTicks implements compliance.SweepStore. The conditional update of
// next_check_at is the claim: of two sweepers that read the same case, only
// the first to commit stores anything; and a tick evaluated before a step of
// the case was stored (the version moved) stores nothing.
func (s *Cases) RecordTicks(ctx context.Context, ts []compliance.TickRecord) ([]bool, int, error) {
	claimed, inserted, err := s.recordTicks(ctx, ts)
	return claimed, inserted, wrap(err, "record ticks")
}

func (s *Cases) recordTicks(ctx context.Context, ts []compliance.TickRecord) ([]bool, int, error) {
	claimed := make([]bool, len(ts))
	inserted := 0
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		clear(claimed) // a run again claims from scratch
		inserted = 0
		var rows []warningRow
		for i, t := range ts {
			q := tx.Model(&caseRow{}).Where("case_no = ? AND version = ?", t.Case.CaseNo, t.Case.Version)
			if t.Case.NextCheckAt == nil {
				q = q.Where("next_check_at IS NULL")
			} else {
				q = q.Where("next_check_at = ?", utc(*t.Case.NextCheckAt))
			}
			at := utc(t.At)
			claim := q.Updates(map[string]any{"next_check_at": utcPtr(t.NextCheck), "last_tick_at": at})
			if claim.Error != nil {
				return claim.Error
			}
			if claim.RowsAffected == 0 {
				continue
			}
			claimed[i] = true
			seen := map[string]bool{}
			for _, f := range t.Findings {
				k := warningDedupe("", f) // the row names no step
				if seen[k] {
					continue
				}
				seen[k] = true
				rows = append(rows, warningRow{CaseNo: t.Case.CaseNo, Dedupe: k, DepartmentCode: t.Case.DepartmentCode,
					Rule: f.Rule, Family: f.Family(), Level: f.Level, Status: compliance.WarningOpen, Message: f.Message,
					Basis: f.Basis, Key: f.Key, PolicyRevision: t.Revision, CreatedAt: at, UpdatedAt: at})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		// The sweeper sent only findings it did not know of; a warning a
		// step stored meanwhile is kept, not duplicated, and not told again.
		inserted = len(rows)
		_, err := tellWarnings(tx, rows, func(warningRow) (string, error) { return "", nil }, time.Time{})
		return err
	})
	return claimed, inserted, err
}
