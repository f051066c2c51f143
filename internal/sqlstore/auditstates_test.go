package sqlstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestAuditStatesOfStepAndCase checks that a step and its case read
// together give the bytes each reads alone, whether each is stored or not.
func TestAuditStatesOfStepAndCase(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		item := benchSetup(t, s, "ZJJ")
		rec := benchRecord(item, "ZJJ-1", time.Now().Add(-time.Hour).UTC(), twoFindings)
		mustRecord(t, s, rec)
		step := func(id, dept string) compliance.AuditSubject {
			return compliance.AuditSubject{Kind: compliance.SubjectStep, Key: id, Department: dept}
		}
		caseOf := func(no string) compliance.AuditSubject {
			return compliance.AuditSubject{Kind: compliance.SubjectCase, Key: no}
		}
		tests := []struct {
			name     string
			subjects []compliance.AuditSubject
			present  []bool
		}{
			{"a stored step and its case", []compliance.AuditSubject{step(rec.Step.ID, "ZJJ"), caseOf("ZJJ-1")}, []bool{true, true}},
			{"a new step of a stored case", []compliance.AuditSubject{step("ZJJ-1-review", "ZJJ"), caseOf("ZJJ-1")}, []bool{false, true}},
			{"the first step of a new case", []compliance.AuditSubject{step("ZJJ-2-accept", "ZJJ"), caseOf("ZJJ-2")}, []bool{false, false}},
			{"a stored step under another department", []compliance.AuditSubject{step(rec.Step.ID, "SCJ"), caseOf("ZJJ-1")}, []bool{false, true}},
			{"a step without a department (read one by one)", []compliance.AuditSubject{step(rec.Step.ID, ""), caseOf("ZJJ-1")}, []bool{true, true}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Audit().AuditStates(ctx, tt.subjects)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.subjects) {
					t.Fatalf("%d states for %d subjects", len(got), len(tt.subjects))
				}
				for i, subj := range tt.subjects {
					want, err := s.Audit().AuditState(ctx, subj)
					if err != nil {
						t.Fatal(err)
					}
					if (want != nil) != tt.present[i] {
						t.Fatalf("AuditState(%s) present = %v, want %v", subj, want != nil, tt.present[i])
					}
					if !bytes.Equal(got[i], want) || (got[i] == nil) != (want == nil) {
						t.Errorf("AuditStates[%d] (%s) =\n%q\nwant AuditState's\n%q", i, subj, got[i], want)
					}
				}
			})
		}
	})
}
