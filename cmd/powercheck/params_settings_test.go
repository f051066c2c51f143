package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
)

type paramsAnswer struct {
	Revision int64                      `json:"revision"`
	Active   map[string]map[string]any  `json:"active"`
	Draft    *map[string]map[string]any `json:"draft"`
	Schema   map[string]any             `json:"schema"`
}

// shippedParams reads the parameters in force through the API.
func (s *server) params(t *testing.T, token string) paramsAnswer {
	t.Helper()
	return apitest.Get[paramsAnswer](t, s.Server, token, "/api/v1/policies/params")
}

// TestParamsDraftPublishRollback changes the patrols a working day needs
// from 2 to 3 the way the legal affairs office would: a draft the schema
// refuses, a draft it takes, the dry run, the publish that turns days with
// two patrols insufficient in the ledger, and the rollback. It is one story,
// each step starting from the parameters and ledger the last one left, so it
// stays whole.
func TestParamsDraftPublishRollback(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]
		insp := s.AddAccount(t, "zjj-insp", "dept_inspector", "ZJJ")
		s.EnterCurrentYears(t)
		today := time.Now().In(calendar.Shanghai).Format(time.DateOnly)
		workToday(t, s, today)
		// Patrols count for their day when recorded on it: two today.
		for _, ago := range []time.Duration{2 * time.Second, time.Second} {
			s.Must(201, "POST", "/api/v1/patrols", insp, patrol(time.Now().Add(-ago).In(calendar.Shanghai).Format(time.RFC3339)))
		}
		ledger := func() []string {
			t.Helper()
			var l ledgerAnswer
			s.Must(200, "GET", "/api/v1/ledgers/patrols?department=ZJJ&from="+today+"&to="+today, tok[apitest.SupervisionToken], nil).Decode(t, &l)
			var out []string
			for _, d := range l.Days {
				out = append(out, fmt.Sprintf("%s %d %s", d.Date, d.Patrols, d.Status))
			}
			return out
		}
		ok := []string{today + " 2 ok"}
		short := []string{today + " 2 insufficient"}
		if got := ledger(); !slices.Equal(got, ok) {
			t.Fatalf("ledger before = %q, want %q", got, ok)
		}

		before := s.params(t, legal)
		if got := before.Active["patrol"]["per_workday"]; got != 2.0 {
			t.Fatalf("active patrol.per_workday = %v, want 2", got)
		}
		if before.Draft != nil || before.Schema["type"] != "object" {
			t.Fatalf("params = %+v, want no draft and the schema", before)
		}
		doc := func(perDay any) map[string]any {
			d := map[string]any{}
			for k, v := range before.Active {
				d[k] = v
			}
			patrol := map[string]any{}
			for k, v := range before.Active["patrol"] {
				patrol[k] = v
			}
			patrol["per_workday"] = perDay
			d["patrol"] = patrol
			return d
		}

		t.Run("a draft that breaks the schema is refused at its path", func(t *testing.T) {
			refusedDrafts(t, s, legal, doc)
		})
		t.Run("only the legal affairs office drafts", func(t *testing.T) {
			s.Must(403, "PUT", "/api/v1/policies/params", apitest.AdminToken, doc(3))
			s.Must(403, "PUT", "/api/v1/policies/params", tok[apitest.ZJJClerk], doc(3))
		})

		var drafted paramsAnswer
		s.Must(200, "PUT", "/api/v1/policies/params", legal, doc(3)).Decode(t, &drafted)
		if drafted.Draft == nil || (*drafted.Draft)["patrol"]["per_workday"] != 3.0 || drafted.Active["patrol"]["per_workday"] != 2.0 {
			t.Fatalf("after the draft: %+v, want draft 3 over active 2", drafted)
		}
		if p := s.params(t, tok[apitest.ZJJClerk]); p.Draft != nil || p.Active["patrol"]["per_workday"] != 2.0 {
			t.Errorf("a clerk reads %+v, want the active parameters only", p)
		}
		if got := ledger(); !slices.Equal(got, ok) {
			t.Errorf("ledger with a draft = %q, want %q (a draft changes nothing)", got, ok)
		}

		t.Run("the dry run reports the change", func(t *testing.T) {
			dryRunReport(t, s, legal, today)
		})

		revs := listRevisions(t, s, legal)
		pub := newRevision(t, s, legal, "publish", map[string]string{"note": "巡查次数调整为每个工作日三次"})
		if pub.Revision <= revs.Active || !slices.Equal(pub.Changes.Params, []string{"patrol.per_workday"}) || len(pub.Changes.Changed) != 0 {
			t.Fatalf("publish = %+v, want a new revision changing patrol.per_workday only", pub)
		}
		if got := ledger(); !slices.Equal(got, short) {
			t.Errorf("ledger after the publish = %q, want %q", got, short)
		}
		if p := s.params(t, legal); p.Revision != pub.Revision || p.Active["patrol"]["per_workday"] != 3.0 || p.Draft != nil {
			t.Errorf("params after the publish = %+v, want 3 in force, no draft", p)
		}

		rb := newRevision(t, s, legal, "rollback", map[string]any{"revision": revs.Active})
		if rb.Changes.RollbackFrom != revs.Active || !slices.Equal(rb.Changes.Params, []string{"patrol.per_workday"}) {
			t.Errorf("rollback = %+v, want patrol.per_workday restored from revision %d", rb, revs.Active)
		}
		if got := ledger(); !slices.Equal(got, ok) {
			t.Errorf("ledger after the rollback = %q, want %q", got, ok)
		}
		if p := s.params(t, legal); p.Active["patrol"]["per_workday"] != 2.0 {
			t.Errorf("params after the rollback = %v, want 2", p.Active["patrol"])
		}
		list := listRevisions(t, s, tok[apitest.ZJJClerk])
		var ids []int64
		for _, it := range list.Items {
			ids = append(ids, it.Revision)
		}
		if list.Active != rb.Revision || !slices.Contains(ids, pub.Revision) || !slices.Contains(ids, rb.Revision) {
			t.Errorf("revisions %v (active %d), want the publish %d and the rollback %d, the rollback active", ids, list.Active, pub.Revision, rb.Revision)
		}
	})
}

