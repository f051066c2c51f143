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
	rows, err := RawDB(t, dsn).Query("SELECT username, token_hash FROM accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, h string
		if err := rows.Scan(&u, &h); err != nil {
			t.Fatal(err)
		}
		out[u] = h
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
