package sqlstoretest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"powercheck/internal/sqlstore"
)

// Statements counts what a store sends to its database while it is on:
// each statement by its first keyword, and each transaction's begin,
// commit and rollback. It sits between gorm and the connection pool, so
// it sees every round trip, whichever gorm method sent it.
type Statements struct {
	on     atomic.Bool
	mu     sync.Mutex
	counts map[string]int64
	texts  []string
}

// CountStatements puts a counter between st's gorm and its connections.
// Counting starts off; Start turns it on.
func CountStatements(tb testing.TB, st *sqlstore.Store) *Statements {
	tb.Helper()
	db := st.DB()
	sqlDB, err := db.DB()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Statements{counts: map[string]int64{}}
	pool := &countingPool{ConnPool: db.ConnPool, s: s, sqlDB: sqlDB}
	db.ConnPool = pool
	db.Statement.ConnPool = pool
	return s
}

// Start clears the counts and counts from now on.
func (s *Statements) Start() {
	s.mu.Lock()
	s.counts = map[string]int64{}
	s.texts = nil
	s.mu.Unlock()
	s.on.Store(true)
}

// Stop stops counting and returns what was counted since Start.
func (s *Statements) Stop() StatementCounts {
	s.on.Store(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := StatementCounts{}
	for k, n := range s.counts {
		c[k] = n
	}
	return c
}

// Texts returns the statements counted since Start, in the order sent
// (each cut to 2,000 bytes): to see what a count is made of.
func (s *Statements) Texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts...)
}

func (s *Statements) add(kind, query string) {
	if !s.on.Load() {
		return
	}
	s.mu.Lock()
	s.counts[kind]++
	s.texts = append(s.texts, query[:min(len(query), 2000)])
	s.mu.Unlock()
}

// StatementCounts are counts by kind: SELECT, INSERT, UPDATE, DELETE,
// SAVEPOINT, RELEASE, ROLLBACK TO (a statement's first keywords, upper
// case), OTHER; and BEGIN, COMMIT, ROLLBACK for transactions.
type StatementCounts map[string]int64

// Statements is the statements sent: everything but BEGIN, COMMIT and
// ROLLBACK.
func (c StatementCounts) Statements() int64 {
	var n int64
	for k, v := range c {
		if k != "BEGIN" && k != "COMMIT" && k != "ROLLBACK" {
			n += v
		}
	}
	return n
}

// Data is the SELECT, INSERT, UPDATE and DELETE statements: without
// savepoints.
func (c StatementCounts) Data() int64 {
	return c["SELECT"] + c["INSERT"] + c["UPDATE"] + c["DELETE"]
}

// Per returns the counts divided by n, as text: "SELECT 3.00 INSERT 1.50 …".
func (c StatementCounts) Per(n int) string {
	var b strings.Builder
	for _, k := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE", "ROLLBACK TO", "OTHER", "BEGIN", "COMMIT", "ROLLBACK"} {
		if c[k] > 0 {
			fmt.Fprintf(&b, "%s %.2f, ", k, float64(c[k])/float64(n))
		}
	}
	fmt.Fprintf(&b, "statements %.2f (data %.2f)", float64(c.Statements())/float64(n), float64(c.Data())/float64(n))
	return b.String()
}

// kindOf is a statement's kind.
func kindOf(query string) string {
	q := strings.ToUpper(strings.TrimSpace(query))
	for _, k := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE", "ROLLBACK TO"} {
		if strings.HasPrefix(q, k) {
			return k
		}
	}
	if strings.HasPrefix(q, "WITH") {
		return "SELECT"
	}
	return "OTHER"
}

// countingPool is a gorm.ConnPool that counts and hands on.
type countingPool struct {
	gorm.ConnPool
	s     *Statements
	sqlDB *sql.DB
}

func (p *countingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.s.add(kindOf(query), query)
	return p.ConnPool.ExecContext(ctx, query, args...)
}

func (p *countingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.s.add(kindOf(query), query)
	return p.ConnPool.QueryContext(ctx, query, args...)
}

func (p *countingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.s.add(kindOf(query), query)
	return p.ConnPool.QueryRowContext(ctx, query, args...)
}

// GetDBConn keeps gorm's DB() answering with the pool underneath.
func (p *countingPool) GetDBConn() (*sql.DB, error) { return p.sqlDB, nil }

// BeginTx implements gorm.ConnPoolBeginner.
func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	var (
		tx  gorm.ConnPool
		err error
	)
	switch b := p.ConnPool.(type) {
	case gorm.TxBeginner:
		tx, err = b.BeginTx(ctx, opts)
	case gorm.ConnPoolBeginner:
		tx, err = b.BeginTx(ctx, opts)
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	if err != nil {
		return nil, err
	}
	p.s.add("BEGIN", "BEGIN")
	return &countingTx{countingPool: countingPool{ConnPool: tx, s: p.s, sqlDB: p.sqlDB}}, nil
}

// countingTx is a transaction of a countingPool.
type countingTx struct{ countingPool }

func (t *countingTx) Commit() error {
	t.s.add("COMMIT", "COMMIT")
	return t.ConnPool.(gorm.TxCommitter).Commit()
}

func (t *countingTx) Rollback() error {
	t.s.add("ROLLBACK", "ROLLBACK")
	return t.ConnPool.(gorm.TxCommitter).Rollback()
}