// workToday makes today a working day of the district's calendar, so that
// today's patrols are required whatever the day of the week.
func workToday(t *testing.T, s *server, today string) {
	t.Helper()
	var y struct {
		Year     int      `json:"year"`
		Source   string   `json:"source"`
		Holidays []string `json:"holidays"`
		Workdays []string `json:"workdays"`
	}
	s.Must(200, "GET", "/api/v1/calendar/"+today[:4], apitest.AdminToken, nil).Decode(t, &y)
	d, _ := time.Parse(time.DateOnly, today)
	weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
	if !weekend && !slices.Contains(y.Holidays, today) {
		return
	}
	y.Holidays = slices.DeleteFunc(y.Holidays, func(h string) bool { return h == today })
	if weekend {
		y.Workdays = append(y.Workdays, today)
	}
	s.Must(200, "PUT", "/api/v1/calendar/"+today[:4], apitest.AdminToken, map[string]any{"source": y.Source + "（测试调休）",
		"holidays": y.Holidays, "workdays": y.Workdays})
}

type settingsAnswer struct {
	DistrictName string            `json:"district_name"`
	Offices      map[string]string `json:"offices"`
	UpdatedBy    string            `json:"updated_by"`
}

func TestSettings(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)

		var got settingsAnswer
		s.Must(200, "GET", "/api/v1/settings", tok[apitest.ZJJClerk], nil).Decode(t, &got)
		if got.DistrictName != "仁和区" || got.Offices["legal"] != "区司法局" || got.UpdatedBy != "" {
			t.Fatalf("settings = %+v, want the defaults", got)
		}
		want := map[string]any{"district_name": "东区", "offices": map[string]string{
			"egov": "东区电子政务办", "legal": "东区司法局", "oversight": "东区政务服务管理办公室", "supervision": "东区监察委员会"}}

		t.Run("only an administrator changes them", func(t *testing.T) {
			s.Must(403, "PUT", "/api/v1/settings", tok[apitest.LegalToken], want)
			s.Must(403, "PUT", "/api/v1/settings", tok[apitest.ZJJAdmin], want)
		})
		t.Run("a bad body is refused at the field", func(t *testing.T) {
			bad := map[string]any{"district_name": " ", "offices": map[string]string{
				"egov": "电子政务办", "legal": strings.Repeat("司", 60), "oversight": "政管办", "supervision": "监察委"}}
			r := s.Do("PUT", "/api/v1/settings", apitest.AdminToken, bad)
			apitest.WantCode(t, r, 422, "invalid_settings")
			fields := fieldsOf(t, r)
			if !slices.Equal(fields, []string{"district_name", "offices.legal"}) {
				t.Errorf("fields = %v, want district_name and offices.legal", fields)
			}
			if r := s.Do("PUT", "/api/v1/settings", apitest.AdminToken, map[string]any{"district_name": "东区"}); r.Status != 422 {
				t.Errorf("without offices: status %d, want 422", r.Status)
			}
		})

		s.Must(200, "PUT", "/api/v1/settings", apitest.AdminToken, want).Decode(t, &got)
		if got.DistrictName != "东区" || got.UpdatedBy != "admin" {
			t.Fatalf("after PUT: %+v", got)
		}
		s.Must(200, "GET", "/api/v1/settings", tok[apitest.ZJJClerk], nil).Decode(t, &got)
		if got.DistrictName != "东区" || got.Offices["oversight"] != "东区政务服务管理办公室" {
			t.Errorf("settings read back = %+v", got)
		}

		t.Run("the quarterly bulletin names the district", func(t *testing.T) {
			quarter, _ := apitest.CurrentQuarter()
			var b struct {
				Title        string `json:"title"`
				DistrictName string `json:"district_name"`
				Issuer       string `json:"issuer"`
			}
			s.Must(200, "GET", "/api/v1/reports/quarterly?quarter="+quarter, tok[apitest.SupervisionToken], nil).Decode(t, &b)
			if !strings.HasPrefix(b.Title, "东区行政权力运行监察季度通报") || b.DistrictName != "东区" || b.Issuer != "东区政务服务管理办公室" {
				t.Errorf("bulletin = %+v, want it to name 东区", b)
			}
			x := apitest.OpenXLSX(t, s.Must(200, "GET", "/api/v1/reports/quarterly?format=xlsx&quarter="+quarter, tok[apitest.SupervisionToken], nil).Body)
			if v, _ := x.GetCellValue("季度通报", "A1"); !strings.HasPrefix(v, "东区") {
				t.Errorf("workbook title %q, want it to name 东区", v)
			}
		})
		t.Run("the change is audited", func(t *testing.T) {
			if items, e := awaitAudit(t, s, "", 5*time.Second, func(e auditItem) bool {
				return e.Action == "PUT /api/v1/settings" && e.Actor == "admin" && strings.Contains(e.Subjects, "settings")
			}); e == nil {
				raw, _ := json.Marshal(items)
				t.Errorf("audit has no PUT /api/v1/settings by admin: %.2000s", raw)
			}
		})
	})
}

