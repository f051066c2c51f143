package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

type ledgerAnswer struct {
	DepartmentCode string `json:"department_code"`
	Days           []struct {
		Date    string `json:"date"`
		Kind    string `json:"kind"`
		Patrols int    `json:"patrols"`
		Status  string `json:"status"`
	} `json:"days"`
}

// warningKeys lists "rule/level[key]" of a department's warnings of one
// family, sorted, as token reads them. These warnings belong to no case.
func (s *server) warningKeys(t *testing.T, token, dept, family string) []string {
	t.Helper()
	var l apitest.WarningList
	s.Must(200, "GET", "/api/v1/warnings?limit=200&department="+dept+"&family="+family, token, nil).Decode(t, &l)
	out := []string{}
	for _, w := range l.Items {
		if w.CaseNo != "" || w.Message == "" {
			t.Errorf("warning %+v: want no case and a message", w)
		}
		out = append(out, fmt.Sprintf("%s/%s[%s]", w.Rule, w.Level, w.Key))
	}
	slices.Sort(out)
	return out
}

func patrol(at string) map[string]any {
	return map[string]any{"at": at, "findings": "平台运行正常，抽查在办件 3 件", "problems": []string{}}
}

// nationalDayLedger is ZJJ's ledger across the 2025 National Day, as
// TestPatrolLedger's patrols leave it: date, kind, patrols and status.
var nationalDayLedger = []string{
	"2025-09-27 weekend 0 not_required", "2025-09-28 makeup_workday 2 ok",
	"2025-09-29 workday 1 insufficient", "2025-09-30 workday 0 missing",
	"2025-10-01 holiday 0 not_required", "2025-10-02 holiday 0 not_required",
	"2025-10-03 holiday 1 not_required", "2025-10-04 holiday 0 not_required",
	"2025-10-05 holiday 0 not_required", "2025-10-06 holiday 0 not_required",
	"2025-10-07 holiday 0 not_required", "2025-10-08 holiday 0 not_required",
	"2025-10-09 workday 2 ok", "2025-10-10 workday 0 missing",
	"2025-10-11 makeup_workday 1 insufficient", "2025-10-12 weekend 0 not_required",
}

// ledgerRows reads the patrol ledger query selects as rows of date, kind,
// patrols and status.
func ledgerRows(t *testing.T, s *server, token, query string) []string {
	t.Helper()
	var l ledgerAnswer
	s.Must(200, "GET", "/api/v1/ledgers/patrols?"+query, token, nil).Decode(t, &l)
	var got []string
	for _, d := range l.Days {
		got = append(got, fmt.Sprintf("%s %s %d %s", d.Date, d.Kind, d.Patrols, d.Status))
	}
	return got
}

