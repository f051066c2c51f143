package sqlstore_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Step ids are unique within a department, not across departments, also on
// a database whose schema predates that (its old unique index on the id
// alone is dropped by the upgrade).
func TestStepIDsPerDepartment(t *testing.T) {
	t.Parallel()
	for _, schema := range []struct {
		name    string
		prepare func(t *testing.T, s *sqlstore.Store)
	}{
		{"fresh schema", func(*testing.T, *sqlstore.Store) {}},
		{"upgraded schema", func(t *testing.T, s *sqlstore.Store) {
			if err := s.DB().Exec("CREATE UNIQUE INDEX idx_steps_id ON steps (id)").Error; err != nil {
				t.Fatalf("the old unique index: %v", err)
			}
			for i := range 2 { // a second start finds nothing left to do
				if err := s.Migrate(t.Context()); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
			}
			if s.DB().Migrator().HasIndex("steps", "idx_steps_id") {
				t.Fatal("the old unique index on steps(id) survived the upgrade")
			}
		}},
	} {
		t.Run(schema.name, func(t *testing.T) {
			sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
				ctx := t.Context()
				schema.prepare(t, s)
				items := map[string]compliance.PowerItem{}
				for _, d := range []string{"ZJJ", "SCJ"} {
					mustDepartment(t, s, d)
					items[d] = mustItem(t, s, testItem("XK-"+d, d))
				}
				record := func(dept, caseNo string) error {
					st := newStep("DUP-1", caseNo, "accept", at(2, 9, 0, 0, 0))
					rec := newCaseRecord(caseNo, items[dept], st)
					rec.Digest = "digest-" + dept
					_, err := s.Cases().RecordStep(ctx, rec, respond(rec))
					return err
				}
				tests := []struct {
					name, dept, caseNo string
					want               error
				}{
					{"a department uses an id", "ZJJ", "ZJJ-1", nil},
					{"another department uses the same id", "SCJ", "SCJ-1", nil},
					{"the first department uses it again", "ZJJ", "ZJJ-2", compliance.ErrDuplicate},
					{"the second department uses it again", "SCJ", "SCJ-2", compliance.ErrDuplicate},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						before := rowCounts(t, s)
						err := record(tt.dept, tt.caseNo)
						if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
							t.Fatalf("RecordStep(%s, DUP-1) error = %v, want %v", tt.dept, err, tt.want)
						}
						if after := rowCounts(t, s); tt.want != nil && !maps.Equal(after, before) {
							t.Errorf("rows after a refused step = %v, want %v", after, before)
						}
					})
				}
				for _, d := range []string{"ZJJ", "SCJ"} {
					got, err := s.Cases().StepByID(ctx, d, "DUP-1")
					if err != nil || got.DepartmentCode != d || got.Step.CaseNo != d+"-1" || got.Digest != "digest-"+d {
						t.Errorf("StepByID(%s, DUP-1) = %s of %s (%s), %v; want the step of %s-1", d, got.Step.CaseNo, got.DepartmentCode, got.Digest, err, d)
					}
				}
				if _, err := s.Cases().StepByID(ctx, "HBJ", "DUP-1"); !errors.Is(err, compliance.ErrNotFound) {
					t.Errorf("StepByID(HBJ, DUP-1) error = %v, want ErrNotFound", err)
				}
			})
		})
	}
}

// A case's steps are read page by page in the order they were recorded.
func TestCaseStepsPage(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		item := mustZJJItem(t, s)
		var want []string
		for i := range 7 {
			id := fmt.Sprintf("P-%d", i)
			want = append(want, id)
			st := newStep(id, "ZJJ-P", "review", at(2, 9, i, 0, 0))
			if i == 0 {
				mustRecord(t, s, newCaseRecord("ZJJ-P", item, st))
				continue
			}
			c, err := s.Cases().Case(ctx, "ZJJ-P")
			if err != nil {
				t.Fatal(err)
			}
			mustRecord(t, s, nextRecord(c, st))
		}
		tests := []struct {
			offset, limit int
			want          []string
		}{
			{0, 3, want[:3]},
			{3, 3, want[3:6]},
			{6, 3, want[6:]},
			{7, 3, nil},
			{0, 100, want},
		}
		for _, tt := range tests {
			got, err := s.Cases().CaseStepsPage(ctx, "ZJJ-P", tt.offset, tt.limit)
			if err != nil || !slices.Equal(stepIDs(got), tt.want) {
				t.Errorf("CaseStepsPage(%d, %d) = %v, %v; want %v", tt.offset, tt.limit, stepIDs(got), err, tt.want)
			}
		}
	})
}
