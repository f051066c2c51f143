package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// conflictRetries bounds how many times a transaction that lost a conflict
// is run again before its error reaches the caller.
const conflictRetries = 8

// retryable reports an error after which the whole transaction, run again
// from its start, may succeed: MySQL rolled it back to break a deadlock
// (1213) or a lock wait ran out (1205); on a Galera cluster, another node's
// transaction won certification (reported as 1213) or this node is not
// ready to apply writes for a moment (1047, while it rejoins). TiDB, which
// speaks MySQL's protocol, reports its write conflicts as 8002, 8005 and
// 9007 and a commit rolled back (8022) or overtaken by a schema change
// (8028), each safe to run again whole (docs/scale.md); MySQL and MariaDB
// use none of these numbers.
func retryable(err error) bool {
	var me *mysqldrv.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1213, 1205, 1047, 8002, 8005, 8022, 8028, 9007:
		return true
	case 1064:
		// MariaDB refused the statement because the triggers of a table it
		// opened did not parse. On a Galera node, while many sessions open
		// a table with triggers at once (after FLUSH TABLES, for one), a
		// session now and then reads their definitions garbled ("Query was
		// empty", a definition cut short) and fails before it changes
		// anything; the next open reads them whole (docs/scale.md). Our
		// own statements' syntax errors carry other messages and are not
		// run again.
		return triggerMisread(me.Message)
	}
	return false
}

// triggerMisread reports MariaDB's message of a trigger whose definition
// did not parse (ER_ERROR_IN_TRIGGER_BODY, ER_ERROR_IN_UNKNOWN_TRIGGER_BODY).
func triggerMisread(msg string) bool {
	return strings.HasPrefix(msg, "Unknown trigger has an error in its body") ||
		(strings.HasPrefix(msg, "Trigger '") && strings.Contains(msg, "' has an error in its body"))
}

// retry runs f, and runs it again while it fails with a retryable
// conflict, up to conflictRetries times, after a random pause that grows
// with the attempts so that two nodes do not meet again in step. f must be
// a whole transaction (or one statement): what it did is rolled back when
// it fails, so running it again never repeats half of it.
func retry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if !retryable(err) || attempt == conflictRetries || ctx.Err() != nil {
			return err
		}
		if !pause(ctx, 5<<min(attempt, 5)) {
			return err
		}
	}
}

// pause waits 1 to n milliseconds, at random so that two waiters do not
// meet again in step; false when ctx ended first.
func pause(ctx context.Context, n int) bool {
	t := time.NewTimer(time.Duration(1+rand.IntN(n)) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// transaction runs f in a transaction, one at a time on SQLite, and runs
// it again, whole, when it loses a conflict (see retryable). f may run
// more than once: it must set whatever it reports from scratch.
func (c *conn) transaction(ctx context.Context, f func(tx *gorm.DB) error) error {
	return retry(ctx, func() error { return c.transactionOnce(ctx, f) })
}

// transactionOnce runs f in a transaction, one at a time on SQLite, once:
// for callers that handle a lost conflict themselves. Under a change that
// TrackChange tracks, the change's intent is written in it, after f.
func (c *conn) transactionOnce(ctx context.Context, f func(tx *gorm.DB) error) error {
	if c.writes != nil {
		if err := c.writes.enter(ctx); err != nil {
			return err
		}
		defer c.writes.leave()
	}
	w := changeOf(ctx)
	if w == nil {
		return c.db.WithContext(ctx).Transaction(f)
	}
	// A change the audit tracks writes its intent in each of its
	// transactions, so that none commits without it.
	var parts []intentPart
	err := c.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		parts, err = withIntent(tx, w, f)
		return err
	})
	if err == nil {
		committed(parts)
	}
	return err
}

// detectGalera reports whether db is a node of a Galera cluster
// (wsrep_on is ON). Plain MySQL lacks the variable; MariaDB without a
// cluster has it OFF.
func detectGalera(ctx context.Context, db *gorm.DB) (bool, error) {
	var rows []struct {
		VariableName string `gorm:"column:Variable_name"`
		Value        string `gorm:"column:Value"`
	}
	if err := db.WithContext(ctx).Raw("SHOW VARIABLES LIKE 'wsrep_on'").Scan(&rows).Error; err != nil {
		return false, err
	}
	return len(rows) == 1 && (rows[0].Value == "ON" || rows[0].Value == "1"), nil
}

// Galera reports whether the store is on a node of a Galera cluster.
func (s *Store) Galera() bool { return s.galera }
