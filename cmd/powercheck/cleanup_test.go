package main

import (
	"fmt"
	"slices"
	"testing"

	"powercheck/internal/apitest"
)

type cleanupAnswer struct {
	Items []struct {
		Code           string `json:"code"`
		Version        int    `json:"version"`
		DepartmentCode string `json:"department_code"`
		Reasons        []struct {
			Rule    string `json:"rule"`
			Level   string `json:"level"`
			Message string `json:"message"`
		} `json:"reasons"`
	} `json:"items"`
}

// flagged returns "code: rule/level ..." per item of a cleanup answer.
func (a cleanupAnswer) flagged(t *testing.T) []string {
	t.Helper()
	out := []string{}
	for _, it := range a.Items {
		var rs []string
		for _, r := range it.Reasons {
			if r.Message == "" {
				t.Errorf("%s: reason %s without a message", it.Code, r.Rule)
			}
			rs = append(rs, r.Rule+"/"+r.Level)
		}
		slices.Sort(rs)
		out = append(out, fmt.Sprintf("%s: %v", it.Code, rs))
	}
	return out
}

type itemVersionAnswer struct {
	Code           string  `json:"code"`
	Version        int     `json:"version"`
	Name           string  `json:"name"`
	CreatedBy      string  `json:"created_by"`
	ApprovalStatus string  `json:"approval_status"`
	ApprovedBy     string  `json:"approved_by"`
	ApprovedAt     *string `json:"approved_at"`
	ReviewNote     string  `json:"review_note"`
}

// The catalog check (职权清理): the four reasons, shown by the cleanup list
// and stored once per item and rule however often the catalog is checked.
func TestCatalogCleanup(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		legal := tok[apitest.LegalToken]
		oversight := s.AddAccount(t, "oversight", "oversight", "")
		scjAdmin := s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")

		s.Must(201, "PUT", "/api/v1/power-items/NB-001", legal, apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["legal_bases"] = []any{}
		}))
		s.Must(201, "PUT", "/api/v1/power-items/CF-002", legal, apitest.ItemFixture(t, "penalty", func(it map[string]any) {
			it["discretion"] = map[string]any{}
		}))
		s.Must(201, "PUT", "/api/v1/power-items/TL-001", legal, apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			steps := it["steps"].([]any)
			steps[0].(map[string]any)["risk_checkpoint"] = true // 受理: no limit of its own, does not end the clock
		}))
		s.Must(201, "PUT", "/api/v1/power-items/DM-001", legal, apitest.ItemFixture(t, "licensing", nil))
		// A case long ago: more than two years without another one.
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("DM-old-a", "ZJJ-2023-0001", "DM-001", "accept", "2023-06-01T09:00:00+08:00"))

		saved := []string{
			"catalog.no_legal_basis/alarm[NB-001]", "catalog.no_time_limit/prewarning[TL-001]",
			"catalog.penalty_without_discretion/prewarning[CF-002]",
		}
		t.Run("saving an item evaluates it", func(t *testing.T) {
			if got := s.warningKeys(t, legal, "ZJJ", "catalog"); !slices.Equal(got, saved) {
				t.Errorf("catalog warnings after saving:\n got %q\nwant %q", got, saved)
			}
		})

		want := []string{
			"CF-002: [catalog.penalty_without_discretion/prewarning]", "DM-001: [catalog.dormant/prewarning]",
			"NB-001: [catalog.no_legal_basis/alarm]", "TL-001: [catalog.no_time_limit/prewarning]",
		}
		t.Run("the cleanup list evaluates now", func(t *testing.T) {
			for _, token := range []string{legal, oversight, tok[apitest.ZJJAdmin]} {
				var a cleanupAnswer
				s.Must(200, "GET", "/api/v1/catalog/cleanup", token, nil).Decode(t, &a)
				if got := a.flagged(t); !slices.Equal(got, want) {
					t.Errorf("cleanup:\n got %q\nwant %q", got, want)
				}
			}
			var a cleanupAnswer
			s.Must(200, "GET", "/api/v1/catalog/cleanup", scjAdmin, nil).Decode(t, &a)
			if len(a.Items) != 0 {
				t.Errorf("SCJ admin sees %v, want nothing of ZJJ", a.flagged(t))
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/catalog/cleanup?department=ZJJ", scjAdmin, nil), 403, "other_department")
		})

		t.Run("repeated checks store each warning once", func(t *testing.T) {
			checksStoreOnce(t, s, legal, saved)
		})

		t.Run("roles", func(t *testing.T) {
			for _, token := range []string{tok[apitest.ZJJClerk], tok[apitest.SupervisionToken], apitest.AdminToken} {
				apitest.WantCode(t, s.Do("GET", "/api/v1/catalog/cleanup", token, nil), 403, "forbidden")
			}
			for _, token := range []string{legal, tok[apitest.ZJJAdmin], tok[apitest.ZJJClerk]} {
				apitest.WantCode(t, s.Do("POST", "/api/v1/catalog/check", token, map[string]any{}), 403, "forbidden")
			}
		})

		t.Run("the rules are in the catalogue", func(t *testing.T) {
			rulesInCatalogue(t, s, tok)
		})
	})
}

