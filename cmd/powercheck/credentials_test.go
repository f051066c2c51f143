package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// otherNodeWait bounds how long a test waits for a change made on one node
// to reach another: the credential cache's TTL (2 s) and room for a loaded
// machine.
const otherNodeWait = 5 * time.Second

// withSession sends a GET with the session cookie value, as a browser that
// signed in on another node would.
func (s *server) withSession(path, cookie string) apitest.Response {
	s.T.Helper()
	req, err := http.NewRequest("GET", s.Base+path, nil)
	if err != nil {
		s.T.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "pc_session", Value: cookie})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	return apitest.Response{Status: res.StatusCode, Body: b}
}

// eventually polls answer until it is status with code ("" for a success),
// for up to otherNodeWait, and returns how long that took.
func eventually(t *testing.T, what string, status int, code string, answer func() apitest.Response) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := answer()
		if r.Status == status && (code == "" || r.ErrorCode(t) == code) {
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
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a := startServer(t, dsn)
		tok := a.SetupDistrict(t)
		b := startServer(t, dsn)
		clerk := tok[apitest.ZJJClerk]

		t.Run("a disabled account's token", func(t *testing.T) {
			disabledOnTwoNodes(t, a, b, clerk)
		})

		t.Run("a rotated token", func(t *testing.T) {
			a.Must(200, "GET", "/api/v1/me", clerk, nil)
			b.Must(200, "GET", "/api/v1/me", clerk, nil)
			var out struct {
				Token string `json:"token"`
			}
			a.Must(200, "POST", "/api/v1/accounts/zjj-clerk/token", apitest.AdminToken, nil).Decode(t, &out)
			apitest.WantCode(t, a.Do("GET", "/api/v1/me", clerk, nil), 401, "invalid_token")
			a.Must(200, "GET", "/api/v1/me", out.Token, nil)
			b.Must(200, "GET", "/api/v1/me", out.Token, nil)
			eventually(t, "the other node refuses the old token", 401, "invalid_token",
				func() apitest.Response { return b.Do("GET", "/api/v1/me", clerk, nil) })
			b.Must(200, "GET", "/api/v1/me", out.Token, nil)
		})

		// Sessions of scj-clerk, signed in on node A; node B is sent their
		// cookies.
		const initial, chosen = "Initial-Pass-2026", "Chosen-Pass-2026"
		a.FirstSignIn(t, "scj-clerk", initial, chosen)
		signIn := func() (*apitest.Browser, string) {
			t.Helper()
			br := a.NewBrowser(t)
			br.SignIn("scj-clerk", chosen, 200)
			return br, br.Cookie().Value
		}

		t.Run("a signed-out session", func(t *testing.T) {
			br, cookie := signIn()
			a.must200(a.withSession("/api/v1/me", cookie))
			b.must200(b.withSession("/api/v1/me", cookie))
			if r, _ := br.Do("DELETE", "/api/v1/session", nil, true); r.Status != 204 {
				t.Fatalf("sign out: %d %s", r.Status, r.Body)
			}
			apitest.WantCode(t, a.withSession("/api/v1/me", cookie), 401, "session_expired")
			eventually(t, "the other node refuses the signed-out session", 401, "session_expired",
				func() apitest.Response { return b.withSession("/api/v1/me", cookie) })
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
			if r, _ := kept.Do("POST", "/api/v1/session/password", map[string]string{"old_password": chosen, "new_password": "Second-Pass-2026"}, true); r.Status != 200 {
				t.Fatalf("change the password: %d %s", r.Status, r.Body)
			}
			apitest.WantCode(t, a.withSession("/api/v1/me", ended), 401, "session_expired")
			eventually(t, "the other node refuses the ended session", 401, "session_expired",
				func() apitest.Response { return b.withSession("/api/v1/me", ended) })
			// The session that changed the password goes on, on both nodes.
			a.must200(a.withSession("/api/v1/me", keptCookie))
			b.must200(b.withSession("/api/v1/me", keptCookie))
		})
	})
}

// must200 fails the test unless r is a success.
func (s *server) must200(r apitest.Response) {
	s.T.Helper()
	if r.Status != 200 {
		s.T.Fatalf("status %d, want 200; body %s", r.Status, r.Body)
	}
}

// disabledOnTwoNodes disables the clerk's account on node a and checks that
// b refuses its token within the TTL, and accepts it again once enabled.
func disabledOnTwoNodes(t *testing.T, a, b *server, clerk string) {
	// Both nodes have just accepted the token: each remembers it.
	a.Must(200, "GET", "/api/v1/me", clerk, nil)
	b.Must(200, "GET", "/api/v1/me", clerk, nil)
	a.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"disabled": true})
	apitest.WantCode(t, a.Do("GET", "/api/v1/me", clerk, nil), 401, "invalid_token")
	eventually(t, "the other node refuses the disabled account's token", 401, "invalid_token",
		func() apitest.Response { return b.Do("GET", "/api/v1/me", clerk, nil) })
	// Node B refuses that token, not every request.
	b.Must(200, "GET", "/api/v1/me", apitest.AdminToken, nil)

	a.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"disabled": false})
	a.Must(200, "GET", "/api/v1/me", clerk, nil)
	// A refusal is never remembered: node B accepts the token again
	// on its next request.
	b.Must(200, "GET", "/api/v1/me", clerk, nil)
}
