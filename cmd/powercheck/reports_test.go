package main

import (
	"slices"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

type reportAnswer struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	CasesAccepted  int    `json:"cases_accepted"`
	CasesClosed    int    `json:"cases_closed"`
	CasesOpen      int    `json:"cases_open"`
	Steps          int    `json:"steps"`
	Warnings       struct {
		Prewarning int            `json:"prewarning"`
		Alarm      int            `json:"alarm"`
		ByFamily   map[string]int `json:"by_family"`
	} `json:"warnings"`
	WarningsRectified   int `json:"warnings_rectified"`
	WarningsVerified    int `json:"warnings_verified"`
	CheckpointApprovals int `json:"checkpoint_approvals"`
	Patrol              struct {
		WorkingDays      int `json:"working_days"`
		OKDays           int `json:"ok_days"`
		InsufficientDays int `json:"insufficient_days"`
		MissingDays      int `json:"missing_days"`
	} `json:"patrol"`
	ExplanationRequired bool   `json:"explanation_required"`
	ExplanationDue      string `json:"explanation_due"`
	Explanation         *struct {
		Text        string    `json:"text"`
		SignedBy    string    `json:"signed_by"`
		SubmittedAt time.Time `json:"submitted_at"`
		Late        bool      `json:"late"`
	} `json:"explanation"`
}

func (s *server) report(t *testing.T, token, query string) reportAnswer {
	t.Helper()
	return apitest.Get[reportAnswer](t, s.Server, token, "/api/v1/reports/monthly?"+query)
}

func explanation(dept, month string) map[string]any {
	return map[string]any{"department_code": dept, "month": month, "text": "本月情况说明：……", "signed_by": "王局长"}
}

func TestMonthlyReportExplanationDue(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)
		for _, c := range []struct{ month, due string }{
			{"2025-09", "2025-10-09"}, // National Day and the Mid-Autumn Festival
			{"2025-12", "2026-01-04"}, // New Year; Sunday 01-04 is a make-up working day
			{"2026-04", "2026-05-06"}, // Labour Day
			{"2026-09", "2026-10-08"}, // National Day
			{"2026-03", "2026-04-03"}, // a plain Friday
		} {
			if got := s.report(t, tok[apitest.ZJJAdmin], "month="+c.month).ExplanationDue; got != c.due {
				t.Errorf("explanation_due of %s = %s, want %s", c.month, got, c.due)
			}
		}
		s.Must(422, "GET", "/api/v1/reports/monthly?department=ZJJ&month=2026-13", tok[apitest.SupervisionToken], nil)
		s.Must(422, "GET", "/api/v1/reports/monthly?department=ZJJ&month=2024-06", tok[apitest.SupervisionToken], nil) // year unknown
		s.Must(403, "GET", "/api/v1/reports/monthly?department=SCJ&month=2026-03", tok[apitest.ZJJAdmin], nil)
	})
}

