package apitest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/httpapi"
	"powercheck/internal/notify"
	"powercheck/internal/policy"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore"
	"powercheck/internal/webhook"
	"powercheck/policies"
)

// RoomyEvalTimeout is the evaluation limit of the served API's engine. Its
// tests are not about the limit (the policy package's are), and on a
// machine busy with other test runs an evaluation can wait longer than
// serve's default for a core, which would leave the step unchecked.
const RoomyEvalTimeout = 10 * time.Second

// PolicyEngine returns an engine of the shipped policies, synced into
// store's revisions as serve syncs them when it starts.
func PolicyEngine(tb testing.TB, store *sqlstore.Store, timeout time.Duration) *policy.Engine {
	tb.Helper()
	engine := policy.NewEngine(calendar.Default(), timeout)
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		tb.Fatalf("read policies: %v", err)
	}
	if err := engine.Sync(context.Background(), store.Revisions(), defaults); err != nil {
		tb.Fatalf("sync policies: %v", err)
	}
	return engine
}

// APIServices are the services behind the API's handlers, as serve hands
// them over.
func APIServices(svcs *checker.Services) httpapi.Services {
	return httpapi.Services{Accounts: svcs.Accounts, Catalog: svcs.Catalog, Cases: svcs.Cases, Supervision: svcs.Supervision,
		Reports: svcs.Reports, Patrols: svcs.Patrols, Policies: svcs.Policies, Audit: svcs.Audit, Public: svcs.Public,
		Deadlines: svcs.Deadlines, Documents: svcs.Documents, Dashboard: svcs.Dashboard}
}

// Wiring is what a test changes in ServeStore's wiring; the zero value is
// serve's, without the seeding and the mail.
type Wiring struct {
	// CredentialTTL is checker.Options.CredentialTTL.
	CredentialTTL time.Duration
	// Seed enters what serve enters on an empty database (SeedAsServe);
	// off for a node whose database another node seeded.
	Seed bool
	// Mail, when set, makes the mailer of the node's digests.
	Mail func(*Node) *webhook.Mailer
}

// Node is an API served over one store, and what it is wired from.
type Node struct {
	Store    *sqlstore.Store
	Engine   *policy.Engine
	Services *checker.Services
	Log      *slog.Logger // kept, and printed when the test fails (failureLog)
	API      *Server
}

// ServeStore serves the API over store, opened and migrated, until tb ends:
// wired as serve wires it for requests, without the background jobs
// (sweeps, polls, fan-outs), so a test sees only what its requests did.
func ServeStore(tb testing.TB, store *sqlstore.Store, w Wiring) *Node {
	tb.Helper()
	ctx := context.Background()
	n := &Node{Store: store, Log: failureLog(tb)}
	n.Engine = PolicyEngine(tb, store, RoomyEvalTimeout)
	svcs, err := checker.New(checker.SQLStores(store), n.Engine, checker.Options{Log: n.Log, Calendar: n.Engine, Params: n.Engine,
		Settings: n.Engine.SetSettings, CredentialTTL: w.CredentialTTL})
	if err != nil {
		tb.Fatalf("services: %v", err)
	}
	n.Services = svcs
	if _, err := svcs.Accounts.RefreshSettings(ctx); err != nil {
		tb.Fatalf("settings: %v", err)
	}
	if w.Seed {
		SeedAsServe(tb, ctx, svcs)
	}
	locks, err := sqlstore.NewSubjectLocks(ctx, store)
	if err != nil {
		tb.Fatalf("subject locks: %v", err)
	}
	tb.Cleanup(func() { _ = locks.Close() })
	cfg := httpapi.Config{Sessions: session.NewService(store.Sessions(), svcs.Core.Credentials(), nil, n.Log), SubjectLocks: locks,
		Webhooks:      webhook.NewService(store.Webhooks(), store.Webhooks(), webhook.DefaultWindow),
		Notifications: notify.New(store.Notifications(), nil, n.Log)}
	if w.Mail != nil {
		cfg.Mail = w.Mail(n)
	}
	h, err := httpapi.New(APIServices(svcs), policy.NewAuthoring(n.Engine, store.Revisions()), store, n.Engine, cfg, n.Log)
	if err != nil {
		tb.Fatalf("httpapi.New: %v", err)
	}
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close) // registered last, so it runs before the store closes
	n.API = &Server{T: tb, Base: ts.URL}
	return n
}

// failureLog returns a logger of warnings and errors that tb prints only
// if it fails: a 500 in a test then says what the server saw. It writes to
// a buffer, not to tb, because a background goroutine may still log after
// the test has returned.
func failureLog(tb testing.TB) *slog.Logger {
	buf := &lockedBuffer{}
	tb.Cleanup(func() {
		if tb.Failed() && buf.Len() > 0 {
			tb.Logf("the server logged:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// lockedBuffer is a bytes.Buffer that several goroutines write; it keeps
// the first maxFailureLog bytes, enough to say what went wrong first.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const maxFailureLog = 1 << 20

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := maxFailureLog - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
