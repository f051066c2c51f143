package apitest

import (
	"database/sql"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite"  // reads the SQLite file behind the server
	_ "github.com/go-sql-driver/mysql" // reads the MySQL database behind the server
)

// RawDB opens the database at dsn (a powercheck DSN) behind the server's
// back, to read what the API does not show or make what it cannot; it is
// closed when the test ends.
func RawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, source, _ := strings.Cut(dsn, ":")
	if driver == "sqlite" {
		source += "?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// StoredTokenHashes reads username → token_hash straight from the database.
func StoredTokenHashes(t *testing.T, dsn string) map[string]string {
	t.Helper()
	return Pairs[string, string](t, RawDB(t, dsn), "SELECT username, token_hash FROM accounts")
}

// Column reads the first column of a query's rows.
func Column[T any](t testing.TB, db *sql.DB, query string, args ...any) []T {
	t.Helper()
	var out []T
	scanRows(t, db, query, args, func(rows *sql.Rows) error {
		var v T
		if err := rows.Scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out
}

// Pairs reads a query's rows of two columns as a map of the first to the
// second.
func Pairs[K comparable, V any](t testing.TB, db *sql.DB, query string, args ...any) map[K]V {
	t.Helper()
	out := map[K]V{}
	scanRows(t, db, query, args, func(rows *sql.Rows) error {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		out[k] = v
		return nil
	})
	return out
}

// scanRows runs query and hands each row to scan; any error fails the test.
func scanRows(t testing.TB, db *sql.DB, query string, args []any, scan func(*sql.Rows) error) {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