func TestMonthlyReportCounts(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)
		clerk := tok[apitest.ZJJClerk]
		// One case through its whole flow, one only accepted, one in April.
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("R1-a", "ZJJ-R1", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step("R1-r", "ZJJ-R1", "review", "2026-03-03T09:30:00+08:00"))
		decide := apitest.Step("R1-d", "ZJJ-R1", "decide", "2026-03-04T09:30:00+08:00")
		decide["approvals"] = []any{map[string]any{"role": "dept_inspector", "by": "李四", "at": "2026-03-04T09:00:00+08:00"}}
		s.Must(201, "POST", "/api/v1/steps", clerk, decide)
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step("R1-v", "ZJJ-R1", "deliver", "2026-03-05T09:30:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("R2-a", "ZJJ-R2", "XK-001", "accept", "2026-03-10T09:30:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("R3-a", "ZJJ-R3", "XK-001", "accept", "2026-04-01T09:30:00+08:00"))
		insp := s.AddAccount(t, "zjj-insp", "dept_inspector", "ZJJ")
		s.Must(201, "POST", "/api/v1/patrols", insp, patrol("2026-03-02T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/patrols", insp, patrol("2026-03-02T16:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/patrols", insp, patrol("2026-03-03T09:00:00+08:00"))
		enteredOnTime(t, s.dsn)

		r := s.report(t, tok[apitest.SupervisionToken], "department=ZJJ&month=2026-03")
		if r.DepartmentCode != "ZJJ" || r.Month != "2026-03" || r.CasesAccepted != 2 || r.CasesClosed != 1 || r.CasesOpen != 1 ||
			r.Steps != 5 || r.CheckpointApprovals != 1 {
			t.Errorf("March report = %+v, want 2 accepted, 1 closed, 1 open, 5 steps, 1 approval", r)
		}
		workdays, err := calendar.Default().CountWorkdays(calendar.MakeDate(2026, 2, 28), calendar.MakeDate(2026, 3, 31))
		if err != nil {
			t.Fatal(err)
		}
		if p := r.Patrol; p.WorkingDays != workdays || p.OKDays != 1 || p.InsufficientDays != 1 || p.MissingDays != workdays-2 {
			t.Errorf("March patrol = %+v, want %d working days: 1 ok, 1 insufficient, the rest missing", p, workdays)
		}
		// Warnings count in the month they were raised: these steps were
		// recorded (and checked) now.
		if r.Warnings.Prewarning+r.Warnings.Alarm != 0 || r.ExplanationRequired {
			t.Errorf("March warnings = %+v, required %v; want none, no explanation required", r.Warnings, r.ExplanationRequired)
		}
		month := time.Now().In(calendar.Shanghai).Format("2006-01")
		now := s.report(t, tok[apitest.ZJJAdmin], "month="+month)
		var l apitest.WarningList
		s.Must(200, "GET", "/api/v1/warnings?limit=200&department=ZJJ", tok[apitest.SupervisionToken], nil).Decode(t, &l)
		want := map[string]int{}
		pre, alarm := 0, 0
		for _, w := range l.Items {
			want[w.Family]++
			if w.Level == "alarm" {
				alarm++
			} else {
				pre++
			}
		}
		if len(l.Items) == 0 || now.Warnings.Prewarning != pre || now.Warnings.Alarm != alarm || !mapsEqual(now.Warnings.ByFamily, want) {
			t.Errorf("this month's warnings = %+v, want %d prewarnings, %d alarms, %v", now.Warnings, pre, alarm, want)
		}
		if !now.ExplanationRequired || now.CasesAccepted != 0 {
			t.Errorf("this month: required %v, accepted %d; want required", now.ExplanationRequired, now.CasesAccepted)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// backdateDepartments moves the creation of the departments to at, as if
// they had been set up then. Departments are cached by the service: start a
// server afterwards to see them so.
func backdateDepartments(t *testing.T, dsn string, at time.Time, codes ...string) {
	t.Helper()
	st := sqlstoretest.Open(t, dsn)
	if err := st.DB().Exec("UPDATE departments SET created_at = ? WHERE code IN ?", at.UTC(), codes).Error; err != nil {
		t.Fatal(err)
	}
}

func TestMonthlyExplanations(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		tok := startServer(t, dsn).SetupDistrict(t)

		// Both departments were set up on 1 June 2025.
		backdateDepartments(t, dsn, time.Date(2025, 6, 1, 9, 0, 0, 0, calendar.Shanghai), "ZJJ", "SCJ")
		s := startServer(t, dsn)
		s.EnterCurrentYears(t)
		sup := tok[apitest.SupervisionToken]
		// ZJJ accepts a case in July 2025 and none after; SCJ never does.
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("J-a", "ZJJ-J", "XK-001", "accept", "2025-07-15T09:30:00+08:00"))

		t.Run("who may explain what", func(t *testing.T) {
			s.Must(403, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJClerk], explanation("ZJJ", "2025-09"))
			s.Must(403, "POST", "/api/v1/reports/monthly/explanations", apitest.AdminToken, explanation("ZJJ", "2025-09"))
			s.Must(403, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("SCJ", "2025-09"))
			s.Must(422, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2025-9"))
			current := time.Now().In(calendar.Shanghai).Format("2006-01")
			s.Must(422, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", current))
			e := explanation("ZJJ", "2025-09")
			e["signed_by"] = ""
			s.Must(422, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], e)
		})
		t.Run("an explanation after its due date is late, and only one per month", func(t *testing.T) {
			var e struct {
				SignedBy    string    `json:"signed_by"`
				SubmittedAt time.Time `json:"submitted_at"`
				Late        bool      `json:"late"`
			}
			s.Must(201, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2025-09")).Decode(t, &e)
			if e.SignedBy != "王局长" || e.SubmittedAt.IsZero() || !e.Late {
				t.Errorf("explanation = %+v, want signed, timed and late", e)
			}
			if code := s.Must(409, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2025-09")).ErrorCode(t); code != "explanation_exists" {
				t.Errorf("code = %s, want explanation_exists", code)
			}
			r := s.report(t, sup, "department=ZJJ&month=2025-09")
			if r.Explanation == nil || !r.Explanation.Late || r.Explanation.SignedBy != "王局长" || !r.ExplanationRequired {
				t.Errorf("report explanation = %+v (required %v), want the late one", r.Explanation, r.ExplanationRequired)
			}
		})
		t.Run("closing a month raises late, missing and zero-case warnings", func(t *testing.T) {
			closeSeptember(t, s, sup)
		})
		t.Run("the third zero-case month in a row is an alarm", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2025-10"))
			s.Must(200, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": "2025-10", "department": "ZJJ"})
			got := s.warningKeys(t, sup, "ZJJ", "report")
			for _, w := range []string{"report.zero_cases/prewarning[2025-10]", "report.zero_cases_three_months/alarm[2025-10]",
				"report.explanation_late/prewarning[2025-10]"} {
				if !slices.Contains(got, w) {
					t.Errorf("ZJJ after closing 2025-10: %q, want %s", got, w)
				}
			}
			if slices.Contains(got, "report.zero_cases_three_months/alarm[2025-09]") {
				t.Errorf("ZJJ: a three-month alarm for 2025-09, which was only the second month")
			}
		})
		t.Run("a voluntary explanation of a month that needed none is never late", func(t *testing.T) {
			// July 2025: ZJJ accepted a case, and no warning was raised in it.
			if r := s.report(t, sup, "department=ZJJ&month=2025-07"); r.ExplanationRequired {
				t.Fatalf("July report = %+v, want no explanation required", r)
			}
			s.Must(201, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2025-07"))
			s.Must(200, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": "2025-07", "department": "ZJJ"})
			for _, w := range s.warningKeys(t, sup, "ZJJ", "report") {
				if w == "report.explanation_late/prewarning[2025-07]" {
					t.Errorf("ZJJ: %s for an explanation nobody asked for", w)
				}
			}
		})
		t.Run("a department set up today owes nothing for last month", func(t *testing.T) {
			newDepartmentOwesNothing(t, s, sup)
		})
	})
}

// closeSeptember closes September 2025, twice, and checks the late, missing
// and zero-case warnings it raises the first time only.
func closeSeptember(t *testing.T, s *server, sup string) {
	s.Must(403, "POST", "/api/v1/reports/monthly/close", sup, map[string]any{"month": "2025-09"})
	s.Must(422, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": time.Now().In(calendar.Shanghai).Format("2006-01")})
	var res struct{ Departments, Failed, NewWarnings int }
	s.Must(200, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": "2025-09"}).Decode(t, &res)
	if res.Departments != 2 || res.Failed != 0 {
		t.Errorf("close = %+v, want two departments", res)
	}
	// ZJJ: August and September without cases (July had one). SCJ:
	// none since June, the first month after it was set up.
	wantZJJ := []string{"report.explanation_late/prewarning[2025-09]", "report.zero_cases/prewarning[2025-09]"}
	if got := s.warningKeys(t, sup, "ZJJ", "report"); !slices.Equal(got, wantZJJ) {
		t.Errorf("ZJJ:\n got %q\nwant %q", got, wantZJJ)
	}
	wantSCJ := []string{"report.explanation_missing/alarm[2025-09]", "report.zero_cases/prewarning[2025-09]",
		"report.zero_cases_three_months/alarm[2025-09]"}
	if got := s.warningKeys(t, sup, "SCJ", "report"); !slices.Equal(got, wantSCJ) {
		t.Errorf("SCJ:\n got %q\nwant %q", got, wantSCJ)
	}
	var again struct{ NewWarnings int }
	s.Must(200, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": "2025-09"}).Decode(t, &again)
	if again.NewWarnings != 0 {
		t.Errorf("closing again stored %d warnings, want 0", again.NewWarnings)
	}
}

// newDepartmentOwesNothing sets up a department today and checks that
// closing last month raises nothing for it.
func newDepartmentOwesNothing(t *testing.T, s *server, sup string) {
	s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "HBJ", "name": "区生态环境局"})
	now := time.Now().In(calendar.Shanghai)
	last := time.Date(now.Year(), now.Month(), 0, 12, 0, 0, 0, calendar.Shanghai).Format("2006-01")
	var res struct{ Departments, Failed, NewWarnings int }
	s.Must(200, "POST", "/api/v1/reports/monthly/close", apitest.AdminToken, map[string]any{"month": last, "department": "HBJ"}).Decode(t, &res)
	if res.Departments != 1 || res.Failed != 0 || res.NewWarnings != 0 {
		t.Errorf("closing %s for HBJ = %+v, want it evaluated and nothing raised", last, res)
	}
	if got := s.warningKeys(t, sup, "HBJ", "report"); len(got) != 0 {
		t.Errorf("HBJ: %q, want nothing", got)
	}
	if r := s.report(t, sup, "department=HBJ&month="+last); r.ExplanationRequired {
		t.Errorf("HBJ's %s report: explanation required, want not", last)
	}
}
