package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// outboxRow is one event, written in the transaction of the change that
// causes it. Each consumer (the inbox, the webhooks) marks the events it has
// routed; a routed flag, unlike a cursor on seq, never skips an event that a
// slower transaction committed behind a newer one.
type outboxRow struct {
	Seq            int64     `gorm:"primaryKey;autoIncrement"`
	EventID        string    `gorm:"size:36;not null;uniqueIndex"`
	Name           string    `gorm:"size:40;not null"`
	At             time.Time `gorm:"not null"`
	DepartmentCode string    `gorm:"size:32;not null;default:''"`
	CaseNo         string    `gorm:"size:64;not null;default:''"`
	Account        string    `gorm:"size:64;not null;default:''"`
	// UniqueKey is a scheduled event's key; NULL for the others (NULLs
	// never collide in a unique index).
	UniqueKey   *string `gorm:"size:191;uniqueIndex"`
	Data        string  `gorm:"type:text;not null"`
	InboxRouted bool    `gorm:"not null;default:false;index"`
	HooksRouted bool    `gorm:"not null;default:false;index"`
}

func (outboxRow) TableName() string { return "outbox_events" }

func fromEvent(e compliance.Event) outboxRow {
	r := outboxRow{EventID: e.ID, Name: e.Name, At: utc(e.At), DepartmentCode: e.Department,
		CaseNo: e.CaseNo, Account: e.Account, Data: string(e.Data)}
	if e.Key != "" {
		k := e.Key
		r.UniqueKey = &k
	}
	if r.Data == "" {
		r.Data = "{}"
	}
	return r
}

func toEvent(r outboxRow) compliance.Event {
	e := compliance.Event{Seq: r.Seq, ID: r.EventID, Name: r.Name, At: r.At, Department: r.DepartmentCode,
		CaseNo: r.CaseNo, Account: r.Account, Data: []byte(r.Data)}
	if r.UniqueKey != nil {
		e.Key = *r.UniqueKey
	}
	return e
}

// appendEvents writes events in tx, the transaction of the change that
// causes them. A scheduled event whose key is stored already is skipped.
func appendEvents(tx *gorm.DB, events []compliance.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]outboxRow, len(events))
	for i, e := range events {
		rows[i] = fromEvent(e)
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, 50).Error
}

// AppendEvents writes events on their own: for scheduled events, which no
// other change causes.
func (s *Notifications) AppendEvents(ctx context.Context, events []compliance.Event) error {
	return wrap(s.transaction(ctx, func(tx *gorm.DB) error { return appendEvents(tx, events) }), "append events")
}
