package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

var _ compliance.IntentStore = (*Audit)(nil)

// auditIntentRow is one part of a change's audit intent (see
// compliance.AuditIntent): what its entry will say, and the keys of the
// followed objects written so far. Each transaction of the change inserts
// one part just before it commits, so a committed change always leaves
// one; the change's entry removes all its parts in the transaction that
// queues it. Parts are inserted, never updated: a sweep that commits many
// batches writes one small row a batch, each with the keys noted since the
// last one committed.
type auditIntentRow struct {
	Token         string    `gorm:"primaryKey;size:32"`
	Part          int64     `gorm:"primaryKey;autoIncrement:false"`
	At            time.Time `gorm:"not null"`
	Actor         string    `gorm:"size:64;not null"`
	Role          string    `gorm:"size:32;not null"`
	IP            string    `gorm:"size:64;not null"`
	Action        string    `gorm:"size:128;not null"`
	Target        string    `gorm:"size:512;not null"`
	RequestDigest string    `gorm:"size:64;not null"`
	Subjects      string    `gorm:"type:text"`
	BeforeDigest  string    `gorm:"size:64;not null"`
	Written       string    `gorm:"type:longtext"` // JSON of intentKeys
}

func (auditIntentRow) TableName() string { return "audit_intents" }

// intentKeys are the keys of a part, as stored in its JSON.
type intentKeys struct {
	Warnings [][2]string `json:"w,omitempty"` // case, dedupe
	IDs      []int64     `json:"i,omitempty"`
	Objects  [][2]string `json:"o,omitempty"` // kind, key
}

// changeIntent is the intent of the change a writeSet tracks.
type changeIntent struct {
	head  auditIntentRow // Token and the entry's fields
	parts atomic.Int64
	// flushed are the keys some committed part holds; committed tells
	// that a part was committed. Both under the writeSet's mu.
	flushed   writeKeys
	committed bool
	// asRead, for a change tracked with BeforeAsRead, is what it read of
	// its subjects (see beforestates.go).
	asRead *beforeAsRead
}

// intentPart is a part about to be written, with the keys it holds.
type intentPart struct {
	w    *writeSet
	row  auditIntentRow
	keys writeKeys
}

// TrackChange implements compliance.IntentStore.
func (s *Audit) TrackChange(ctx context.Context, in compliance.AuditIntent) (context.Context, compliance.Written) {
	ctx, written := s.TrackWrites(ctx)
	w := tracked(ctx)
	w.intent = &changeIntent{head: auditIntentRow{Token: randomToken(), Actor: in.Actor, Role: string(in.Role),
		IP: in.IP, Action: in.Action, Target: in.Target, RequestDigest: in.RequestDigest,
		Subjects: compliance.FormatSubjects(in.Subjects), BeforeDigest: in.BeforeDigest}}
	if in.BeforeAsRead {
		w.intent.asRead = &beforeAsRead{subjects: in.Subjects}
	}
	return ctx, written
}

// changeOf is the writeSet of the change ctx carries that has an intent;
// nil when none.
func changeOf(ctx context.Context) *writeSet {
	for w := tracked(ctx); w != nil; w = w.parent {
		if w.intent != nil {
			return w
		}
	}
	return nil
}

// untracked is ctx without the change it carries: the audit's own writes
// are no part of it.
func untracked(ctx context.Context) context.Context {
	return context.WithValue(ctx, writesKey{}, (*writeSet)(nil))
}

// part returns the next part of w's intent: the keys noted and not yet
// in a committed part.
func (w *writeSet) part(now time.Time) (intentPart, error) {
	in := w.intent
	p := intentPart{w: w, row: in.head}
	var k intentKeys
	w.mu.Lock()
	for key := range w.warnings {
		if !in.flushed.warnings[key] {
			p.keys.addWarning(key)
			k.Warnings = append(k.Warnings, [2]string{key.caseNo, key.dedupe})
		}
	}
	for id := range w.ids {
		if !in.flushed.ids[id] {
			p.keys.addID(id)
			k.IDs = append(k.IDs, id)
		}
	}
	for o := range w.objects {
		if !in.flushed.objects[o] {
			p.keys.addObject(o)
			k.Objects = append(k.Objects, [2]string{o.Kind, o.Key})
		}
	}
	if in.asRead != nil {
		p.row.BeforeDigest = in.asRead.beforeDigest()
	}
	w.mu.Unlock()
	b, err := json.Marshal(k)
	if err != nil {
		return intentPart{}, fmt.Errorf("audit intent: %w", err)
	}
	p.row.Part, p.row.At, p.row.Written = in.parts.Add(1), utc(now), string(b)
	return p, nil
}

