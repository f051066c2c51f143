package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestSessions(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "ZJJ", "name": "区住房和城乡建设局"})
		s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "SCJ", "name": "区市场监督管理局"})
		for _, a := range [][3]string{{"zjj-admin", "dept_admin", "ZJJ"}, {"zjj-inspector", "dept_inspector", "ZJJ"},
			{"scj-inspector", "dept_inspector", "SCJ"}, {"zjj-clerk", "clerk", "ZJJ"}} {
			s.Must(201, "POST", "/api/v1/accounts", apitest.AdminToken, map[string]string{"username": a[0], "real_name": "测试" + a[0], "role": a[1], "department_code": a[2]})
		}
		const initial = "Initial-Pass-2026"
		s.Must(204, "POST", "/api/v1/accounts/zjj-inspector/password", apitest.AdminToken, map[string]string{"password": initial})

		t.Run("wrong pairs get one answer whether the account exists or not", func(t *testing.T) {
			b := s.NewBrowser(t)
			var bodies []string
			for _, pair := range [][2]string{{"zjj-inspector", "wrong-password-1"}, {"nobody", initial}, {"zjj-admin", initial}, {"zjj-inspector", ""}} {
				r, _ := b.Do("POST", "/api/v1/session", map[string]string{"username": pair[0], "password": pair[1]}, false)
				apitest.WantCode(t, r, 401, "bad_credentials")
				bodies = append(bodies, r.WithoutRequestID())
			}
			for _, body := range bodies[1:] {
				if body != bodies[0] {
					t.Errorf("answers differ: %s vs %s", body, bodies[0])
				}
			}
		})

		t.Run("a password set by the admin must be changed before anything else", func(t *testing.T) {
			passwordChangeFirst(t, s, initial)
		})

		t.Run("a change without the CSRF token is refused and stores nothing", func(t *testing.T) {
			csrfRefused(t, s)
		})

		t.Run("a bearer token needs no CSRF token", func(t *testing.T) {
			s.Must(200, "GET", "/api/v1/session", apitest.AdminToken, nil)
			s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "HBJ", "name": "区生态环境局"})
		})

		t.Run("sign-out, a password change and disabling end sessions", func(t *testing.T) {
			sessionsEnded(t, s)
		})

		t.Run("a department admin sets passwords of its own department's staff only", func(t *testing.T) {
			adm := s.FirstSignIn(t, "zjj-admin", initial, "Leader-Pass-2026")
			if r, _ := adm.Do("POST", "/api/v1/accounts/zjj-clerk/password", map[string]string{"password": "Clerk-Pass-2026"}, true); r.Status != 204 {
				t.Fatalf("own clerk: %d %s", r.Status, r.Body)
			}
			r, _ := adm.Do("POST", "/api/v1/accounts/scj-inspector/password", map[string]string{"password": "Other-Pass-2026"}, true)
			apitest.WantCode(t, r, 403, "other_department")
			clerk := s.NewBrowser(t)
			if a, _ := clerk.SignIn("zjj-clerk", "Clerk-Pass-2026", 200); !a.MustChangePassword {
				t.Errorf("a password set by the department admin need not be changed")
			}
			s.NewBrowser(t).SignIn("scj-inspector", "Other-Pass-2026", 401)
		})

		t.Run("IP ranges apply to sessions", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/accounts", apitest.AdminToken, map[string]any{"username": "far-clerk", "real_name": "远程",
				"role": "clerk", "department_code": "SCJ", "allowed_cidrs": []string{"10.20.0.0/16"}})
			s.Must(204, "POST", "/api/v1/accounts/far-clerk/password", apitest.AdminToken, map[string]string{"password": initial})
			r, _ := s.NewBrowser(t).Do("POST", "/api/v1/session", map[string]string{"username": "far-clerk", "password": initial}, false)
			apitest.WantCode(t, r, 403, "ip_not_allowed")
			// A session opened before the range was set is refused from then on.
			b := s.NewBrowser(t)
			s.Must(204, "POST", "/api/v1/accounts/scj-inspector/password", apitest.AdminToken, map[string]string{"password": initial})
			b.SignIn("scj-inspector", initial, 200)
			s.Must(200, "PATCH", "/api/v1/accounts/scj-inspector", apitest.AdminToken, map[string]any{"allowed_cidrs": []string{"10.20.0.0/16"}})
			r, _ = b.Do("GET", "/api/v1/session", nil, false)
			apitest.WantCode(t, r, 403, "ip_not_allowed")
		})

		t.Run("sign-ins and refusals are audited without the password", func(t *testing.T) {
			sessionsAudited(t, s, initial)
		})
	})
}

func TestSignInFailuresAreLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	s.Must(204, "POST", "/api/v1/accounts/admin/password", apitest.AdminToken, map[string]string{"password": "Admin-Pass-2026"})
	b := s.NewBrowser(t)
	for range 10 {
		b.SignIn("admin", "wrong-password", 401)
	}
	r, res := b.Do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": "wrong-password"}, false)
	apitest.WantCode(t, r, 429, "too_many_attempts")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Blocked: even the right password is not checked until the wait ends.
	r, _ = b.Do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": "Admin-Pass-2026"}, false)
	apitest.WantCode(t, r, 429, "too_many_attempts")
}

func TestConsoleIsServed(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	for _, tc := range []struct {
		path, wantType string
		wantStatus     int
	}{
		{"/", "text/html", 200},
		{"/cases/ZJJ-2026-0001", "text/html", 200}, // a page of the app: index.html
		{"/assets/no-such-file.js", "text/plain", 404},
		{"/api/v1/no-such-route", "application/json", 404},
		{"/healthz", "application/json", 200},
	} {
		res, err := http.Get(s.Base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.wantStatus || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.wantType) {
			t.Errorf("%s: %d %s, want %d %s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.wantStatus, tc.wantType)
		}
	}
}

// passwordChangeFirst signs zjj-inspector in with the password the admin
// set, checks the session's cookie, and that the password must be changed
// (to Brand-New-Pass-1) before anything else.
func passwordChangeFirst(t *testing.T, s *server, initial string) {
	b := s.NewBrowser(t)
	a, res := b.SignIn("zjj-inspector", initial, 200)
	if !a.MustChangePassword || a.Role != "dept_inspector" || a.DepartmentCode != "ZJJ" || len(a.CSRFToken) != 64 {
		t.Fatalf("session %+v", a)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "pc_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || cookie.Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure without --cookie-secure", cookie)
	}
	if hint := b.Named("pc_signed_in"); hint == nil || hint.Value != "1" {
		t.Errorf("no pc_signed_in hint for the console's script: %+v", hint)
	}
	r, _ := b.Do("GET", "/api/v1/me", nil, false)
	apitest.WantCode(t, r, 403, "password_change_required")
	r, _ = b.Do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": "zjj-inspector"}, true)
	apitest.WantCode(t, r, 422, "weak_password")
	r, _ = b.Do("POST", "/api/v1/session/password", map[string]string{"old_password": "not-the-old-one", "new_password": "Brand-New-Pass-1"}, true)
	apitest.WantCode(t, r, 422, "wrong_password")
	r, _ = b.Do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": "Brand-New-Pass-1"}, true)
	if r.Status != 200 {
		t.Fatalf("change password: %d %s", r.Status, r.Body)
	}
	if r, _ := b.Do("GET", "/api/v1/me", nil, false); r.Status != 200 {
		t.Fatalf("after the change: %d %s", r.Status, r.Body)
	}
	s.NewBrowser(t).SignIn("zjj-inspector", initial, 401)
	s.NewBrowser(t).SignIn("zjj-inspector", "Brand-New-Pass-1", 200)
}

