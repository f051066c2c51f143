//go:build cluster

package clustertest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/apitest"
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

// clusterEnv names the environment variable with the nodes' DSNs.
const clusterEnv = "POWERCHECK_TEST_CLUSTER_DSNS"

// clusterDSNs creates a fresh database on the cluster and returns its
// powercheck DSN on each node; the database is dropped when tb ends.
func clusterDSNs(tb testing.TB) []string {
	tb.Helper()
	v := os.Getenv(clusterEnv)
	if v == "" {
		tb.Skipf("%s not set: these tests need a Galera cluster of three nodes", clusterEnv)
	}
	nodes := strings.Split(v, ",")
	if len(nodes) < 2 {
		tb.Fatalf("%s=%q: want a DSN per node, comma-separated", clusterEnv, v)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "pc_cluster_" + hex.EncodeToString(b[:])
	admin := rawDB(tb, nodes[0], "")
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE " + name) })
	out := make([]string, len(nodes))
	for i, n := range nodes {
		cfg, err := mysqldrv.ParseDSN(strings.TrimSpace(n))
		if err != nil {
			tb.Fatalf("node %d: %v", i+1, err)
		}
		cfg.DBName = name
		out[i] = "mysql:" + cfg.FormatDSN()
	}
	return out
}

// rawDB opens a node's server at dsn (with or without the "mysql:"
// prefix), on database db when it is not empty; it is closed when tb ends.
func rawDB(tb testing.TB, dsn, db string) *sql.DB {
	tb.Helper()
	cfg, err := mysqldrv.ParseDSN(strings.TrimPrefix(strings.TrimSpace(dsn), "mysql:"))
	if err != nil {
		tb.Fatal(err)
	}
	if db != "" {
		cfg.DBName = db
	}
	// A read waits for what the cluster committed before it, through
	// whichever node wrote it.
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["wsrep_sync_wait"] = "1"
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// node is one powercheck node: its store, services and API, on one
// database node.
type node struct {
	dsn   string
	store *sqlstore.Store
	svcs  *checker.Services
	api   *apitest.Server
}

// openStore opens and migrates the store at dsn; it is closed when tb ends.
func openStore(tb testing.TB, dsn string) *sqlstore.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if !st.Galera() {
		tb.Fatalf("%s: not a Galera node (wsrep_on is not ON)", dsn)
	}
	return st
}

// startNodes serves the API on each of dsns, as serve wires it for
// requests (no background jobs); the first node bootstraps the admin.
func startNodes(t *testing.T, dsns []string) []*node {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		t.Fatalf("read policies: %v", err)
	}
	var out []*node
	for i, dsn := range dsns {
		st := openStore(t, dsn)
		engine := policy.NewEngine(calendar.Default(), policy.DefaultTimeout)
		if err := engine.Sync(ctx, st.Revisions(), defaults); err != nil {
			t.Fatalf("node %d: sync policies: %v", i+1, err)
		}
		svcs, err := checker.New(checker.SQLStores(st), engine, checker.Options{Log: log, Calendar: engine, Params: engine, Settings: engine.SetSettings})
		if err != nil {
			t.Fatalf("node %d: services: %v", i+1, err)
		}
		if _, err := svcs.Accounts.RefreshSettings(ctx); err != nil {
			t.Fatalf("node %d: settings: %v", i+1, err)
		}
		if i == 0 {
			apitest.SeedAsServe(t, ctx, svcs) // as serve does
		}
		locks, err := sqlstore.NewSubjectLocks(ctx, st)
		if err != nil {
			t.Fatalf("node %d: subject locks: %v", i+1, err)
		}
		cfg := httpapi.Config{Sessions: session.NewService(st.Sessions(), svcs.Core.Credentials(), nil, log), SubjectLocks: locks,
			Webhooks:      webhook.NewService(st.Webhooks(), st.Webhooks(), webhook.DefaultWindow),
			Notifications: notify.New(st.Notifications(), nil, log)}
		api := httpapi.Services{Accounts: svcs.Accounts, Catalog: svcs.Catalog, Cases: svcs.Cases, Supervision: svcs.Supervision,
			Reports: svcs.Reports, Patrols: svcs.Patrols, Policies: svcs.Policies, Audit: svcs.Audit, Public: svcs.Public,
			Deadlines: svcs.Deadlines, Documents: svcs.Documents, Dashboard: svcs.Dashboard}
		h, err := httpapi.New(api, policy.NewAuthoring(engine, st.Revisions()), st, engine, cfg, log)
		if err != nil {
			t.Fatalf("node %d: httpapi.New: %v", i+1, err)
		}
		ts := httptest.NewServer(h)
		t.Cleanup(ts.Close)
		out = append(out, &node{dsn: dsn, store: st, svcs: svcs, api: &apitest.Server{T: t, Base: ts.URL}})
	}
	return out
}