// committed notes that the parts were committed.
func committed(parts []intentPart) {
	for _, p := range parts {
		w := p.w
		w.mu.Lock()
		w.intent.committed = true
		if a := w.intent.asRead; a != nil && a.digest == "" {
			a.digest = p.row.BeforeDigest
		}
		for k := range p.keys.warnings {
			w.intent.flushed.addWarning(k)
		}
		for id := range p.keys.ids {
			w.intent.flushed.addID(id)
		}
		for o := range p.keys.objects {
			w.intent.flushed.addObject(o)
		}
		w.mu.Unlock()
	}
}

// insertIntents writes parts in tx, with one statement for up to 100.
func insertIntents(tx *gorm.DB, parts []intentPart) error {
	if len(parts) == 0 {
		return nil
	}
	rows := make([]auditIntentRow, len(parts))
	for i, p := range parts {
		rows[i] = p.row
	}
	if err := tx.CreateInBatches(&rows, 100).Error; err != nil { // 12 columns a row
		return fmt.Errorf("write audit intent: %w", err)
	}
	return nil
}

// withIntent runs f in tx and then writes the intent's part of the change
// w tracks (nil: none), returning the part it wrote.
func withIntent(tx *gorm.DB, w *writeSet, f func(tx *gorm.DB) error) ([]intentPart, error) {
	if err := f(tx); err != nil || w == nil {
		return nil, err
	}
	p, err := w.part(time.Now())
	if err != nil {
		return nil, err
	}
	parts := []intentPart{p}
	return parts, insertIntents(tx, parts)
}

// errIntentTaken is an intent completed by someone else meanwhile.
var errIntentTaken = errors.New("audit intent completed meanwhile")

// DropChange removes the intent of the change ctx carries, which is not
// recorded (it was refused and wrote no followed object).
func (s *Audit) DropChange(ctx context.Context) error {
	w := tracked(ctx)
	if w == nil || w.intent == nil {
		return nil
	}
	w.mu.Lock()
	written := w.intent.committed
	w.mu.Unlock()
	if !written {
		return nil
	}
	return wrap(s.db.WithContext(untracked(ctx)).Where("token = ?", w.intent.head.Token).Delete(&auditIntentRow{}).Error,
		"remove an audit intent")
}

// StaleIntents implements compliance.IntentStore.
func (s *Audit) StaleIntents(ctx context.Context, olderThan time.Time, limit int) ([]compliance.StaleIntent, error) {
	db := s.db.WithContext(ctx)
	if !db.Migrator().HasTable(&auditIntentRow{}) {
		return nil, nil // a database an earlier version wrote, not migrated yet: no change wrote one
	}
	cutoff := utc(olderThan)
	var old []auditIntentRow
	if err := db.Select("token").Where("at < ?", cutoff).Order("at").Limit(4 * limit).Find(&old).Error; err != nil {
		return nil, wrap(err, "read stale audit intents")
	}
	var tokens []string
	for _, r := range old {
		if !slices.Contains(tokens, r.Token) && len(tokens) < limit {
			tokens = append(tokens, r.Token)
		}
	}
	if len(tokens) == 0 {
		return nil, nil
	}
	var rows []auditIntentRow
	if err := db.Where("token IN ?", tokens).Order("token").Order("part").Find(&rows).Error; err != nil {
		return nil, wrap(err, "read stale audit intents")
	}
	var out []compliance.StaleIntent
	for len(rows) > 0 {
		n := 1
		for n < len(rows) && rows[n].Token == rows[0].Token {
			n++
		}
		in, fresh, err := s.staleIntent(rows[:n], cutoff)
		if err != nil {
			return nil, err
		}
		if !fresh {
			out = append(out, in)
		}
		rows = rows[n:]
	}
	slices.SortFunc(out, func(a, b compliance.StaleIntent) int { return a.At.Compare(b.At) })
	return out, nil
}

