package main

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore"
)

// statsAccount creates an account through the API and returns its token.
func statsAccount(t *testing.T, s *server, user, role, dept string) string {
	t.Helper()
	body := map[string]any{"username": user, "real_name": "测试" + user, "role": role}
	if dept != "" {
		body["department_code"] = dept
	}
	var out struct {
		Token string `json:"token"`
	}
	s.must(201, "POST", "/api/v1/accounts", adminToken, body).decode(t, &out)
	return out.Token
}

type statsAnswer struct {
	From  string      `json:"from"`
	To    string      `json:"to"`
	Rows  []statsRow  `json:"rows"`
	Rates []statsRate `json:"rates"`
}

type statsRow struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	Level          string `json:"level"`
	Family         string `json:"family"`
	Count          int64  `json:"count"`
}

type statsRate struct {
	DepartmentCode    string  `json:"department_code"`
	Cases             int64   `json:"cases"`
	CasesWithWarnings int64   `json:"cases_with_warnings"`
	WarningRate       float64 `json:"warning_rate"`
	OverdueCases      int64   `json:"overdue_cases"`
	OverdueRate       float64 `json:"overdue_rate"`
	Alarms            int64   `json:"alarms"`
	AlarmsRectified   int64   `json:"alarms_rectified"`
	RectificationRate float64 `json:"rectification_rate"`
}

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

