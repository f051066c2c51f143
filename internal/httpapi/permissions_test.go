package httpapi_test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/httpapi"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestPermissionTableCoversEveryRoute proves that every API route has an
// entry in the permission table and every entry a route.
func TestPermissionTableCoversEveryRoute(t *testing.T) {
	h, err := httpapi.New(httpapi.Services{}, nil, nil, nil, httpapi.Config{}, nil) // New panics on a route without an entry
	if err != nil {
		t.Fatal(err)
	}
	routes := httpapi.Routes(h)
	var entries []string
	for k := range httpapi.Permissions() {
		entries = append(entries, k)
	}
	sort.Strings(entries)
	if len(routes) == 0 || len(routes) != len(entries) || !slices.Equal(routes, entries) {
		t.Errorf("routes (%d) and permission entries (%d) differ:\nroutes  %v\nentries %v", len(routes), len(entries), routes, entries)
	}
}

// matrixDistrict is SetupDistrict plus one account per role (department
// scoped ones in ZJJ), a ZJJ and an SCJ case with warnings and a spot check.
type matrixDistrict struct {
	byRole                 map[compliance.Role]string // role → token
	tok                    map[string]string
	zjjWarning, scjWarning int64
	spotCheck              int64
}

func setupMatrix(t *testing.T, s *apitest.Server) matrixDistrict {
	t.Helper()
	tok := s.SetupDistrict(t)
	tok["oversight"] = s.AddAccount(t, "oversight", "oversight", "")
	tok["zjj-inspector"] = s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
	tok["zjj-target"] = s.AddAccount(t, "zjj-target", "clerk", "ZJJ")
	s.Must(201, "PUT", "/api/v1/power-items/SCJ-001", tok[apitest.LegalToken], apitest.ItemFixture(t, "licensing", func(it map[string]any) {
		it["department_code"] = "SCJ"
	}))
	m := matrixDistrict{tok: tok, byRole: map[compliance.Role]string{
		compliance.RoleAdmin: apitest.AdminToken, compliance.RoleLegal: tok[apitest.LegalToken], compliance.RoleOversight: tok["oversight"],
		compliance.RoleSupervision: tok[apitest.SupervisionToken], compliance.RoleDeptAdmin: tok[apitest.ZJJAdmin],
		compliance.RoleClerk: tok[apitest.ZJJClerk], compliance.RoleDeptInspector: tok["zjj-inspector"],
	}}
	// A decision without approval raises checkpoint alarms.
	caseWithWarning := func(clerk, caseNo, item string) int64 {
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep(caseNo+"-a", caseNo, item, "accept", "2026-03-02T09:00:00+08:00"))
		s.Must(201, "POST", "/api/v1/steps", clerk, apitest.Step(caseNo+"-r", caseNo, "review", "2026-03-03T09:00:00+08:00"))
		ans := s.Submit(t, clerk, apitest.Step(caseNo+"-d", caseNo, "decide", "2026-03-04T09:00:00+08:00"))
		if len(ans.Warnings) == 0 {
			t.Fatalf("case %s raised no warning", caseNo)
		}
		return ans.Warnings[0].ID
	}
	m.zjjWarning = caseWithWarning(tok[apitest.ZJJClerk], "ZJJ-PM-1", "XK-001")
	m.scjWarning = caseWithWarning(tok[apitest.SCJClerk], "SCJ-PM-1", "SCJ-001")
	var sc struct {
		ID int64 `json:"id"`
	}
	s.Must(201, "POST", "/api/v1/spot-checks", tok[apitest.SupervisionToken], map[string]any{"departments": []string{"ZJJ"},
		"from": "2026-03-01", "to": "2026-03-31", "size": 1, "seed": 1}).Decode(

		t, &sc)

	m.spotCheck = sc.ID
	return m
}

var pathParam = regexp.MustCompile(`:[a-z_]+`)

