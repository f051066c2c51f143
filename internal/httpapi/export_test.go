package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"powercheck/internal/apitest"
)

var exportHeader = []string{"编号", "级别", "规则", "规则族", "说明", "法律依据", "部门", "办件编号", "环节记录", "策略修订", "状态", "产生时间"}

// listed is a warning as GET /api/v1/warnings returns it.
type listed struct {
	ID             int64  `json:"id"`
	Level          string `json:"level"`
	Rule           string `json:"rule"`
	Family         string `json:"family"`
	Message        string `json:"message"`
	Basis          string `json:"basis"`
	DepartmentCode string `json:"department_code"`
	CaseNo         string `json:"case_no"`
	StepID         string `json:"step_id"`
	PolicyRevision int64  `json:"policy_revision"`
	Status         string `json:"status"`
	CreatedAt      string `json:"created_at"`
}

// exported is an export's answer: the response and its rows, header first.
type exported struct {
	res  *http.Response
	body []byte
	rows [][]string
}

// export downloads GET /api/v1/warnings/export?<query> and parses the file
// when the answer is 200.
func export(t *testing.T, s *apitest.Server, token, query string) exported {
	t.Helper()
	req, err := http.NewRequest("GET", s.Base+"/api/v1/warnings/export?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := apitest.Client.Do(req)
	if err != nil {
		t.Fatalf("export %s: %v", query, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("export %s: reading the body: %v", query, err)
	}
	out := exported{res: res, body: body}
	if res.StatusCode != http.StatusOK {
		return out
	}
	switch res.Header.Get("Content-Type") {
	case "text/csv; charset=utf-8":
		rest, ok := bytes.CutPrefix(body, []byte("\xEF\xBB\xBF"))
		if !ok {
			t.Fatalf("export %s: the CSV does not start with a UTF-8 BOM: %q", query, body[:min(len(body), 16)])
		}
		if out.rows, err = csv.NewReader(bytes.NewReader(rest)).ReadAll(); err != nil {
			t.Fatalf("export %s: parsing the CSV: %v", query, err)
		}
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("export %s: opening the XLSX: %v", query, err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"预警清单"}) {
			t.Errorf("export %s: sheets %v, want [预警清单]", query, got)
		}
		if out.rows, err = f.GetRows("预警清单"); err != nil {
			t.Fatalf("export %s: reading the sheet: %v", query, err)
		}
		panes, err := f.GetPanes("预警清单")
		if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 {
			t.Errorf("export %s: panes %+v (%v), want the header row frozen", query, panes, err)
		}
		style, err := f.GetCellStyle("预警清单", "E1")
		if err == nil {
			st, err := f.GetStyle(style)
			if err != nil || st.Font == nil || !st.Font.Bold {
				t.Errorf("export %s: the header is not bold (%+v, %v)", query, st, err)
			}
		}
		if w, err := f.GetColWidth("预警清单", "E"); err != nil || w < 30 {
			t.Errorf("export %s: 说明 is %v characters wide (%v), want a wide column", query, w, err)
		}
	default:
		t.Fatalf("export %s: Content-Type %q", query, res.Header.Get("Content-Type"))
	}
	if len(out.rows) == 0 || !slices.Equal(out.rows[0], exportHeader) {
		t.Fatalf("export %s: header %q, want %q", query, out.rows[:min(len(out.rows), 1)], exportHeader)
	}
	return out
}

var (
	levelName  = map[string]string{"prewarning": "预警", "alarm": "报警"}
	statusName = map[string]string{"open": "待处理", "explained": "已说明", "rectifying": "整改中", "rectified": "已整改",
		"verified": "已核实", "referred": "已移送", "closed": "已办结"}
)

// wantRow is the export row of a listed warning.
func wantRow(t *testing.T, w listed) []string {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, w.CreatedAt)
	if err != nil {
		t.Fatalf("created_at %q: %v", w.CreatedAt, err)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	return []string{strconv.FormatInt(w.ID, 10), levelName[w.Level], w.Rule, w.Family, w.Message, w.Basis,
		w.DepartmentCode, w.CaseNo, w.StepID, strconv.FormatInt(w.PolicyRevision, 10), statusName[w.Status],
		at.In(shanghai).Format("2006-01-02 15:04:05")}
}

// sameAsList checks that an export holds the rows of the JSON list with the
// same filter, in the same order.
func sameAsList(t *testing.T, s *apitest.Server, token, filter string, got exported) []listed {
	t.Helper()
	var list struct {
		Items      []listed `json:"items"`
		NextCursor *string  `json:"next_cursor"`
	}
	s.Must(200, "GET", "/api/v1/warnings?limit=500&"+filter, token, nil).Decode(t, &list)
	if list.NextCursor != nil {
		t.Fatalf("the list with %q has more than one page", filter)
	}
	rows := got.rows[1:]
	if len(rows) != len(list.Items) {
		t.Fatalf("export with %q has %d rows, the list %d", filter, len(rows), len(list.Items))
	}
	for i, w := range list.Items {
		// A spreadsheet reader drops trailing empty cells.
		row := append(slices.Clone(rows[i]), make([]string, max(0, len(exportHeader)-len(rows[i])))...)
		if want := wantRow(t, w); !slices.Equal(row, want) {
			t.Errorf("export with %q, row %d:\n got %q\nwant %q", filter, i+1, row, want)
		}
	}
	return list.Items
}

// exportCases opens three ZJJ and three SCJ cases whose decisions raise
// alarms, and explains one of ZJJ's warnings.
func exportCases(t *testing.T, s *apitest.Server, tok map[string]string) {
	t.Helper()
	s.Must(201, "PUT", "/api/v1/power-items/XK-SCJ", tok[apitest.LegalToken],
		apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" }))
	// Decisions without approval or legal basis raise alarms; the rest of
	// each case adds what it adds.
	decide := func(token, item, caseNo string) {
		t.Helper()
		s.Must(201, "POST", "/api/v1/steps", token, apitest.FirstStep(caseNo+"-a", caseNo, item, "accept", "2026-03-02T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", token, apitest.Step(caseNo+"-r", caseNo, "review", "2026-03-03T09:00:00+08:00"))
		d := apitest.Step(caseNo+"-d", caseNo, "decide", "2026-03-04T09:00:00+08:00")
		d["legal_basis_ids"] = []string{}
		s.Must(201, "POST", "/api/v1/steps", token, d)
	}
	for i := range 3 {
		decide(tok[apitest.ZJJClerk], "XK-001", fmt.Sprintf("ZJJ-EX-%d", i))
		decide(tok[apitest.SCJClerk], "XK-SCJ", fmt.Sprintf("SCJ-EX-%d", i))
	}
	// One explained warning, for the status column.
	var zjj struct{ Items []listed }
	s.Must(200, "GET", "/api/v1/warnings?department=ZJJ&limit=1", tok[apitest.SupervisionToken], nil).Decode(t, &zjj)
	s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", zjj.Items[0].ID), tok[apitest.ZJJAdmin],
		map[string]string{"action": "explain", "note": "已作书面说明"})
}

// exportAs checks the export in format: its rows, filters, paging and scope.
func exportAs(t *testing.T, s *apitest.Server, tok map[string]string, format string) {
	sup := tok[apitest.SupervisionToken]
	t.Run("every warning, newest first, as the list has them", func(t *testing.T) {
		got := export(t, s, sup, "format="+format)
		if ct, want := got.res.Header.Get("Content-Type"), map[string]string{"csv": "text/csv; charset=utf-8",
			"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]; ct != want {
			t.Errorf("Content-Type = %q, want %q", ct, want)
		}
		disposition := regexp.MustCompile(`^attachment; filename="warnings-\d{8}-\d{6}\.` + format + `"`)
		if cd := got.res.Header.Get("Content-Disposition"); !disposition.MatchString(cd) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		all := sameAsList(t, s, sup, "", got)
		depts, statuses := map[string]bool{}, map[string]bool{}
		for _, w := range all {
			depts[w.DepartmentCode], statuses[w.Status] = true, true
		}
		if len(all) < 12 || !depts["ZJJ"] || !depts["SCJ"] || !statuses["explained"] {
			t.Errorf("the export covers %d warnings of %v with statuses %v; the test wants more variety", len(all), depts, statuses)
		}
	})
	t.Run("filters apply", func(t *testing.T) {
		for _, filter := range []string{"level=alarm", "department=SCJ", "family=checkpoint&department=ZJJ,SCJ",
			"case_no=ZJJ-EX-1&level=alarm", "status=explained", "from=2020-01-01&to=2099-12-31", "rule=nope.nothing"} {
			got := export(t, s, sup, "format="+format+"&"+filter)
			rows := sameAsList(t, s, sup, filter, got)
			if filter == "level=alarm" {
				for _, w := range rows {
					if w.Level != "alarm" {
						t.Errorf("level=alarm exports a %s", w.Level)
					}
				}
			}
		}
	})
	t.Run("limit and cursor do not cut an export", func(t *testing.T) {
		var page struct {
			NextCursor *string `json:"next_cursor"`
		}
		s.Must(200, "GET", "/api/v1/warnings?limit=2", sup, nil).Decode(t, &page)
		got := export(t, s, sup, "format="+format+"&limit=2&cursor="+*page.NextCursor)
		sameAsList(t, s, sup, "", got)
	})
	t.Run("a department clerk exports its own department only", func(t *testing.T) {
		got := export(t, s, tok[apitest.SCJClerk], "format="+format)
		if len(got.rows) < 2 {
			t.Fatalf("SCJ clerk's export has %d rows", len(got.rows))
		}
		for _, row := range got.rows[1:] {
			if row[6] != "SCJ" {
				t.Errorf("SCJ clerk exports a warning of %s: %q", row[6], row)
			}
		}
		sameAsList(t, s, tok[apitest.SCJClerk], "", got)
		r := export(t, s, tok[apitest.SCJClerk], "format="+format+"&department=ZJJ")
		if r.res.StatusCode != 403 {
			t.Fatalf("SCJ clerk asking for ZJJ: status %d, want 403", r.res.StatusCode)
		}
		if code := (apitest.Response{Status: 403, Body: r.body}).ErrorCode(t); code != "other_department" {
			t.Errorf("code = %s, want other_department", code)
		}
	})
}

func TestWarningExport(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		exportCases(t, s, tok)
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(format, func(t *testing.T) { exportAs(t, s, tok, format) })
		}

		t.Run("refusals", func(t *testing.T) {
			for _, tt := range []struct {
				query, token string
				status       int
				code         string
			}{
				{"format=pdf", tok[apitest.SupervisionToken], 400, "invalid_format"},
				{"", tok[apitest.SupervisionToken], 400, "invalid_format"},
				{"format=CSV", tok[apitest.SupervisionToken], 400, "invalid_format"},
				{"format=csv&level=red", tok[apitest.SupervisionToken], 400, "invalid_filter"},
				{"format=xlsx&from=yesterday", tok[apitest.SupervisionToken], 400, "invalid_filter"},
				{"format=csv", "pc_nope", 401, "invalid_token"},
			} {
				r := export(t, s, tt.token, tt.query)
				if r.res.StatusCode != tt.status {
					t.Errorf("%q: status %d, want %d (%s)", tt.query, r.res.StatusCode, tt.status, r.body)
					continue
				}
				if code := (apitest.Response{Status: tt.status, Body: r.body}).ErrorCode(t); code != tt.code {
					t.Errorf("%q: code %s, want %s", tt.query, code, tt.code)
				}
			}
		})
	})
}