// The ledger across the 2025 National Day: Sunday 09-28 and Saturday 10-11
// are make-up working days, 10-01..10-08 are holidays.
func TestPatrolLedger(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		insp := s.AddAccount(t, "zjj-insp", "dept_inspector", "ZJJ")
		scjInsp := s.AddAccount(t, "scj-insp", "dept_inspector", "SCJ")

		for _, at := range []string{
			"2025-09-28T09:00:00+08:00", "2025-09-28T15:00:00+08:00", // make-up Sunday: ok
			"2025-09-29T09:00:00+08:00",                              // insufficient
			"2025-10-03T10:00:00+08:00",                              // a holiday: not required
			"2025-10-09T08:30:00+08:00", "2025-10-09T23:59:00+08:00", // ok (Shanghai days)
			"2025-10-11T09:00:00+08:00", // make-up Saturday: insufficient
		} {
			var p struct {
				ID             int64  `json:"id"`
				DepartmentCode string `json:"department_code"`
				Inspector      string `json:"inspector"`
			}
			s.Must(201, "POST", "/api/v1/patrols", insp, patrol(at)).Decode(t, &p)
			if p.ID == 0 || p.DepartmentCode != "ZJJ" || p.Inspector != "zjj-insp" {
				t.Fatalf("patrol = %+v, want stored for ZJJ by zjj-insp", p)
			}
		}
		s.Must(201, "POST", "/api/v1/patrols", scjInsp, patrol("2025-10-09T10:00:00+08:00"))
		enteredOnTime(t, s.dsn)

		t.Run("days, kinds and statuses across National Day", func(t *testing.T) {
			got := ledgerRows(t, s, insp, "from=2025-09-27&to=2025-10-12")
			if !slices.Equal(got, nationalDayLedger) {
				t.Errorf("ledger:\n got %q\nwant %q", got, nationalDayLedger)
			}
		})
		t.Run("oversight roles read any department", func(t *testing.T) {
			if got := ledgerRows(t, s, tok[apitest.SupervisionToken], "department=ZJJ&from=2025-09-27&to=2025-10-12"); !slices.Equal(got, nationalDayLedger) {
				t.Errorf("supervision's ledger = %q", got)
			}
		})
		t.Run("a department reads only its own", func(t *testing.T) {
			s.Must(403, "GET", "/api/v1/ledgers/patrols?department=ZJJ&from=2025-10-01&to=2025-10-12", scjInsp, nil)
			s.Must(403, "GET", "/api/v1/ledgers/patrols?department=ZJJ&from=2025-10-01&to=2025-10-12", tok[apitest.SCJClerk], nil)
		})
		t.Run("days after today are not listed", func(t *testing.T) {
			noDaysAfterToday(t, s, insp)
		})
		t.Run("bad requests", func(t *testing.T) {
			for _, q := range []string{"from=2025-10-12&to=2025-10-01", "from=2025-01-01&to=2026-01-02", "from=2025-1-1&to=2025-01-31", "to=2025-01-31"} {
				s.Must(422, "GET", "/api/v1/ledgers/patrols?"+q, insp, nil)
			}
			s.Must(422, "GET", "/api/v1/ledgers/patrols?from=2025-10-01&to=2025-10-12", tok[apitest.SupervisionToken], nil) // no department
			s.Must(404, "GET", "/api/v1/ledgers/patrols?department=NOPE&from=2025-10-01&to=2025-10-12", tok[apitest.SupervisionToken], nil)
		})
		t.Run("a year the calendar does not know is 422 in Chinese", func(t *testing.T) {
			r := s.Must(422, "GET", "/api/v1/ledgers/patrols?from=2024-12-30&to=2025-01-02", insp, nil)
			if code := r.ErrorCode(t); code != "calendar_year_unknown" {
				t.Errorf("code = %s, want calendar_year_unknown", code)
			}
			if !containsHan(string(r.Body)) {
				t.Errorf("message not in Chinese: %s", r.Body)
			}
		})
		t.Run("only inspectors patrol, not in the future, with findings", func(t *testing.T) {
			s.Must(403, "POST", "/api/v1/patrols", tok[apitest.ZJJClerk], patrol("2025-10-09T10:00:00+08:00"))
			s.Must(403, "POST", "/api/v1/patrols", apitest.AdminToken, patrol("2025-10-09T10:00:00+08:00"))
			s.Must(422, "POST", "/api/v1/patrols", insp, patrol(time.Now().Add(time.Hour).Format(time.RFC3339)))
			s.Must(422, "POST", "/api/v1/patrols", insp, patrol("2025-10-09 10:00"))
			s.Must(422, "POST", "/api/v1/patrols", insp, map[string]any{"at": "2025-10-09T10:00:00+08:00", "findings": " "})
			s.Must(400, "POST", "/api/v1/patrols", insp, map[string]any{"at": "2025-10-09T10:00:00+08:00", "findings": "x", "department_code": "SCJ"})
		})

		t.Run("closing the days raises the patrol rules once", func(t *testing.T) {
			closeDaysOnce(t, s, tok, insp)
		})
	})
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// closeDaysOnce closes the days around National Day twice and checks that
// the patrol rules are raised for both departments the first time only.
func closeDaysOnce(t *testing.T, s *server, tok map[string]string, insp string) {
	s.Must(403, "POST", "/api/v1/patrols/close-days", insp, map[string]any{})
	var res struct{ Evaluated, Skipped, Failed, NewWarnings int }
	body := map[string]any{"from": "2025-09-27", "to": "2025-10-12"}
	s.Must(200, "POST", "/api/v1/patrols/close-days", apitest.AdminToken, body).Decode(t, &res)
	// Six working days (09-28, 09-29, 09-30, 10-09, 10-10, 10-11) for two departments.
	if res.Evaluated != 12 || res.Failed != 0 {
		t.Errorf("close = %+v, want 12 evaluated", res)
	}
	wantZJJ := []string{
		"patrol.insufficient/prewarning[2025-09-29]", "patrol.insufficient/prewarning[2025-10-11]",
		"patrol.missing/alarm[2025-09-30]", "patrol.missing/alarm[2025-10-10]",
	}
	if got := s.warningKeys(t, tok[apitest.SupervisionToken], "ZJJ", "patrol"); !slices.Equal(got, wantZJJ) {
		t.Errorf("ZJJ patrol warnings:\n got %q\nwant %q", got, wantZJJ)
	}
	wantSCJ := []string{
		"patrol.insufficient/prewarning[2025-10-09]",
		"patrol.missing/alarm[2025-09-28]", "patrol.missing/alarm[2025-09-29]", "patrol.missing/alarm[2025-09-30]",
		"patrol.missing/alarm[2025-10-10]", "patrol.missing/alarm[2025-10-11]",
	}
	if got := s.warningKeys(t, tok[apitest.SupervisionToken], "SCJ", "patrol"); !slices.Equal(got, wantSCJ) {
		t.Errorf("SCJ patrol warnings:\n got %q\nwant %q", got, wantSCJ)
	}
	var again struct{ Evaluated, Skipped, NewWarnings int }
	s.Must(200, "POST", "/api/v1/patrols/close-days", apitest.AdminToken, body).Decode(t, &again)
	if again.Evaluated != 0 || again.Skipped != 12 || again.NewWarnings != 0 {
		t.Errorf("closing again = %+v, want all 12 skipped", again)
	}
	if got := s.warningKeys(t, tok[apitest.SupervisionToken], "ZJJ", "patrol"); len(got) != 4 {
		t.Errorf("after closing again ZJJ has %q", got)
	}
}

// noDaysAfterToday checks that the ledger stops at today.
func noDaysAfterToday(t *testing.T, s *server, insp string) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(sh)
	// Past the shipped schedules, the test enters the years it needs.
	for y := today.AddDate(0, 0, -1).Year(); y <= today.Year(); y++ {
		if s.Do("GET", fmt.Sprintf("/api/v1/calendar/%d", y), apitest.AdminToken, nil).Status == 404 {
			s.Must(200, "PUT", fmt.Sprintf("/api/v1/calendar/%d", y), apitest.AdminToken, map[string]any{"source": "测试", "holidays": []string{}, "workdays": []string{}})
		}
	}
	got := ledgerRows(t, s, insp, "from="+today.AddDate(0, 0, -1).Format(time.DateOnly)+"&to="+today.AddDate(0, 0, 5).Format(time.DateOnly))
	if len(got) != 2 {
		t.Errorf("ledger from yesterday to in five days = %q, want two days", got)
	}
}
