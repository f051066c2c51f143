package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestAccountInspectorsSeparationOfDuties proves that inspector accounts are
// managed by the admin alone: a department admin, whose department the
// inspectors check, can neither enable, unbind, re-key nor create one, and
// nobody but the account itself and the admin rotates a token. It is one
// story, each step starting from the state the last one left (the disabled
// inspector, the rotated tokens, the admin's new inspector), so it stays whole.
func TestAccountInspectorsSeparationOfDuties(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, "--sweep-interval", "0")
		tok["zjj-inspector"] = s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		tok["scj-inspector"] = s.AddAccount(t, "scj-inspector", "dept_inspector", "SCJ")
		tok["scj-admin"] = s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")
		tok["oversight"] = s.AddAccount(t, "oversight", "oversight", "")
		zjjAdm, sup := tok[apitest.ZJJAdmin], tok[apitest.SupervisionToken]

		// The finding: a disabled inspector with IP ranges, which its
		// department's admin tried to bring back under its own control.
		s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken,
			map[string]any{"disabled": true, "allowed_cidrs": []string{"10.9.0.0/16"}})
		before := apitest.StoredTokenHashes(t, dsn)["zjj-inspector"]

		t.Run("a department admin changes nothing of an inspector", func(t *testing.T) {
			for _, tt := range []struct {
				name, method, path string
				body               any
				code               string
			}{
				{"enable", "PATCH", "/api/v1/accounts/zjj-inspector", map[string]any{"disabled": false}, "inspector_admin_only"},
				{"disable", "PATCH", "/api/v1/accounts/zjj-inspector", map[string]any{"disabled": true}, "inspector_admin_only"},
				{"clear the IP ranges", "PATCH", "/api/v1/accounts/zjj-inspector", map[string]any{"allowed_cidrs": []string{}}, "inspector_admin_only"},
				{"lift the expiry", "PATCH", "/api/v1/accounts/zjj-inspector", `{"expires_at": null}`, "inspector_admin_only"},
				{"rename", "PATCH", "/api/v1/accounts/zjj-inspector", map[string]any{"real_name": "替身"}, "inspector_admin_only"},
				{"reset the password", "POST", "/api/v1/accounts/zjj-inspector/password", map[string]any{"password": "Patrol-Pass-2026"}, "inspector_admin_only"},
				{"rotate the token", "POST", "/api/v1/accounts/zjj-inspector/token", nil, "not_own_account"},
				{"create an inspector", "POST", "/api/v1/accounts", map[string]any{"username": "zjj-inspector2", "real_name": "某",
					"role": "dept_inspector", "department_code": "ZJJ"}, "inspector_admin_only"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					apitest.WantCode(t, s.Do(tt.method, tt.path, zjjAdm, tt.body), 403, tt.code)
				})
			}
			var all apitest.AccountsAnswer
			s.Must(200, "GET", "/api/v1/accounts", apitest.AdminToken, nil).Decode(t, &all)
			if slices.Contains(all.Usernames(), "zjj-inspector2") {
				t.Errorf("a refused creation stored the account")
			}
			if got := apitest.StoredTokenHashes(t, dsn)["zjj-inspector"]; got != before {
				t.Errorf("the inspector's token changed")
			}
			apitest.WantCode(t, s.Do("GET", "/api/v1/me", tok["zjj-inspector"], nil), 401, "invalid_token")
			s.NewBrowser(t).SignIn("zjj-inspector", "Patrol-Pass-2026", 401)
			var a apitest.AccountsAnswer
			s.Must(200, "GET", "/api/v1/accounts", zjjAdm, nil).Decode(t, &a)
			for _, it := range a.Items {
				if it.Username == "zjj-inspector" && !it.Disabled {
					t.Errorf("the inspector was enabled")
				}
			}
		})

		t.Run("a department admin still reads its inspectors and manages its clerks", func(t *testing.T) {
			var own apitest.AccountsAnswer
			s.Must(200, "GET", "/api/v1/accounts", zjjAdm, nil).Decode(t, &own)
			if !slices.Contains(own.Usernames(), "zjj-inspector") {
				t.Errorf("ZJJ admin sees %v, want its inspector among them", own.Usernames())
			}
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", zjjAdm, map[string]any{"allowed_cidrs": []string{"127.0.0.0/8"}})
			s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
			s.Must(201, "POST", "/api/v1/accounts", zjjAdm, map[string]any{"username": "zjj-clerk2", "real_name": "某", "role": "clerk", "department_code": "ZJJ"})
			s.Must(204, "POST", "/api/v1/accounts/zjj-clerk2/password", zjjAdm, map[string]any{"password": "Clerk-Pass-2026"})
		})

		t.Run("only the account itself and the admin rotate a token", func(t *testing.T) {
			for _, tt := range []struct {
				who, target string
				status      int
				code        string
			}{
				{apitest.ZJJAdmin, "zjj-clerk", 403, "not_own_account"},
				{apitest.ZJJAdmin, "zjj-inspector", 403, "not_own_account"},
				{"scj-admin", "zjj-inspector", 403, "not_own_account"},
				{apitest.SupervisionToken, "zjj-inspector", 403, "not_own_account"},
				{"oversight", "zjj-inspector", 403, "not_own_account"},
				{apitest.LegalToken, "zjj-inspector", 403, "not_own_account"},
				{apitest.ZJJClerk, "zjj-inspector", 403, "not_own_account"},
				{"scj-inspector", "zjj-inspector", 403, "not_own_account"},
				{apitest.ZJJClerk, "zjj-clerk", 200, ""},
				{"scj-inspector", "scj-inspector", 200, ""},
				{"admin", "zjj-inspector", 200, ""},
			} {
				t.Run(strings.TrimPrefix(tt.who, "t-")+" rotates "+tt.target, func(t *testing.T) {
					who := tok[tt.who]
					if tt.who == "admin" {
						who = apitest.AdminToken
					}
					r := s.Do("POST", "/api/v1/accounts/"+tt.target+"/token", who, nil)
					if tt.status != 200 {
						apitest.WantCode(t, r, tt.status, tt.code)
						return
					}
					var out struct {
						Token string `json:"token"`
					}
					if r.Status != 200 {
						t.Fatalf("status %d, want 200; body %s", r.Status, r.Body)
					}
					r.Decode(t, &out)
					if got, want := apitest.StoredTokenHashes(t, dsn)[tt.target], compliance.HashToken(out.Token); got != want {
						t.Errorf("stored hash %q, want %q", got, want)
					}
					for key, user := range map[string]string{apitest.ZJJClerk: "zjj-clerk", "scj-inspector": "scj-inspector", "zjj-inspector": "zjj-inspector"} {
						if user == tt.target {
							tok[key] = out.Token
						}
					}
				})
			}
		})

		t.Run("the admin manages inspectors", func(t *testing.T) {
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken, map[string]any{"disabled": false, "allowed_cidrs": []string{}})
			s.Must(200, "GET", "/api/v1/me", tok["zjj-inspector"], nil)
			s.Must(204, "POST", "/api/v1/accounts/zjj-inspector/password", apitest.AdminToken, map[string]any{"password": "Patrol-Pass-2026"})
			s.Must(201, "POST", "/api/v1/accounts", apitest.AdminToken, map[string]any{"username": "zjj-inspector2", "real_name": "某",
				"role": "dept_inspector", "department_code": "ZJJ"})
		})

		t.Run("supervision reads every department's inspectors and changes none", func(t *testing.T) {
			var got apitest.AccountsAnswer
			s.Must(200, "GET", "/api/v1/accounts", sup, nil).Decode(t, &got)
			names := got.Usernames()
			slices.Sort(names)
			if want := []string{"scj-inspector", "zjj-inspector", "zjj-inspector2"}; !slices.Equal(names, want) {
				t.Errorf("supervision sees %v, want %v", names, want)
			}
			apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/zjj-inspector", sup, map[string]any{"disabled": true}), 403, "forbidden")
			apitest.WantCode(t, s.Do("POST", "/api/v1/accounts/zjj-inspector/password", sup, map[string]any{"password": "Patrol-Pass-2027"}), 403, "forbidden")
			apitest.WantCode(t, s.Do("POST", "/api/v1/accounts", sup, map[string]any{"username": "x-insp", "real_name": "某",
				"role": "dept_inspector", "department_code": "ZJJ"}),
				403, "forbidden")
		})
	})
}
