//go:build cluster

package chaos_test

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// galera is a three-node MariaDB Galera cluster of the test's own, run by
// scripts/cluster.sh on a temporary directory and on ports that the
// machine's other servers do not use: client ports from
// $POWERCHECK_CLUSTER_TEST_PORT (default 6306, 6307, 6308) and Galera ports
// from $POWERCHECK_CLUSTER_TEST_GALERA_PORT (default 16567, ten apart).
type galera struct {
	t     testing.TB
	dir   string
	port  int
	gport int
}

// envPort reads a port from the environment, or def when it is unset.
func envPort(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65000 {
		t.Fatalf("%s=%q: want a port number", name, v)
	}
	return p
}

// startGalera starts the cluster, or skips the test when Galera or rsync
// is missing; the cluster is stopped and its directory removed when the
// test ends (kept, with its error logs, when the test failed).
func startGalera(t testing.TB) *galera {
	t.Helper()
	mariadbBinaries(t)
	if _, err := os.Stat("/usr/lib/galera/libgalera_smm.so"); err != nil && os.Getenv("GALERA_LIB") == "" {
		t.Skip("Galera is not installed (apt-get install galera-4)")
	}
	if _, err := exec.LookPath("rsync"); err != nil {
		t.Skip("rsync is needed for state transfers (apt-get install rsync)")
	}
	dir, err := os.MkdirTemp("", "pccluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	// The nodes run as the mysql user when the test runs as root: they
	// must be able to reach their directories under this one.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	g := &galera{t: t, dir: dir,
		port:  envPort(t, "POWERCHECK_CLUSTER_TEST_PORT", 6306),
		gport: envPort(t, "POWERCHECK_CLUSTER_TEST_GALERA_PORT", 16567)}
	t.Cleanup(func() {
		if t.Failed() {
			_ = g.script("stop")
			t.Logf("the cluster's data directories and error logs are kept in %s", dir)
			return
		}
		if err := g.script("clean"); err != nil {
			t.Errorf("stop the cluster: %v", err)
		}
		_ = os.RemoveAll(dir)
	})
	start := time.Now()
	if err := g.script("start"); err != nil {
		t.Fatalf("start the cluster: %v", err)
	}
	t.Logf("Galera cluster on ports %d-%d up in %s", g.port, g.port+2, time.Since(start).Round(time.Millisecond))
	return g
}

// script runs scripts/cluster.sh with the cluster's directory and ports.
func (g *galera) script(args ...string) error {
	cmd := exec.Command("bash", append([]string{filepath.Join("..", "..", "scripts", "cluster.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "CLUSTER_DIR="+g.dir, "CLUSTER_PORT="+strconv.Itoa(g.port),
		"CLUSTER_GALERA_PORT="+strconv.Itoa(g.gport))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("cluster.sh %v: %w\n%s", args, err, out)
	}
	g.t.Logf("cluster.sh %v: %s", args, firstLine(out))
	return nil
}

func firstLine(b []byte) string {
	for i, c := range b {
		if c == '\n' {
			return string(b[:i])
		}
	}
	return string(b)
}

// kill kills node n (1..3) with SIGKILL, as a crash would.
func (g *galera) kill(n int) {
	g.t.Helper()
	if err := g.script("kill", strconv.Itoa(n)); err != nil {
		g.t.Fatal(err)
	}
}

// up starts node n again and returns once it has rejoined and is synced.
func (g *galera) up(n int) {
	g.t.Helper()
	if err := g.script("up", strconv.Itoa(n)); err != nil {
		g.t.Fatal(err)
	}
}

// nodeAddr is node n's client address.
func (g *galera) nodeAddr(n int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(g.port+n-1))
}

// serviceDSN is powercheck's DSN of the database powercheck on node n, with
// the parameters in $POWERCHECK_CLUSTER_TEST_DSN_PARAMS when set (e.g.
// wsrep_sync_wait=1, to try a session setting without changing the code).
func (g *galera) serviceDSN(n int) string {
	dsn := fmt.Sprintf("mysql:root@tcp(%s)/powercheck", g.nodeAddr(n))
	if p := os.Getenv("POWERCHECK_CLUSTER_TEST_DSN_PARAMS"); p != "" {
		dsn += "?" + p
	}
	return dsn
}

// open opens database powercheck on node n for the test's own checks. Its
// reads wait until the node has applied every write the cluster committed
// before them (wsrep_sync_wait), so that a count made through one node sees
// the steps stored through the others.
func (g *galera) open(n int) *sql.DB {
	g.t.Helper()
	cfg := mysqldrv.NewConfig()
	cfg.User = "root"
	cfg.Net = "tcp"
	cfg.Addr = g.nodeAddr(n)
	cfg.DBName = "powercheck"
	cfg.ParseTime = true
	cfg.Timeout = 2 * time.Second
	cfg.Params = map[string]string{"wsrep_sync_wait": "1"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { db.Close() })
	return db
}
