package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"powercheck/internal/apitest"
	"powercheck/internal/checker"
	"powercheck/internal/httpapi"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The fuzz targets of this package drive the real handler, wired as `serve`
// wires it, against real databases: SQLite always, MySQL too when
// POWERCHECK_TEST_MYSQL_DSN is set. Each input is sent to each database.

const fuzzAdmin = "fuzz-admin-token-0123456789"

// fuzzEnv is one wired service on one database with a small district: the
// department ZJJ, a clerk and a legal officer, and the licensing item XK-001.
type fuzzEnv struct {
	name  string
	store *sqlstore.Store
	h     http.Handler
	clerk string
	legal string
}

// fuzzEnvs wires the service on every configured database.
func fuzzEnvs(tb testing.TB) []*fuzzEnv {
	tb.Helper()
	var out []*fuzzEnv
	for _, d := range sqlstoretest.Drivers() {
		out = append(out, newFuzzEnv(tb, d.Name, d.DSN(tb)))
	}
	return out
}

func newFuzzEnv(tb testing.TB, name, dsn string) *fuzzEnv {
	tb.Helper()
	ctx := context.Background()
	store := sqlstoretest.MustOpen(tb, dsn)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine := apitest.PolicyEngine(tb, store, 0)
	svc, err := checker.New(checker.SQLStores(store), engine, checker.Options{Log: log, Calendar: engine})
	if err != nil {
		tb.Fatal(err)
	}
	if err := svc.Accounts.SyncCalendar(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Accounts.Bootstrap(ctx, fuzzAdmin); err != nil {
		tb.Fatal(err)
	}
	h, err := httpapi.New(apitest.APIServices(svc), policy.NewAuthoring(engine, store.Revisions()), store, engine, httpapi.Config{}, log)
	if err != nil {
		tb.Fatal(err)
	}
	e := &fuzzEnv{name: name, store: store, h: h}
	e.must(tb, 201, "POST", "/api/v1/departments", fuzzAdmin, `{"code": "ZJJ", "name": "区住房和城乡建设局"}`)
	e.clerk = e.account(tb, `{"username": "clerk", "real_name": "录入员", "role": "clerk", "department_code": "ZJJ"}`)
	e.legal = e.account(tb, `{"username": "legal", "real_name": "法制员", "role": "legal"}`)
	item, err := os.ReadFile(filepath.Join("..", "..", "testdata", "catalog", "licensing.json"))
	if err != nil {
		tb.Fatal(err)
	}
	e.must(tb, 201, "PUT", "/api/v1/power-items/XK-001", e.legal, string(item))
	return e
}

func (e *fuzzEnv) account(tb testing.TB, body string) string {
	tb.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(e.must(tb, 201, "POST", "/api/v1/accounts", fuzzAdmin, body).Body.Bytes(), &out); err != nil {
		tb.Fatal(err)
	}
	return out.Token
}

// do serves one request in-process.
func (e *fuzzEnv) do(method, target, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	// httptest.NewRequest panics on a target it cannot parse; the fuzzed
	// parts are escaped by the callers, and the URL is set here.
	u, err := req.URL.Parse(target)
	if err != nil {
		panic(err)
	}
	req.URL, req.RequestURI = u, target
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *fuzzEnv) must(tb testing.TB, want int, method, target, token, body string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := e.do(method, target, token, []byte(body))
	if rec.Code != want {
		tb.Fatalf("%s: %s %s: %d %s; want %d", e.name, method, target, rec.Code, rec.Body, want)
	}
	return rec
}

// counts are the rows of the tables a write may touch.
type counts map[string]int64

func (e *fuzzEnv) counts(tb testing.TB, tables ...string) counts {
	tb.Helper()
	out := counts{}
	for _, t := range tables {
		var n int64
		if err := e.store.DB().Table(t).Count(&n).Error; err != nil {
			tb.Fatalf("%s: count %s: %v", e.name, t, err)
		}
		out[t] = n
	}
	return out
}

// checkAnswer fails on a server error, and on an error answer that is not
// the API's error shape.
func checkAnswer(t *testing.T, e *fuzzEnv, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %s answered %d: %s", e.name, what, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var body apitest.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
			t.Fatalf("%s: %s answered %d without an error code and message: %s", e.name, what, rec.Code, rec.Body)
		}
	}
}

// unchanged fails unless before and after agree.
func unchanged(t *testing.T, e *fuzzEnv, what string, before, after counts) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("%s: %s was refused but changed %s: %d → %d", e.name, what, k, v, after[k])
		}
	}
}

func clip(b []byte) string {
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