// Approval (审定): a department admin's adjustment waits for the legal office.
// It is one story of XK-001's versions 1 to 4, each step starting from the
// versions the last one left, so it stays whole.
func TestItemApproval(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		legal, admin, clerk := tok[apitest.LegalToken], tok[apitest.ZJJAdmin], tok[apitest.ZJJClerk]
		scjAdmin := s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")

		caseVersion := func(caseNo string) int {
			t.Helper()
			s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep(caseNo+"-a", caseNo, "XK-001", "accept", "2026-03-02T09:00:00+08:00"))
			return s.Case(t, clerk, caseNo).ItemVersion
		}
		pending := func(token string) []string {
			t.Helper()
			var l struct {
				Items []itemVersionAnswer `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/power-items/pending", token, nil).Decode(t, &l)
			out := []string{}
			for _, v := range l.Items {
				if v.ApprovalStatus != "pending" || v.ApprovedBy != "" || v.ApprovedAt != nil {
					t.Errorf("pending list holds %+v", v)
				}
				out = append(out, fmt.Sprintf("%s/%d by %s", v.Code, v.Version, v.CreatedBy))
			}
			return out
		}
		adjusted := apitest.ItemFixture(t, "licensing", func(it map[string]any) { it["name"] = "建筑工程施工许可（调整）" })

		var v2 itemVersionAnswer
		s.Must(200, "PUT", "/api/v1/power-items/XK-001", admin, adjusted).Decode(t, &v2)
		if v2.Version != 2 {
			t.Fatalf("adjustment = %+v, want version 2", v2)
		}
		if got := pending(legal); !slices.Equal(got, []string{"XK-001/2 by zjj-admin"}) {
			t.Errorf("pending = %q", got)
		}
		if got := pending(scjAdmin); len(got) != 0 {
			t.Errorf("SCJ admin sees pending %q", got)
		}
		if got := caseVersion("ZJJ-AP-1"); got != 1 {
			t.Errorf("a new case during approval uses version %d, want 1 (the approved one)", got)
		}
		// The catalog shows the version in force, one item or the list;
		// the adjustment is seen by asking for its version.
		shown := func(want int) {
			t.Helper()
			var one struct {
				Version int `json:"version"`
			}
			s.Must(200, "GET", "/api/v1/power-items/XK-001", clerk, nil).Decode(t, &one)
			var list struct {
				Items []struct {
					Code    string `json:"code"`
					Version int    `json:"version"`
				} `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/power-items", clerk, nil).Decode(t, &list)
			listed := 0
			for _, it := range list.Items {
				if it.Code == "XK-001" {
					listed = it.Version
				}
			}
			if one.Version != want || listed != want {
				t.Errorf("XK-001 shown as version %d, listed as %d; want %d", one.Version, listed, want)
			}
		}
		shown(1)
		var asked struct {
			Version int    `json:"version"`
			Name    string `json:"name"`
		}
		s.Must(200, "GET", "/api/v1/power-items/XK-001?version=2", clerk, nil).Decode(t, &asked)
		if asked.Version != 2 || asked.Name != "建筑工程施工许可（调整）" {
			t.Errorf("version 2 asked for = %+v", asked)
		}
		// A new item of the department's own, never approved yet, is shown
		// as it waits.
		fresh := apitest.ItemFixture(t, "licensing", nil)
		s.Must(201, "PUT", "/api/v1/power-items/XK-NEW", admin, fresh)
		s.Must(200, "GET", "/api/v1/power-items/XK-NEW", clerk, nil).Decode(t, &asked)
		if asked.Version != 1 {
			t.Errorf("a new item waiting for approval shown as %+v", asked)
		}
		s.Must(200, "POST", "/api/v1/power-items/XK-NEW/versions/1/reject", legal, map[string]any{"note": "暂不设立"})

		t.Run("roles", func(t *testing.T) {
			for _, token := range []string{admin, clerk, apitest.AdminToken, tok[apitest.SupervisionToken]} {
				apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/2/approve", token, nil), 403, "forbidden")
				apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/2/reject", token, nil), 403, "forbidden")
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/power-items/pending", clerk, nil), 403, "forbidden")
			apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/1/approve", legal, nil), 409, "not_pending")
			apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/9/approve", legal, nil), 404, "item_not_found")
			apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/x/approve", legal, nil), 400, "invalid_version")
		})

		var approved itemVersionAnswer
		s.Must(200, "POST", "/api/v1/power-items/XK-001/versions/2/approve", legal, nil).Decode(t, &approved)
		if approved.ApprovalStatus != "approved" || approved.ApprovedBy != "legal" || approved.ApprovedAt == nil || approved.CreatedBy != "zjj-admin" {
			t.Errorf("approved = %+v", approved)
		}
		if got := caseVersion("ZJJ-AP-2"); got != 2 {
			t.Errorf("a new case after approval uses version %d, want 2", got)
		}
		shown(2)
		if got := pending(legal); len(got) != 0 {
			t.Errorf("pending after approval = %q", got)
		}

		// A rejected adjustment never takes effect.
		s.Must(200, "PUT", "/api/v1/power-items/XK-001", admin, apitest.ItemFixture(t, "licensing", func(it map[string]any) {
			it["legal_bases"] = []any{}
		}))
		var rejected itemVersionAnswer
		s.Must(200, "POST", "/api/v1/power-items/XK-001/versions/3/reject", legal, map[string]any{"note": "缺少法律依据"}).Decode(t, &rejected)
		if rejected.ApprovalStatus != "rejected" || rejected.ApprovedBy != "legal" || rejected.ReviewNote != "缺少法律依据" {
			t.Errorf("rejected = %+v", rejected)
		}
		apitest.WantCode(t, s.Do("POST", "/api/v1/power-items/XK-001/versions/3/approve", legal, nil), 409, "not_pending")
		if got := caseVersion("ZJJ-AP-3"); got != 2 {
			t.Errorf("a new case after the rejection uses version %d, want 2", got)
		}
		shown(2)
		if got := s.warningKeys(t, legal, "ZJJ", "catalog"); len(got) != 0 {
			t.Errorf("a rejected version raised catalog warnings %q", got)
		}

		// The legal office's own adjustment takes effect at once.
		var v4 itemVersionAnswer
		s.Must(200, "PUT", "/api/v1/power-items/XK-001", legal, apitest.ItemFixture(t, "licensing", nil)).Decode(t, &v4)
		if got := caseVersion("ZJJ-AP-4"); v4.Version != 4 || got != 4 {
			t.Errorf("legal's save is version %d, new case uses %d; want 4 and 4", v4.Version, got)
		}

		var history struct {
			Items []itemVersionAnswer `json:"items"`
		}
		s.Must(200, "GET", "/api/v1/power-items/XK-001/versions", clerk, nil).Decode(t, &history)
		var got []string
		for _, v := range history.Items {
			got = append(got, fmt.Sprintf("%d %s by %s, %s by %s", v.Version, v.Name, v.CreatedBy, v.ApprovalStatus, v.ApprovedBy))
		}
		want := []string{
			"1 建筑工程施工许可 by legal, approved by legal",
			"2 建筑工程施工许可（调整） by zjj-admin, approved by legal",
			"3 建筑工程施工许可 by zjj-admin, rejected by legal",
			"4 建筑工程施工许可 by legal, approved by legal",
		}
		if !slices.Equal(got, want) {
			t.Errorf("versions:\n got %q\nwant %q", got, want)
		}
		s.Must(404, "GET", "/api/v1/power-items/XK-001/versions", tok[apitest.SCJClerk], nil)
	})
}

