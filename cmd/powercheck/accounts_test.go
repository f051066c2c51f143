package main

import (
	"database/sql"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // reads the SQLite file behind the server
	_ "github.com/go-sql-driver/mysql" // reads the MySQL database behind the server

	"powercheck/internal/compliance"
)

// storedTokenHashes reads username → token_hash straight from the database.
func storedTokenHashes(t *testing.T, dsn string) map[string]string {
	t.Helper()
	driver, source, _ := strings.Cut(dsn, ":")
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT username, token_hash FROM accounts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, h string
		if err := rows.Scan(&u, &h); err != nil {
			t.Fatal(err)
		}
		out[u] = h
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type accountsAnswer struct {
	Items []struct {
		Username       string  `json:"username"`
		DepartmentCode string  `json:"department_code"`
		Disabled       bool    `json:"disabled"`
		ExpiresAt      *string `json:"expires_at"`
	} `json:"items"`
}

func (a accountsAnswer) usernames() []string {
	var out []string
	for _, it := range a.Items {
		out = append(out, it.Username)
	}
	return out
}

// doFrom sends a request with extra headers.
func (s *server) doFrom(method, path, token string, header map[string]string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Body: b}
}

func wantCode(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if got := r.errorCode(t); got != code {
		t.Errorf("code = %s, want %s (%s)", got, code, r.Body)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)
		tok["zjj-inspector"] = statsAccount(t, s, "zjj-inspector", "dept_inspector", "ZJJ")
		tok["zjj-admin2"] = statsAccount(t, s, "zjj-admin2", "dept_admin", "ZJJ")
		tok["scj-admin"] = statsAccount(t, s, "scj-admin", "dept_admin", "SCJ")
		zjjAdm := tok[zjjAdmin]

		t.Run("tokens are stored only as their hashes", func(t *testing.T) {
			stored := storedTokenHashes(t, dsn)
			for user, key := range map[string]string{"zjj-clerk": zjjClerk, "legal": legalToken, "admin": ""} {
				token := tok[key]
				if key == "" {
					token = adminToken
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
		})

		t.Run("admin lists every account, a department admin its own, without secrets", func(t *testing.T) {
			r := s.must(200, "GET", "/api/v1/accounts", adminToken, nil)
			if strings.Contains(string(r.Body), "token") || strings.Contains(string(r.Body), tok[zjjClerk]) {
				t.Errorf("listing shows secrets: %s", r.Body)
			}
			var all accountsAnswer
			r.decode(t, &all)
			if got := len(all.Items); got != 9 {
				t.Errorf("admin sees %d accounts (%v), want 9", got, all.usernames())
			}
			var own accountsAnswer
			s.must(200, "GET", "/api/v1/accounts", zjjAdm, nil).decode(t, &own)
			for _, it := range own.Items {
				if it.DepartmentCode != "ZJJ" {
					t.Errorf("ZJJ admin sees %s of %q", it.Username, it.DepartmentCode)
				}
			}
			if len(own.Items) != 4 {
				t.Errorf("ZJJ admin sees %v, want the 4 ZJJ accounts", own.usernames())
			}
			wantCode(t, s.do("GET", "/api/v1/accounts", tok[zjjClerk], nil), 403, "forbidden")
		})

		t.Run("disabling takes effect on the next request, and enabling too", func(t *testing.T) {
			s.must(200, "GET", "/api/v1/me", tok[zjjClerk], nil)
			s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", zjjAdm, map[string]any{"disabled": true})
			wantCode(t, s.do("GET", "/api/v1/me", tok[zjjClerk], nil), 401, "invalid_token")
			s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"disabled": false})
			s.must(200, "GET", "/api/v1/me", tok[zjjClerk], nil)
		})

		t.Run("an expired token is refused as expired", func(t *testing.T) {
			past := time.Now().Add(-time.Minute).Format(time.RFC3339)
			s.must(200, "PATCH", "/api/v1/accounts/zjj-inspector", adminToken, map[string]any{"expires_at": past})
			wantCode(t, s.do("GET", "/api/v1/me", tok["zjj-inspector"], nil), 401, "token_expired")
			future := time.Now().Add(time.Hour).Format(time.RFC3339)
			var a struct {
				ExpiresAt *time.Time `json:"expires_at"`
			}
			s.must(200, "PATCH", "/api/v1/accounts/zjj-inspector", adminToken, map[string]any{"expires_at": future}).decode(t, &a)
			if a.ExpiresAt == nil {
				t.Errorf("expires_at not shown")
			}
			s.must(200, "GET", "/api/v1/me", tok["zjj-inspector"], nil)
			s.must(200, "PATCH", "/api/v1/accounts/zjj-inspector", adminToken, `{"expires_at": null}`).decode(t, &a)
			if a.ExpiresAt != nil {
				t.Errorf("expires_at = %v after null, want none", a.ExpiresAt)
			}
		})

		t.Run("bad input is refused with 4xx and changes nothing", func(t *testing.T) {
			for _, tt := range []struct {
				name   string
				body   any
				status int
				code   string
			}{
				{"bad date", map[string]any{"expires_at": "2026-13-01", "disabled": true}, 422, "invalid_account"},
				{"date not a string", `{"expires_at": 5, "disabled": true}`, 422, "invalid_account"},
				{"bad cidr", map[string]any{"allowed_cidrs": []string{"10.0.0.0/33"}, "disabled": true}, 422, "invalid_account"},
				{"injection in cidr", map[string]any{"allowed_cidrs": []string{"'; DROP TABLE accounts; --"}}, 422, "invalid_account"},
				{"empty real name", map[string]any{"real_name": "  ", "disabled": true}, 422, "invalid_account"},
				{"too long real name", map[string]any{"real_name": strings.Repeat("名", 40)}, 422, "invalid_account"},
				{"disabled not a bool", `{"disabled": "yes"}`, 400, "malformed_json"},
				{"unknown field", `{"role": "admin"}`, 400, "malformed_json"},
			} {
				t.Run(tt.name, func(t *testing.T) {
					wantCode(t, s.do("PATCH", "/api/v1/accounts/zjj-clerk", zjjAdm, tt.body), tt.status, tt.code)
					s.must(200, "GET", "/api/v1/me", tok[zjjClerk], nil)
				})
			}
			wantCode(t, s.do("PATCH", "/api/v1/accounts/admin", adminToken, map[string]any{"disabled": true}), 422, "invalid_account")
		})

		t.Run("who may manage whom", func(t *testing.T) {
			wantCode(t, s.do("PATCH", "/api/v1/accounts/nobody", adminToken, map[string]any{"disabled": true}), 404, "account_not_found")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/nobody", zjjAdm, map[string]any{"disabled": true}), 404, "account_not_found")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/scj-clerk", zjjAdm, map[string]any{"disabled": true}), 403, "other_department")
			wantCode(t, s.do("POST", "/api/v1/accounts/scj-clerk/token", zjjAdm, nil), 403, "not_own_account")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/zjj-admin2", zjjAdm, map[string]any{"disabled": true}), 403, "account_not_managed")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/legal", zjjAdm, map[string]any{"disabled": true}), 403, "other_department")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/zjj-admin", zjjAdm, map[string]any{"real_name": "新名"}), 403, "account_not_managed")
			wantCode(t, s.do("PATCH", "/api/v1/accounts/zjj-clerk", tok[zjjClerk], map[string]any{}), 403, "forbidden")
			wantCode(t, s.do("POST", "/api/v1/accounts/zjj-inspector/token", tok[zjjClerk], nil), 403, "not_own_account")
			for _, key := range []string{scjClerk, zjjClerk, "zjj-inspector"} {
				s.must(200, "GET", "/api/v1/me", tok[key], nil)
			}
			wantCode(t, s.do("POST", "/api/v1/accounts", zjjAdm, map[string]any{"username": "x-scj", "real_name": "某", "role": "clerk", "department_code": "SCJ"}), 403, "other_department")
			wantCode(t, s.do("POST", "/api/v1/accounts", zjjAdm, map[string]any{"username": "x-adm", "real_name": "某", "role": "dept_admin", "department_code": "ZJJ"}), 403, "account_not_managed")
		})

		t.Run("a rotated token replaces the old one at once", func(t *testing.T) {
			var out struct {
				Username string `json:"username"`
				Token    string `json:"token"`
			}
			s.must(200, "POST", "/api/v1/accounts/zjj-clerk/token", adminToken, nil).decode(t, &out)
			if out.Username != "zjj-clerk" || !strings.HasPrefix(out.Token, "pc_") || len(out.Token) != 3+64 {
				t.Fatalf("rotation answer %+v: want a 256-bit pc_ token", out)
			}
			wantCode(t, s.do("GET", "/api/v1/me", tok[zjjClerk], nil), 401, "invalid_token")
			s.must(200, "GET", "/api/v1/me", out.Token, nil)
			if got, want := storedTokenHashes(t, dsn)["zjj-clerk"], compliance.HashToken(out.Token); got != want {
				t.Errorf("stored hash %q, want %q", got, want)
			}
			tok[zjjClerk] = out.Token

			// Every account may rotate its own token, whatever its role.
			for _, key := range []string{legalToken, supervisionToken} {
				var me struct{ Username string }
				s.must(200, "GET", "/api/v1/me", tok[key], nil).decode(t, &me)
				s.must(200, "POST", "/api/v1/accounts/"+me.Username+"/token", tok[key], nil).decode(t, &out)
				wantCode(t, s.do("GET", "/api/v1/me", tok[key], nil), 401, "invalid_token")
				s.must(200, "GET", "/api/v1/me", out.Token, nil)
			}
		})
	})
}