// allWarnings lists every warning token may see, following the cursor.
func allWarnings(t *testing.T, s *server, token string) []statsWarning {
	t.Helper()
	var out []statsWarning
	path := "/api/v1/warnings?limit=500"
	for {
		var page struct {
			Items      []statsWarning `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}
		s.must(200, "GET", path, token, nil).decode(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = "/api/v1/warnings?limit=500&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

func rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}

// wantStats computes, from the listed warnings and the cases known to be
// accepted in the period, what the statistics of a period that holds every
// listed warning must say.
func wantStats(ws []statsWarning, accepted map[string][]string, depts []string) ([]statsRow, []statsRate) {
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
	var rows []statsRow
	for k, n := range counts {
		rows = append(rows, statsRow{k.dept, k.month, k.level, k.family, n})
	}
	sortRows(rows)
	var rates []statsRate
	for _, d := range depts {
		r := statsRate{DepartmentCode: d, Cases: int64(len(accepted[d])), OverdueCases: int64(len(overdue[d])),
			Alarms: alarms[d], AlarmsRectified: rectified[d]}
		for _, c := range accepted[d] {
			if withWarnings[c] {
				r.CasesWithWarnings++
			}
		}
		r.WarningRate, r.OverdueRate = rate(r.CasesWithWarnings, r.Cases), rate(r.OverdueCases, r.Cases)
		r.RectificationRate = rate(r.AlarmsRectified, r.Alarms)
		rates = append(rates, r)
	}
	return rows, rates
}

func sortRows(rows []statsRow) {
	slices.SortFunc(rows, func(a, b statsRow) int {
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
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--sweep-interval", "0")
		tok := setupDistrict(t, s)
		oversight := statsAccount(t, s, "oversight", "oversight", "")
		scjAdmin := statsAccount(t, s, "scj-admin", "dept_admin", "SCJ")
		zjjInspector := statsAccount(t, s, "zjj-inspector", "dept_inspector", "ZJJ")
		s.must(201, "PUT", "/api/v1/power-items/SCJ-001", tok[legalToken], itemFixture(t, "licensing", func(it map[string]any) {
			it["department_code"] = "SCJ"
		}))

		post := func(token string, body map[string]any) stepAnswer {
			t.Helper()
			var a stepAnswer
			s.must(201, "POST", "/api/v1/steps", token, body).decode(t, &a)
			return a
		}
		// ST-1: a decision without its approval: checkpoint alarms.
		post(tok[zjjClerk], firstStep("ST-1-a", "ZJJ-ST-1", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
		post(tok[zjjClerk], step("ST-1-r", "ZJJ-ST-1", "review", "2026-03-03T09:00:00+08:00"))
		d1 := post(tok[zjjClerk], step("ST-1-d", "ZJJ-ST-1", "decide", "2026-03-04T09:00:00+08:00"))
		// ST-2: a decision six weeks after acceptance: the item is overdue.
		post(tok[zjjClerk], firstStep("ST-2-a", "ZJJ-ST-2", "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
		post(tok[zjjClerk], step("ST-2-r", "ZJJ-ST-2", "review", "2026-03-03T09:00:00+08:00"))
		d2 := post(tok[zjjClerk], step("ST-2-d", "ZJJ-ST-2", "decide", "2026-04-15T09:00:00+08:00"))
		if !slices.Contains(d2.rules("deadline"), "deadline.item_overdue/alarm") {
			t.Fatalf("late decision raised %v, want deadline.item_overdue", d2.rules("deadline"))
		}
		// ST-3: accepted only. ST-0: accepted before the period, its
		// warnings raised in it. ST-now: accepted just now.
		post(tok[zjjClerk], firstStep("ST-3-a", "ZJJ-ST-3", "XK-001", "accept", "2026-03-05T09:00:00+08:00"))
		post(tok[zjjClerk], firstStep("ST-0-a", "ZJJ-ST-0", "XK-001", "accept", "2026-02-20T09:00:00+08:00"))
		now := time.Now().In(calendar.Shanghai)
		post(tok[zjjClerk], firstStep("ST-now-a", "ZJJ-ST-now", "XK-001", "accept", now.Format(time.RFC3339)))
		post(tok[scjClerk], firstStep("SC-1-a", "SCJ-ST-1", "SCJ-001", "accept", "2026-03-10T09:00:00+08:00"))
		post(tok[scjClerk], step("SC-1-d", "SCJ-ST-1", "decide", "2026-03-11T09:00:00+08:00"))

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
		s.must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", alarm), tok[zjjAdmin],
			map[string]string{"action": "rectify", "note": "已补办审批手续"})

		today := calendar.DateOf(now).String()
		period := "from=2026-03-01&to=" + today
		accepted := map[string][]string{
			"ZJJ": {"ZJJ-ST-1", "ZJJ-ST-2", "ZJJ-ST-3", "ZJJ-ST-now"},
			"SCJ": {"SCJ-ST-1"},
		}
		ws := allWarnings(t, s, tok[supervisionToken])

		t.Run("counts and rates match the warnings and cases", func(t *testing.T) {
			var got statsAnswer
			s.must(200, "GET", "/api/v1/stats/warnings?"+period, oversight, nil).decode(t, &got)
			if got.From != "2026-03-01" || got.To != today {
				t.Errorf("period = %s..%s, want 2026-03-01..%s", got.From, got.To, today)
			}
			wantRows, wantRates := wantStats(ws, accepted, []string{"SCJ", "ZJJ"})
			if !reflect.DeepEqual(got.Rows, wantRows) {
				t.Errorf("rows:\n got %+v\nwant %+v", got.Rows, wantRows)
			}
			if !reflect.DeepEqual(got.Rates, wantRates) {
				t.Errorf("rates:\n got %+v\nwant %+v", got.Rates, wantRates)
			}
			zjj := got.Rates[1]
			if zjj.Cases != 4 || zjj.AlarmsRectified != 1 || zjj.OverdueCases < 1 || zjj.Alarms < 2 ||
				zjj.RectificationRate != rate(1, zjj.Alarms) {
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
		})

		t.Run("a period without warnings still counts its cases", func(t *testing.T) {
			// Accepted on 2 March: ST-1 and ST-2; both have warnings,
			// raised after the period, so they count as cases with
			// warnings but not as overdue or alarms of the period.
			var got statsAnswer
			s.must(200, "GET", "/api/v1/stats/warnings?from=2026-03-02&to=2026-03-02&department=ZJJ", oversight, nil).decode(t, &got)
			want := []statsRate{{DepartmentCode: "ZJJ", Cases: 2, CasesWithWarnings: 2, WarningRate: 1}}
			if len(got.Rows) != 0 || !reflect.DeepEqual(got.Rates, want) {
				t.Errorf("got %+v, want no rows and rates %+v", got, want)
			}
		})

		t.Run("the period defaults to the current month up to today", func(t *testing.T) {
			var got statsAnswer
			s.must(200, "GET", "/api/v1/stats/warnings?department=ZJJ", tok[zjjAdmin], nil).decode(t, &got)
			first := calendar.MakeDate(now.Year(), now.Month(), 1).String()
			if got.From != first || got.To != today {
				t.Errorf("period = %s..%s, want %s..%s", got.From, got.To, first, today)
			}
			if len(got.Rates) != 1 || got.Rates[0].Cases != 1 {
				t.Errorf("rates = %+v, want ZJJ with the one case accepted today", got.Rates)
			}
		})

		t.Run("department accounts see their own department only", func(t *testing.T) {
			var got statsAnswer
			s.must(200, "GET", "/api/v1/stats/warnings?"+period, scjAdmin, nil).decode(t, &got)
			_, wantRates := wantStats(ws, accepted, []string{"SCJ"})
			if !reflect.DeepEqual(got.Rates, wantRates) {
				t.Errorf("SCJ rates = %+v, want %+v", got.Rates, wantRates)
			}
			if len(got.Rows) == 0 {
				t.Error("SCJ sees no rows; its decision raised warnings")
			}
			for _, r := range got.Rows {
				if r.DepartmentCode != "SCJ" {
					t.Errorf("SCJ admin sees a row of %s", r.DepartmentCode)
				}
			}
			s.must(200, "GET", "/api/v1/stats/warnings?department=SCJ&"+period, scjAdmin, nil)
			if code := s.must(403, "GET", "/api/v1/stats/warnings?department=ZJJ", scjAdmin, nil).errorCode(t); code != "other_department" {
				t.Errorf("code = %s, want other_department", code)
			}
			s.must(403, "GET", "/api/v1/stats/warnings?department=SCJ", zjjInspector, nil)
			s.must(200, "GET", "/api/v1/stats/warnings", zjjInspector, nil).decode(t, &got)
			if len(got.Rates) != 1 || got.Rates[0].DepartmentCode != "ZJJ" {
				t.Errorf("ZJJ inspector rates = %+v", got.Rates)
			}
		})

		t.Run("months and period bounds are days in Asia/Shanghai", func(t *testing.T) {
			// Move two SCJ warnings to either side of midnight, 1 November
			// in Shanghai (16:00 UTC on 31 October).
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
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
			var got statsAnswer
			s.must(200, "GET", "/api/v1/stats/warnings?department=SCJ&from=2026-10-31&to=2026-10-31", oversight, nil).decode(t, &got)
			want := []statsRow{{"SCJ", "2026-10", late.Level, late.Family, 1}}
			if !reflect.DeepEqual(got.Rows, want) {
				t.Errorf("31 October: rows %+v, want %+v", got.Rows, want)
			}
			s.must(200, "GET", "/api/v1/stats/warnings?department=SCJ&from=2026-11-01&to=2026-11-01", oversight, nil).decode(t, &got)
			want = []statsRow{{"SCJ", "2026-11", early.Level, early.Family, 1}}
			if !reflect.DeepEqual(got.Rows, want) {
				t.Errorf("1 November: rows %+v, want %+v", got.Rows, want)
			}
		})

		t.Run("roles and bad requests", func(t *testing.T) {
			s.must(403, "GET", "/api/v1/stats/warnings", tok[zjjClerk], nil)
			s.must(403, "GET", "/api/v1/stats/warnings", tok[legalToken], nil)
			s.must(200, "GET", "/api/v1/stats/warnings", adminToken, nil)
			s.must(200, "GET", "/api/v1/stats/warnings", tok[supervisionToken], nil)
			for _, q := range []string{"from=2026-3-1", "to=2026-02-30", "from=2026-04-01&to=2026-03-01", "department=NOPE"} {
				s.must(422, "GET", "/api/v1/stats/warnings?"+q, oversight, nil)
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
