package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
)

type bulletinAnswer struct {
	Quarter      string    `json:"quarter"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	GeneratedAt  time.Time `json:"generated_at"`
	ScoreFormula string    `json:"score_formula"`
	Rows         []struct {
		Rank                int     `json:"rank"`
		DepartmentCode      string  `json:"department_code"`
		DepartmentName      string  `json:"department_name"`
		ItemsInForce        int     `json:"items_in_force"`
		ItemsChanged        int     `json:"items_changed"`
		CasesAccepted       int     `json:"cases_accepted"`
		Prewarnings         int     `json:"prewarnings"`
		Alarms              int     `json:"alarms"`
		WarningsHandled     int     `json:"warnings_handled"`
		RectificationRate   float64 `json:"rectification_rate"`
		PatrolCompliance    float64 `json:"patrol_compliance"`
		ZeroCaseMonths      int     `json:"zero_case_months"`
		LateExplanations    int     `json:"late_explanations"`
		MissingExplanations int     `json:"missing_explanations"`
		Score               float64 `json:"score"`
	} `json:"rows"`
}

// bulletinCases opens, this quarter, two ZJJ cases, one of them decided
// with alarms, and two clean SCJ cases; it returns the quarter and its
// first day.
func bulletinCases(t *testing.T, s *apitest.Server, tok map[string]string) (string, time.Time) {
	t.Helper()
	s.EnterCurrentYears(t)
	quarter, start := apitest.CurrentQuarter()
	at := time.Now().Add(-2 * time.Minute)
	if at.Before(start) {
		at = start
	}
	when := at.In(calendar.Shanghai).Format(time.RFC3339)
	scjItem := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" })
	s.Must(201, "PUT", "/api/v1/power-items/XK-S01", tok[apitest.LegalToken], scjItem)

	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("Q-Z1-a", "ZJJ-Q1", "XK-001", "accept", when))
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("Q-Z2-a", "ZJJ-Q2", "XK-001", "accept", when))
	d := apitest.Step("Q-Z2-d", "ZJJ-Q2", "decide", when)
	d["legal_basis_ids"] = []string{} // no approval, no legal basis: alarms
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], d)
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.SCJClerk], apitest.FirstStep("Q-S1-a", "SCJ-Q1", "XK-S01", "accept", when))
	s.Must(201, "POST", "/api/v1/steps", tok[apitest.SCJClerk], apitest.FirstStep("Q-S2-a", "SCJ-Q2", "XK-S01", "accept", when))
	return quarter, start
}

// bulletinRun is what TestQuarterlyBulletin's subtests share: the server,
// the district's tokens, supervision's, the quarter, its first day and
// its bulletin.
type bulletinRun struct {
	s            *apitest.Server
	tok          map[string]string
	sup, quarter string
	start        time.Time
	b            bulletinAnswer
}

// The bulletin of today's quarter: ZJJ has two cases and alarms, SCJ two
// clean cases, so SCJ ranks first.
func TestQuarterlyBulletin(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		quarter, start := bulletinCases(t, s, tok)
		sup := tok[apitest.SupervisionToken]
		levels := func(dept string) (pre, alarm int) {
			var l apitest.WarningList
			s.Must(200, "GET", "/api/v1/warnings?limit=500&department="+dept, sup, nil).Decode(t, &l)
			for _, w := range l.Items {
				if w.Level == "alarm" {
					alarm++
				} else {
					pre++
				}
			}
			return pre, alarm
		}

		var b bulletinAnswer
		s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter, sup, nil).Decode(t, &b)
		if b.Quarter != quarter || b.From != start.Format("2006-01-02") || b.GeneratedAt.IsZero() || b.ScoreFormula == "" {
			t.Errorf("bulletin head = %+v", b)
		}
		if len(b.Rows) != 2 || b.Rows[0].DepartmentCode != "SCJ" || b.Rows[1].DepartmentCode != "ZJJ" {
			t.Fatalf("rows = %+v, want SCJ then ZJJ", b.Rows)
		}
		want := map[string]struct{ inForce, changed int }{"SCJ": {1, 1}, "ZJJ": {2, 2}}
		for i, r := range b.Rows {
			pre, alarm := levels(r.DepartmentCode)
			if r.CasesAccepted != 2 || r.Prewarnings != pre || r.Alarms != alarm || r.Rank != i+1 ||
				r.ItemsInForce != want[r.DepartmentCode].inForce || r.ItemsChanged != want[r.DepartmentCode].changed {
				t.Errorf("row %+v: want 2 cases, %d prewarnings, %d alarms, rank %d, items %+v", r, pre, alarm, i+1, want[r.DepartmentCode])
			}
			if r.WarningsHandled != 0 || r.RectificationRate != 0 {
				t.Errorf("row %s: nothing handled yet, got %+v", r.DepartmentCode, r)
			}
		}
		// The formula itself is held to worked answers in compliance's
		// TestBulletinScore; here, what this district's rows must score.
		// ZJJ's alarms alone take 2 × 2 × 100 ÷ 2 = 200 points: 0.
		if zjj := b.Rows[1]; zjj.Alarms < 2 || zjj.Score != 0 {
			t.Errorf("ZJJ %+v: want at least 2 alarms and a score of 0", zjj)
		}
		// SCJ loses a point for nothing but what its row holds against it.
		if scj := b.Rows[0]; scj.Score <= 0 || scj.Score > 100 || (scj.Alarms == 0 && scj.Prewarnings == 0 &&
			scj.MissingExplanations == 0 && scj.LateExplanations == 0 && scj.PatrolCompliance == 1) != (scj.Score == 100) {
			t.Errorf("SCJ %+v: want 100 when nothing is held against it, less otherwise", scj)
		}

		bt := bulletinRun{s: s, tok: tok, sup: sup, quarter: quarter, start: start, b: b}
		t.Run("a quarter before the departments were set up holds nothing against them", bt.quarterBeforeSetUp)
		t.Run("who may read it, and which quarters", bt.whoMayRead)
		t.Run("the XLSX is laid out to be printed", bt.xlsxLayout)
		t.Run("the monthly report as XLSX", bt.monthlyXLSX)
	})
}

func (bt bulletinRun) quarterBeforeSetUp(t *testing.T) {
	s, sup, start := bt.s, bt.sup, bt.start
	prev := start.AddDate(0, -3, 0)
	q := fmt.Sprintf("%d-Q%d", prev.Year(), (int(prev.Month())-1)/3+1)
	var pb bulletinAnswer
	s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+q, sup, nil).Decode(t, &pb)
	for _, r := range pb.Rows {
		if r.CasesAccepted != 0 || r.ZeroCaseMonths != 0 || r.MissingExplanations != 0 || r.LateExplanations != 0 ||
			r.PatrolCompliance != 1 || r.Score != 100 {
			t.Errorf("%s row %+v: want no zero-case month, no missing explanation, no patrol owed", q, r)
		}
	}
}

func (bt bulletinRun) whoMayRead(t *testing.T) {
	s, tok, sup, quarter := bt.s, bt.tok, bt.sup, bt.quarter
	s.Must(403, "GET", "/api/v1/reports/quarterly?quarter="+quarter, tok[apitest.ZJJClerk], nil)
	s.Must(403, "GET", "/api/v1/reports/quarterly?quarter="+quarter, tok[apitest.ZJJAdmin], nil)
	s.Must(403, "GET", "/api/v1/reports/quarterly?quarter="+quarter, tok[apitest.LegalToken], nil)
	s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter, apitest.AdminToken, nil)
	ov := s.AddAccount(t, "oversight", "oversight", "")
	s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter, ov, nil)
	for _, q := range []string{"", "2026-Q5", "2026Q1", "2026-q1", "26-Q1"} {
		s.Must(422, "GET", "/api/v1/reports/quarterly?quarter="+q, sup, nil)
	}
	next := fmt.Sprintf("%d-Q1", time.Now().In(calendar.Shanghai).Year()+1)
	if code := s.Must(422, "GET", "/api/v1/reports/quarterly?quarter="+next, sup, nil).ErrorCode(t); code != "quarter_not_started" {
		t.Errorf("code = %s, want quarter_not_started", code)
	}
	s.Must(400, "GET", "/api/v1/reports/quarterly?quarter="+quarter+"&format=pdf", sup, nil)
}

func (bt bulletinRun) xlsxLayout(t *testing.T) {
	s, sup, quarter, b := bt.s, bt.sup, bt.quarter, bt.b
	f, rows := apitest.XLSXSheet(t, s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter+"&format=xlsx", sup, nil).Body, "季度通报")
	year, n := quarter[:4], quarter[6:]
	if title := fmt.Sprintf("仁和区行政权力运行监察季度通报（%s 年第 %s 季度）", year, n); len(rows) < 6 || rows[0][0] != title {
		t.Fatalf("rows = %q, want the title %s", rows, title)
	}
	if !strings.Contains(rows[1][0], b.From) || !strings.Contains(rows[1][0], "生成时间") || !strings.HasPrefix(rows[2][0], "单位") {
		t.Errorf("period and units rows = %q, %q", rows[1][0], rows[2][0])
	}
	if h := rows[3]; len(h) < 14 || h[0] != "名次" || h[1] != "部门" || h[len(h)-1] != "得分" {
		t.Errorf("headers = %q", h)
	}
	if rows[4][0] != "1" || rows[4][1] != "区市场监督管理局" || rows[5][0] != "2" || rows[5][1] != "区住房和城乡建设局" {
		t.Errorf("ranked rows = %q, %q", rows[4], rows[5])
	}
	panes, err := f.GetPanes("季度通报")
	if err != nil || !panes.Freeze || panes.YSplit != 4 {
		t.Errorf("panes = %+v, %v; want the header frozen", panes, err)
	}
	pl, err := f.GetPageLayout("季度通报")
	if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 9 ||
		pl.FitToWidth == nil || *pl.FitToWidth != 1 {
		t.Errorf("page layout = %+v, %v; want landscape A4 fitted to width", pl, err)
	}
}

func (bt bulletinRun) monthlyXLSX(t *testing.T) {
	s, sup := bt.s, bt.sup
	month := time.Now().In(calendar.Shanghai).Format("2006-01")
	_, rows := apitest.XLSXSheet(t, s.Must(200, "GET", "/api/v1/reports/monthly?department=ZJJ&month="+month+"&format=xlsx", sup, nil).Body, "月报")
	values := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 {
			values[r[0]] = r[1]
		}
	}
	if values["部门"] != "ZJJ" || values["月份"] != month || values["书面说明截止日"] == "" {
		t.Errorf("monthly rows = %q", rows)
	}
	s.Must(400, "GET", "/api/v1/reports/monthly?department=ZJJ&month="+month+"&format=pdf", sup, nil)
}

// The bulletin of today's quarter does not need next year's holiday schedule
// until a due date it works out falls in next year: in December, that of
// December's explanation is not yet worked out.
func TestQuarterlyBulletinWithoutNextYear(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		this := time.Now().In(calendar.Shanghai).Year()
		if s.Do("GET", fmt.Sprintf("/api/v1/calendar/%d", this), apitest.AdminToken, nil).Status != 200 {
			t.Skipf("the shipped calendar does not know %d", this)
		}
		if s.Do("GET", fmt.Sprintf("/api/v1/calendar/%d", this+1), apitest.AdminToken, nil).Status == 200 {
			t.Skipf("the shipped calendar knows %d already", this+1)
		}
		quarter, _ := apitest.CurrentQuarter()
		var b bulletinAnswer
		s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter, tok[apitest.SupervisionToken], nil).Decode(t, &b)
		if len(b.Rows) != 2 {
			t.Errorf("rows = %+v, want ZJJ and SCJ", b.Rows)
		}
	})
}
