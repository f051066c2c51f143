package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/httpapi"
	"powercheck/internal/notify"
	"powercheck/internal/policy"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
	"powercheck/policies"
)

// The harness: the API of internal/httpapi over a real store, the default
// policies and every compliance service, served by httptest on a fresh
// database of its own. It wires what serve wires for requests, without
// the background jobs (sweeps, polls, fan-outs), so a test sees only what
// its requests did.

const adminToken = "test-admin-token-0123456789abcdef"

// server is the API served over one fresh database.
type server struct {
	t    testing.TB
	base string
}

// eachDriver runs f on SQLite and, when configured, MySQL, each on a fresh database.
func eachDriver(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) { f(t, d.DSN(t)) })
	}
}

// startServer serves the API over the database at dsn, with an admin
// account whose token is adminToken. extra takes the serve flags the
// harness means without saying: "--sweep-interval 0" (no sweeper runs here).
func startServer(t testing.TB, dsn string, extra ...string) *server {
	t.Helper()
	if len(extra) > 0 && !(len(extra) == 2 && extra[0] == "--sweep-interval" && extra[1] == "0") {
		t.Fatalf("startServer: unsupported options %q", extra)
	}
	return startServerWith(t, dsn, wiring{})
}

// wiring is what a test may change in the harness's wiring; the zero value
// is serve's.
type wiring struct {
	// credentialTTL is checker.Options.CredentialTTL.
	credentialTTL time.Duration
	// opened is handed the store once it is migrated, e.g. to count the
	// statements the requests make; nil: nobody.
	opened func(*sqlstore.Store)
}

// startServerWith is startServer with w's changes.
func startServerWith(t testing.TB, dsn string, w wiring) *server {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if w.opened != nil {
		w.opened(store)
	}
	engine := policy.NewEngine(calendar.Default(), policy.DefaultTimeout)
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		t.Fatalf("read policies: %v", err)
	}
	if err := engine.Sync(ctx, store.Revisions(), defaults); err != nil {
		t.Fatalf("sync policies: %v", err)
	}
	svcs, err := checker.New(checker.SQLStores(store), engine, checker.Options{Log: log, Calendar: engine, Params: engine, Settings: engine.SetSettings,
		CredentialTTL: w.credentialTTL})
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	if _, err := svcs.Accounts.RefreshSettings(ctx); err != nil {
		t.Fatalf("settings: %v", err)
	}
	seeding, seeded := svcs.Audit.TrackWrites(ctx)
	if err := svcs.Accounts.SyncCalendar(seeding); err != nil {
		t.Fatalf("calendar: %v", err)
	}
	if _, err := svcs.Accounts.Bootstrap(ctx, adminToken); err != nil {
		t.Fatalf("bootstrap admin: %v", err)
	}
	// As serve does: the admin and the shipped calendar are in the audit
	// log, so that a test of the log finds it whole.
	written, err := seeded(ctx)
	if err != nil {
		t.Fatalf("calendar writes: %v", err)
	}
	if _, err := svcs.Audit.RecordSystemChange(ctx, compliance.SystemChange{Action: "bootstrap", Target: "username=admin",
		Result: map[string]string{"username": "admin"}, Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}},
		Written: written}); err != nil {
		t.Fatalf("audit bootstrap: %v", err)
	}
	locks, err := sqlstore.NewSubjectLocks(ctx, store)
	if err != nil {
		t.Fatalf("subject locks: %v", err)
	}
	t.Cleanup(func() { _ = locks.Close() })
	cfg := httpapi.Config{Sessions: session.NewService(store.Sessions(), svcs.Core.Credentials(), nil, log), SubjectLocks: locks,
		Webhooks: webhook.NewService(store.Webhooks(), store.Webhooks(), webhook.DefaultWindow), Mail: webhook.NewMailer(store.Webhooks(), digestSource{store, svcs, engine}, log),
		Notifications: notify.New(store.Notifications(), nil, log)}
	api := httpapi.Services{Accounts: svcs.Accounts, Catalog: svcs.Catalog, Cases: svcs.Cases, Supervision: svcs.Supervision,
		Reports: svcs.Reports, Patrols: svcs.Patrols, Policies: svcs.Policies, Audit: svcs.Audit, Public: svcs.Public,
		Deadlines: svcs.Deadlines, Documents: svcs.Documents, Dashboard: svcs.Dashboard}
	h, err := httpapi.New(api, policy.NewAuthoring(engine, store.Revisions()), store, engine, cfg, log)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close) // registered last, so it runs before the store closes
	watchContract(t, ts.URL)
	return &server{t: t, base: ts.URL}
}

// digestSource tells the mail what is open for an account, as serve's does.
type digestSource struct {
	store  *sqlstore.Store
	svcs   *checker.Services
	engine *policy.Engine
}

func (d digestSource) DigestAccount(ctx context.Context, username string) (*compliance.Account, error) {
	acc, err := d.store.Accounts().AccountByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return &acc, nil
}

func (d digestSource) Workbench(ctx context.Context, who *compliance.Account) (compliance.Workbench, error) {
	return d.svcs.Cases.Workbench(ctx, who)
}

func (d digestSource) UnreadNotifications(ctx context.Context, username string) (int, bool, error) {
	return d.store.Notifications().UnreadNotifications(ctx, username)
}

func (d digestSource) IsWorkday(day calendar.Date) (bool, error) {
	cal := d.engine.Calendar()
	if cal == nil {
		return false, errors.New("no calendar loaded")
	}
	return cal.IsWorkday(day)
}

type response struct {
	Status int
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// withoutRequestID is the body without an error body's request id, which
// is new on every answer.
func (r response) withoutRequestID() string {
	return withoutRequestID(string(r.Body))
}

// errorCode returns the error code of an error answer.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.decode(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error answer without a message: %s", r.Body)
	}
	return e.Error.Code
}

// do calls the API as the account of token ("" for none); body is nil, a
// string, bytes, or a value sent as JSON.
func (s *server) do(method, path, token string, body any) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := contractClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{Status: res.StatusCode, Body: b}
}

// must performs a request and fails the test unless it answers want.
func (s *server) must(want int, method, path, token string, body any) response {
	s.t.Helper()
	r := s.do(method, path, token, body)
	if r.Status != want {
		s.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// enterCurrentYears enters, as plain weekends-only schedules, this year and
// next year when the shipped calendar lacks them, so that tests about "now"
// keep working after the shipped years.
func enterCurrentYears(t *testing.T, s *server) {
	t.Helper()
	this := time.Now().Year()
	for y := this; y <= this+1; y++ {
		path := "/api/v1/calendar/" + strconv.Itoa(y)
		if s.do("GET", path, adminToken, nil).Status == http.StatusNotFound {
			s.must(200, "PUT", path, adminToken, map[string]any{"source": "测试", "holidays": []string{}, "workdays": []string{}})
		}
	}
}
