package main

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// statsWarning is a warning as GET /api/v1/warnings lists it.
type statsWarning struct {
	ID             int64     `json:"id"`
	Rule           string    `json:"rule"`
	Family         string    `json:"family"`
	Level          string    `json:"level"`
	Status         string    `json:"status"`
	DepartmentCode string    `json:"department_code"`
	CaseNo         string    `json:"case_no"`
	CreatedAt      time.Time `json:"created_at"`
}

// listWarnings lists every warning token may see that GET /api/v1/warnings
// lists for query ("" for all), following the cursor: what a dashboard
// figure's link opens.
func listWarnings(t *testing.T, s *server, token, query string) []statsWarning {
	t.Helper()
	var out []statsWarning
	list := "/api/v1/warnings?limit=500"
	if query != "" {
		list += "&" + query
	}
	path := list
	for {
		var page struct {
			Items      []statsWarning `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}
		s.Must(200, "GET", path, token, nil).Decode(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = list + "&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// isRate reports whether r is the rate n/d as the statistics give it: the
// fraction to four decimals, 0 when d is 0. It holds r against the exact
// fraction, within the rounding, rather than rounding the fraction again.
func isRate(r float64, n, d int64) bool {
	if d == 0 {
		return r == 0
	}
	fourDecimals := math.Abs(r*10000-math.Round(r*10000)) < 1e-6
	return fourDecimals && math.Abs(r*float64(d)-float64(n)) <= 0.00005*float64(d)
}

// checkRates compares a department's rates with the counts expected of it:
// the counts exactly, each rate as the fraction of its counts.
func checkRates(t *testing.T, got []compliance.DepartmentRate, want []compliance.DepartmentCounts) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("rates of %d departments, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		counts := compliance.DepartmentCounts{DepartmentCode: r.DepartmentCode, Cases: r.Cases, CasesWithWarnings: r.CasesWithWarnings,
			OverdueCases: r.OverdueCases, Alarms: r.Alarms, AlarmsRectified: r.AlarmsRectified}
		if counts != want[i] {
			t.Errorf("counts %+v, want %+v", counts, want[i])
		}
		if !isRate(r.WarningRate, r.CasesWithWarnings, r.Cases) || !isRate(r.OverdueRate, r.OverdueCases, r.Cases) ||
			!isRate(r.RectificationRate, r.AlarmsRectified, r.Alarms) {
			t.Errorf("%s: rates %+v do not match their counts", r.DepartmentCode, r)
		}
	}
}

// wantStats counts, from the listed warnings and the cases known to be
// accepted in the period, what the statistics of a period that holds every
// listed warning must say: its rows and each department's counts.
func wantStats(ws []statsWarning, accepted map[string][]string, depts []string) ([]compliance.WarningCount, []compliance.DepartmentCounts) {
	type key struct{ dept, month, level, family string }
	counts := map[key]int64{}
	withWarnings := map[string]bool{}
	overdue := map[string]map[string]bool{}
	alarms, rectified := map[string]int64{}, map[string]int64{}
	for _, w := range ws {
		counts[key{w.DepartmentCode, w.CreatedAt.In(calendar.Shanghai).Format("2006-01"), w.Level, w.Family}]++
		withWarnings[w.CaseNo] = true
		if w.Rule == "deadline.item_overdue" || w.Rule == "deadline.step_overdue" {
			if overdue[w.DepartmentCode] == nil {
				overdue[w.DepartmentCode] = map[string]bool{}
			}
			overdue[w.DepartmentCode][w.CaseNo] = true
		}
		if w.Level == "alarm" {
			alarms[w.DepartmentCode]++
			if slices.Contains([]string{"rectified", "verified", "closed"}, w.Status) {
				rectified[w.DepartmentCode]++
			}
		}
	}
	var rows []compliance.WarningCount
	for k, n := range counts {
		rows = append(rows, compliance.WarningCount{DepartmentCode: k.dept, Month: k.month, Level: k.level, Family: k.family, Count: n})
	}
	sortRows(rows)
	var want []compliance.DepartmentCounts
	for _, d := range depts {
		c := compliance.DepartmentCounts{DepartmentCode: d, Cases: int64(len(accepted[d])), OverdueCases: int64(len(overdue[d])),
			Alarms: alarms[d], AlarmsRectified: rectified[d]}
		for _, n := range accepted[d] {
			if withWarnings[n] {
				c.CasesWithWarnings++
			}
		}
		want = append(want, c)
	}
	return rows, want
}

func sortRows(rows []compliance.WarningCount) {
	slices.SortFunc(rows, func(a, b compliance.WarningCount) int {
		for _, p := range [][2]string{{a.DepartmentCode, b.DepartmentCode}, {a.Month, b.Month}, {a.Level, b.Level}, {a.Family, b.Family}} {
			if p[0] != p[1] {
				if p[0] < p[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
}

func TestStatsWarnings(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		oversight := s.AddAccount(t, "oversight", "oversight", "")
		scjAdmin := s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")
		zjjInspector := s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		s.Must(201, "PUT", "/api/v1/power-items/SCJ-001", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["department_code"] = "SCJ"
		}))

		now := time.Now().In(calendar.Shanghai)
		seedStatsCases(t, s, tok, now)

		today := calendar.DateOf(now).String()
		period := "from=2026-03-01&to=" + today
		accepted := map[string][]string{
			"ZJJ": {"ZJJ-ST-1", "ZJJ-ST-2", "ZJJ-ST-3", "ZJJ-ST-now"},
			"SCJ": {"SCJ-ST-1"},
		}
		ws := listWarnings(t, s, tok[apitest.SupervisionToken], "")

		t.Run("counts and rates match the warnings and cases", func(t *testing.T) {
			statsMatch(t, s, oversight, period, today, ws, accepted)
		})

		t.Run("a period without warnings still counts its cases", func(t *testing.T) {
			// Accepted on 2 March: ST-1 and ST-2; both have warnings,
			// raised after the period, so they count as cases with
			// warnings but not as overdue or alarms of the period.
			var got compliance.WarningStats
			s.Must(200, "GET", "/api/v1/stats/warnings?from=2026-03-02&to=2026-03-02&department=ZJJ", oversight, nil).Decode(t, &got)
			want := []compliance.DepartmentRate{{DepartmentCode: "ZJJ", Cases: 2, CasesWithWarnings: 2, WarningRate: 1}}
			if len(got.Rows) != 0 || !reflect.DeepEqual(got.Rates, want) {
				t.Errorf("got %+v, want no rows and rates %+v", got, want)
			}
		})

		t.Run("the period defaults to the current month up to today", func(t *testing.T) {
			var got compliance.WarningStats
			s.Must(200, "GET", "/api/v1/stats/warnings?department=ZJJ", tok[apitest.ZJJAdmin], nil).Decode(t, &got)
			first := calendar.MakeDate(now.Year(), now.Month(), 1).String()
			if got.From != first || got.To != today {
				t.Errorf("period = %s..%s, want %s..%s", got.From, got.To, first, today)
			}
			if len(got.Rates) != 1 || got.Rates[0].Cases != 1 {
				t.Errorf("rates = %+v, want ZJJ with the one case accepted today", got.Rates)
			}
		})

		t.Run("department accounts see their own department only", func(t *testing.T) {
			statsOwnDepartment(t, s, scjAdmin, zjjInspector, period, ws, accepted)
		})

		t.Run("months and period bounds are days in Asia/Shanghai", func(t *testing.T) {
			statsShanghaiDays(t, s, oversight, ws)
		})

		t.Run("roles and bad requests", func(t *testing.T) {
			s.Must(403, "GET", "/api/v1/stats/warnings", tok[apitest.ZJJClerk], nil)
			s.Must(403, "GET", "/api/v1/stats/warnings", tok[apitest.LegalToken], nil)
			s.Must(200, "GET", "/api/v1/stats/warnings", apitest.AdminToken, nil)
			s.Must(200, "GET", "/api/v1/stats/warnings", tok[apitest.SupervisionToken], nil)
			for _, q := range []string{"from=2026-3-1", "to=2026-02-30", "from=2026-04-01&to=2026-03-01", "department=NOPE"} {
				s.Must(422, "GET", "/api/v1/stats/warnings?"+q, oversight, nil)
			}
		})
	})
}

func countDept(ws []statsWarning, dept string) int64 {
	var n int64
	for _, w := range ws {
		if w.DepartmentCode == dept {
			n++
		}
	}
	return n
}

// statsMatch checks the warning counts and rates of the period against the
// warnings ws and the cases accepted, by department.
func statsMatch(t *testing.T, s *server, oversight, period, today string, ws []statsWarning, accepted map[string][]string) {
	var got compliance.WarningStats
	s.Must(200, "GET", "/api/v1/stats/warnings?"+period, oversight, nil).Decode(t, &got)
	if got.From != "2026-03-01" || got.To != today {
		t.Errorf("period = %s..%s, want 2026-03-01..%s", got.From, got.To, today)
	}
	wantRows, wantCounts := wantStats(ws, accepted, []string{"SCJ", "ZJJ"})
	if !reflect.DeepEqual(got.Rows, wantRows) {
		t.Errorf("rows:\n got %+v\nwant %+v", got.Rows, wantRows)
	}
	checkRates(t, got.Rates, wantCounts)
	zjj := got.Rates[1]
	if zjj.Cases != 4 || zjj.AlarmsRectified != 1 || zjj.OverdueCases < 1 || zjj.Alarms < 2 ||
		!isRate(zjj.RectificationRate, 1, zjj.Alarms) {
		t.Errorf("ZJJ rates = %+v", zjj)
	}
	var fromST0 int64
	for _, w := range ws {
		if w.CaseNo == "ZJJ-ST-0" {
			fromST0++
		}
	}
	var zjjRows int64
	for _, r := range got.Rows {
		if r.DepartmentCode == "ZJJ" {
			zjjRows += r.Count
		}
	}
	if fromST0 == 0 || zjjRows != int64(len(ws))-countDept(ws, "SCJ") {
		t.Errorf("ZJJ rows count %d warnings (%d of a case accepted before the period); want all %d",
			zjjRows, fromST0, int64(len(ws))-countDept(ws, "SCJ"))
	}
}

// statsOwnDepartment checks that department accounts see their own
// department's figures only.
func statsOwnDepartment(t *testing.T, s *server, scjAdmin, zjjInspector, period string, ws []statsWarning, accepted map[string][]string) {
	var got compliance.WarningStats
	s.Must(200, "GET", "/api/v1/stats/warnings?"+period, scjAdmin, nil).Decode(t, &got)
	_, wantCounts := wantStats(ws, accepted, []string{"SCJ"})
	checkRates(t, got.Rates, wantCounts)
	if len(got.Rows) == 0 {
		t.Error("SCJ sees no rows; its decision raised warnings")
	}
	for _, r := range got.Rows {
		if r.DepartmentCode != "SCJ" {
			t.Errorf("SCJ admin sees a row of %s", r.DepartmentCode)
		}
	}
	s.Must(200, "GET", "/api/v1/stats/warnings?department=SCJ&"+period, scjAdmin, nil)
	if code := s.Must(403, "GET", "/api/v1/stats/warnings?department=ZJJ", scjAdmin, nil).ErrorCode(t); code != "other_department" {
		t.Errorf("code = %s, want other_department", code)
	}
	s.Must(403, "GET", "/api/v1/stats/warnings?department=SCJ", zjjInspector, nil)
	s.Must(200, "GET", "/api/v1/stats/warnings", zjjInspector, nil).Decode(t, &got)
	if len(got.Rates) != 1 || got.Rates[0].DepartmentCode != "ZJJ" {
		t.Errorf("ZJJ inspector rates = %+v", got.Rates)
	}
}

// statsShanghaiDays moves two SCJ warnings to either side of midnight in
// Shanghai and checks the days and months they are counted in.
func statsShanghaiDays(t *testing.T, s *server, oversight string, ws []statsWarning) {
	// Move two SCJ warnings to either side of midnight, 1 November
	// in Shanghai (16:00 UTC on 31 October).
	st := sqlstoretest.Open(t, s.dsn)
	var scj []statsWarning
	for _, w := range ws {
		if w.DepartmentCode == "SCJ" {
			scj = append(scj, w)
		}
	}
	if len(scj) < 2 {
		t.Fatalf("%d SCJ warnings, want at least 2", len(scj))
	}
	late, early := scj[0], scj[1]
	for id, at := range map[int64]time.Time{
		late.ID:  time.Date(2026, 10, 31, 15, 59, 59, 999e6, time.UTC),
		early.ID: time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC),
	} {
		if err := st.DB().Exec("UPDATE warnings SET created_at = ? WHERE id = ?", at, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	var got compliance.WarningStats
	s.Must(200, "GET", "/api/v1/stats/warnings?department=SCJ&from=2026-10-31&to=2026-10-31", oversight, nil).Decode(t, &got)
	want := []compliance.WarningCount{{DepartmentCode: "SCJ", Month: "2026-10", Level: late.Level, Family: late.Family, Count: 1}}
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("31 October: rows %+v, want %+v", got.Rows, want)
	}
	s.Must(200, "GET", "/api/v1/stats/warnings?department=SCJ&from=2026-11-01&to=2026-11-01", oversight, nil).Decode(t, &got)
	want = []compliance.WarningCount{{DepartmentCode: "SCJ", Month: "2026-11", Level: early.Level, Family: early.Family, Count: 1}}
	if !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("1 November: rows %+v, want %+v", got.Rows, want)
	}
}

// seedStatsCases records TestStatsWarnings' cases, now being the time of the
// last ZJJ acceptance, and has ZJJ rectify one alarm.
func seedStatsCases(t *testing.T, s *server, tok map[string]string, now time.Time) {
	t.Helper()
	// ST-1: a decision without its approval: checkpoint alarms.
	s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("ST-1-a", "ZJJ-ST-1", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
	s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("ST-1-r", "ZJJ-ST-1", "review", "2026-03-03T09:00:00+08:00"))
	d1 := s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("ST-1-d", "ZJJ-ST-1", "decide", "2026-03-04T09:00:00+08:00"))

	// ST-2: a decision six weeks after acceptance: the item is overdue.
	s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("ST-2-a", "ZJJ-ST-2", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
	s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("ST-2-r", "ZJJ-ST-2", "review", "2026-03-03T09:00:00+08:00"))
	d2 := s.Submit(t, tok[apitest.ZJJClerk], apitest.Step("ST-2-d", "ZJJ-ST-2", "decide", "2026-04-15T09:00:00+08:00"))
	if !slices.Contains(d2.Rules("deadline"), "deadline.item_overdue/alarm") {
		t.Fatalf("late decision raised %v, want deadline.item_overdue", d2.Rules("deadline"))
	}
	// ST-3: accepted only. ST-0: accepted before the period, its
	// warnings raised in it. ST-now: accepted just now.
	s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("ST-3-a", "ZJJ-ST-3", "XK-001", "accept", "2026-03-05T09:00:00+08:00"))
	s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("ST-0-a", "ZJJ-ST-0", "XK-001", "accept", "2026-02-20T09:00:00+08:00"))
	s.Submit(t, tok[apitest.ZJJClerk], apitest.FirstStep("ST-now-a", "ZJJ-ST-now", "XK-001", "accept", now.Format(time.RFC3339)))
	s.Submit(t, tok[apitest.SCJClerk], apitest.FirstStep("SC-1-a", "SCJ-ST-1", "SCJ-001", "accept", "2026-03-10T09:00:00+08:00"))
	s.Submit(t, tok[apitest.SCJClerk], apitest.Step("SC-1-d", "SCJ-ST-1", "decide", "2026-03-11T09:00:00+08:00"))

	// The department rectifies one alarm.
	var alarm int64
	for _, w := range d1.Warnings {
		if w.Rule == "checkpoint.approval_missing" {
			alarm = w.ID
		}
	}
	if alarm == 0 {
		t.Fatalf("the decision without approval raised no checkpoint.approval_missing: %+v", d1.Warnings)
	}
	s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", alarm), tok[apitest.ZJJAdmin],
		map[string]string{"action": "rectify", "note": "已补办审批手续"})
}