// fillPath puts real ZJJ objects into a route's path parameters.
func (m matrixDistrict) fillPath(path string) string {
	return pathParam.ReplaceAllStringFunc(path, func(p string) string {
		switch {
		case p == ":code":
			return "XK-001"
		case p == ":case_no":
			return "ZJJ-PM-1"
		case p == ":id" && regexp.MustCompile(`/spot-checks/`).MatchString(path):
			return fmt.Sprint(m.spotCheck)
		case p == ":id":
			return fmt.Sprint(m.zjjWarning)
		case p == ":module":
			return "deadline"
		case p == ":year":
			return "2026"
		case p == ":username":
			return "zjj-target"
		}
		return "dummy"
	})
}

// TestPermissionMatrix sends every route of the permission table a minimal
// request from every role: a role outside the entry gets exactly 403
// forbidden, before its body is looked at; a role inside never does.
func TestPermissionMatrix(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--sweep-interval", "0")
		m := setupMatrix(t, s)
		perms := httpapi.Permissions()
		routes := make([]string, 0, len(perms))
		for r := range perms {
			routes = append(routes, r)
		}
		sort.Strings(routes)
		for _, route := range routes {
			admitted := perms[route]
			var method, path string
			if _, err := fmt.Sscanf(route, "%s %s", &method, &path); err != nil {
				t.Fatalf("route %q: %v", route, err)
			}
			url := m.fillPath(path)
			for _, role := range compliance.Roles {
				t.Run(route+"/"+string(role), func(t *testing.T) {
					var body any
					if method != "GET" {
						body = map[string]any{}
					}
					r := s.Do(method, url, m.byRole[role], body)
					denied := r.Status == 403 && r.ErrorCode(t) == "forbidden"
					switch {
					case r.Status == 401 || r.Status >= 500:
						t.Errorf("%s %s as %s: %d %s", method, url, role, r.Status, r.Body)
					case admitted != nil && !slices.Contains(admitted, role) && !denied:
						t.Errorf("%s %s as %s: %d %s, want 403 forbidden", method, url, role, r.Status, r.Body)
					case (admitted == nil || slices.Contains(admitted, role)) && denied:
						t.Errorf("%s %s as %s: 403 forbidden, but the table admits the role", method, url, role)
					}
				})
			}
		}
	})
}

