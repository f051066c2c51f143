package httpapi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

// The harness: the API of internal/httpapi served by apitest.ServeStore on
// a fresh database of its own, with serve's mail digests, every exchange
// checked against the published contract.

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
	store := sqlstoretest.MustOpen(t, dsn)
	if w.opened != nil {
		w.opened(store)
	}
	n := apitest.ServeStore(t, store, apitest.Wiring{CredentialTTL: w.credentialTTL, Seed: true,
		Mail: func(n *apitest.Node) *webhook.Mailer {
			return webhook.NewMailer(n.Store.Webhooks(), digestSource{n.Store, n.Services, n.Engine}, n.Log)
		}})
	apitest.WatchContract(t, n.API.Base)
	return n.API
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
