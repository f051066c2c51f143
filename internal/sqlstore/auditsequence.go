package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// auditPendingRow is an audit entry appended but not yet sequenced: a
// change writes it with one INSERT and takes no lock, and the sequencer
// moves it into audit_log, in the order of ID, chained to the head.
type auditPendingRow struct {
	ID             int64     `gorm:"primaryKey;autoIncrement"`
	LoggedAt       time.Time `gorm:"not null"`
	Actor          string    `gorm:"size:64;not null"`
	Role           string    `gorm:"size:32;not null"`
	IP             string    `gorm:"size:64;not null"`
	Action         string    `gorm:"size:128;not null"`
	Target         string    `gorm:"size:512;not null"`
	RequestDigest  string    `gorm:"size:64;not null"`
	ResponseDigest string    `gorm:"size:64;not null"`
	Subjects       string    `gorm:"size:512;not null;default:''"`
	BeforeDigest   string    `gorm:"size:64;not null;default:''"`
	AfterDigest    string    `gorm:"size:64;not null;default:''"`
	EffectsDigest  string    `gorm:"size:64;not null;default:''"`
	Effects        string    `gorm:"type:longtext"` // JSON of pendingEffect; the digest above covers them
	// EffectsApart: the effects, too many for one row, are in
	// audit_pending_effects instead of Effects.
	EffectsApart bool `gorm:"not null;default:false"`
}

func (auditPendingRow) TableName() string { return "audit_pending" }

// pendingEffect is one effect of a pending entry, as stored in its JSON.
type pendingEffect struct {
	Kind   string `json:"k"`
	Key    string `json:"s"`
	Before string `json:"b,omitempty"`
	After  string `json:"a"`
}

// auditSequencerRow is the single row (ID 1) of the sequencer's lease: the
// node that holds it until Until sequences the log; another may take it
// once it expired. A lease, not a connection's lock, so that a node whose
// connection drops loses it only when it stops renewing it.
type auditSequencerRow struct {
	ID     int64     `gorm:"primaryKey;autoIncrement:false"`
	Holder string    `gorm:"size:128;not null;default:''"`
	Until  time.Time `gorm:"not null"`
}

func (auditSequencerRow) TableName() string { return "audit_sequencer" }

func toPendingRow(e compliance.AuditEntry) (auditPendingRow, error) {
	row := auditPendingRow{LoggedAt: utc(e.At), Actor: e.Actor, Role: string(e.Role), IP: e.IP, Action: e.Action,
		Target: e.Target, RequestDigest: e.RequestDigest, ResponseDigest: e.ResponseDigest, Subjects: e.Subjects,
		BeforeDigest: e.BeforeDigest, AfterDigest: e.AfterDigest, EffectsDigest: e.EffectsDigest}
	if len(e.Effects) > inlineEffects {
		row.EffectsApart = true
		return row, nil
	}
	effects := make([]pendingEffect, len(e.Effects))
	for i, f := range e.Effects {
		effects[i] = pendingEffect{Kind: f.Subject.Kind, Key: f.Subject.Key, Before: f.Before, After: f.After}
	}
	b, err := json.Marshal(effects)
	if err != nil {
		return auditPendingRow{}, err
	}
	row.Effects = string(b)
	return row, nil
}

// entry is the pending entry r; apart are its effects when they were
// stored apart.
func (r auditPendingRow) entry(apart []pendingEffect) (compliance.AuditEntry, error) {
	effects := apart
	if !r.EffectsApart && r.Effects != "" {
		if err := json.Unmarshal([]byte(r.Effects), &effects); err != nil {
			return compliance.AuditEntry{}, fmt.Errorf("pending audit entry %d: effects: %w", r.ID, err)
		}
	}
	e := compliance.AuditEntry{At: r.LoggedAt.UTC(), Actor: r.Actor, Role: compliance.Role(r.Role), IP: r.IP,
		Action: r.Action, Target: r.Target, RequestDigest: r.RequestDigest, ResponseDigest: r.ResponseDigest,
		Subjects: r.Subjects, BeforeDigest: r.BeforeDigest, AfterDigest: r.AfterDigest, EffectsDigest: r.EffectsDigest}
	for _, f := range effects {
		e.Effects = append(e.Effects, compliance.AuditEffect{Subject: compliance.AuditSubject{Kind: f.Kind, Key: f.Key},
			Before: f.Before, After: f.After})
	}
	return e, nil
}

// sealBatch is how many pending entries one pass of the sequencer moves at
// most: their ids fit one IN list under SQLite's oldest variable limit.
const sealBatch = 500

// errSealRace is a pass that found some of its pending entries taken by
// another sequencer meanwhile; it is rolled back and run again.
var errSealRace = errors.New("pending audit entries sequenced by another node meanwhile")

