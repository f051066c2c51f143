package sqlstore

import (
	"maps"
	"slices"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// inlineEffects is how many effects a pending entry keeps in its own row;
// more (a sweep that raised thousands of warnings) are stored apart, a
// row each, so that no statement outgrows the server's packet limit.
const inlineEffects = effectBatch

// auditPendingEffectRow is one effect of a pending entry whose effects are
// stored apart (auditPendingRow.EffectsApart).
type auditPendingEffectRow struct {
	PendingID    int64  `gorm:"primaryKey;autoIncrement:false"`
	Ord          int    `gorm:"primaryKey;autoIncrement:false"`
	Kind         string `gorm:"size:32;not null"`
	SubjectKey   string `gorm:"size:128;not null"`
	BeforeDigest string `gorm:"size:64;not null;default:''"`
	AfterDigest  string `gorm:"size:64;not null"`
}

func (auditPendingEffectRow) TableName() string { return "audit_pending_effects" }

// createPendingEffects stores the effects of pending entry id apart,
// effectBatch an INSERT.
func createPendingEffects(tx *gorm.DB, id int64, effects []compliance.AuditEffect) error {
	for i := 0; i < len(effects); i += effectBatch {
		part := effects[i:min(i+effectBatch, len(effects))]
		rows := make([]auditPendingEffectRow, len(part))
		for j, e := range part {
			rows[j] = auditPendingEffectRow{PendingID: id, Ord: i + j, Kind: e.Subject.Kind, SubjectKey: e.Subject.Key,
				BeforeDigest: e.Before, AfterDigest: e.After}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
	}
	return nil
}

// pendingEffectsOf reads the effects stored apart of the pending entries,
// by entry, in their order.
func pendingEffectsOf(tx *gorm.DB, pending []auditPendingRow) (map[int64][]pendingEffect, error) {
	var ids []int64
	for _, p := range pending {
		if p.EffectsApart {
			ids = append(ids, p.ID)
		}
	}
	out := make(map[int64][]pendingEffect, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []auditPendingEffectRow
	if err := tx.Where("pending_id IN ?", ids).Order("pending_id, ord").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = []pendingEffect{} // an entry apart has effects, even if none are left to read
	}
	for _, r := range rows {
		out[r.PendingID] = append(out[r.PendingID], pendingEffect{Kind: r.Kind, Key: r.SubjectKey, Before: r.BeforeDigest, After: r.AfterDigest})
	}
	return out, nil
}

// deletePendingEffects removes the effects stored apart of the entries
// that pendingEffectsOf read.
func deletePendingEffects(tx *gorm.DB, apart map[int64][]pendingEffect) error {
	if len(apart) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(apart))
	return tx.Where("pending_id IN ?", ids).Delete(&auditPendingEffectRow{}).Error
}
