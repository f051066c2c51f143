package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.AuditStore = (*Audit)(nil)

// auditRow is one audit entry. Seq is given by the chain, not by the
// database, so that a gap is a removed entry.
type auditRow struct {
	Seq            int64     `gorm:"primaryKey;autoIncrement:false"`
	LoggedAt       time.Time `gorm:"not null;index"`
	Actor          string    `gorm:"size:64;not null;index"`
	Role           string    `gorm:"size:32;not null"`
	IP             string    `gorm:"size:64;not null"`
	Action         string    `gorm:"size:128;not null;index"`
	Target         string    `gorm:"size:512;not null"`
	RequestDigest  string    `gorm:"size:64;not null"`
	ResponseDigest string    `gorm:"size:64;not null"`
	Subjects       string    `gorm:"size:512;not null;default:''"`
	BeforeDigest   string    `gorm:"size:64;not null;default:''"`
	AfterDigest    string    `gorm:"size:64;not null;default:''"`
	EffectsDigest  string    `gorm:"size:64;not null;default:''"`
	PrevHash       string    `gorm:"size:64;not null"`
	Hash           string    `gorm:"size:64;not null"`
}

func (auditRow) TableName() string { return "audit_log" }

// auditEffectRow is one effect of an entry: the state of one followed
// object after it. Its entry's effects digest covers it. The index lists
// an object's effects together, in entry order, for verification.
type auditEffectRow struct {
	Seq          int64  `gorm:"primaryKey;autoIncrement:false;index:idx_audit_effect_object,priority:4"`
	Ord          int    `gorm:"primaryKey;autoIncrement:false"`
	Kind         string `gorm:"size:32;not null;index:idx_audit_effect_object,priority:1"`
	Ref          int64  `gorm:"not null;index:idx_audit_effect_object,priority:2"` // compliance.SubjectRef
	SubjectKey   string `gorm:"size:128;not null;index:idx_audit_effect_object,priority:3"`
	BeforeDigest string `gorm:"size:64;not null;default:''"`
	AfterDigest  string `gorm:"size:64;not null"`
}

func (auditEffectRow) TableName() string { return "audit_effects" }

// auditHeadRow is the single row (ID 1) that holds the end of the chain.
// The sequencer's passes lock it, which makes them take turns across every
// node.
type auditHeadRow struct {
	ID   int64  `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"size:64;not null"`
}

func (auditHeadRow) TableName() string { return "audit_head" }

