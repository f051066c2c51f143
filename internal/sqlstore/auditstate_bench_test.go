package sqlstore_test

import (
	"context"
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
		if _, err := s.RecordStep(context.Background(), rec, benchRespond(&rec)); err != nil {
			b.Fatal(err)
		}
		subjects := []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: rec.Step.ID}, {Kind: compliance.SubjectCase, Key: "A-1"}}
		b.Run(d.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compliance.StateDigest(context.Background(), s, subjects); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
