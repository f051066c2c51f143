package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"powercheck/internal/apitest"
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

// startServer serves the API over the database at dsn, with an admin
// account whose token is apitest.AdminToken. extra takes the serve flags the
// harness means without saying: "--sweep-interval 0" (no sweeper runs here).
func startServer(t testing.TB, dsn string, extra ...string) *apitest.Server {
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
func startServerWith(t testing.TB, dsn string, w wiring) *apitest.Server {
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
	// As serve does: the admin and the shipped calendar are in the audit
	// log, so that a test of the log finds it whole.
	apitest.SeedAsServe(t, ctx, svcs)
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
	apitest.WatchContract(t, ts.URL)
	return &apitest.Server{T: t, Base: ts.URL}
}

// startDistrict starts a server as startServer does and sets up the test
// district on it; it returns the server and the district's tokens.
func startDistrict(t *testing.T, dsn string, extra ...string) (*apitest.Server, map[string]string) {
	t.Helper()
	s := startServer(t, dsn, extra...)
	return s, s.SetupDistrict(t)
}

// startDistrictStore is startDistrict that also returns the server's store,
// for what a test must see below the API.
func startDistrictStore(t *testing.T, dsn string) (*apitest.Server, map[string]string, *sqlstore.Store) {
	t.Helper()
	var store *sqlstore.Store
	s := startServerWith(t, dsn, wiring{opened: func(st *sqlstore.Store) { store = st }})
	return s, s.SetupDistrict(t), store
}

// eachDistrict runs f on each test database, in parallel, with a server
// started as startDistrict starts it: the set-up most API tests share.
func eachDistrict(t *testing.T, f func(t *testing.T, s *apitest.Server, tok map[string]string)) {
	t.Helper()
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		f(t, s, tok)
	})
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
