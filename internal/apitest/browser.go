package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Browser is a client that keeps cookies, as a browser does, and sends the
// session's CSRF token when told to.
type Browser struct {
	t    *testing.T
	s    *Server
	c    *http.Client
	CSRF string // the session's CSRF token, kept by SignIn
}

// NewBrowser returns a browser without cookies for the API of s.
func (s *Server) NewBrowser(t *testing.T) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{t: t, s: s, c: &http.Client{Jar: jar, Transport: Client.Transport}}
}

// FirstSignIn has the admin set user's password to initial, signs a new
// browser in with it and changes it to chosen, as a person must at the
// first sign-in; it returns the browser, signed in.
func (s *Server) FirstSignIn(t *testing.T, user, initial, chosen string) *Browser {
	t.Helper()
	s.Must(204, "POST", "/api/v1/accounts/"+user+"/password", AdminToken, map[string]string{"password": initial})
	b := s.NewBrowser(t)
	b.SignIn(user, initial, 200)
	if r, _ := b.Do("POST", "/api/v1/session/password", map[string]string{"old_password": initial, "new_password": chosen}, true); r.Status != 200 {
		t.Fatalf("change the initial password of %s: %d %s", user, r.Status, r.Body)
	}
	return b
}

// Do sends a request with the browser's cookies; withCSRF adds the token.
func (b *Browser) Do(method, path string, body any, withCSRF bool) (Response, *http.Response) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, b.s.Base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if withCSRF {
		req.Header.Set("X-CSRF-Token", b.CSRF)
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
	return Response{Status: res.StatusCode, Body: raw}, res
}

// Cookie returns the browser's session cookie, nil when it has none.
func (b *Browser) Cookie() *http.Cookie { return b.Named("pc_session") }

// Named returns the browser's cookie of that name, nil when it has none.
func (b *Browser) Named(name string) *http.Cookie {
	u, _ := url.Parse(b.s.Base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SessionAnswer is the answer to POST and GET /api/v1/session.
type SessionAnswer struct {
	Username           string `json:"username"`
	Role               string `json:"role"`
	DepartmentCode     string `json:"department_code"`
	MustChangePassword bool   `json:"must_change_password"`
	CSRFToken          string `json:"csrf_token"`
}

// SignIn signs in and keeps the CSRF token; it fails the test unless the
// answer is want.
func (b *Browser) SignIn(user, password string, want int) (SessionAnswer, *http.Response) {
	b.t.Helper()
	r, res := b.Do("POST", "/api/v1/session", map[string]string{"username": user, "password": password}, false)
	if r.Status != want {
		b.t.Fatalf("sign in %s: status %d, want %d: %s", user, r.Status, want, r.Body)
	}
	var a SessionAnswer
	if want == 200 {
		r.Decode(b.t, &a)
		b.CSRF = a.CSRFToken
	}
	return a, res
}
