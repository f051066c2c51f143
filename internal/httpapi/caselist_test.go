package httpapi_test

import (
	"net/url"
	"slices"
	"testing"

	"powercheck/internal/apitest"
)

type casePage struct {
	Items []struct {
		CaseNo          string  `json:"case_no"`
		DepartmentCode  string  `json:"department_code"`
		ItemName        string  `json:"item_name"`
		Status          string  `json:"status"`
		DueDate         *string `json:"due_date"`
		DeadlineState   string  `json:"deadline_state"`
		OpenAlarms      int     `json:"open_alarms"`
		OpenPrewarnings int     `json:"open_prewarnings"`
		LastStepCode    string  `json:"last_step_code"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func (p casePage) numbers() []string {
	var out []string
	for _, c := range p.Items {
		out = append(out, c.CaseNo)
	}
	return out
}

type workbenchAnswer struct {
	OpenAlarms       int64 `json:"open_alarms"`
	OpenPrewarnings  int64 `json:"open_prewarnings"`
	WarningsToAnswer int64 `json:"warnings_to_answer"`
	CasesDueSoon     []struct {
		CaseNo        string `json:"case_no"`
		DeadlineState string `json:"deadline_state"`
	} `json:"cases_due_soon"`
	PatrolsToday *struct {
		Required int `json:"required"`
	} `json:"patrols_today"`
}

// caseListFilters are the filters of the case list, who asks (a token's key) and the cases wanted.
var caseListFilters = []struct {
	name, who, query string
	want             []string
}{
	{"district-wide sees every department", apitest.SupervisionToken, "", []string{"ZJJ-NEW-1", "SCJ-1", "ZJJ-OLD-1"}},
	{"department filter", apitest.SupervisionToken, "department=SCJ", []string{"SCJ-1"}},
	{"case number prefix", apitest.ZJJClerk, "q=ZJJ-OLD", []string{"ZJJ-OLD-1"}},
	{"applicant part", apitest.ZJJClerk, "q=" + url.QueryEscape("建设"), []string{"ZJJ-NEW-1", "ZJJ-OLD-1"}},
	{"a LIKE wildcard is a plain character", apitest.ZJJClerk, "q=%25", nil},
	{"item", apitest.SupervisionToken, "item=XK-SCJ", []string{"SCJ-1"}},
	{"accepted in a period", apitest.ZJJClerk, "from=2026-11-01&to=2026-12-31", []string{"ZJJ-NEW-1"}},
	{"status", apitest.ZJJClerk, "status=closed", nil},
}

// TestCaseListAndWorkbench: the lists behind the console's 办件 page and its
// 工作台, scoped to the account, filtered, paged, with each case's deadline
// and unsettled warnings as the warnings list counts them.
func TestCaseListAndWorkbench(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		s.EnterCurrentYears(t)
		clerk, scj := tok[apitest.ZJJClerk], tok[apitest.SCJClerk]
		// An old case, long past its 20 working days: the sweep raises the
		// overdue alarm. A recent one, in time. One of SCJ, accepted with
		// the recent one: case number descending breaks the tie.
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("old-accept", "ZJJ-OLD-1", "XK-001", "accept", "2026-09-01T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("new-accept", "ZJJ-NEW-1", "XK-001", "accept", "2026-12-01T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step("new-review", "ZJJ-NEW-1", "review", "2026-12-02T09:00:00+08:00"))
		scjItem := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" })
		s.Must(201, "PUT", "/api/v1/power-items/XK-SCJ", tok[apitest.LegalToken], scjItem)
		s.Must(201, "POST", "/api/v1/steps", scj, apitest.FirstStep("scj-accept", "SCJ-1", "XK-SCJ", "accept", "2026-12-01T09:00:00+08:00"))
		s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)

		var all casePage
		s.Must(200, "GET", "/api/v1/cases", clerk, nil).Decode(t, &all)
		if got := all.numbers(); !slices.Equal(got, []string{"ZJJ-NEW-1", "ZJJ-OLD-1"}) {
			t.Fatalf("a ZJJ clerk lists %v, want its two cases, newest accepted first", got)
		}
		old, recent := all.Items[1], all.Items[0]
		if old.DeadlineState != "overdue" || old.OpenAlarms == 0 || old.DueDate == nil || old.ItemName == "" {
			t.Errorf("the old case: %+v; want overdue with its due date and open alarms", old)
		}
		if recent.LastStepCode != "review" || recent.DueDate == nil || recent.DeadlineState == "overdue" {
			t.Errorf("the recent case: %+v", recent)
		}
		// The marks count what the violation list shows as unsettled.
		var ws struct {
			Items []struct {
				Level  string `json:"level"`
				Status string `json:"status"`
			} `json:"items"`
		}
		s.Must(200, "GET", "/api/v1/warnings?case_no=ZJJ-OLD-1&level=alarm&status=open", clerk, nil).Decode(t, &ws)
		if len(ws.Items) != old.OpenAlarms {
			t.Errorf("open_alarms %d, the warnings list has %d open alarms", old.OpenAlarms, len(ws.Items))
		}

		for _, tc := range caseListFilters {
			t.Run(tc.name, func(t *testing.T) {
				var p casePage
				s.Must(200, "GET", "/api/v1/cases?"+tc.query, tok[tc.who], nil).Decode(t, &p)
				if got := p.numbers(); !slices.Equal(got, tc.want) {
					t.Errorf("%v, want %v", got, tc.want)
				}
			})
		}

		t.Run("cursor paging neither skips nor repeats", func(t *testing.T) {
			var seen []string
			path := "/api/v1/cases?limit=1"
			for range 5 {
				var p casePage
				s.Must(200, "GET", path, tok[apitest.SupervisionToken], nil).Decode(t, &p)
				seen = append(seen, p.numbers()...)
				if p.NextCursor == nil {
					break
				}
				path = "/api/v1/cases?limit=1&cursor=" + url.QueryEscape(*p.NextCursor)
			}
			if !slices.Equal(seen, []string{"ZJJ-NEW-1", "SCJ-1", "ZJJ-OLD-1"}) {
				t.Errorf("pages gave %v", seen)
			}
		})

		t.Run("refusals", func(t *testing.T) {
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases?department=SCJ", clerk, nil), 403, "other_department")
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases?status=pending", clerk, nil), 422, "invalid_filter")
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases?cursor=bm90LWEtY3Vyc29y", clerk, nil), 400, "invalid_cursor")
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases?limit=0", clerk, nil), 400, "invalid_limit")
		})

		t.Run("workbench", func(t *testing.T) { checkWorkbench(t, s, tok) })
	})
}

// checkWorkbench checks the workbenches of ZJJ's admin, supervision and
// SCJ's clerk against the warnings list and the cases due.
func checkWorkbench(t *testing.T, s *apitest.Server, tok map[string]string) {
	var zjj, district workbenchAnswer
	s.Must(200, "GET", "/api/v1/workbench", tok[apitest.ZJJAdmin], nil).Decode(t, &zjj)
	s.Must(200, "GET", "/api/v1/workbench", tok[apitest.SupervisionToken], nil).Decode(t, &district)
	var zjjAlarms struct{ Items []struct{} }
	s.Must(200, "GET", "/api/v1/warnings?level=alarm&status=open&limit=500", tok[apitest.ZJJAdmin], nil).Decode(t, &zjjAlarms)
	if zjj.OpenAlarms != int64(len(zjjAlarms.Items)) || zjj.OpenAlarms == 0 {
		t.Errorf("ZJJ workbench: %d open alarms, the list has %d", zjj.OpenAlarms, len(zjjAlarms.Items))
	}
	if zjj.WarningsToAnswer != zjj.OpenAlarms+zjj.OpenPrewarnings {
		t.Errorf("a department answers every open warning: %d to answer of %d+%d", zjj.WarningsToAnswer, zjj.OpenAlarms, zjj.OpenPrewarnings)
	}
	if district.OpenAlarms < zjj.OpenAlarms || district.WarningsToAnswer != 0 {
		t.Errorf("district: %+v (supervision answers referred warnings only; none are)", district)
	}
	if len(zjj.CasesDueSoon) == 0 || zjj.CasesDueSoon[0].CaseNo != "ZJJ-OLD-1" || zjj.PatrolsToday == nil {
		t.Errorf("ZJJ workbench: cases due soon %+v, patrols %+v; want the overdue case", zjj.CasesDueSoon, zjj.PatrolsToday)
	}
	var scjBench workbenchAnswer
	s.Must(200, "GET", "/api/v1/workbench", tok[apitest.SCJClerk], nil).Decode(t, &scjBench)
	for _, c := range scjBench.CasesDueSoon {
		if c.CaseNo != "SCJ-1" {
			t.Errorf("an SCJ clerk's workbench lists %s", c.CaseNo)
		}
	}
}