// EnqueueAudit implements compliance.AuditQueue: durable when it returns,
// with no lock on the head; the entries recorded at once are inserted
// together (see auditWriter). Under a change that TrackChange tracks, it
// also removes the change's intent, in the same transaction.
func (s *Audit) EnqueueAudit(ctx context.Context, e compliance.AuditEntry) error {
	row, err := toPendingRow(e)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	j := &auditJob{e: e, row: row}
	// Only the change's own entry completes it: an entry recorded under a
	// context tracked inside it (a job's) is another.
	if w := tracked(ctx); w != nil && w.intent != nil {
		w.mu.Lock()
		if w.intent.committed {
			j.token = w.intent.head.Token
		}
		w.mu.Unlock()
	}
	return s.audits.write(ctx, j)
}

// enqueue appends e to the queue; first, when given, runs in the same
// transaction before it.
func (s *Audit) enqueue(ctx context.Context, e compliance.AuditEntry, first func(tx *gorm.DB) error) error {
	row, err := toPendingRow(e)
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if !row.EffectsApart && first == nil {
		return wrap(s.db.WithContext(ctx).Create(&row).Error, "append audit entry")
	}
	return wrap(s.transaction(ctx, func(tx *gorm.DB) error {
		if first != nil {
			if err := first(tx); err != nil {
				return err
			}
		}
		r := row // a transaction run again inserts afresh
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if !r.EffectsApart {
			return nil
		}
		return createPendingEffects(tx, r.ID, e.Effects)
	}), "append audit entry")
}

// SequenceAudit implements compliance.AuditQueue. The head row is locked
// for the pass (SELECT … FOR UPDATE on MySQL; SQLite admits one writer), so
// passes of several sequencers, on any node, take turns and never give a
// sequence number twice; the pending entries are read only once the lock is
// held, so a pass sees what the one before it left. A pass that finds no
// pending entry takes no lock.
func (s *Audit) SequenceAudit(ctx context.Context, key []byte, limit int) (int, error) {
	if limit <= 0 || limit > sealBatch {
		limit = sealBatch
	}
	var first []auditPendingRow
	if err := s.db.WithContext(ctx).Select("id").Order("id").Limit(1).Find(&first).Error; err != nil {
		return 0, wrap(err, "look for pending audit entries")
	}
	if len(first) == 0 {
		return 0, nil
	}
	var n int
	err := s.withHead(ctx, func(tx *gorm.DB, head *compliance.AuditHead) error {
		var err error
		n, err = sealPending(tx, head, key, limit)
		return err
	})
	if err != nil {
		return 0, wrap(err, "sequence audit entries")
	}
	return n, nil
}

// withHead runs f in a transaction that holds the head row, and stores the
// head f leaves. The head row is created, outside the transaction, by the
// first pass that finds none; a transaction that MySQL rolls back to break
// a deadlock, or that lost a race for pending entries, is run again.
func (s *Audit) withHead(ctx context.Context, f func(tx *gorm.DB, head *compliance.AuditHead) error) error {
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		err = s.transaction(ctx, func(tx *gorm.DB) error {
			var row auditHeadRow
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", 1).Take(&row).Error; err != nil {
				return err
			}
			head := compliance.AuditHead{Seq: row.Seq, Hash: row.Hash}
			if err := f(tx, &head); err != nil {
				return err
			}
			if head == (compliance.AuditHead{Seq: row.Seq, Hash: row.Hash}) {
				return nil
			}
			return tx.Model(&auditHeadRow{}).Where("id = ?", 1).
				Updates(map[string]any{"seq": head.Seq, "hash": head.Hash}).Error
		})
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			// The first entry ever: create the empty head (once, whoever
			// wins) and go again.
			cerr := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&auditHeadRow{ID: 1}).Error
			if cerr != nil {
				return fmt.Errorf("create audit head: %w", cerr)
			}
			continue
		case errors.Is(err, errSealRace): // lost conflicts are run again by transaction
			continue
		}
		break
	}
	return err
}

