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
	if b := bufferIn[outboxRow](tx.Statement.Context); b != nil {
		b.rows = append(b.rows, rows...)
		return nil
	}
	return insertEvents(tx, rows)
}

// eventBatch is how many events one INSERT carries: at 10 columns a row,
// 90 rows stay under SQLite's oldest limit of 999 variables.
const eventBatch = 90

// insertEvents inserts outbox rows, skipping those whose unique key is
// taken, in as few statements as eventBatch allows.
func insertEvents(tx *gorm.DB, rows []outboxRow) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, eventBatch).Error
}

// rowBuffer holds rows of type T until they are inserted together: the
// outbox rows of a step, or of a group of steps (inserted in one statement
// at the step's end, or at the group's end for the steps that were
// stored), and the rows of a group's steps (see storeJobs). Their order is
// the order they were appended in, as when each was inserted at once.
type rowBuffer[T any] struct{ rows []T }

// eventBuffer holds outbox rows.
type eventBuffer = rowBuffer[outboxRow]

// bufferKey is the context key of the rowBuffer of T.
type bufferKey[T any] struct{}

// bufferIn returns the buffer of T rows ctx carries, or nil.
func bufferIn[T any](ctx context.Context) *rowBuffer[T] {
	if ctx == nil {
		return nil
	}
	b, _ := ctx.Value(bufferKey[T]{}).(*rowBuffer[T])
	return b
}

// withBuffer returns ctx carrying b, the buffer of T rows that the
// statements under ctx fill instead of inserting them.
func withBuffer[T any](ctx context.Context, b *rowBuffer[T]) context.Context {
	return context.WithValue(ctx, bufferKey[T]{}, b)
}

// collectEvents returns tx whose appended events wait in a buffer of their
// own, and the function that, once the step is stored, hands them to the
// buffer of the group tx belongs to, or inserts them when there is none.
// A step that fails never calls it: its events are dropped with it.
func collectEvents(tx *gorm.DB) (*gorm.DB, func() error) {
	b := &eventBuffer{}
	parent := bufferIn[outboxRow](tx.Statement.Context)
	out := tx.WithContext(withBuffer(tx.Statement.Context, b))
	if parent != nil {
		return out, func() error { parent.rows = append(parent.rows, b.rows...); return nil }
	}
	return out, func() error { return insertEvents(tx, b.rows) }
}

// AppendEvents writes events on their own: for scheduled events, which no
// other change causes.
func (s *Notifications) AppendEvents(ctx context.Context, events []compliance.Event) error {
	return wrap(s.transaction(ctx, func(tx *gorm.DB) error { return appendEvents(tx, events) }), "append events")
}
