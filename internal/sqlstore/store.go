// Package sqlstore keeps powercheck's state with gorm, in MySQL (production;
// MariaDB ≥ 10.6 and TiDB too) or in pure-Go SQLite (the embedded default).
package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"powercheck/internal/compliance"
)

// Store is the gorm-backed store of powercheck. It opens, migrates and
// closes the database; what is stored is read and written through its
// parts, one per capability (see parts.go), which share one connection.
type Store struct {
	*conn
	parts
}

// conn is what the parts of the store share: the connection pool, the
// dialect and the queue of writers.
type conn struct {
	db      *gorm.DB
	dialect string // "mysql" or "sqlite"
	// writes lets one writer at a time into SQLite (see writeGate); nil
	// on MySQL.
	writes writeGate
	// steps stores the steps submitted at once in one transaction.
	steps *stepWriter
	// audits queues the audit entries recorded at once in one transaction.
	audits *auditWriter
	// galera: the database is a node of a Galera cluster, where a row lock
	// or GET_LOCK holds on one node only and conflicts surface at commit.
	galera bool
	// stateQueries read a case's state in one round trip on MySQL.
	stateQueries caseStateQueries
	// known keeps the steps and approvals of the cases read or stored
	// lately.
	known knownCases
}

// Open connects to dsn, "sqlite:<path>" or "mysql:<DSN>". It does not migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	kind, rest, ok := strings.Cut(dsn, ":")
	if !ok {
		return nil, fmt.Errorf("database %q: want sqlite:<path> or mysql:<dsn>", dsn)
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // every write that must be atomic opens its own
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
	}
	var (
		db     *gorm.DB
		galera bool
		err    error
	)
	switch kind {
	case "sqlite":
		cfg.PrepareStmt = true // parsing dominates small statements on SQLite
		db, err = gorm.Open(sqlite.Open(sqliteDSN(rest)), cfg)
	case "mysql":
		db, galera, err = openMySQL(ctx, rest, cfg)
	default:
		return nil, fmt.Errorf("database %q: unknown kind %q (want sqlite or mysql)", dsn, kind)
	}
	if err == nil {
		err = registerWriteTracking(db)
	}
	if err == nil {
		err = registerIntentWrites(db)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", kind, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", kind, err)
	}
	if kind == "sqlite" {
		// One writer at a time is SQLite's model; WAL lets readers go on.
		sqlDB.SetMaxOpenConns(8)
	} else {
		sqlDB.SetMaxOpenConns(64)
		sqlDB.SetMaxIdleConns(64)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	c := &conn{db: db, dialect: kind, galera: galera}
	if kind == "sqlite" {
		c.writes = newWriteGate()
		if err := gateStatements(db, c.writes); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open %s: %w", kind, err)
		}
	}
	c.steps = newStepWriter(c)
	c.audits = newAuditWriter(&Audit{c})
	s := newStore(c)
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

func sqliteDSN(path string) string {
	if path == "" {
		path = "powercheck.db"
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// busy_timeout waits for the writer instead of failing; _txlock=immediate
	// takes the write lock at BEGIN so that transactions never deadlock on
	// upgrade; synchronous=FULL makes every commit durable before we answer.
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// openMySQL opens dsn and reports whether it is a Galera node. On Galera
// every connection sets wsrep_sync_wait=1: a read waits until the node has
// applied what the cluster committed before it, so that a node reads what
// another node acknowledged (a case's last step, the lease it must see).
func openMySQL(ctx context.Context, dsn string, cfg *gorm.Config) (*gorm.DB, bool, error) {
	mdsn, err := mysqlDSN(dsn, false)
	if err != nil {
		return nil, false, err
	}
	db, err := gorm.Open(mysql.Open(mdsn), cfg)
	if err != nil {
		return nil, false, err
	}
	galera, err := detectGalera(ctx, db)
	if err != nil || !galera {
		if err != nil {
			closeDB(db)
		}
		return db, false, err
	}
	closeDB(db)
	if mdsn, err = mysqlDSN(dsn, true); err != nil {
		return nil, false, err
	}
	db, err = gorm.Open(mysql.Open(mdsn), cfg)
	return db, true, err
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func mysqlDSN(dsn string, galera bool) (string, error) {
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if galera {
		cfg.Params["wsrep_sync_wait"] = "1"
	}
	// Binary collation: codes and ids compare exactly, as they do on SQLite.
	cfg.Collation = "utf8mb4_bin"
	cfg.InterpolateParams = true // one round trip per statement
	// A case's state is read in one round trip (casestate.go). Every
	// statement is written with placeholders that the driver fills in, so
	// no text of a request is ever read as SQL.
	cfg.MultiStatements = true
	return cfg.FormatDSN(), nil
}

// Dialect returns "mysql" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Migrate creates or upgrades the schema; it never drops a column or a row.
// See upgrades for what it changes besides adding.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if s.dialect == "mysql" {
		db = db.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
	}
	if err := db.AutoMigrate(allRows...); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := runUpgrades(db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return wrap(err, "ping")
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return wrap(err, "ping")
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB exposes the gorm handle to tests and tools in this module.
func (s *Store) DB() *gorm.DB { return s.db }

// wrap turns a database error into the domain's vocabulary: not found,
// duplicate, unavailable, or an internal error with context.
func wrap(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return compliance.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return compliance.ErrDuplicate
	case retryable(err):
		// A conflict that lost every run again (see retry): the client may
		// send the request again, as when the database is unreachable.
		return &compliance.Error{Class: compliance.ClassUnavailable, Code: "database_unavailable",
			Message: "数据库写入冲突，请稍后重试", Err: fmt.Errorf("%s: %w", what, err)}
	case unavailable(err):
		return &compliance.Error{Class: compliance.ClassUnavailable, Code: "database_unavailable",
			Message: "数据库暂时不可用，请稍后重试", Err: fmt.Errorf("%s: %w", what, err)}
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return compliance.ErrDuplicate
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return compliance.ErrDuplicate
	}
	return fmt.Errorf("%s: %w", what, err)
}

func unavailable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	msg := err.Error()
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) ||
		errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "sql: database is closed")
}