// refusedDrafts checks that drafts the schema refuses are answered at their
// path and leave no draft; doc makes a document with patrol.per_workday set.
func refusedDrafts(t *testing.T, s *server, legal string, doc func(perDay any) map[string]any) {
	r := s.Do("PUT", "/api/v1/policies/params", legal, doc("三"))
	apitest.WantCode(t, r, 422, "params_invalid")
	var e struct {
		Error struct {
			Message string `json:"message"`
			Details []struct {
				Path    string `json:"path"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"details"`
		} `json:"error"`
	}
	r.Decode(t, &e)
	if len(e.Error.Details) != 1 || e.Error.Details[0].Path != "/patrol/per_workday" ||
		e.Error.Details[0].Field != "patrol.per_workday" || !containsHan(e.Error.Details[0].Message) {
		t.Errorf("details = %+v, want one Chinese problem at /patrol/per_workday", e.Error.Details)
	}
	apitest.WantCode(t, s.Do("PUT", "/api/v1/policies/params", legal, doc(0)), 422, "params_invalid")
	apitest.WantCode(t, s.Do("PUT", "/api/v1/policies/params", legal, "{not json"), 422, "params_invalid")
	if p := s.params(t, legal); p.Draft != nil {
		t.Errorf("draft = %v after refused drafts, want none", *p.Draft)
	}
}

// dryRunReport checks that the dry run of the draft reports patrol.per_workday
// going from 2 to 3 and patrol.insufficient appearing on ZJJ's day.
func dryRunReport(t *testing.T, s *server, legal, today string) {
	var rep struct {
		PatrolDays int `json:"patrol_days"`
		Params     []struct {
			Path string  `json:"path"`
			From float64 `json:"from"`
			To   float64 `json:"to"`
		} `json:"params"`
		Appear []struct {
			Rule           string `json:"rule"`
			DepartmentCode string `json:"department_code"`
			Count          int    `json:"count"`
		} `json:"appear"`
	}
	s.Must(200, "POST", "/api/v1/policies/impact", legal, map[string]string{"from": today, "to": time.Now().In(calendar.Shanghai).AddDate(0, 0, 1).Format(time.DateOnly)}).Decode(t, &rep)
	if len(rep.Params) != 1 || rep.Params[0].Path != "patrol.per_workday" || rep.Params[0].From != 2 || rep.Params[0].To != 3 {
		t.Errorf("params = %+v, want patrol.per_workday 2 → 3", rep.Params)
	}
	found := false
	for _, a := range rep.Appear {
		if a.Rule == "patrol.insufficient" && a.DepartmentCode == "ZJJ" {
			found = a.Count == 1
		}
	}
	if !found || rep.PatrolDays == 0 {
		t.Errorf("impact %+v: want patrol.insufficient to appear on ZJJ's day", rep)
	}
}
