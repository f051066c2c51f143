package compliance_test

import (
	"context"
	"slices"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

var oversight = &compliance.Account{Username: "oversight", Role: compliance.RoleOversight}

// createDepartment sets up department code at the time the clock shows.
func createDepartment(t *testing.T, svc *checker.Services, code, name string) {
	t.Helper()
	if _, err := svc.Accounts.CreateDepartment(context.Background(), admin, compliance.Department{Code: code, Name: name}); err != nil {
		t.Fatal(err)
	}
}

// zjjSince wires a service over store on which ZJJ was set up at created,
// and whose clock then shows 6 December 2026, 10:00.
func zjjSince(t *testing.T, store *sqlstore.Store, created string) *checker.Services {
	t.Helper()
	clk := clockAt(created)
	svc := newService(t, store, clk)
	createDepartment(t, svc, "ZJJ", "区住房和城乡建设局")
	clk.Set("2026-12-06T10:00:00+08:00")
	return svc
}

func bulletinRow(t *testing.T, svc *checker.Services, quarter, dept string) compliance.BulletinRow {
	t.Helper()
	b, err := svc.Reports.QuarterlyBulletin(context.Background(), oversight, quarter)
	if err != nil {
		t.Fatalf("QuarterlyBulletin(%s): %v", quarter, err)
	}
	for _, r := range b.Rows {
		if r.DepartmentCode == dept {
			return r
		}
	}
	t.Fatalf("bulletin %s has no row for %s: %+v", quarter, dept, b.Rows)
	return compliance.BulletinRow{}
}

// The shipped calendar knows 2025 and 2026. In December 2026 the bulletin of
// the fourth quarter needs no 2027 schedule: December's explanation is not due
// yet, so its due date (in January 2027) decides nothing.
func TestBulletinOfDecemberNeedsNoScheduleOfNextYear(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		svc := zjjSince(t, store, "2026-09-01T09:00:00+08:00")

		r := bulletinRow(t, svc, "2026-Q4", "ZJJ")
		// October and November are over without a case; their explanations
		// were due on 3 November and 3 December.
		if r.ZeroCaseMonths != 2 || r.MissingExplanations != 2 || r.LateExplanations != 0 {
			t.Errorf("row %+v: want 2 zero-case months and 2 missing explanations", r)
		}
	})
}

// A department is held to the months it existed for in whole, and owes
// patrols from the day it was set up.
func TestBulletinCountsFromTheDepartmentsCreation(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		svc := zjjSince(t, store, "2026-11-16T15:00:00+08:00")

		r := bulletinRow(t, svc, "2026-Q4", "ZJJ")
		if r.ZeroCaseMonths != 0 || r.MissingExplanations != 0 {
			t.Errorf("Q4 row %+v: October came before the department and November was not whole; want no zero-case month, nothing missing", r)
		}
		workdays, err := calendar.Default().CountWorkdays(calendar.MakeDate(2026, 11, 15), calendar.MakeDate(2026, 12, 6))
		if err != nil {
			t.Fatal(err)
		}
		if r.Patrol.WorkingDays != workdays || r.Patrol.MissingDays != workdays {
			t.Errorf("Q4 patrol %+v: want the %d working days from 16 November, all missing", r.Patrol, workdays)
		}

		q3 := bulletinRow(t, svc, "2026-Q3", "ZJJ")
		if q3.ZeroCaseMonths != 0 || q3.MissingExplanations != 0 || q3.Patrol.WorkingDays != 0 || q3.PatrolCompliance != 1 || q3.Score != 100 {
			t.Errorf("Q3 row %+v: the department did not exist yet; want nothing held against it", q3)
		}
	})
}

// Closing last month on the day a department is set up raises nothing against
// it; a department set up three whole months ago has a streak of three, not
// of the twelve months looked back.
func TestCloseMonthCountsFromTheDepartmentsCreation(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, store *sqlstore.Store) {
		ctx := context.Background()
		clk := clockAt("2026-09-01T08:00:00+08:00")
		svc := newService(t, store, clk)
		createDepartment(t, svc, "HBJ", "区生态环境局")
		clk.Set("2026-12-06T10:00:00+08:00")
		createDepartment(t, svc, "ZJJ", "区住房和城乡建设局")

		if _, err := svc.Reports.CloseMonth(ctx, admin, "2026-11", ""); err != nil {
			t.Fatal(err)
		}
		rules := func(dept string) []string {
			ws, err := store.Warnings().ListWarnings(ctx, compliance.WarningFilter{Departments: []string{dept}, Family: "report", Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, w := range ws {
				out = append(out, w.Rule+"/"+w.Key+" "+w.Message)
			}
			slices.Sort(out)
			return out
		}
		if got := rules("ZJJ"); len(got) != 0 {
			t.Errorf("ZJJ, set up today: %q, want nothing", got)
		}
		leader := &compliance.Account{Username: "zjj-admin", Role: compliance.RoleDeptAdmin, DepartmentCode: "ZJJ"}
		r, err := svc.Reports.MonthlyReport(ctx, leader, "ZJJ", "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if r.ExplanationRequired {
			t.Errorf("ZJJ's November report: explanation required, want not (the department did not exist)")
		}
		want := []string{
			"report.explanation_missing/2026-11 区生态环境局（HBJ）2026年11月须提交书面说明，应于2026年12月3日（含）前提交，逾期仍未提交",
			"report.zero_cases/2026-11 区生态环境局（HBJ）2026年11月未受理任何办件，也未立案任何案件",
			"report.zero_cases_three_months/2026-11 区生态环境局（HBJ）截至2026年11月已连续 3 个月未受理任何办件，也未立案任何案件，请政管办、监察局介入核查",
		}
		if got := rules("HBJ"); !slices.Equal(got, want) {
			t.Errorf("HBJ, set up on 1 September:\n got %q\nwant %q", got, want)
		}
	})
}

// TestBulletinScore holds the score to answers worked out by hand from the
// published formula: 100 − 2 × alarms × 100 ÷ cases − prewarnings × 100 ÷
// cases − 10 × missing − 5 × late − 20 × (1 − patrol compliance) + 10 ×
// rectification rate, with at least one case, kept within 0–100 and
// rounded to two decimals.
func TestBulletinScore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		row  compliance.BulletinRow
		want float64
	}{
		{"a clean quarter", compliance.BulletinRow{CasesAccepted: 10, PatrolCompliance: 1}, 100},
		{"no case counts as one", compliance.BulletinRow{Prewarnings: 1, PatrolCompliance: 1}, 0},
		{"alarms weigh twice as much as prewarnings", compliance.BulletinRow{CasesAccepted: 10, Alarms: 1, Prewarnings: 2, PatrolCompliance: 1}, 60},
		{"every term", compliance.BulletinRow{CasesAccepted: 4, Prewarnings: 1, MissingExplanations: 1, LateExplanations: 1,
			PatrolCompliance: 0.5, RectificationRate: 0.5}, 55},
		{"no lower than 0", compliance.BulletinRow{CasesAccepted: 2, Alarms: 2, PatrolCompliance: 1}, 0},
		{"no higher than 100", compliance.BulletinRow{CasesAccepted: 10, PatrolCompliance: 1, RectificationRate: 1}, 100},
		{"two decimals", compliance.BulletinRow{CasesAccepted: 3, Prewarnings: 1, PatrolCompliance: 1}, 66.67},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := compliance.BulletinScore(tt.row); got != tt.want {
				t.Errorf("BulletinScore(%+v) = %v, want %v", tt.row, got, tt.want)
			}
		})
	}
}
