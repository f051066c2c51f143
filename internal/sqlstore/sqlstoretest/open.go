// Package sqlstoretest opens real, empty, migrated databases for tests: a
// temporary SQLite file always, and a fresh MySQL database when
// POWERCHECK_TEST_MYSQL_DSN names a server (e.g.
// root@tcp(127.0.0.1:3306)/test). Each MySQL database is dropped when its
// test ends.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/sqlstore"
)

// MySQLEnv names the environment variable with the MySQL server's DSN.
const MySQLEnv = "POWERCHECK_TEST_MYSQL_DSN"

// Driver is one database a test can run on.
type Driver struct {
	Name string
	// DSN returns the powercheck DSN of a fresh, empty database.
	DSN func(tb testing.TB) string
}

// Drivers lists SQLite, and MySQL when configured.
func Drivers() []Driver {
	ds := []Driver{{Name: "sqlite", DSN: SQLiteDSN}}
	if os.Getenv(MySQLEnv) != "" {
		ds = append(ds, Driver{Name: "mysql", DSN: MySQLDSN})
	}
	return ds
}

// SQLiteDSN returns the DSN of a new SQLite file in a temporary folder.
func SQLiteDSN(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "powercheck.db")
}

// NeedMySQL skips tb unless a MySQL server is configured; why says what
// needs one.
func NeedMySQL(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv(MySQLEnv) == "" {
		tb.Skipf("%s not set: %s", MySQLEnv, why)
	}
}

// BenchSize returns the positive number that the environment variable env
// sets (written with or without underscores: 1_000_000), or def when it is
// unset. Anything else fails tb.
func BenchSize(tb testing.TB, env string, def int) int {
	tb.Helper()
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", env, v)
	}
	return n
}

// MySQLDSN creates a database on the configured server and returns its DSN.
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	cfg := mysqlServer(tb)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "pctest_" + hex.EncodeToString(b)
	if err := execMySQL(cfg, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() { _ = execMySQL(cfg, "DROP DATABASE IF EXISTS "+name) })
	return mysqlDSNOf(cfg, name)
}

// KeptMySQLDSN returns the DSN of the database name on the configured
// server, created when missing and kept after the test: for a benchmark
// that seeds it once.
func KeptMySQLDSN(tb testing.TB, name string) string {
	tb.Helper()
	cfg := mysqlServer(tb)
	if err := execMySQL(cfg, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	return mysqlDSNOf(cfg, name)
}

// mysqlServer returns the configured server's DSN, without a database.
func mysqlServer(tb testing.TB) mysqldrv.Config {
	tb.Helper()
	base := os.Getenv(MySQLEnv)
	if base == "" {
		tb.Skipf("%s not set", MySQLEnv)
	}
	cfg, err := mysqldrv.ParseDSN(base)
	if err != nil {
		tb.Fatalf("%s: %v", MySQLEnv, err)
	}
	cfg.DBName = ""
	return *cfg
}

// execMySQL runs stmt on the server of cfg.
func execMySQL(cfg mysqldrv.Config, stmt string) error {
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return fmt.Errorf("open %s: %w", cfg.Addr, err)
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}

// mysqlDSNOf is the powercheck DSN of database name on the server of cfg.
func mysqlDSNOf(cfg mysqldrv.Config, name string) string {
	cfg.DBName = name
	return "mysql:" + cfg.FormatDSN()
}

// Open opens the database at dsn as it is, without migrating it, and
// closes it when the test ends: to read and change, behind a server's
// back, what the server stored.
func Open(tb testing.TB, dsn string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// MustOpen opens and migrates the database at dsn, closing it when the test ends.
func MustOpen(tb testing.TB, dsn string) *sqlstore.Store {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// Each runs f once per driver, as a subtest named after it, on a fresh database.
func Each(t *testing.T, f func(t *testing.T, s *sqlstore.Store)) {
	for _, d := range Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			f(t, MustOpen(t, d.DSN(t)))
		})
	}
}

// EachBench runs f once per driver, as a sub-benchmark named after it, on
// a fresh database.
func EachBench(b *testing.B, f func(b *testing.B, s *sqlstore.Store)) {
	for _, d := range Drivers() {
		b.Run(d.Name, func(b *testing.B) {
			f(b, MustOpen(b, d.DSN(b)))
		})
	}
}

// EachDSN runs f once per driver, as a subtest named after it, with the
// DSN of a fresh, empty database: for tests that open the database their
// own way (a served API, a command).
func EachDSN(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, d := range Drivers() {
		t.Run(d.Name, func(t *testing.T) { f(t, d.DSN(t)) })
	}
}

// EachParallel is Each for a test that owns its data, as every test on
// databases of its own does: it marks t parallel first.
func EachParallel(t *testing.T, f func(t *testing.T, s *sqlstore.Store)) {
	t.Parallel()
	Each(t, f)
}

// EachDSNParallel is EachDSN for a test that owns its data: it marks t
// parallel first.
func EachDSNParallel(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Parallel()
	EachDSN(t, f)
}

// Describe names the drivers in use, for logs.
func Describe() string { return fmt.Sprint(len(Drivers()), " driver(s)") }
