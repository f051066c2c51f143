package main

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// otherNodeWait bounds how long a test waits for a change made on one node
// to reach another: the credential cache's TTL (2 s) and room for a loaded
// machine.
const otherNodeWait = 5 * time.Second

// withSession sends a GET with the session cookie value, as a browser that
// signed in on another node would.
func (s *server) withSession(path, cookie string) response {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "pc_session", Value: cookie})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Body: b}
}

// eventually polls answer until it is status with code ("" for a success),
// for up to otherNodeWait, and returns how long that took.
func eventually(t *testing.T, what string, status int, code string, answer func() response) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := answer()
		if r.Status == status && (code == "" || r.errorCode(t) == code) {
			took := time.Since(start)
			t.Logf("%s after %s", what, took.Round(time.Millisecond))
			return took
		}
		if r.Status != 200 && r.Status != status {
			t.Fatalf("%s: answered %d %s, want 200 until it is %d", what, r.Status, r.Body, status)
		}
		if time.Since(start) > otherNodeWait {
			t.Fatalf("%s: still %d %s after %s", what, r.Status, r.Body, otherNodeWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A node remembers accepted tokens and sessions for a moment: a change made
// on it takes effect there at once, and on another node sharing the
// database within the cache's TTL.
func TestCredentialChangesOnTwoNodes(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn)
		tok := setupDistrict(t, a)
		b := startServer(t, dsn)
		clerk := tok[zjjClerk]

		t.Run("a disabled account's token", func(t *testing.T) {
			// Both nodes have just accepted the token: each remembers it.
			a.must(200, "GET", "/api/v1/me", clerk, nil)
			b.must(200, "GET", "/api/v1/me", clerk, nil)
			a.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"disabled": true})
			wantCode(t, a.do("GET", "/api/v1/me", clerk, nil), 401, "invalid_token")
			eventually(t, "the other node refuses the disabled account's token", 401, "invalid_token",
				func() response { return b.do("GET", "/api/v1/me", clerk, nil) })
			// Node B refuses that token, not every request.
			b.must(200, "GET", "/api/v1/me", adminToken, nil)

			a.must(200, "PATCH", "/api/v1/accounts/zjj-clerk", adminToken, map[string]any{"disabled": false})
			a.must(200, "GET", "/api/v1/me", clerk, nil)
			// A refusal is never remembered: node B accepts the token again
			// on its next request.
			b.must(200, "GET", "/api/v1/me", clerk, nil)
		})

		t.Run("a rotated token", func(t *testing.T) {
			a.must(200, "GET", "/api/v1/me", clerk, nil)
			b.must(200, "GET", "/api/v1/me", clerk, nil)
			var out struct {
				Token string `json:"token"`
			}
			a.must(200, "POST", "/api/v1/accounts/zjj-clerk/token", adminToken, nil).decode(t, &out)
			wantCode(t, a.do("GET", "/api/v1/me", clerk, nil), 401, "invalid_token")
			a.must(200, "GET", "/api/v1/me", out.Token, nil)
			b.must(200, "GET", "/api/v1/me", out.Token, nil)
			eventually(t, "the other node refuses the old token", 401, "invalid_token",
				func() response { return b.do("GET", "/api/v1/me", clerk, nil) })
			b.must(200, "GET", "/api/v1/me", out.Token, nil)
		})

		// Sessions of scj-clerk, signed in on node A; node B is sent their
		// cookies.
		const initial, chosen = "Initial-Pass-2026", "Chosen-Pass-2026"
		a.must(204, "POST", "/api/v1/accounts/scj-clerk/password", adminToken, map[string]string{"password": initial})
		first := newBrowser(t, a)
		first.signIn("scj-clerk", initial, 200)
		if r, _ := first.do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": chosen}, true); r.Status != 200 {
			t.Fatalf("change the initial password: %d %s", r.Status, r.Body)
		}
		signIn := func() (*browser, string) {
			t.Helper()
			br := newBrowser(t, a)
			br.signIn("scj-clerk", chosen, 200)
			return br, br.cookie().Value
		}

		t.Run("a signed-out session", func(t *testing.T) {
			br, cookie := signIn()
			a.must200(a.withSession("/api/v1/me", cookie))
			b.must200(b.withSession("/api/v1/me", cookie))
			if r, _ := br.do("DELETE", "/api/v1/session", nil, true); r.Status != 204 {
				t.Fatalf("sign out: %d %s", r.Status, r.Body)
			}
			wantCode(t, a.withSession("/api/v1/me", cookie), 401, "session_expired")
			eventually(t, "the other node refuses the signed-out session", 401, "session_expired",
				func() response { return b.withSession("/api/v1/me", cookie) })
			_, other := signIn()
			b.must200(b.withSession("/api/v1/me", other))
		})

		t.Run("a password change ends the other sessions", func(t *testing.T) {
			kept, keptCookie := signIn()
			_, ended := signIn()
			for _, c := range []string{keptCookie, ended} {
				a.must200(a.withSession("/api/v1/me", c))
				b.must200(b.withSession("/api/v1/me", c))
			}
			if r, _ := kept.do("POST", "/api/v1/session/password", map[string]string{"old_password": chosen, "new_password": "Second-Pass-2026"}, true); r.Status != 200 {
				t.Fatalf("change the password: %d %s", r.Status, r.Body)
			}
			wantCode(t, a.withSession("/api/v1/me", ended), 401, "session_expired")
			eventually(t, "the other node refuses the ended session", 401, "session_expired",
				func() response { return b.withSession("/api/v1/me", ended) })
			// The session that changed the password goes on, on both nodes.
			a.must200(a.withSession("/api/v1/me", keptCookie))
			b.must200(b.withSession("/api/v1/me", keptCookie))
		})
	})
}

// must200 fails the test unless r is a success.
func (s *server) must200(r response) {
	s.t.Helper()
	if r.Status != 200 {
		s.t.Fatalf("status %d, want 200; body %s", r.Status, r.Body)
	}
}
