package sqlstore_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Subject locks taken through two stores on one database, as two nodes
// take them, exclude each other.
func TestSubjectLocks(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := newLocks(t, sqlstoretest.MustOpen(t, dsn)), newLocks(t, sqlstoretest.MustOpen(t, dsn))
		if !a.CrossProcess() {
			t.Skip("subject locks hold within one process on this system")
		}

		t.Run("a held lock times out the other node's wait", func(t *testing.T) {
			release, err := a.Lock(ctx, []string{"account:u1"}, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = b.Lock(ctx, []string{"account:u1"}, 200*time.Millisecond)
			if !errors.Is(err, sqlstore.ErrLockTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Lock of a held name: %v, want ErrLockTimeout and DeadlineExceeded", err)
			}
			if took := time.Since(start); took < 200*time.Millisecond || took > 3*time.Second {
				t.Errorf("gave up after %v, want after 200ms", took)
			}
			other, err := b.Lock(ctx, []string{"account:u2"}, 200*time.Millisecond)
			if err != nil {
				t.Errorf("Lock of another name: %v", err)
			} else {
				other()
			}
			release()
			again, err := b.Lock(ctx, []string{"account:u1"}, time.Second)
			if err != nil {
				t.Fatalf("Lock after release: %v", err)
			}
			again()
		})

		t.Run("holders through both stores take turns", func(t *testing.T) {
			// Atomics, not plain variables: the race detector does not
			// see a lock taken through a file or a server.
			var wg sync.WaitGroup
			var holders, turns atomic.Int64
			var overlap atomic.Bool
			for w := range 8 {
				l := []*sqlstore.SubjectLocks{a, b}[w%2]
				wg.Go(func() {
					for range 20 {
						release, err := l.Lock(ctx, []string{"account:shared", "department:D"}, 10*time.Second)
						if err != nil {
							t.Error(err)
							return
						}
						if holders.Add(1) != 1 {
							overlap.Store(true)
						}
						runtime.Gosched()
						turns.Add(1)
						holders.Add(-1)
						release()
					}
				})
			}
			wg.Wait()
			if overlap.Load() || turns.Load() != 160 {
				t.Errorf("%d of 160 turns taken, overlap %v: want every turn, one holder at a time", turns.Load(), overlap.Load())
			}
		})
	})
}

func newLocks(t *testing.T, s *sqlstore.Store) *sqlstore.SubjectLocks {
	t.Helper()
	l, err := sqlstore.NewSubjectLocks(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// BenchmarkSubjectLock is what ordering across nodes adds to an audited
// change of an account, a department, an item or a calendar year.
func BenchmarkSubjectLock(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		l, err := sqlstore.NewSubjectLocks(context.Background(), s)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		for b.Loop() {
			release, err := l.Lock(context.Background(), []string{"account:u1"}, time.Second)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
}
