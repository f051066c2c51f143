package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
)

// browser is a client that keeps cookies, as a browser does, and sends the
// session's CSRF token when told to.
type browser struct {
	t    *testing.T
	s    *server
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, s *server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, s: s, c: &http.Client{Jar: jar}}
}

// do sends a request with the browser's cookies; withCSRF adds the token.
func (b *browser) do(method, path string, body any, withCSRF bool) (response, *http.Response) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, b.s.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if withCSRF {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Body: raw}, res
}

// cookie returns the browser's session cookie, nil when it has none.
func (b *browser) cookie() *http.Cookie { return b.named("pc_session") }

// named returns the browser's cookie of that name, nil when it has none.
func (b *browser) named(name string) *http.Cookie {
	u, _ := url.Parse(b.s.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

type sessionAnswer struct {
	Username           string `json:"username"`
	Role               string `json:"role"`
	DepartmentCode     string `json:"department_code"`
	MustChangePassword bool   `json:"must_change_password"`
	CSRFToken          string `json:"csrf_token"`
}

// signIn signs in and keeps the CSRF token; it fails the test unless the
// answer is want.
func (b *browser) signIn(user, password string, want int) (sessionAnswer, *http.Response) {
	b.t.Helper()
	r, res := b.do("POST", "/api/v1/session", map[string]string{"username": user, "password": password}, false)
	if r.Status != want {
		b.t.Fatalf("sign in %s: status %d, want %d: %s", user, r.Status, want, r.Body)
	}
	var a sessionAnswer
	if want == 200 {
		r.decode(b.t, &a)
		b.csrf = a.CSRFToken
	}
	return a, res
}

func TestSessions(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		s.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "ZJJ", "name": "区住房和城乡建设局"})
		s.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "SCJ", "name": "区市场监督管理局"})
		for _, a := range [][3]string{{"zjj-admin", "dept_admin", "ZJJ"}, {"zjj-inspector", "dept_inspector", "ZJJ"},
			{"scj-inspector", "dept_inspector", "SCJ"}, {"zjj-clerk", "clerk", "ZJJ"}} {
			s.must(201, "POST", "/api/v1/accounts", adminToken, map[string]string{"username": a[0], "real_name": "测试" + a[0], "role": a[1], "department_code": a[2]})
		}
		const initial = "Initial-Pass-2026"
		s.must(204, "POST", "/api/v1/accounts/zjj-inspector/password", adminToken, map[string]string{"password": initial})

		t.Run("wrong pairs get one answer whether the account exists or not", func(t *testing.T) {
			b := newBrowser(t, s)
			var bodies []string
			for _, pair := range [][2]string{{"zjj-inspector", "wrong-password-1"}, {"nobody", initial}, {"zjj-admin", initial}, {"zjj-inspector", ""}} {
				r, _ := b.do("POST", "/api/v1/session", map[string]string{"username": pair[0], "password": pair[1]}, false)
				wantCode(t, r, 401, "bad_credentials")
				bodies = append(bodies, r.withoutRequestID())
			}
			for _, body := range bodies[1:] {
				if body != bodies[0] {
					t.Errorf("answers differ: %s vs %s", body, bodies[0])
				}
			}
		})

		t.Run("a password set by the admin must be changed before anything else", func(t *testing.T) {
			b := newBrowser(t, s)
			a, res := b.signIn("zjj-inspector", initial, 200)
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
			if hint := b.named("pc_signed_in"); hint == nil || hint.Value != "1" {
				t.Errorf("no pc_signed_in hint for the console's script: %+v", hint)
			}
			r, _ := b.do("GET", "/api/v1/me", nil, false)
			wantCode(t, r, 403, "password_change_required")
			r, _ = b.do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": "zjj-inspector"}, true)
			wantCode(t, r, 422, "weak_password")
			r, _ = b.do("POST", "/api/v1/session/password", map[string]string{"old_password": "not-the-old-one", "new_password": "Brand-New-Pass-1"}, true)
			wantCode(t, r, 422, "wrong_password")
			r, _ = b.do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": "Brand-New-Pass-1"}, true)
			if r.Status != 200 {
				t.Fatalf("change password: %d %s", r.Status, r.Body)
			}
			if r, _ := b.do("GET", "/api/v1/me", nil, false); r.Status != 200 {
				t.Fatalf("after the change: %d %s", r.Status, r.Body)
			}
			newBrowser(t, s).signIn("zjj-inspector", initial, 401)
			newBrowser(t, s).signIn("zjj-inspector", "Brand-New-Pass-1", 200)
		})

		t.Run("a change without the CSRF token is refused and stores nothing", func(t *testing.T) {
			b := newBrowser(t, s)
			b.signIn("zjj-inspector", "Brand-New-Pass-1", 200)
			today := time.Now().In(calendar.Shanghai)
			patrol := map[string]any{"at": today.Format(time.RFC3339), "findings": "巡查平台，未见异常"}
			ledgerPath := "/api/v1/ledgers/patrols?from=" + today.Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)
			r, _ := b.do("POST", "/api/v1/patrols", patrol, false)
			wantCode(t, r, 403, "csrf")
			good := b.csrf
			b.csrf = strings.Repeat("0", 64)
			r, _ = b.do("POST", "/api/v1/patrols", patrol, true)
			wantCode(t, r, 403, "csrf")
			var ledger struct {
				Days []struct{ Patrols int } `json:"days"`
			}
			r, _ = b.do("GET", ledgerPath, nil, false)
			if r.Status != 200 {
				t.Fatalf("ledger: %d %s", r.Status, r.Body)
			}
			r.decode(t, &ledger)
			total := 0
			for _, d := range ledger.Days {
				total += d.Patrols
			}
			if total != 0 {
				t.Fatalf("refused patrols were stored: %s", r.Body)
			}
			b.csrf = good
			if r, _ := b.do("POST", "/api/v1/patrols", patrol, true); r.Status != 201 {
				t.Fatalf("with the token: %d %s", r.Status, r.Body)
			}
		})

		t.Run("a bearer token needs no CSRF token", func(t *testing.T) {
			s.must(200, "GET", "/api/v1/session", adminToken, nil)
			s.must(201, "POST", "/api/v1/departments", adminToken, map[string]string{"code": "HBJ", "name": "区生态环境局"})
		})

		t.Run("sign-out, a password change and disabling end sessions", func(t *testing.T) {
			one, two, three := newBrowser(t, s), newBrowser(t, s), newBrowser(t, s)
			for _, b := range []*browser{one, two, three} {
				b.signIn("zjj-inspector", "Brand-New-Pass-1", 200)
			}
			old := one.cookie()
			if r, _ := one.do("DELETE", "/api/v1/session", nil, true); r.Status != 204 {
				t.Fatalf("sign out: %d %s", r.Status, r.Body)
			}
			if one.cookie() != nil || one.named("pc_signed_in") != nil {
				t.Errorf("the cookies were not cleared at sign-out")
			}
			// The old cookie, sent again, is refused: the session ended on
			// the server, not only in the browser.
			req, _ := http.NewRequest("GET", s.base+"/api/v1/session", nil)
			req.AddCookie(old)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 401 {
				t.Errorf("a signed-out session's cookie: %d, want 401", res.StatusCode)
			}
			var r response
			if r, _ := two.do("POST", "/api/v1/session/password", map[string]string{"old_password": "Brand-New-Pass-1", "new_password": "Second-New-Pass-2"}, true); r.Status != 200 {
				t.Fatalf("change: %d %s", r.Status, r.Body)
			}
			if r, _ := two.do("GET", "/api/v1/session", nil, false); r.Status != 200 {
				t.Errorf("the session that changed the password ended: %d", r.Status)
			}
			r, _ = three.do("GET", "/api/v1/session", nil, false)
			wantCode(t, r, 401, "session_expired")
			s.must(200, "PATCH", "/api/v1/accounts/zjj-inspector", adminToken, map[string]any{"disabled": true})
			r, _ = two.do("GET", "/api/v1/session", nil, false)
			wantCode(t, r, 401, "session_expired")
			newBrowser(t, s).signIn("zjj-inspector", "Second-New-Pass-2", 401)
		})

		t.Run("a department admin sets passwords of its own department's staff only", func(t *testing.T) {
			adm := newBrowser(t, s)
			s.must(204, "POST", "/api/v1/accounts/zjj-admin/password", adminToken, map[string]string{"password": initial})
			adm.signIn("zjj-admin", initial, 200)
			adm.do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": "Leader-Pass-2026"}, true)
			if r, _ := adm.do("POST", "/api/v1/accounts/zjj-clerk/password", map[string]string{"password": "Clerk-Pass-2026"}, true); r.Status != 204 {
				t.Fatalf("own clerk: %d %s", r.Status, r.Body)
			}
			r, _ := adm.do("POST", "/api/v1/accounts/scj-inspector/password", map[string]string{"password": "Other-Pass-2026"}, true)
			wantCode(t, r, 403, "other_department")
			clerk := newBrowser(t, s)
			if a, _ := clerk.signIn("zjj-clerk", "Clerk-Pass-2026", 200); !a.MustChangePassword {
				t.Errorf("a password set by the department admin need not be changed")
			}
			newBrowser(t, s).signIn("scj-inspector", "Other-Pass-2026", 401)
		})

		t.Run("IP ranges apply to sessions", func(t *testing.T) {
			s.must(201, "POST", "/api/v1/accounts", adminToken, map[string]any{"username": "far-clerk", "real_name": "远程",
				"role": "clerk", "department_code": "SCJ", "allowed_cidrs": []string{"10.20.0.0/16"}})
			s.must(204, "POST", "/api/v1/accounts/far-clerk/password", adminToken, map[string]string{"password": initial})
			r, _ := newBrowser(t, s).do("POST", "/api/v1/session", map[string]string{"username": "far-clerk", "password": initial}, false)
			wantCode(t, r, 403, "ip_not_allowed")
			// A session opened before the range was set is refused from then on.
			b := newBrowser(t, s)
			s.must(204, "POST", "/api/v1/accounts/scj-inspector/password", adminToken, map[string]string{"password": initial})
			b.signIn("scj-inspector", initial, 200)
			s.must(200, "PATCH", "/api/v1/accounts/scj-inspector", adminToken, map[string]any{"allowed_cidrs": []string{"10.20.0.0/16"}})
			r, _ = b.do("GET", "/api/v1/session", nil, false)
			wantCode(t, r, 403, "ip_not_allowed")
		})

		t.Run("sign-ins and refusals are audited without the password", func(t *testing.T) {
			r := s.must(200, "GET", "/api/v1/audit?limit=500", adminToken, nil)
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
			r.decode(t, &page)
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
		})
	})
}

func TestSignInFailuresAreLimited(t *testing.T) {
	t.Parallel()
	s := startServer(t, sqliteDSNFor(t))
	s.must(204, "POST", "/api/v1/accounts/admin/password", adminToken, map[string]string{"password": "Admin-Pass-2026"})
	b := newBrowser(t, s)
	for range 10 {
		b.signIn("admin", "wrong-password", 401)
	}
	r, res := b.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": "wrong-password"}, false)
	wantCode(t, r, 429, "too_many_attempts")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Blocked: even the right password is not checked until the wait ends.
	r, _ = b.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": "Admin-Pass-2026"}, false)
	wantCode(t, r, 429, "too_many_attempts")
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
		res, err := http.Get(s.base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.wantStatus || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.wantType) {
			t.Errorf("%s: %d %s, want %d %s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), tc.wantStatus, tc.wantType)
		}
	}
}