// staleIntent is the intent whose parts are parts; fresh when one of them
// was written at or after cutoff (its change may still be running).
func (s *Audit) staleIntent(parts []auditIntentRow, cutoff time.Time) (compliance.StaleIntent, bool, error) {
	h := parts[0]
	in := compliance.StaleIntent{Token: h.Token, Parts: len(parts), Intent: compliance.AuditIntent{Actor: h.Actor,
		Role: compliance.Role(h.Role), IP: h.IP, Action: h.Action, Target: h.Target, RequestDigest: h.RequestDigest,
		Subjects: compliance.ParseSubjects(h.Subjects), BeforeDigest: h.BeforeDigest}}
	w := &writeSet{}
	for _, p := range parts {
		if !p.At.Before(cutoff) {
			return in, true, nil
		}
		if p.At.After(in.At) {
			in.At = p.At.UTC()
		}
		var k intentKeys
		if err := json.Unmarshal([]byte(p.Written), &k); err != nil {
			return in, false, fmt.Errorf("audit intent %s part %d: %w", p.Token, p.Part, err)
		}
		for _, wk := range k.Warnings {
			w.addWarning(warningKey{wk[0], wk[1]})
		}
		for _, id := range k.IDs {
			w.addID(id)
		}
		for _, o := range k.Objects {
			w.addObject(compliance.AuditSubject{Kind: o[0], Key: o[1]})
		}
	}
	in.Written = func(ctx context.Context) ([]compliance.AuditObject, error) { return s.written(ctx, w) }
	return in, false, nil
}

// CompleteIntent implements compliance.IntentStore: the conditional
// delete (all the parts read, or nothing) makes two nodes recovering at
// once, or a change's own entry arriving late, queue one entry.
func (s *Audit) CompleteIntent(ctx context.Context, in compliance.StaleIntent, e compliance.AuditEntry) (bool, error) {
	err := s.enqueue(untracked(ctx), e, func(tx *gorm.DB) error {
		res := tx.Where("token = ?", in.Token).Delete(&auditIntentRow{})
		if res.Error == nil && res.RowsAffected != int64(in.Parts) {
			return errIntentTaken
		}
		return res.Error
	})
	if errors.Is(err, errIntentTaken) {
		return false, nil
	}
	return err == nil, err
}

// registerIntentWrites adds the callbacks that write the intent of a
// tracked change before each of its statements that runs outside a
// transaction (a single INSERT, UPDATE or DELETE commits on its own): its
// part is written, committed, just before. A statement that then fails
// leaves a part for no change: the change's answer removes it (DropChange),
// or, if the node stops first, recovery records an entry for a change that
// may have made nothing, which says more than the log needs rather than
// less.
func registerIntentWrites(db *gorm.DB) error {
	write := func(tx *gorm.DB) {
		if tx.Error != nil || tx.Statement == nil || tx.Statement.Context == nil {
			return
		}
		w := changeOf(tx.Statement.Context)
		if w == nil {
			return
		}
		if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); inTx {
			return // our transaction wrapper writes the part before it commits
		}
		p, err := w.part(time.Now())
		if err == nil {
			parts := []intentPart{p}
			ctx := untracked(tx.Statement.Context)
			if _, held := tx.InstanceGet(gateKey); held {
				ctx = context.WithValue(ctx, gateHeld{}, true) // SQLite: the statement holds the write gate
			}
			err = insertIntents(tx.Session(&gorm.Session{NewDB: true, Context: ctx}), parts)
			if err == nil {
				committed(parts)
			}
		}
		if err != nil {
			_ = tx.AddError(err) // the statement is not run: it could not be recorded
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("powercheck:intent_create", write),
		cb.Update().Before("gorm:update").Register("powercheck:intent_update", write),
		cb.Delete().Before("gorm:delete").Register("powercheck:intent_delete", write),
		cb.Raw().Before("gorm:raw").Register("powercheck:intent_raw", write),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
