package sqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// writeGate lets one writer at a time into an SQLite database. SQLite
// allows one writer anyway; a writer kept out waits in its busy handler,
// which sleeps up to 100 ms between tries and gives up after busy_timeout.
// While a step writer's groups follow each other back to back, such a
// waiter may find the database locked at every try and fail after 10 s.
// Waiting here instead is a queue: a write transaction (conn.transaction)
// and a single write statement outside one (through the callbacks that
// gate registers) each take their turn.
type writeGate chan struct{}

func newWriteGate() writeGate { return make(writeGate, 1) }

// enter waits for the gate, or for ctx to end.
func (g writeGate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g writeGate) leave() { <-g }

// gateWaitLimit bounds how long a single statement outside a transaction
// waits for the gate. Past it the statement goes on and SQLite's busy
// handler decides, as without the gate: a statement that some code runs
// outside a transaction that it holds open itself waits once, not forever.
const gateWaitLimit = 10 * time.Second

const gateKey = "powercheck:write_gate"

// gateHeld marks the context of a statement run, outside a transaction,
// on behalf of one that holds the gate already: it must not wait for it.
type gateHeld struct{}

// gateStatements registers callbacks that take g around every write
// statement (create, update, delete, raw exec) that runs outside a
// transaction; statements in one already hold it (conn.transaction).
func gateStatements(db *gorm.DB, g writeGate) error {
	before := func(tx *gorm.DB) {
		if inTransaction(tx) {
			return
		}
		ctx := tx.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if ctx.Value(gateHeld{}) != nil {
			return // a statement run for one that holds the gate (an audit intent)
		}
		ctx, cancel := context.WithTimeout(ctx, gateWaitLimit)
		defer cancel()
		if g.enter(ctx) == nil {
			tx.InstanceSet(gateKey, true)
		}
	}
	after := func(tx *gorm.DB) {
		if _, ok := tx.InstanceGet(gateKey); ok {
			g.leave()
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Create().Before("*").Register("powercheck:gate_enter", before),
		cb.Create().After("*").Register("powercheck:gate_leave", after),
		cb.Update().Before("*").Register("powercheck:gate_enter", before),
		cb.Update().After("*").Register("powercheck:gate_leave", after),
		cb.Delete().Before("*").Register("powercheck:gate_enter", before),
		cb.Delete().After("*").Register("powercheck:gate_leave", after),
		cb.Raw().Before("*").Register("powercheck:gate_enter", before),
		cb.Raw().After("*").Register("powercheck:gate_leave", after),
	)
}

// inTransaction reports whether tx's statements run in a transaction.
func inTransaction(tx *gorm.DB) bool {
	_, ok := tx.Statement.ConnPool.(interface{ Commit() error })
	return ok
}
