package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// dashboardDistrict stores the dashboard fixtures: in ZJJ three decisions
// without approval (three checkpoint alarms, rectified after 1, 2.5 and 4
// days) and a decision six weeks late (an overdue case); in SCJ one
// decision. The departments are dated back to 1 January 2026. It returns the
// tokens and a second node on the same database, which reads the back-dated
// departments afresh.
func dashboardDistrict(t *testing.T, s *server, dsn string) (map[string]string, *server) {
	tok := s.SetupDistrict(t)
	s.Must(201, "PUT", "/api/v1/power-items/SCJ-001", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", func(it map[string]any) {
		it["department_code"] = "SCJ"
	}))

	var alarms []int64
	for i := 1; i <= 4; i++ {
		c := fmt.Sprintf("ZJJ-DB-%d", i)
		s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep(c+"-a", c, "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
		s.Submit(t, tok[apitest.ZJJClerk], apitest.Step(c+"-r", c, "review", "2026-03-03T09:00:00+08:00"))
		at := "2026-03-04T09:00:00+08:00"
		if i == 4 {
			at = "2026-04-15T09:00:00+08:00"
		}
		for _, w := range s.Submit(t, tok[apitest.ZJJClerk], apitest.Step(c+"-d", c, "decide", at)).Warnings {
			if w.Rule == "checkpoint.approval_missing" && i < 4 {
				alarms = append(alarms, w.ID)
			}
		}
	}
	// ZJJ-DB-5: handled within the last hours and delivered: a case closed
	// on time. (The cases above, entered now for March, are overdue.)
	now := time.Now()
	for i, c := range []string{"accept", "review", "decide", "deliver"} {
		at := apitest.StepTime(now.Add(time.Duration(i-4) * 10 * time.Minute))
		if i == 0 {
			s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("DB-5-"+c, "ZJJ-DB-5", "XK-001", c, at))
		} else {
			s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("DB-5-"+c, "ZJJ-DB-5", c, at))
		}
	}
	s.Submit(t, tok[apitest.SCJClerk], apitest.FirstStep("SD-1-a", "SCJ-DB-1", "SCJ-001", "accept", "2026-03-10T09:00:00+08:00"))
	s.Submit(t, tok[apitest.SCJClerk], apitest.Step("SD-1-d", "SCJ-DB-1", "decide", "2026-03-11T09:00:00+08:00"))
	if len(alarms) != 3 {
		t.Fatalf("checkpoint alarms %v, want 3", alarms)
	}
	for _, id := range alarms {
		s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", id), tok[apitest.ZJJAdmin],
			map[string]string{"action": "rectify", "note": "已补办审批手续"})
	}
	st := sqlstoretest.Open(t, dsn)
	created := time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)
	for i, days := range []float64{1, 2.5, 4} {
		db := st.DB()
		if err := db.Exec("UPDATE warnings SET created_at = ? WHERE id = ?", created, alarms[i]).Error; err != nil {
			t.Fatal(err)
		}
		at := created.Add(time.Duration(days * float64(24*time.Hour)))
		if err := db.Exec("UPDATE warning_transitions SET at = ? WHERE warning_id = ? AND action = 'rectify'", at, alarms[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DB().Exec("UPDATE departments SET created_at = ?", time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)).Error; err != nil {
		t.Fatal(err)
	}
	return tok, startServer(t, dsn, "--sweep-interval", "0")
}

func TestDashboardStats(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		tok, s := dashboardDistrict(t, startServer(t, dsn, "--sweep-interval", "0"), dsn)
		oversight := s.AddAccount(t, "oversight", "oversight", "")
		inspector := s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		today := calendar.DateOf(time.Now()).String()
		period := "from=2026-03-01&to=" + today

		t.Run("department figures match the lists their links open", func(t *testing.T) {
			departmentFiguresMatch(t, s, oversight, period)
		})

		t.Run("a period before the alarms counts only their cases", func(t *testing.T) {
			var got compliance.DepartmentStats
			s.Must(200, "GET", "/api/v1/stats/departments?from=2026-03-02&to=2026-03-03&department=ZJJ", oversight, nil).Decode(t, &got)
			if len(got.Departments) != 1 || got.Departments[0].Cases != 4 || got.Departments[0].Alarms != 0 || got.Departments[0].MedianRectifyDays != nil {
				t.Errorf("2–3 March = %+v, want 4 cases and no alarm", got.Departments)
			}
		})

		t.Run("department accounts get their own department only", func(t *testing.T) {
			ownDepartmentOnly(t, s, tok, inspector, oversight, period)
		})

		t.Run("patrol compliance matches the ledger", func(t *testing.T) {
			var got struct {
				Rows []struct {
					DepartmentCode   string  `json:"department_code"`
					Month            string  `json:"month"`
					WorkingDays      int     `json:"working_days"`
					OKDays           int     `json:"ok_days"`
					InsufficientDays int     `json:"insufficient_days"`
					MissingDays      int     `json:"missing_days"`
					Compliance       float64 `json:"compliance"`
				} `json:"rows"`
			}
			s.Must(200, "GET", "/api/v1/stats/patrols?department=ZJJ&from=2026-11-01&to=2026-11-30", oversight, nil).Decode(t, &got)
			var ledger struct {
				Days []struct{ Status string } `json:"days"`
			}
			s.Must(200, "GET", "/api/v1/ledgers/patrols?department=ZJJ&from=2026-11-01&to=2026-11-30", oversight, nil).Decode(t, &ledger)
			missing := 0
			for _, d := range ledger.Days {
				if d.Status == "missing" {
					missing++
				}
			}
			if len(got.Rows) != 1 || got.Rows[0].Month != "2026-11" || got.Rows[0].WorkingDays != missing ||
				got.Rows[0].MissingDays != missing || got.Rows[0].OKDays != 0 || got.Rows[0].Compliance != 0 || missing < 15 {
				t.Errorf("November = %+v; the ledger has %d missing days", got.Rows, missing)
			}
		})

		t.Run("explanations owed match the monthly reports", func(t *testing.T) {
			explanationsOwed(t, s, tok, oversight)
		})
	})
}

