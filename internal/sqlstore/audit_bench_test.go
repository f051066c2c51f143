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

// BenchmarkAuditStateStep measures what the audit log adds to a submitted
// step: the digest of the stored step and its case, read twice a request
// (before and after).
func BenchmarkAuditStateStep(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		rec := recentRecord(item, "A-1")
		if _, err := s.Cases().RecordStep(context.Background(), rec, benchRespond(&rec)); err != nil {
			b.Fatal(err)
		}
		subjects := []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: rec.Step.ID}, {Kind: compliance.SubjectCase, Key: "A-1"}}
		b.Run(d.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compliance.StateDigest(context.Background(), s.Audit(), subjects); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuditStepEffects measures what accounting for a step's warnings
// adds to the step path: a new case, its first step and two warnings, then
// the step's audit entry. "untracked" appends the entry without effects;
// "tracked" notes the warnings as they are stored, reads their state after
// the commit and appends the entry with them.
func BenchmarkAuditStepEffects(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		occurred := time.Now().Add(-time.Hour).UTC()
		n := 0
		step := func(b *testing.B, track bool) {
			ctx := context.Background()
			n++
			rec := benchRecord(item, "E-"+strconv.Itoa(n), occurred, twoFindings)
			stepCtx, written := ctx, compliance.Written(nil)
			if track {
				stepCtx, written = s.Audit().TrackWrites(ctx)
			}
			if _, err := s.Cases().RecordStep(stepCtx, rec, benchRespond(&rec)); err != nil {
				b.Fatal(err)
			}
			e := compliance.AuditEntry{At: time.Now().UTC(), Actor: "zjj-clerk", Role: compliance.RoleClerk, IP: "127.0.0.1",
				Action: "POST /api/v1/steps", Target: "id=" + rec.Step.ID, RequestDigest: "req", ResponseDigest: "res"}
			if track {
				objs, err := written(ctx)
				if err != nil || len(objs) != 2 {
					b.Fatalf("written: %d objects, %v; want the 2 warnings", len(objs), err)
				}
				e.Effects = compliance.WrittenEffects(objs)
				e.EffectsDigest = compliance.EffectsDigest(e.Effects)
			}
			if _, err := s.Audit().AppendAudit(ctx, e, nil); err != nil {
				b.Fatal(err)
			}
		}
		for _, track := range []bool{false, true} {
			name := d.Name + "/untracked"
			if track {
				name = d.Name + "/tracked"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					step(b, track)
				}
			})
		}
	}
}
