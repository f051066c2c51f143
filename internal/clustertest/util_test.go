//go:build cluster

package clustertest

import (
	"database/sql"
	"sync"
	"testing"
)

// dsnOf is the DSN of n's database.
func dsnOf(t *testing.T, n *node) string {
	t.Helper()
	return n.dsn
}

func mustScan(t *testing.T, row *sql.Row, dest ...any) {
	t.Helper()
	if err := row.Scan(dest...); err != nil {
		t.Fatalf("scan: %v", err)
	}
}

// atOnce runs f(i) for each i below n, each in a goroutine of its own, as
// n nodes would, and waits for all of them.
func atOnce(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