// TestPermissionDepartmentScoping proves that ZJJ accounts neither read nor
// change SCJ's steps, cases, warnings, items, accounts and statistics.
func TestPermissionDepartmentScoping(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--sweep-interval", "0")
		m := setupMatrix(t, s)
		sup := m.tok[apitest.SupervisionToken]
		scjWarning := fmt.Sprintf("/api/v1/warnings/%d", m.scjWarning)
		snapshot := func() string {
			c := s.Must(200, "GET", "/api/v1/cases/SCJ-PM-1", sup, nil)
			w := s.Must(200, "GET", scjWarning, sup, nil)
			it := s.Must(200, "GET", "/api/v1/power-items/SCJ-001", sup, nil)
			a := s.Must(200, "GET", "/api/v1/accounts", apitest.AdminToken, nil)
			return string(c.Body) + string(w.Body) + string(it.Body) + string(a.Body)
		}
		before := snapshot()
		zjj := []compliance.Role{compliance.RoleDeptAdmin, compliance.RoleClerk, compliance.RoleDeptInspector}
		scjItem := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["department_code"] = "SCJ" })
		// A step that names an SCJ case is answered as one of a case nobody
		// opened: 422 unknown_case.
		likeUnknown := map[string]bool{"submit a step of an SCJ case": true}
		for _, tt := range []struct {
			name, method, path string
			body               any
		}{
			{"submit a step of an SCJ case", "POST", "/api/v1/steps", apitest.Step("SCJ-PM-1-x", "SCJ-PM-1", "deliver", "2026-03-05T09:00:00+08:00")},
			{"start a case on an SCJ item", "POST", "/api/v1/steps", apitest.FirstStep("SCJ-PM-2-a", "SCJ-PM-2", "SCJ-001", "accept", "2026-03-05T09:00:00+08:00")},
			{"read an SCJ case", "GET", "/api/v1/cases/SCJ-PM-1", nil},
			{"list SCJ warnings", "GET", "/api/v1/warnings?department=SCJ", nil},
			{"export SCJ warnings", "GET", "/api/v1/warnings/export?format=csv&department=SCJ", nil},
			{"read an SCJ warning", "GET", scjWarning, nil},
			{"explain an SCJ warning", "POST", scjWarning + "/transitions", map[string]string{"action": "explain", "note": "说明"}},
			{"rectify an SCJ warning", "POST", scjWarning + "/transitions", map[string]string{"action": "rectify", "note": "整改"}},
			{"change an SCJ item", "PUT", "/api/v1/power-items/SCJ-001", scjItem},
			{"create an item for SCJ", "PUT", "/api/v1/power-items/SCJ-002", scjItem},
			{"disable an SCJ account", "PATCH", "/api/v1/accounts/scj-clerk", map[string]any{"disabled": true}},
			{"rotate an SCJ token", "POST", "/api/v1/accounts/scj-clerk/token", nil},
			{"create an SCJ account", "POST", "/api/v1/accounts", map[string]any{"username": "zz", "real_name": "某", "role": "clerk", "department_code": "SCJ"}},
			{"SCJ statistics", "GET", "/api/v1/stats/warnings?department=SCJ", nil},
		} {
			for _, role := range zjj {
				t.Run(tt.name+"/"+string(role), func(t *testing.T) {
					r := s.Do(tt.method, tt.path, m.byRole[role], tt.body)
					if likeUnknown[tt.name] && role != compliance.RoleDeptInspector {
						apitest.WantCode(t, r, 422, "unknown_case")
						return
					}
					if r.Status != 403 && r.Status != 404 {
						t.Errorf("%s %s as ZJJ %s: %d %s, want 403 or 404", tt.method, tt.path, role, r.Status, r.Body)
					}
				})
			}
		}
		t.Run("lists show a ZJJ account nothing of SCJ", func(t *testing.T) { zjjListsHoldNoSCJ(t, s, m, zjj) })
		if after := snapshot(); after != before {
			t.Errorf("SCJ data changed:\nbefore %s\nafter  %s", before, after)
		}
		s.Must(200, "GET", "/api/v1/me", m.tok[apitest.SCJClerk], nil)
		s.Must(404, "GET", "/api/v1/power-items/SCJ-002", sup, nil)
		s.Must(404, "GET", "/api/v1/cases/SCJ-PM-2", sup, nil)
	})
}

// zjjListsHoldNoSCJ checks that the warnings the zjj roles list, and the
// accounts ZJJ's admin lists, are ZJJ's only.
func zjjListsHoldNoSCJ(t *testing.T, s *apitest.Server, m matrixDistrict, zjj []compliance.Role) {
	for _, role := range zjj {
		var ws struct {
			Items []struct {
				DepartmentCode string `json:"department_code"`
			} `json:"items"`
		}
		s.Must(200, "GET", "/api/v1/warnings", m.byRole[role], nil).Decode(t, &ws)
		for _, w := range ws.Items {
			if w.DepartmentCode != "ZJJ" {
				t.Errorf("%s sees a warning of %s", role, w.DepartmentCode)
			}
		}
	}
	var as apitest.AccountsAnswer
	s.Must(200, "GET", "/api/v1/accounts", m.tok[apitest.ZJJAdmin], nil).Decode(t, &as)
	for _, a := range as.Items {
		if a.DepartmentCode != "ZJJ" {
			t.Errorf("ZJJ admin sees account %s of %q", a.Username, a.DepartmentCode)
		}
	}
}