// explanationsOwed checks the explanations owed against the monthly reports,
// after ZJJ explains April late.
func explanationsOwed(t *testing.T, s *server, tok map[string]string, oversight string) {
	s.Must(201, "POST", "/api/v1/reports/monthly/explanations", tok[apitest.ZJJAdmin], explanation("ZJJ", "2026-04"))
	var got struct {
		Rows []struct {
			DepartmentCode string `json:"department_code"`
			Month          string `json:"month"`
			Status         string `json:"status"`
			Due            string `json:"due"`
			SubmittedOn    string `json:"submitted_on"`
		} `json:"rows"`
	}
	s.Must(200, "GET", "/api/v1/stats/explanations?department=ZJJ&from=2026-03-01&to=2026-05-31", oversight, nil).Decode(t, &got)
	var statuses []string
	for _, r := range got.Rows {
		var rep struct {
			Required bool   `json:"explanation_required"`
			Due      string `json:"explanation_due"`
		}
		s.Must(200, "GET", "/api/v1/reports/monthly?department=ZJJ&month="+r.Month, oversight, nil).Decode(t, &rep)
		if rep.Required != (r.Status != "not_required") || (rep.Required && r.Due != rep.Due) {
			t.Errorf("%s: %+v, the report says required %v due %s", r.Month, r, rep.Required, rep.Due)
		}
		statuses = append(statuses, r.Month+":"+r.Status)
	}
	// March holds the three alarms dated back; April and May have no case.
	want := []string{"2026-03:missing", "2026-04:late", "2026-05:missing"}
	if !slices.Equal(statuses, want) {
		t.Errorf("statuses = %v, want %v", statuses, want)
	}
	// SCJ accepted a case in March and its warnings came later: nothing to explain.
	got.Rows = nil
	s.Must(200, "GET", "/api/v1/stats/explanations?department=SCJ&from=2026-03-01&to=2026-03-31", oversight, nil).Decode(t, &got)
	if len(got.Rows) != 1 || got.Rows[0].Status != "not_required" || got.Rows[0].Due != "" {
		t.Errorf("SCJ March = %+v, want not_required", got.Rows)
	}
}