// csrfRefused checks that a patrol sent without the session's CSRF token, or
// with a wrong one, is refused and stores nothing.
func csrfRefused(t *testing.T, s *server) {
	b := s.NewBrowser(t)
	b.SignIn("zjj-inspector", "Brand-New-Pass-1", 200)
	today := time.Now().In(calendar.Shanghai)
	patrol := map[string]any{"at": today.Format(time.RFC3339), "findings": "巡查平台，未见异常"}
	ledgerPath := "/api/v1/ledgers/patrols?from=" + today.Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)
	r, _ := b.Do("POST", "/api/v1/patrols", patrol, false)
	apitest.WantCode(t, r, 403, "csrf")
	good := b.CSRF
	b.CSRF = strings.Repeat("0", 64)
	r, _ = b.Do("POST", "/api/v1/patrols", patrol, true)
	apitest.WantCode(t, r, 403, "csrf")
	var ledger struct {
		Days []struct{ Patrols int } `json:"days"`
	}
	r, _ = b.Do("GET", ledgerPath, nil, false)
	if r.Status != 200 {
		t.Fatalf("ledger: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &ledger)
	total := 0
	for _, d := range ledger.Days {
		total += d.Patrols
	}
	if total != 0 {
		t.Fatalf("refused patrols were stored: %s", r.Body)
	}
	b.CSRF = good
	if r, _ := b.Do("POST", "/api/v1/patrols", patrol, true); r.Status != 201 {
		t.Fatalf("with the token: %d %s", r.Status, r.Body)
	}
}

// sessionsEnded checks that signing out ends the session on the server, that a
// password change ends the account's other sessions, and disabling all.
func sessionsEnded(t *testing.T, s *server) {
	one, two, three := s.NewBrowser(t), s.NewBrowser(t), s.NewBrowser(t)
	for _, b := range []*apitest.Browser{one, two, three} {
		b.SignIn("zjj-inspector", "Brand-New-Pass-1", 200)
	}
	old := one.Cookie()
	if r, _ := one.Do("DELETE", "/api/v1/session", nil, true); r.Status != 204 {
		t.Fatalf("sign out: %d %s", r.Status, r.Body)
	}
	if one.Cookie() != nil || one.Named("pc_signed_in") != nil {
		t.Errorf("the cookies were not cleared at sign-out")
	}
	// The old cookie, sent again, is refused: the session ended on
	// the server, not only in the browser.
	req, _ := http.NewRequest("GET", s.Base+"/api/v1/session", nil)
	req.AddCookie(old)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("a signed-out session's cookie: %d, want 401", res.StatusCode)
	}
	var r apitest.Response
	if r, _ := two.Do("POST", "/api/v1/session/password", map[string]string{"old_password": "Brand-New-Pass-1", "new_password": "Second-New-Pass-2"}, true); r.Status != 200 {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if r, _ := two.Do("GET", "/api/v1/session", nil, false); r.Status != 200 {
		t.Errorf("the session that changed the password ended: %d", r.Status)
	}
	r, _ = three.Do("GET", "/api/v1/session", nil, false)
	apitest.WantCode(t, r, 401, "session_expired")
	s.Must(200, "PATCH", "/api/v1/accounts/zjj-inspector", apitest.AdminToken, map[string]any{"disabled": true})
	r, _ = two.Do("GET", "/api/v1/session", nil, false)
	apitest.WantCode(t, r, 401, "session_expired")
	s.NewBrowser(t).SignIn("zjj-inspector", "Second-New-Pass-2", 401)
}

// sessionsAudited checks that sign-ins and refusals are in the audit log,
// without a password or a digest of one.
func sessionsAudited(t *testing.T, s *server, initial string) {
	r := s.Must(200, "GET", "/api/v1/audit?limit=500", apitest.AdminToken, nil)
	body := string(r.Body)
	for _, want := range []string{`"actor":"nobody"`, `"target":"result=refused code=bad_credentials"`, `"target":"result=ok"`,
		`"target":"result=refused code=ip_not_allowed"`, `"action":"DELETE /api/v1/session"`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit log lacks %s", want)
		}
	}
	for _, secret := range []string{initial, "Brand-New-Pass-1", "Second-New-Pass-2"} {
		if strings.Contains(body, secret) {
			t.Errorf("audit log holds a password")
		}
	}
	var page struct {
		Items []struct {
			Action        string `json:"action"`
			RequestDigest string `json:"request_digest"`
		} `json:"items"`
	}
	r.Decode(t, &page)
	n := 0
	for _, e := range page.Items {
		if strings.Contains(e.Action, "password") || e.Action == "POST /api/v1/session" {
			n++
			if e.RequestDigest != "" {
				t.Errorf("%s carries a digest of a body with a password", e.Action)
			}
		}
	}
	if n < 6 {
		t.Errorf("%d password and sign-in entries, want at least 6", n)
	}
}