func toAuditEntry(r auditRow) compliance.AuditEntry {
	return compliance.AuditEntry{Seq: r.Seq, At: r.LoggedAt.UTC(), Actor: r.Actor, Role: compliance.Role(r.Role), IP: r.IP,
		Action: r.Action, Target: r.Target, RequestDigest: r.RequestDigest, ResponseDigest: r.ResponseDigest,
		Subjects: r.Subjects, BeforeDigest: r.BeforeDigest, AfterDigest: r.AfterDigest, EffectsDigest: r.EffectsDigest,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

func fromAuditEntry(e compliance.AuditEntry) auditRow {
	return auditRow{Seq: e.Seq, LoggedAt: utc(e.At), Actor: e.Actor, Role: string(e.Role), IP: e.IP, Action: e.Action,
		Target: e.Target, RequestDigest: e.RequestDigest, ResponseDigest: e.ResponseDigest, Subjects: e.Subjects,
		BeforeDigest: e.BeforeDigest, AfterDigest: e.AfterDigest, EffectsDigest: e.EffectsDigest, PrevHash: e.PrevHash, Hash: e.Hash}
}

func toAuditEffect(r auditEffectRow) compliance.AuditEffect {
	return compliance.AuditEffect{Seq: r.Seq, Subject: compliance.AuditSubject{Kind: r.Kind, Key: r.SubjectKey},
		Before: r.BeforeDigest, After: r.AfterDigest}
}

// effectBatch is how many effects one INSERT carries: 7 columns a row stay
// under SQLite's oldest limit of 999 variables.
const effectBatch = 100

// effectRows are the rows of the effects of entry seq.
func effectRows(seq int64, effects []compliance.AuditEffect) []auditEffectRow {
	rows := make([]auditEffectRow, len(effects))
	for i, e := range effects {
		rows[i] = auditEffectRow{Seq: seq, Ord: i, Kind: e.Subject.Kind, Ref: compliance.SubjectRef(e.Subject),
			SubjectKey: e.Subject.Key, BeforeDigest: e.Before, AfterDigest: e.After}
	}
	return rows
}

// createEffects stores effect rows, effectBatch an INSERT.
func createEffects(tx *gorm.DB, rows []auditEffectRow) error {
	for i := 0; i < len(rows); i += effectBatch {
		part := rows[i:min(i+effectBatch, len(rows))]
		if err := tx.Create(&part).Error; err != nil {
			return err
		}
	}
	return nil
}

// AppendAudit implements compliance.AuditStore: in one transaction that
// holds the head, it sequences the entries pending before e (they arrived
// first), then e. Changes append with EnqueueAudit and leave the chain to
// the sequencer; AppendAudit is for callers that need e's place at once.
func (s *Audit) AppendAudit(ctx context.Context, e compliance.AuditEntry, key []byte) (compliance.AuditEntry, error) {
	var out compliance.AuditEntry
	err := s.withHead(ctx, func(tx *gorm.DB, head *compliance.AuditHead) error {
		for {
			n, err := sealPending(tx, head, key, sealBatch)
			if err != nil {
				return err
			}
			if n < sealBatch {
				break
			}
		}
		out = e.Chain(*head, key)
		row := fromAuditEntry(out)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := createEffects(tx, effectRows(out.Seq, out.Effects)); err != nil {
			return err
		}
		*head = compliance.AuditHead{Seq: out.Seq, Hash: out.Hash}
		return nil
	})
	if err != nil {
		return compliance.AuditEntry{}, wrap(err, "append audit entry")
	}
	return out, nil
}

// ListAudit implements compliance.AuditStore.
func (s *Audit) ListAudit(ctx context.Context, f compliance.AuditFilter) ([]compliance.AuditEntry, error) {
	q := s.db.WithContext(ctx).Model(&auditRow{})
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("logged_at >= ?", utc(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("logged_at < ?", utc(f.To))
	}
	if f.BeforeSeq > 0 {
		q = q.Where("seq < ?", f.BeforeSeq)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []auditRow
	if err := q.Order("seq DESC").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list audit entries")
	}
	return toAuditEntries(rows), nil
}

// AuditEntries implements compliance.AuditReader.
func (s *Audit) AuditEntries(ctx context.Context, after int64, limit int) ([]compliance.AuditEntry, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "read audit entries")
	}
	return toAuditEntries(rows), nil
}

// AuditEffects implements compliance.AuditReader.
func (s *Audit) AuditEffects(ctx context.Context, after, upTo int64) ([]compliance.AuditEffect, error) {
	return findAll(s.db.WithContext(ctx).Where("seq > ? AND seq <= ?", after, upTo).Order("seq, ord"), "read audit effects", toAuditEffect)
}

// AuditHistory implements compliance.AuditObjectStore: it reads the
// objects' keys first, then all their effects, through
// idx_audit_effect_object.
func (s *Audit) AuditHistory(ctx context.Context, kind string, after *compliance.AuditSubject, limit int, upTo int64) ([]compliance.AuditEffect, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&auditEffectRow{}).Distinct("ref", "subject_key").Where("kind = ? AND seq <= ?", kind, upTo)
	if after != nil {
		ref := compliance.SubjectRef(*after)
		q = q.Where("(ref > ? OR (ref = ? AND subject_key > ?))", ref, ref, after.Key)
	}
	var keys []struct {
		Ref        int64
		SubjectKey string
	}
	if err := q.Order("ref, subject_key").Limit(limit).Find(&keys).Error; err != nil {
		return nil, wrap(err, "read audit history keys of "+kind)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	last := keys[len(keys)-1]
	// The effects of the objects listed: those between the first and the
	// last key, in the index's order.
	q = db.Where("kind = ? AND seq <= ?", kind, upTo).
		Where("(ref > ? OR (ref = ? AND subject_key >= ?))", keys[0].Ref, keys[0].Ref, keys[0].SubjectKey).
		Where("(ref < ? OR (ref = ? AND subject_key <= ?))", last.Ref, last.Ref, last.SubjectKey)
	return findAll(q.Order("ref, subject_key, seq, ord"), "read audit history of "+kind, toAuditEffect)
}

// HasAuditEffects reports whether any entry recorded effects.
func (s *Audit) HasAuditEffects(ctx context.Context) (bool, error) {
	var rows []auditEffectRow
	if err := s.db.WithContext(ctx).Limit(1).Find(&rows).Error; err != nil {
		return false, wrap(err, "look for audit effects")
	}
	return len(rows) > 0, nil
}

// AuditHead implements compliance.AuditReader.
func (s *Audit) AuditHead(ctx context.Context) (compliance.AuditHead, error) {
	var head auditHeadRow
	if err := s.db.WithContext(ctx).Where("id = ?", 1).Take(&head).Error; err != nil {
		return compliance.AuditHead{}, wrap(err, "read audit head")
	}
	return compliance.AuditHead{Seq: head.Seq, Hash: head.Hash}, nil
}

func toAuditEntries(rows []auditRow) []compliance.AuditEntry {
	return convertAll(rows, toAuditEntry)
}
