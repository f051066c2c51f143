package sqlstore

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.CatalogStore = (*Catalog)(nil)

func toItemVersion(r itemRow) compliance.ItemVersion {
	return compliance.ItemVersion{PowerItem: toItem(r), ItemApproval: compliance.ItemApproval{
		ApprovalStatus: r.ApprovalStatus, By: r.ApprovedBy, At: r.ApprovedAt, Note: r.ReviewNote}}
}

func toItemVersions(rows []itemRow) []compliance.ItemVersion {
	return convertAll(rows, toItemVersion)
}

// SaveItemVersion implements compliance.CatalogStore.
func (s *Catalog) SaveItemVersion(ctx context.Context, it compliance.PowerItem, a compliance.ItemApproval) (compliance.ItemVersion, error) {
	return s.saveItem(ctx, it, a)
}

// ApprovedItem implements compliance.CatalogStore.
func (s *Catalog) ApprovedItem(ctx context.Context, code string) (compliance.PowerItem, error) {
	q := s.db.WithContext(ctx).Where("code = ? AND approval_status = ?", code, compliance.ApprovalApproved).
		Order(clause.OrderByColumn{Column: clause.Column{Name: "version"}, Desc: true})
	return takeOne(q, "get approved item", toItem)
}

// ItemVersion implements compliance.CatalogStore.
func (s *Catalog) ItemVersion(ctx context.Context, code string, version int) (compliance.ItemVersion, error) {
	return takeOne(s.db.WithContext(ctx).Where("code = ? AND version = ?", code, version), "get item version", toItemVersion)
}

// ItemHistory implements compliance.CatalogStore. It reads the unique
// (code, version) index.
func (s *Catalog) ItemHistory(ctx context.Context, code string, after, limit int) ([]compliance.ItemVersion, error) {
	var rows []itemRow
	if err := s.db.WithContext(ctx).Where("code = ? AND version > ?", code, after).Order("version").
		Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list item versions")
	}
	return toItemVersions(rows), nil
}

// pending selects the pending versions, of one department when dept is not empty.
func (s *Catalog) pending(ctx context.Context, dept string) *gorm.DB {
	q := s.db.WithContext(ctx).Model(&itemRow{}).Where("approval_status = ?", compliance.ApprovalPending)
	if dept != "" {
		q = q.Where("department_code = ?", dept)
	}
	return q
}

// PendingItems implements compliance.CatalogStore.
func (s *Catalog) PendingItems(ctx context.Context, dept string, after *compliance.ItemVersionKey, limit int) ([]compliance.ItemVersion, error) {
	q := s.pending(ctx, dept)
	if after != nil {
		q = q.Where("(code > ? OR (code = ? AND version > ?))", after.Code, after.Code, after.Version)
	}
	var rows []itemRow
	if err := q.Order("code, version").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list pending items")
	}
	return toItemVersions(rows), nil
}

// CountPendingItems implements compliance.CatalogStore.
func (s *Catalog) CountPendingItems(ctx context.Context, dept string) (int64, error) {
	var n int64
	if err := s.pending(ctx, dept).Count(&n).Error; err != nil {
		return 0, wrap(err, "count pending items")
	}
	return n, nil
}

// ReviewItem implements compliance.CatalogStore.
func (s *Catalog) ReviewItem(ctx context.Context, code string, version int, a compliance.ItemApproval) (bool, error) {
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&itemRow{}).
			Where("code = ? AND version = ? AND approval_status = ?", code, version, compliance.ApprovalPending).
			Updates(map[string]any{"approval_status": a.ApprovalStatus, "approved_by": a.By,
				"approved_at": utcPtr(a.At), "review_note": a.Note})
		n = res.RowsAffected
		return res.Error
	})
	return n == 1, wrap(err, "review item")
}

// InForceItems implements compliance.CatalogStore.
func (s *Catalog) InForceItems(ctx context.Context, dept string) ([]compliance.PowerItem, error) {
	return s.latestItems(ctx, dept, true)
}

// CatalogFacts implements compliance.CatalogStore.
func (s *Catalog) CatalogFacts(ctx context.Context, code string) (compliance.CatalogFacts, error) {
	db := s.db.WithContext(ctx)
	var out compliance.CatalogFacts
	var first itemRow
	if err := db.Select("created_at").Where("code = ?", code).Order("version").Take(&first).Error; err != nil {
		return out, wrap(err, "get item creation")
	}
	out.ItemCreatedAt = first.CreatedAt
	if err := db.Model(&caseRow{}).Where("item_code = ?", code).Count(&out.CasesTotal).Error; err != nil {
		return out, wrap(err, "count item cases")
	}
	if out.CasesTotal > 0 {
		var last caseRow
		err := db.Select("accepted_at").Where("item_code = ?", code).
			Order(clause.OrderByColumn{Column: clause.Column{Name: "accepted_at"}, Desc: true}).Take(&last).Error
		if err != nil {
			return out, wrap(err, "get item's last case")
		}
		at := last.AcceptedAt
		out.LastCaseAt = &at
	}
	return out, nil
}

// RecordCatalogCheck implements compliance.CatalogStore. The warnings have
// no case; "catalog|<item code>" is folded into their dedupe key.
func (s *Catalog) RecordCatalogCheck(ctx context.Context, rec compliance.CatalogRecord) (int, error) {
	// The warnings are counted before and after: MySQL's affected rows
	// count the duplicates an upsert skipped.
	var before, after int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		mine := func() *gorm.DB {
			return tx.Model(&warningRow{}).Where("case_no = ? AND family = ? AND warning_key = ? AND department_code = ?",
				"", "catalog", rec.ItemCode, rec.DepartmentCode)
		}
		if err := mine().Count(&before).Error; err != nil {
			return err
		}
		if _, err := insertCaselessWarnings(tx, "catalog|"+rec.ItemCode, rec.DepartmentCode, rec.Findings, rec.Revision, utc(rec.At)); err != nil {
			return err
		}
		return mine().Count(&after).Error
	})
	return int(after - before), wrap(err, "record catalog check")
}
