package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // reads the SQLite file behind the server
	_ "github.com/go-sql-driver/mysql" // reads the MySQL database behind the server

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
)

// doFrom sends a request with extra headers.
func (s *server) doFrom(method, path, token string, header map[string]string) apitest.Response {
	s.T.Helper()
	req, err := http.NewRequest(method, s.Base+path, nil)
	if err != nil {
		s.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return s.Send(req)
}

func TestAccounts(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		tok["zjj-inspector"] = s.AddAccount(t, "zjj-inspector", "dept_inspector", "ZJJ")
		tok["zjj-admin2"] = s.AddAccount(t, "zjj-admin2", "dept_admin", "ZJJ")
		tok["scj-admin"] = s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")
		zjjAdm := tok[apitest.ZJJAdmin]

		t.Run("tokens are stored only as their hashes", func(t *testing.T) {
			tokensStoredHashed(t, s, tok)
		})

		t.Run("admin lists every account, a department admin its own, without secrets", func(t *testing.T) {
			accountListings(t, s, tok)
		})

		t.Run("disabling takes effect on the next request, and enabling too", func(t *testing.T) {
			s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", zjjAdm, map[string]any{"disabled": true})
			apitest.WantCode(t, s.Do("GET", "/api/v1/me", tok[apitest.ZJJClerk], nil), 401, "invalid_token")
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"disabled": false})
			s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
		})

		t.Run("an expired token is refused as expired", func(t *testing.T) {
			past := time.Now().Add(-time.Minute).Format(time.RFC3339)
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken, map[string]any{"expires_at": past})
			apitest.WantCode(t, s.Do("GET", "/api/v1/me", tok["zjj-inspector"], nil), 401, "token_expired")
			future := time.Now().Add(time.Hour).Format(time.RFC3339)
			var a struct {
				ExpiresAt *time.Time `json:"expires_at"`
			}
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken, map[string]any{"expires_at": future}).Decode(t, &a)
			if a.ExpiresAt == nil {
				t.Errorf("expires_at not shown")
			}
			s.Must(200, "GET", "/api/v1/me", tok["zjj-inspector"], nil)
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken, `{"expires_at": null}`).Decode(t, &a)
			if a.ExpiresAt != nil {
				t.Errorf("expires_at = %v after null, want none", a.ExpiresAt)
			}
		})

		t.Run("bad input is refused with 4xx and changes nothing", func(t *testing.T) {
			wantRefused(t, s, "PATCH", "/api/v1/accounts/zjj-clerk", []refusalCase{
				{"bad date", zjjAdm, map[string]any{"expires_at": "2026-13-01", "disabled": true}, 422, "invalid_account"},
				{"date not a string", zjjAdm, `{"expires_at": 5, "disabled": true}`, 422, "invalid_account"},
				{"bad cidr", zjjAdm, map[string]any{"allowed_cidrs": []string{"10.0.0.0/33"}, "disabled": true}, 422, "invalid_account"},
				{"injection in cidr", zjjAdm, map[string]any{"allowed_cidrs": []string{"'; DROP TABLE accounts; --"}}, 422, "invalid_account"},
				{"empty real name", zjjAdm, map[string]any{"real_name": "  ", "disabled": true}, 422, "invalid_account"},
				{"too long real name", zjjAdm, map[string]any{"real_name": strings.Repeat("名", 40)}, 422, "invalid_account"},
				{"disabled not a bool", zjjAdm, `{"disabled": "yes"}`, 400, "malformed_json"},
				{"unknown field", zjjAdm, `{"role": "admin"}`, 400, "malformed_json"},
			}, func(t *testing.T) {
				s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
			})
			apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/admin", apitest.AdminToken, map[string]any{"disabled": true}), 422, "invalid_account")
		})

		t.Run("who may manage whom", func(t *testing.T) {
			whoManagesWhom(t, s, tok)
		})

		t.Run("a rotated token replaces the old one at once", func(t *testing.T) {
			rotateTokens(t, s, tok)
		})
	})
}