// rulesInCatalogue checks the catalog rules' levels in the rules catalogue.
func rulesInCatalogue(t *testing.T, s *server, tok map[string]string) {
	var rules struct {
		Items []struct {
			Rules []string `json:"rules"`
			Title string   `json:"title"`
			Level string   `json:"level"`
		} `json:"items"`
	}
	s.Must(200, "GET", "/api/v1/rules", tok[apitest.ZJJClerk], nil).Decode(t, &rules)
	got := map[string]string{}
	for _, r := range rules.Items {
		for _, id := range r.Rules {
			if r.Title != "" {
				got[id] = r.Level
			}
		}
	}
	for id, level := range map[string]string{"catalog.no_legal_basis": "alarm", "catalog.penalty_without_discretion": "prewarning",
		"catalog.no_time_limit": "prewarning", "catalog.dormant": "prewarning"} {
		if got[id] != level {
			t.Errorf("rule %s: level %q in the catalogue, want %q", id, got[id], level)
		}
	}
}

// checksStoreOnce checks the catalog three times and that each warning is
// stored once, saved being those raised on saving.
func checksStoreOnce(t *testing.T, s *server, legal string, saved []string) {
	all := append(slices.Clone(saved), "catalog.dormant/prewarning[DM-001]")
	slices.Sort(all)
	for i, wantNew := range []int{1, 0, 0} {
		var res struct {
			Items       int `json:"items"`
			Evaluated   int `json:"evaluated"`
			NewWarnings int `json:"new_warnings"`
		}
		s.Must(200, "POST", "/api/v1/catalog/check", apitest.AdminToken, map[string]any{}).Decode(t, &res)
		if res.Items != 6 || res.Evaluated != 6 || res.NewWarnings != wantNew {
			t.Errorf("check %d = %+v, want 6 items evaluated, %d new", i, res, wantNew)
		}
		if got := s.warningKeys(t, legal, "ZJJ", "catalog"); !slices.Equal(got, all) {
			t.Errorf("check %d: catalog warnings\n got %q\nwant %q", i, got, all)
		}
	}
}
