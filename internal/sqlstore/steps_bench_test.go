package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// BenchmarkRecordNextStep measures a later step of an existing case as the
// service stores it: read the case, then RecordStep, which updates the case
// row only at the version read. "parallel" spreads 16 writers per core over
// 1,000 open cases; a step that finds its case changed reads it again.
func BenchmarkRecordNextStep(b *testing.B) {
	for _, d := range sqlstoretest.Drivers() {
		s := sqlstoretest.MustOpen(b, d.DSN(b))
		item := benchSetup(b, s, "ZJJ")
		ctx := context.Background()
		occurred := time.Now().Add(-time.Hour).UTC()
		const cases = 1000
		for i := range cases {
			rec := benchRecord(item, "N-"+strconv.Itoa(i), occurred, nil)
			if _, err := s.Cases().RecordStep(ctx, rec, benchRespond(&rec)); err != nil {
				b.Fatal(err)
			}
		}
		var seq atomic.Int64
		record := func(b *testing.B) {
			n := seq.Add(1)
			caseNo := "N-" + strconv.FormatInt(n%cases, 10)
			for {
				c, err := s.Cases().Case(ctx, caseNo)
				if err != nil {
					b.Fatal(err)
				}
				c.UpdatedAt = occurred
				step := compliance.Step{ID: fmt.Sprintf("%s-review-%d", caseNo, n), CaseNo: caseNo, StepCode: "review", Handler: "张三",
					OccurredAt: occurred, RecordedAt: occurred, LegalBasisIDs: []string{"LB1"}, Approvals: []compliance.Approval{},
					Attributes: map[string]any{}, CheckStatus: compliance.CheckChecked, PolicyRevision: 1}
				rec := compliance.StepRecord{Case: c, Step: step, Digest: "digest-" + step.ID, Findings: twoFindings}
				_, err = s.Cases().RecordStep(ctx, rec, benchRespond(&rec))
				if errors.Is(err, compliance.ErrCaseChanged) {
					continue
				}
				if err != nil {
					b.Fatalf("RecordStep(%s): %v", step.ID, err)
				}
				return
			}
		}
		serialAndParallel(b, d.Name, record)
	}
}