func TestAccountIPRanges(t *testing.T) {
	eachDistrict(t, nil, func(t *testing.T, s *server, tok map[string]string) {
		forwarded := map[string]string{"X-Forwarded-For": "10.1.2.3"}

		t.Run("an account's ranges; X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8"}})
			apitest.WantCode(t, s.doFrom("GET", "/api/v1/me", tok[apitest.ZJJClerk], nil), 403, "ip_not_allowed")
			apitest.WantCode(t, s.doFrom("GET", "/api/v1/me", tok[apitest.ZJJClerk], forwarded), 403, "ip_not_allowed")
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8", "127.0.0.1/32"}})
			s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{}})
			s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
		})

		t.Run("a department's ranges bind its accounts, together with their own", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]any{"code": "WJW", "name": "区卫健委", "allowed_cidrs": []string{"10.0.0.0/8"}})
			s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]any{"code": "JYJ", "name": "区教育局", "allowed_cidrs": []string{"127.0.0.0/8"}})
			wjw := s.AddAccount(t, "wjw-clerk", "clerk", "WJW")
			jyj := s.AddAccount(t, "jyj-clerk", "clerk", "JYJ")
			apitest.WantCode(t, s.doFrom("GET", "/api/v1/me", wjw, forwarded), 403, "ip_not_allowed")
			// The account's own ranges do not widen its department's.
			s.Must(200, "PATCH", "/api/v1/accounts/wjw-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"127.0.0.1/32"}})
			apitest.WantCode(t, s.Do("GET", "/api/v1/me", wjw, nil), 403, "ip_not_allowed")
			s.Must(200, "GET", "/api/v1/me", jyj, nil)
			s.Must(200, "PATCH", "/api/v1/accounts/jyj-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8"}})
			apitest.WantCode(t, s.Do("GET", "/api/v1/me", jyj, nil), 403, "ip_not_allowed")
			apitest.WantCode(t, s.Do("POST", "/api/v1/departments", apitest.AdminToken, map[string]any{"code": "BAD", "name": "某", "allowed_cidrs": []string{"nonsense"}}), 422, "invalid_department")
		})
	})

	t.Run("X-Forwarded-For is honoured from a trusted proxy", func(t *testing.T) {
		s := startServer(t, sqliteDSNFor(t), "--trusted-proxies", "127.0.0.1")
		tok := s.SetupDistrict(t)
		s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"10.1.0.0/16"}})
		if r := s.doFrom("GET", "/api/v1/me", tok[apitest.ZJJClerk], map[string]string{"X-Forwarded-For": "10.1.2.3"}); r.Status != 200 {
			t.Errorf("from 10.1.2.3 via the proxy: %d %s", r.Status, r.Body)
		}
		apitest.WantCode(t, s.doFrom("GET", "/api/v1/me", tok[apitest.ZJJClerk], map[string]string{"X-Forwarded-For": "10.2.0.1"}), 403, "ip_not_allowed")
	})
}

func sqliteDSNFor(t *testing.T) string { return "sqlite:" + t.TempDir() + "/powercheck.db" }

func TestAccountFailedAuthenticationIsLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	for i := range 10 {
		if r := s.Do("GET", "/api/v1/me", "pc_wrong", nil); r.Status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.Status)
		}
	}
	req, _ := http.NewRequest("GET", s.Base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer pc_wrong")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("11th failure: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	apitest.WantCode(t, s.Do("GET", "/api/v1/me", "", nil), 429, "too_many_attempts")
	// Over the limit the right token is refused as well: a guess that
	// hits would otherwise be told so.
	apitest.WantCode(t, s.Do("GET", "/api/v1/me", apitest.AdminToken, nil), 429, "too_many_attempts")
}

// rotateTokens checks that a rotated token replaces the old one at once, for
// every role; tok keeps the new clerk token.
func rotateTokens(t *testing.T, s *server, tok map[string]string) {
	var out struct {
		Username string `json:"username"`
		Token    string `json:"token"`
	}
	s.Must(200, "POST", "/api/v1/accounts/zjj-clerk/token", apitest.AdminToken, nil).Decode(t, &out)
	if out.Username != "zjj-clerk" || !strings.HasPrefix(out.Token, "pc_") || len(out.Token) != 3+64 {
		t.Fatalf("rotation answer %+v: want a 256-bit pc_ token", out)
	}
	apitest.WantCode(t, s.Do("GET", "/api/v1/me", tok[apitest.ZJJClerk], nil), 401, "invalid_token")
	s.Must(200, "GET", "/api/v1/me", out.Token, nil)
	if got, want := apitest.StoredTokenHashes(t, s.dsn)["zjj-clerk"], compliance.HashToken(out.Token); got != want {
		t.Errorf("stored hash %q, want %q", got, want)
	}
	tok[apitest.ZJJClerk] = out.Token

	// Every account may rotate its own token, whatever its role.
	for _, key := range []string{apitest.LegalToken, apitest.SupervisionToken} {
		var me struct{ Username string }
		s.Must(200, "GET", "/api/v1/me", tok[key], nil).Decode(t, &me)
		s.Must(200, "POST", "/api/v1/accounts/"+me.Username+"/token", tok[key], nil).Decode(t, &out)
		apitest.WantCode(t, s.Do("GET", "/api/v1/me", tok[key], nil), 401, "invalid_token")
		s.Must(200, "GET", "/api/v1/me", out.Token, nil)
	}
}

