package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// March 2026 in Asia/Shanghai, as the service asks for a month.
var (
	march = time.Date(2026, time.March, 1, 0, 0, 0, 0, cst)
	april = time.Date(2026, time.April, 1, 0, 0, 0, 0, cst)
)

func approvals(n int) []compliance.Approval {
	out := []compliance.Approval{}
	for i := range n {
		out = append(out, compliance.Approval{Role: "dept_inspector", By: fmt.Sprintf("审批人%d", i), At: at(1, 8, 0, 0, 0)})
	}
	return out
}

// A month's steps and their approvals are counted as reading every step
// would count them: the month's bounds, the department, and steps stored
// with no approvals list (null, or none at all) as none.
func TestMonthCountsSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		mustDepartment(t, s, "SCJ")
		items := map[string]compliance.PowerItem{"ZJJ": mustItem(t, s, testItem("XK-001", "ZJJ")), "SCJ": mustItem(t, s, testItem("XK-002", "SCJ"))}
		steps := []struct {
			dept      string
			occurred  time.Time
			approvals int
			detail    string // stored as is, replacing the step's detail
			in        bool   // a ZJJ step of March
		}{
			{"ZJJ", march, 2, "", true},
			{"ZJJ", march.Add(-time.Millisecond), 5, "", false},
			{"ZJJ", april.Add(-time.Millisecond), 1, "", true},
			{"ZJJ", april, 4, "", false},
			{"ZJJ", march.AddDate(0, 0, 14), 0, "", true},
			{"ZJJ", march.AddDate(0, 0, 15), 3, "", true},
			{"ZJJ", march.AddDate(0, 0, 16), 0, `{"legal_basis_ids":[],"approvals":null,"attributes":{}}`, true},
			{"ZJJ", march.AddDate(0, 0, 17), 0, `{"legal_basis_ids":[],"attributes":{}}`, true},
			{"SCJ", march.AddDate(0, 0, 9), 7, "", false},
		}
		var wantSteps, wantApprovals int64
		for i, st := range steps {
			caseNo := fmt.Sprintf("M-%d", i)
			step := newStep(caseNo+"-accept", caseNo, "accept", st.occurred)
			step.Approvals = approvals(st.approvals)
			mustRecord(t, s, newCaseRecord(caseNo, items[st.dept], step))
			if st.detail != "" {
				if err := s.DB().Exec("UPDATE steps SET detail = ? WHERE id = ?", st.detail, step.ID).Error; err != nil {
					t.Fatal(err)
				}
			}
			if st.in {
				wantSteps++
				wantApprovals += int64(st.approvals)
			}
		}
		got, err := s.Reports().MonthCounts(ctx, "ZJJ", march, april)
		if err != nil {
			t.Fatalf("MonthCounts: %v", err)
		}
		if got.Steps != wantSteps || got.CheckpointApprovals != wantApprovals {
			t.Errorf("MonthCounts steps, approvals = %d, %d; want %d, %d", got.Steps, got.CheckpointApprovals, wantSteps, wantApprovals)
		}
		if got, err := s.Reports().MonthCounts(ctx, "SCJ", march.AddDate(0, 0, 10), april); err != nil || got.Steps != 0 || got.CheckpointApprovals != 0 {
			t.Errorf("MonthCounts of a period without steps = %d steps, %d approvals, %v; want none", got.Steps, got.CheckpointApprovals, err)
		}
	})
}

// Counting a month does not read its steps into memory: the allocations do
// not grow with the number of steps.
func TestMonthCountsReadsNoSteps(t *testing.T) {
	// Serial: testing.AllocsPerRun refuses parallel tests.
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		mustDepartment(t, s, "ZJJ")
		const n = 3000
		detail := `{"legal_basis_ids":["LB1"],"approvals":[{"role":"dept_inspector","by":"李四","at":"2026-03-05T02:00:00Z"},` +
			`{"role":"dept_admin","by":"王五","at":"2026-03-05T03:00:00Z"}],"attributes":{"note":"现场核查"}}`
		rows := make([]map[string]any, n)
		for i := range rows {
			occurred := march.Add(time.Duration(i) * time.Minute).UTC()
			rows[i] = map[string]any{"id": fmt.Sprintf("A-%d", i), "case_no": fmt.Sprintf("A-%d", i/4), "department_code": "ZJJ",
				"step_code": "review", "handler": "张三", "occurred_at": occurred, "recorded_at": occurred, "detail": detail,
				"digest": "d", "check_status": compliance.CheckChecked, "check_error": "", "policy_revision": 1}
		}
		if err := s.DB().Table("steps").CreateInBatches(rows, 500).Error; err != nil {
			t.Fatal(err)
		}
		var got compliance.MonthCounts
		var err error
		allocs := testing.AllocsPerRun(3, func() { got, err = s.Reports().MonthCounts(ctx, "ZJJ", march, april) })
		if err != nil {
			t.Fatal(err)
		}
		if got.Steps != n || got.CheckpointApprovals != 2*n {
			t.Errorf("MonthCounts steps, approvals = %d, %d; want %d, %d", got.Steps, got.CheckpointApprovals, n, 2*n)
		}
		if allocs > n/4 {
			t.Errorf("MonthCounts of %d steps made %.0f allocations, want fewer than %d: it reads the steps", n, allocs, n/4)
		}
	})
}
