package sqlstore_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkAuditAppend measures appending audit entries from 16 writers at
// once (8 per core on 2 cores), per entry: "chained" links each entry to
// the head in its own transaction that locks the head row (AppendAudit,
// how every change appended before the sequencer); "queued" inserts it into
// the queue (EnqueueAudit) while one sequencer chains the queue in passes,
// and the time to chain what is left at the end is counted too.
func BenchmarkAuditAppend(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		var n atomic.Int64
		entry := func() compliance.AuditEntry {
			i := n.Add(1)
			return compliance.AuditEntry{At: time.Now().UTC(), Actor: "zjj-clerk", Role: compliance.RoleClerk, IP: "127.0.0.1",
				Action: "POST /api/v1/steps", Target: "id=B-" + strconv.FormatInt(i, 10), RequestDigest: "req", ResponseDigest: "res",
				Subjects: "step:B case:B", BeforeDigest: "before", AfterDigest: "after"}
		}
		b.Run(d.Name+"/chained", func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Audit().AppendAudit(context.Background(), entry(), nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run(d.Name+"/queued", func(b *testing.B) {
			stop := sequenceUntil(b, s)
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Audit().EnqueueAudit(context.Background(), entry()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			stop()
		})
		if _, err := compliance.VerifyAudit(context.Background(), s.Audit(), nil); err != nil {
			b.Fatalf("the chain after the benchmark: %v", err)
		}
	}
}

// sequenceUntil runs a sequencer's passes, each after a short gathering
// wait as AuditSequencer has, until the returned stop is called; stop
// chains what is left.
func sequenceUntil(b *testing.B, s *sqlstore.Store) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := s.Audit().SequenceAudit(context.Background(), nil, 500); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		for {
			n, err := s.Audit().SequenceAudit(context.Background(), nil, 500)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
}
