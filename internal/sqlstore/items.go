package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// SaveItem implements compliance.ItemStore. Two adjustments of one item at once
// both read the same latest version; the unique (code, version) key makes the
// second fail, and it retries on the new latest.
// Without an approval the version is in force at once, approved by its
// author (see SaveItemVersion).
func (s *Catalog) SaveItem(ctx context.Context, it compliance.PowerItem) (compliance.PowerItem, error) {
	at := it.CreatedAt
	v, err := s.saveItem(ctx, it, compliance.ItemApproval{ApprovalStatus: compliance.ApprovalApproved, By: it.CreatedBy, At: &at})
	return v.PowerItem, err
}

func (s *Catalog) saveItem(ctx context.Context, it compliance.PowerItem, a compliance.ItemApproval) (compliance.ItemVersion, error) {
	for attempt := 0; ; attempt++ {
		base := fromItem(it)
		base.ApprovalStatus, base.ApprovedBy, base.ApprovedAt, base.ReviewNote = a.ApprovalStatus, a.By, utcPtr(a.At), a.Note
		var row itemRow
		err := s.transaction(ctx, func(tx *gorm.DB) error {
			row = base // from scratch: run again after a lost conflict, it inserts anew
			var latest int
			if err := tx.Model(&itemRow{}).Where("code = ?", it.Code).
				Select("COALESCE(MAX(version), 0)").Scan(&latest).Error; err != nil {
				return err
			}
			row.Version = latest + 1
			return tx.Create(&row).Error
		})
		err = wrap(err, "save item")
		if errors.Is(err, compliance.ErrDuplicate) && attempt < 100 && ctx.Err() == nil {
			time.Sleep(time.Duration(rand.IntN(5)+1) * time.Millisecond)
			continue
		}
		if err != nil {
			return compliance.ItemVersion{}, err
		}
		return toItemVersion(row), nil
	}
}

// Item implements compliance.ItemStore.
func (s *Catalog) Item(ctx context.Context, code string, version int) (compliance.PowerItem, error) {
	q := s.db.WithContext(ctx).Where("code = ?", code)
	if version > 0 {
		q = q.Where("version = ?", version)
	} else {
		q = q.Order(clause.OrderByColumn{Column: clause.Column{Name: "version"}, Desc: true})
	}
	return takeOne(q, "get item", toItem)
}

// ListItems implements compliance.ItemStore.
func (s *Catalog) ListItems(ctx context.Context, dept string) ([]compliance.PowerItem, error) {
	return s.latestItems(ctx, dept, false)
}

// latestItems lists the latest version of each item (the latest approved one
// when approvedOnly), of one department when dept is not empty.
func (s *Catalog) latestItems(ctx context.Context, dept string, approvedOnly bool) ([]compliance.PowerItem, error) {
	latest := s.db.Model(&itemRow{}).Select("code, MAX(version) AS version").Group("code")
	if approvedOnly {
		latest = latest.Where("approval_status = ?", compliance.ApprovalApproved)
	}
	q := s.db.WithContext(ctx).Table("power_items AS i").
		Joins("JOIN (?) AS l ON l.code = i.code AND l.version = i.version", latest).
		Select("i.*").Order("i.code")
	if dept != "" {
		q = q.Where("i.department_code = ?", dept)
	}
	return findAll(q, "list items", toItem)
}
