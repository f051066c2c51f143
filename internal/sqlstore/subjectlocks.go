package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SubjectLocks are named locks that hold across every node on one
// database: the audit takes one per changed object, from reading its state
// before a change to reading it after, so that changes to one object
// through several nodes take turns.
//
// On MySQL a lock is a server lock (GET_LOCK) held by a connection set
// aside for it, so it ends with that connection if its node dies. On SQLite
// the nodes share one file on one machine, and a lock is a byte of a file
// beside it locked with an open-file-description lock (Linux), which the
// kernel drops when its holder dies. On a Galera cluster, where GET_LOCK
// holds on one node only, a lock is a lease row (see subjectLeaseRow).
type SubjectLocks struct {
	dialect string
	galera  bool
	db      *sql.DB
	gdb     *gorm.DB
	// conns bounds the connections set aside for held and awaited locks,
	// so that the changes holding them still find connections to work
	// with.
	conns chan struct{}
	file  *slotFile // SQLite; nil: locks hold within this process only
}

// lockConns is how many MySQL connections, of the pool's 64, may hold or
// wait for subject locks at once.
const lockConns = 8

// ErrLockTimeout is returned when a lock was not had within the wait.
var ErrLockTimeout = errors.New("subject lock: wait ran out")

// NewSubjectLocks returns the subject locks of the database s is on. On
// SQLite it opens (creating it) a lock file beside the database file; close
// it with Close.
func NewSubjectLocks(ctx context.Context, s *Store) (*SubjectLocks, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	l := &SubjectLocks{dialect: s.dialect, galera: s.galera, db: sqlDB, gdb: s.db, conns: make(chan struct{}, lockConns)}
	if s.dialect != "sqlite" {
		return l, nil
	}
	var path string
	rows, err := s.db.WithContext(ctx).Raw("PRAGMA database_list").Rows()
	if err != nil {
		return nil, wrap(err, "subject locks: database file")
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return nil, wrap(err, "subject locks: database file")
		}
		if name == "main" {
			path = file
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "subject locks: database file")
	}
	if path == "" {
		return l, nil // in memory: no other process can open it
	}
	if l.file, err = openSlotFile(path + ".locks"); err != nil {
		return nil, fmt.Errorf("subject locks: %w", err)
	}
	return l, nil
}

// CrossProcess reports whether the locks hold across processes; they do
// not on SQLite in memory or on a system without open-file-description
// locks.
func (l *SubjectLocks) CrossProcess() bool { return l.dialect == "mysql" || l.file != nil }

// Close releases the lock file, if any.
func (l *SubjectLocks) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.close()
}

// Lock takes the locks named, waiting at most wait for all of them, and
// returns their release. When the wait runs out it returns an error that
// wraps ErrLockTimeout, holding nothing. Where CrossProcess is false it
// takes nothing: the callers of one process order themselves.
func (l *SubjectLocks) Lock(ctx context.Context, names []string, wait time.Duration) (func(), error) {
	names = slices.Compact(slices.Sorted(slices.Values(names))) // one order everywhere: no deadlock
	if len(names) == 0 {
		return func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if l.galera {
		return l.lockLeases(ctx, names, wait)
	}
	if l.dialect == "mysql" {
		return l.lockMySQL(ctx, names, wait)
	}
	if l.file == nil {
		return func() {}, nil
	}
	return l.file.lock(ctx, slotsOf(names), wait)
}

// serverLockName is the name of a subject's server lock: a digest of the
// database's name and the subject, since server locks are shared by every
// database of the server, and at most 64 characters long.
const serverLockName = "CONCAT('powercheck/', LEFT(SHA2(CONCAT(COALESCE(DATABASE(), ''), '/', ?), 256), 40))"

func (l *SubjectLocks) lockMySQL(ctx context.Context, names []string, wait time.Duration) (func(), error) {
	select {
	case l.conns <- struct{}{}:
	case <-ctx.Done():
		return nil, lockErr(ctx, names, wait)
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		<-l.conns
		if ctx.Err() != nil {
			return nil, lockErr(ctx, names, wait)
		}
		return nil, wrap(err, "subject lock")
	}
	held := 0
	release := func() {
		// Released whatever the caller's context: a lock left held would
		// stall the object's changes until the connection is closed.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var failed bool
		for _, n := range slices.Backward(names[:held]) {
			if _, err := conn.ExecContext(rctx, "DO RELEASE_LOCK("+serverLockName+")", n); err != nil {
				failed = true
				break
			}
		}
		if failed {
			// Dropping the connection releases its locks on the server.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
		<-l.conns
	}
	for _, n := range names {
		seconds := time.Until(deadline(ctx)).Seconds()
		var got sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+serverLockName+", ?)", n, max(seconds, 0)).Scan(&got)
		switch {
		case err == nil && got.Valid && got.Int64 == 1:
			held++
			continue
		case err == nil && got.Valid: // 0: the server's wait ran out
			err = timeoutErr(names, wait)
		case err == nil:
			err = fmt.Errorf("subject lock %s: the server refused it", n)
		case ctx.Err() != nil:
			err = lockErr(ctx, names, wait)
		default:
			err = wrap(err, "subject lock")
		}
		release()
		return nil, err
	}
	return release, nil
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// lockErr says why the locks were not had: the wait ran out, or the caller
// went away.
func lockErr(ctx context.Context, names []string, wait time.Duration) error {
	if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("subject lock %s: %w", strings.Join(names, ", "), err)
	}
	return timeoutErr(names, wait)
}

// timeoutErr wraps ErrLockTimeout and, for callers that know only the
// standard library, context.DeadlineExceeded.
func timeoutErr(names []string, wait time.Duration) error {
	return fmt.Errorf("%w: %s not had within %v: %w", ErrLockTimeout, strings.Join(names, ", "), wait, context.DeadlineExceeded)
}

// lockSlots is how many bytes of the lock file subjects share: two
// subjects on one byte take turns, which costs a wait, never correctness.
const lockSlots = 1024

// slotsOf returns the sorted, distinct bytes of the lock file that hold
// names; the hash is the same in every process.
func slotsOf(names []string) []int64 {
	var out []int64
	for _, n := range names {
		h := fnv.New64a()
		h.Write([]byte(n))
		out = append(out, int64(h.Sum64()%lockSlots))
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
}