// sealPending chains up to limit pending entries, oldest first, after
// head, stores them and their effects in audit_log and audit_effects, and
// removes them from audit_pending; head is left at the last one.
func sealPending(tx *gorm.DB, head *compliance.AuditHead, key []byte, limit int) (int, error) {
	var pending []auditPendingRow
	if err := tx.Order("id").Limit(limit).Find(&pending).Error; err != nil {
		return 0, err
	}
	if len(pending) == 0 {
		return 0, nil
	}
	apart, err := pendingEffectsOf(tx, pending)
	if err != nil {
		return 0, err
	}
	rows := make([]auditRow, len(pending))
	ids := make([]int64, len(pending))
	var effects []auditEffectRow
	for i, p := range pending {
		e, err := p.entry(apart[p.ID])
		if err != nil {
			return 0, err
		}
		e = e.Chain(*head, key)
		*head = compliance.AuditHead{Seq: e.Seq, Hash: e.Hash}
		rows[i], ids[i] = fromAuditEntry(e), p.ID
		effects = append(effects, effectRows(e.Seq, e.Effects)...)
	}
	// Removed first: a pass that lost some of them to another sequencer
	// stores nothing.
	res := tx.Where("id IN ?", ids).Delete(&auditPendingRow{})
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected != int64(len(ids)) {
		return 0, errSealRace
	}
	if err := deletePendingEffects(tx, apart); err != nil {
		return 0, err
	}
	if err := tx.CreateInBatches(&rows, 50).Error; err != nil { // 15 columns a row
		return 0, err
	}
	if err := createEffects(tx, effects); err != nil {
		return 0, err
	}
	return len(pending), nil
}

// AuditBacklog implements compliance.AuditQueue.
func (s *Audit) AuditBacklog(ctx context.Context) (compliance.AuditBacklog, error) {
	db := s.db.WithContext(ctx)
	var b compliance.AuditBacklog
	if !db.Migrator().HasTable(&auditPendingRow{}) {
		return b, nil // a database an earlier version wrote, not migrated yet: it queues nothing
	}
	if err := db.Model(&auditPendingRow{}).Count(&b.Count).Error; err != nil {
		return b, wrap(err, "count pending audit entries")
	}
	if b.Count == 0 {
		return b, nil
	}
	// The first in the queue, the last, and the one that waits longest
	// (entries of several nodes are stamped by their own clocks).
	var first, last, oldest []auditPendingRow
	if err := db.Select("id").Order("id").Limit(1).Find(&first).Error; err != nil {
		return b, wrap(err, "read the first pending audit entry")
	}
	if err := db.Select("id").Order("id DESC").Limit(1).Find(&last).Error; err != nil {
		return b, wrap(err, "read the last pending audit entry")
	}
	if err := db.Select("id", "logged_at").Order("logged_at").Limit(1).Find(&oldest).Error; err != nil {
		return b, wrap(err, "read the oldest pending audit entry")
	}
	if len(first) > 0 && len(last) > 0 && len(oldest) > 0 {
		b.OldestID, b.NewestID, b.Oldest = first[0].ID, last[0].ID, oldest[0].LoggedAt.UTC()
	}
	return b, nil
}

// ClaimAuditSequencer implements compliance.AuditLease: holder takes the
// lease, or renews it, when it is free, expired or its own.
func (s *Audit) ClaimAuditSequencer(ctx context.Context, holder string, now time.Time, ttl time.Duration) (bool, error) {
	for attempt := 0; attempt < 2; attempt++ {
		res := s.db.WithContext(ctx).Model(&auditSequencerRow{}).Where("id = ? AND (holder = ? OR until < ?)", 1, holder, utc(now)).
			Updates(map[string]any{"holder": holder, "until": utc(now.Add(ttl))})
		if retryable(res.Error) {
			return false, nil // on Galera: another node's claim won certification
		}
		if res.Error != nil {
			return false, wrap(res.Error, "claim the audit sequencer's lease")
		}
		if res.RowsAffected == 1 {
			return true, nil
		}
		var n int64
		if err := s.db.WithContext(ctx).Model(&auditSequencerRow{}).Where("id = ?", 1).Count(&n).Error; err != nil {
			return false, wrap(err, "read the audit sequencer's lease")
		}
		if n > 0 {
			return false, nil // another node holds it
		}
		err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&auditSequencerRow{ID: 1, Until: time.Unix(0, 0).UTC()}).Error
		if retryable(err) {
			continue // on Galera: another node created it at the same time
		}
		if err != nil {
			return false, wrap(err, "create the audit sequencer's lease")
		}
	}
	return false, nil
}

// ReleaseAuditSequencer implements compliance.AuditLease.
func (s *Audit) ReleaseAuditSequencer(ctx context.Context, holder string) error {
	return wrap(s.db.WithContext(ctx).Model(&auditSequencerRow{}).Where("id = ? AND holder = ?", 1, holder).
		Update("until", time.Unix(0, 0).UTC()).Error, "release the audit sequencer's lease")
}

// AuditSequencerLease implements compliance.AuditLease.
func (s *Audit) AuditSequencerLease(ctx context.Context) (string, time.Time, error) {
	var rows []auditSequencerRow
	if err := s.db.WithContext(ctx).Where("id = ?", 1).Limit(1).Find(&rows).Error; err != nil {
		return "", time.Time{}, wrap(err, "read the audit sequencer's lease")
	}
	if len(rows) == 0 {
		return "", time.Time{}, nil
	}
	return rows[0].Holder, rows[0].Until.UTC(), nil
}
