package sqlstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkAuditStateStep measures what the audit log adds to a submitted
// step: the digest of the stored step and its case, read twice a request
// (before and after).
func BenchmarkAuditStateStep(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		rec := benchRecord(item, "A-1", time.Now().Add(-time.Hour).UTC(), twoFindings)
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
