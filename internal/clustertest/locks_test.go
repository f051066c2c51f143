//go:build cluster

package clustertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/sqlstore"
)

// TestSubjectLocksAcrossNodes takes the same subject locks through every
// node at once: never two holders at a time, and every taking succeeds.
func TestSubjectLocksAcrossNodes(t *testing.T) {
	stores, dsns := openStores(t)
	ctx := context.Background()
	var inside, most, taken atomic.Int64
	var wg sync.WaitGroup
	for i, st := range stores {
		locks, err := sqlstore.NewSubjectLocks(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = locks.Close() })
		db := rawDB(t, dsns[i], "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				release, err := locks.Lock(ctx, []string{"case:B", "case:A"}, time.Minute)
				if err != nil {
					t.Errorf("node %d: lock: %v", i+1, err)
					return
				}
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				// Hold it across a round trip to the database.
				var one int
				if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
					t.Errorf("node %d: %v", i+1, err)
				}
				inside.Add(-1)
				taken.Add(1)
				release()
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 || taken.Load() != int64(15*len(stores)) {
		t.Errorf("subject locks: at most %d holders at once, %d taken; want 1 and %d", most.Load(), taken.Load(), 15*len(stores))
	}
	var left int
	mustScan(t, rawDB(t, dsns[0], "").QueryRow("SELECT COUNT(*) FROM subject_leases"), &left)
	if left != 0 {
		t.Errorf("subject leases left behind: %d", left)
	}
}

// TestSubjectLeaseOfADeadHolder: a lease whose holder stopped renewing it
// is taken over once it ran out; one still running is waited for.
func TestSubjectLeaseOfADeadHolder(t *testing.T) {
	stores, dsns := openStores(t)
	ctx := context.Background()
	db := rawDB(t, dsns[0], "")
	key := func(name string) string {
		sum := sha256.Sum256([]byte(name))
		return hex.EncodeToString(sum[:])
	}
	now := time.Now().UTC()
	if _, err := db.Exec("INSERT INTO subject_leases (name, holder, until) VALUES (?, 'dead', ?), (?, 'alive', ?)",
		key("case:dead"), now.Add(-time.Minute), key("case:alive"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	locks, err := sqlstore.NewSubjectLocks(ctx, stores[1])
	if err != nil {
		t.Fatal(err)
	}
	release, err := locks.Lock(ctx, []string{"case:dead"}, 10*time.Second)
	if err != nil {
		t.Fatalf("lock a run-out lease: %v", err)
	}
	release()
	_, err = locks.Lock(ctx, []string{"case:alive"}, 200*time.Millisecond)
	if !errors.Is(err, sqlstore.ErrLockTimeout) {
		t.Errorf("lock a live lease: got %v, want ErrLockTimeout", err)
	}
}
