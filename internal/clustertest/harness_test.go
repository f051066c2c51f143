//go:build cluster

package clustertest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"powercheck/internal/apitest"
	"powercheck/internal/checker"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
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
	st := sqlstoretest.MustOpen(tb, dsn)
	if !st.Galera() {
		tb.Fatalf("%s: not a Galera node (wsrep_on is not ON)", dsn)
	}
	return st
}

// startNodes serves the API on each of dsns, as serve wires it for
// requests (no background jobs); the first node bootstraps the admin.
func startNodes(t *testing.T, dsns []string) []*node {
	t.Helper()
	var out []*node
	for i, dsn := range dsns {
		n := apitest.ServeStore(t, openStore(t, dsn), apitest.Wiring{Seed: i == 0})
		out = append(out, &node{dsn: dsn, store: n.Store, svcs: n.Services, api: n.API})
	}
	return out
}