// whoManagesWhom checks which accounts a department admin and a clerk may
// not manage, and that the refusals change nothing.
func whoManagesWhom(t *testing.T, s *server, tok map[string]string) {
	zjjAdm := tok[apitest.ZJJAdmin]
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/nobody", apitest.AdminToken, map[string]any{"disabled": true}), 404, "account_not_found")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/nobody", zjjAdm, map[string]any{"disabled": true}), 404, "account_not_found")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/scj-clerk", zjjAdm, map[string]any{"disabled": true}), 403, "other_department")
	apitest.WantCode(t, s.Do("POST", "/api/v1/accounts/scj-clerk/token", zjjAdm, nil), 403, "not_own_account")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/zjj-admin2", zjjAdm, map[string]any{"disabled": true}), 403, "account_not_managed")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/legal", zjjAdm, map[string]any{"disabled": true}), 403, "other_department")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/zjj-admin", zjjAdm, map[string]any{"real_name": "新名"}), 403, "account_not_managed")
	apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/zjj-clerk", tok[apitest.ZJJClerk], map[string]any{}), 403, "forbidden")
	apitest.WantCode(t, s.Do("POST", "/api/v1/accounts/zjj-inspector/token", tok[apitest.ZJJClerk], nil), 403, "not_own_account")
	for _, key := range []string{apitest.SCJClerk, apitest.ZJJClerk, "zjj-inspector"} {
		s.Must(200, "GET", "/api/v1/me", tok[key], nil)
	}
	apitest.WantCode(t, s.Do("POST", "/api/v1/accounts", zjjAdm, map[string]any{"username": "x-scj", "real_name": "某", "role": "clerk", "department_code": "SCJ"}), 403, "other_department")
	apitest.WantCode(t, s.Do("POST", "/api/v1/accounts", zjjAdm, map[string]any{"username": "x-adm", "real_name": "某", "role": "dept_admin", "department_code": "ZJJ"}), 403, "account_not_managed")
}

// accountListings checks that the admin lists every account and a department
// admin its own, without secrets.
func accountListings(t *testing.T, s *server, tok map[string]string) {
	zjjAdm := tok[apitest.ZJJAdmin]
	r := s.Must(200, "GET", "/api/v1/accounts", apitest.AdminToken, nil)
	if strings.Contains(string(r.Body), "token") || strings.Contains(string(r.Body), tok[apitest.ZJJClerk]) {
		t.Errorf("listing shows secrets: %s", r.Body)
	}
	var all apitest.AccountsAnswer
	r.Decode(t, &all)
	if got := len(all.Items); got != 9 {
		t.Errorf("admin sees %d accounts (%v), want 9", got, all.Usernames())
	}
	var own apitest.AccountsAnswer
	s.Must(200, "GET", "/api/v1/accounts", zjjAdm, nil).Decode(t, &own)
	for _, it := range own.Items {
		if it.DepartmentCode != "ZJJ" {
			t.Errorf("ZJJ admin sees %s of %q", it.Username, it.DepartmentCode)
		}
	}
	if len(own.Items) != 4 {
		t.Errorf("ZJJ admin sees %v, want the 4 ZJJ accounts", own.Usernames())
	}
	apitest.WantCode(t, s.Do("GET", "/api/v1/accounts", tok[apitest.ZJJClerk], nil), 403, "forbidden")
}

// tokensStoredHashed checks that the tokens are stored only as their hashes.
func tokensStoredHashed(t *testing.T, s *server, tok map[string]string) {
	stored := apitest.StoredTokenHashes(t, s.dsn)
	for user, key := range map[string]string{"zjj-clerk": apitest.ZJJClerk, "legal": apitest.LegalToken, "admin": ""} {
		token := tok[key]
		if key == "" {
			token = apitest.AdminToken
		}
		if got, want := stored[user], compliance.HashToken(token); got != want {
			t.Errorf("%s: stored %q, want the hash %q", user, got, want)
		}
		for _, h := range stored {
			if strings.Contains(h, token) {
				t.Errorf("a raw token is stored")
			}
		}
	}
}
