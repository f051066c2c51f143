package httpapi_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

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

func wantCode(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if got := r.errorCode(t); got != code {
		t.Errorf("code = %s, want %s (%s)", got, code, r.Body)
	}
}

// with returns a copy of m with pairs of key, value set.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// addAccount creates an account through the API and returns its token.
func addAccount(t *testing.T, s *server, user, role, dept string) string {
	t.Helper()
	body := map[string]any{"username": user, "real_name": "测试" + user, "role": role}
	if dept != "" {
		body["department_code"] = dept
	}
	var out struct {
		Token string `json:"token"`
	}
	s.must(201, "POST", "/api/v1/accounts", adminToken, body).decode(t, &out)
	return out.Token
}

// statsAccount creates an account through the API and returns its token.
func statsAccount(t *testing.T, s *server, user, role, dept string) string {
	t.Helper()
	body := map[string]any{"username": user, "real_name": "测试" + user, "role": role}
	if dept != "" {
		body["department_code"] = dept
	}
	var out struct {
		Token string `json:"token"`
	}
	s.must(201, "POST", "/api/v1/accounts", adminToken, body).decode(t, &out)
	return out.Token
}

func markerModule(marker string) map[string]string {
	return map[string]string{"source": `package compliance.custom

# METADATA
# title: 自定义标记规则
# description: 每个环节都标记一次，用于验证策略发布。
# custom:
#   level: prewarning
#   basis: 测试
warnings contains {"rule": "custom.marker", "level": "prewarning", "message": "标记 ` + marker + `", "basis": "测试", "key": "marker"} if {
	input.event == "step"
}
`}
}

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
	return &browser{t: t, s: s, c: &http.Client{Jar: jar, Transport: contractClient.Transport}}
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

type warningList struct {
	Items []struct {
		Rule           string `json:"rule"`
		Level          string `json:"level"`
		Key            string `json:"key"`
		Family         string `json:"family"`
		DepartmentCode string `json:"department_code"`
		CaseNo         string `json:"case_no"`
		Message        string `json:"message"`
	} `json:"items"`
}
