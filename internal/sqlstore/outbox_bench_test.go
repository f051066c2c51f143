package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkRecordStepOutbox measures what writing one outbox row adds to a
// step: RecordStep of a new case, alternately without and with one event in
// the same transaction, so that both see the same database and machine; it
// reports both and their ratio. The steps raise no warning: the store
// writes an event for each warning it stores, which would be in both.
func BenchmarkRecordStepOutbox(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		item := benchSetup(b, s, "ZJJ")
		ctx := context.Background()
		occurred := time.Now().Add(-time.Hour).UTC()
		data, _ := json.Marshal(map[string]any{"rule": "deadline.item_due_soon", "level": "prewarning", "case_no": "x"})
		var plain, outbox time.Duration
		n := 0
		for b.Loop() {
			n++
			for _, withEvent := range []bool{false, true} {
				caseNo := fmt.Sprintf("OB-%t-%d", withEvent, n)
				rec := benchRecord(item, caseNo, occurred, nil)
				if withEvent {
					rec.Events = []compliance.Event{{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: compliance.EventWarningRaised,
						At: occurred, Department: "ZJJ", CaseNo: caseNo, Data: data}}
				}
				start := time.Now()
				if _, err := s.Cases().RecordStep(ctx, rec, benchRespond(&rec)); err != nil {
					b.Fatal(err)
				}
				if withEvent {
					outbox += time.Since(start)
				} else {
					plain += time.Since(start)
				}
			}
		}
		b.ReportMetric(float64(plain.Nanoseconds())/float64(n), "ns/step")
		b.ReportMetric(float64(outbox.Nanoseconds())/float64(n), "ns/step+event")
		b.ReportMetric(float64(outbox)/float64(plain), "ratio")
	})
}
