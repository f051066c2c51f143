package sqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

var _ compliance.AuditStore = (*Store)(nil)

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
	PrevHash       string    `gorm:"size:64;not null"`
	Hash           string    `gorm:"size:64;not null"`
}

func (auditRow) TableName() string { return "audit_log" }

// auditHeadRow is the single row (ID 1) that holds the end of the chain.
// Appends lock it, which makes them take turns across every node.
type auditHeadRow struct {
	ID   int64  `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"size:64;not null"`
}

func (auditHeadRow) TableName() string { return "audit_head" }

func toAuditEntry(r auditRow) compliance.AuditEntry {
	return compliance.AuditEntry{Seq: r.Seq, At: r.LoggedAt.UTC(), Actor: r.Actor, Role: compliance.Role(r.Role), IP: r.IP,
		Action: r.Action, Target: r.Target, RequestDigest: r.RequestDigest, ResponseDigest: r.ResponseDigest,
		Subjects: r.Subjects, BeforeDigest: r.BeforeDigest, AfterDigest: r.AfterDigest, PrevHash: r.PrevHash, Hash: r.Hash}
}

func fromAuditEntry(e compliance.AuditEntry) auditRow {
	return auditRow{Seq: e.Seq, LoggedAt: utc(e.At), Actor: e.Actor, Role: string(e.Role), IP: e.IP, Action: e.Action,
		Target: e.Target, RequestDigest: e.RequestDigest, ResponseDigest: e.ResponseDigest, Subjects: e.Subjects,
		BeforeDigest: e.BeforeDigest, AfterDigest: e.AfterDigest, PrevHash: e.PrevHash, Hash: e.Hash}
}

// AppendAudit implements compliance.AuditStore. The head row is read with
// SELECT … FOR UPDATE on MySQL, so an append on another node waits for this
// one to commit; on SQLite, s.transaction already admits one writer at a
// time. The head row is created, outside the transaction, by the first
// append that finds none; a transaction that MySQL rolls back to break a
// deadlock is run again.
func (s *Store) AppendAudit(ctx context.Context, e compliance.AuditEntry, key []byte) (compliance.AuditEntry, error) {
	var out compliance.AuditEntry
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		err = s.transaction(ctx, func(tx *gorm.DB) error {
			var head auditHeadRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", 1).Take(&head).Error; err != nil {
				return err
			}
			out = e.Chain(compliance.AuditHead{Seq: head.Seq, Hash: head.Hash}, key)
			row := fromAuditEntry(out)
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			return tx.Model(&auditHeadRow{}).Where("id = ?", 1).
				Updates(map[string]any{"seq": out.Seq, "hash": out.Hash}).Error
		})
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			// The first append ever: create the empty head (once, whoever
			// wins) and go again.
			cerr := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&auditHeadRow{ID: 1}).Error
			if cerr != nil {
				return compliance.AuditEntry{}, wrap(cerr, "create audit head")
			}
			continue
		case isDeadlock(err):
			continue
		}
		break
	}
	if err != nil {
		return compliance.AuditEntry{}, wrap(err, "append audit entry")
	}
	return out, nil
}

// ListAudit implements compliance.AuditStore.
func (s *Store) ListAudit(ctx context.Context, f compliance.AuditFilter) ([]compliance.AuditEntry, error) {
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
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]compliance.AuditEntry, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "read audit entries")
	}
	return toAuditEntries(rows), nil
}

// AuditHead implements compliance.AuditReader.
func (s *Store) AuditHead(ctx context.Context) (compliance.AuditHead, error) {
	var head auditHeadRow
	if err := s.db.WithContext(ctx).Where("id = ?", 1).Take(&head).Error; err != nil {
		return compliance.AuditHead{}, wrap(err, "read audit head")
	}
	return compliance.AuditHead{Seq: head.Seq, Hash: head.Hash}, nil
}

func toAuditEntries(rows []auditRow) []compliance.AuditEntry {
	out := make([]compliance.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = toAuditEntry(r)
	}
	return out
}