// ownDepartmentOnly checks that department accounts see only their own
// department's figures, and who may read them.
func ownDepartmentOnly(t *testing.T, s *server, tok map[string]string, inspector, oversight, period string) {
	for _, path := range []string{"/api/v1/stats/departments", "/api/v1/stats/patrols", "/api/v1/stats/explanations"} {
		var got struct {
			Departments []compliance.DepartmentFigures `json:"departments"`
			Rows        []struct {
				DepartmentCode string `json:"department_code"`
			} `json:"rows"`
		}
		s.Must(200, "GET", path+"?"+period, tok[apitest.ZJJAdmin], nil).Decode(t, &got)
		for _, d := range got.Departments {
			if d.DepartmentCode != "ZJJ" {
				t.Errorf("%s: ZJJ admin sees %s", path, d.DepartmentCode)
			}
		}
		for _, r := range got.Rows {
			if r.DepartmentCode != "ZJJ" {
				t.Errorf("%s: ZJJ admin sees a row of %s", path, r.DepartmentCode)
			}
		}
		apitest.WantCode(t, s.Do("GET", path+"?department=SCJ", tok[apitest.ZJJAdmin], nil), 403, "other_department")
		apitest.WantCode(t, s.Do("GET", path+"?department=SCJ", inspector, nil), 403, "other_department")
		s.Must(403, "GET", path, tok[apitest.ZJJClerk], nil)
		s.Must(403, "GET", path, tok[apitest.LegalToken], nil)
		s.Must(200, "GET", path, tok[apitest.SupervisionToken], nil)
		s.Must(200, "GET", path, apitest.AdminToken, nil)
		for _, q := range []string{"from=2026-3-1", "from=2026-04-01&to=2026-03-01", "department=NOPE"} {
			s.Must(422, "GET", path+"?"+q, oversight, nil)
		}
	}
}

// departmentFiguresMatch checks the department figures against the lists
// their links open.
func departmentFiguresMatch(t *testing.T, s *server, oversight, period string) {
	var got compliance.DepartmentStats
	s.Must(200, "GET", "/api/v1/stats/departments?"+period, oversight, nil).Decode(t, &got)
	if len(got.Departments) != 2 || got.Departments[0].DepartmentCode != "SCJ" || got.Departments[1].DepartmentCode != "ZJJ" {
		t.Fatalf("departments = %+v, want SCJ and ZJJ", got.Departments)
	}
	for _, d := range got.Departments {
		base := "department=" + d.DepartmentCode + "&" + period
		for _, c := range []struct {
			name  string
			got   int64
			query string
		}{
			{"warnings", d.Warnings, base},
			{"alarms", d.Alarms, base + "&level=alarm"},
			{"prewarnings", d.Prewarnings, base + "&level=prewarning"},
			{"open_alarms", d.OpenAlarms, base + "&level=alarm&status=open"},
			{"open_prewarnings", d.OpenPrewarnings, base + "&level=prewarning&status=open"},
			{"deadline_alarms", d.DeadlineAlarms, base + "&level=alarm&family=deadline"},
		} {
			if want := int64(len(listWarnings(t, s, oversight, c.query))); c.got != want {
				t.Errorf("%s %s = %d, the list %s has %d", d.DepartmentCode, c.name, c.got, c.query, want)
			}
		}
	}
	zjj := got.Departments[1]
	// Accepted in March and still open, four cases are past their time
	// limit by now; the fifth was delivered in time.
	if zjj.DepartmentName != "区住房和城乡建设局" || zjj.Cases != 5 || zjj.OverdueCases != 4 || zjj.OverdueRate != 0.8 ||
		zjj.ClosedCases != 1 || zjj.ClosedOnTime != 1 || zjj.OnTimeRate != 1 {
		t.Errorf("ZJJ cases = %+v, want 5 cases, 4 overdue, 1 closed on time", zjj)
	}
	var closed struct{ Items []struct{ CaseNo string } }
	s.Must(200, "GET", "/api/v1/cases?department=ZJJ&status=closed&"+period, oversight, nil).Decode(t, &closed)
	if int64(len(closed.Items)) != zjj.ClosedCases {
		t.Errorf("the case list has %d closed cases, the figure says %d", len(closed.Items), zjj.ClosedCases)
	}
	if zjj.AlarmsRectified != 3 || !isRate(zjj.RectificationRate, 3, zjj.Alarms) || zjj.OpenAlarms != zjj.Alarms-3 {
		t.Errorf("ZJJ alarms = %+v, want 3 rectified", zjj)
	}
	if zjj.MedianRectifyDays == nil || *zjj.MedianRectifyDays != 2.5 || zjj.RectifiedMeasured != 3 {
		t.Errorf("ZJJ median days to rectify = %v of %d, want 2.5 of 3", zjj.MedianRectifyDays, zjj.RectifiedMeasured)
	}
	if zjj.ClosedOnTime > zjj.ClosedCases || !isRate(zjj.OnTimeRate, zjj.ClosedOnTime, zjj.ClosedCases) {
		t.Errorf("ZJJ on time = %+v", zjj)
	}
	if scj := got.Departments[0]; scj.MedianRectifyDays != nil || scj.Cases != 1 || scj.AlarmsRectified != 0 {
		t.Errorf("SCJ = %+v, want 1 case, nothing rectified", scj)
	}
}