func TestAccountIPRanges(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)
		forwarded := map[string]string{"X-Forwarded-For": "10.1.2.3"}

		t.Run("an account's ranges; X-Forwarded-For from an untrusted peer is ignored", func(t *testing.T) {
			s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8"}})
			wantCode(t, s.doFrom("GET", "/api/v1/me", tok[zjjClerk], nil), 403, "ip_not_allowed")
			wantCode(t, s.doFrom("GET", "/api/v1/me", tok[zjjClerk], forwarded), 403, "ip_not_allowed")
			s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8", "127.0.0.1/32"}})
			s.must(200, "GET", "/api/v1/me", tok[zjjClerk], nil)
			s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"allowed_cidrs": []string{}})
			s.must(200, "GET", "/api/v1/me", tok[zjjClerk], nil)
		})

		t.Run("a department's ranges bind its accounts, together with their own", func(t *testing.T) {
			s.must(201, "POST", "/api/v1/departments", adminToken, map[string]any{"code": "WJW", "name": "区卫健委", "allowed_cidrs": []string{"10.0.0.0/8"}})
			s.must(201, "POST", "/api/v1/departments", adminToken, map[string]any{"code": "JYJ", "name": "区教育局", "allowed_cidrs": []string{"127.0.0.0/8"}})
			wjw := statsAccount(t, s, "wjw-clerk", "clerk", "WJW")
			jyj := statsAccount(t, s, "jyj-clerk", "clerk", "JYJ")
			wantCode(t, s.doFrom("GET", "/api/v1/me", wjw, forwarded), 403, "ip_not_allowed")
			// The account's own ranges do not widen its department's.
			s.must(200, "PATCH", "/api/v1/accounts/wjw-clerk", adminToken, map[string]any{"allowed_cidrs": []string{"127.0.0.1/32"}})
			wantCode(t, s.do("GET", "/api/v1/me", wjw, nil), 403, "ip_not_allowed")
			s.must(200, "GET", "/api/v1/me", jyj, nil)
			s.must(200, "PATCH", "/api/v1/accounts/jyj-clerk", adminToken, map[string]any{"allowed_cidrs": []string{"10.0.0.0/8"}})
			wantCode(t, s.do("GET", "/api/v1/me", jyj, nil), 403, "ip_not_allowed")
			wantCode(t, s.do("POST", "/api/v1/departments", adminToken, map[string]any{"code": "BAD", "name": "某", "allowed_cidrs": []string{"nonsense"}}), 422, "invalid_department")
		})
	})

	t.Run("X-Forwarded-For is honoured from a trusted proxy", func(t *testing.T) {
		s := startServer(t, sqliteDSNFor(t), "--trusted-proxies", "127.0.0.1")
		tok := setupDistrict(t, s)
		s.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"allowed_cidrs": []string{"10.1.0.0/16"}})
		if r := s.doFrom("GET", "/api/v1/me", tok[zjjClerk], map[string]string{"X-Forwarded-For": "10.1.2.3"}); r.Status != 200 {
			t.Errorf("from 10.1.2.3 via the proxy: %d %s", r.Status, r.Body)
		}
		wantCode(t, s.doFrom("GET", "/api/v1/me", tok[zjjClerk], map[string]string{"X-Forwarded-For": "10.2.0.1"}), 403, "ip_not_allowed")
	})
}

func sqliteDSNFor(t *testing.T) string { return "sqlite:" + t.TempDir() + "/powercheck.db" }

func TestAccountFailedAuthenticationIsLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	for i := range 10 {
		if r := s.do("GET", "/api/v1/me", "pc_wrong", nil); r.Status != 401 {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.Status)
		}
	}
	req, _ := http.NewRequest("GET", s.base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer pc_wrong")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("11th failure: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	wantCode(t, s.do("GET", "/api/v1/me", "", nil), 429, "too_many_attempts")
	// Over the limit the right token is refused as well: a guess that
	// hits would otherwise be told so.
	wantCode(t, s.do("GET", "/api/v1/me", adminToken, nil), 429, "too_many_attempts")
}
