//go:build chaos

package chaos_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// mariaDB is a MariaDB server of the test's own: its own data directory and
// port, started, killed and restarted by the test. The machine's shared
// server is never touched.
type mariaDB struct {
	t      testing.TB
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
}

// startMariaDB initialises a fresh data directory and starts a server on a
// free port; the server is killed when the test ends.
func startMariaDB(t testing.TB) *mariaDB {
	t.Helper()
	_, install := mariadbBinaries(t)
	dir, err := os.MkdirTemp("", "pcchaos-db-")
	if err != nil {
		t.Fatal(err)
	}
	m := &mariaDB{t: t, dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		m.kill()
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		} else {
			t.Logf("MariaDB data directory and error log kept in %s", dir)
		}
	})
	args := []string{"--no-defaults", "--datadir=" + m.datadir(), "--auth-root-authentication-method=normal",
		"--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	out, err := exec.Command(install, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", install, err, out)
	}
	m.start()
	return m
}

func (m *mariaDB) datadir() string { return filepath.Join(m.dir, "data") }

// start launches mariadbd on the data directory and port and returns once it
// accepts connections.
func (m *mariaDB) start() {
	m.t.Helper()
	server, _ := mariadbBinaries(m.t)
	args := []string{"--no-defaults", "--datadir=" + m.datadir(), "--port=" + strconv.Itoa(m.port),
		"--bind-address=127.0.0.1", "--socket=" + filepath.Join(m.dir, "sock"),
		"--pid-file=" + filepath.Join(m.dir, "pid"), "--log-error=" + filepath.Join(m.dir, "error.log"),
		"--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--max-connections=400",
		// Durable commits, as in production: an acknowledged write must
		// survive the kill.
		"--innodb-flush-log-at-trx-commit=1"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(server, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start mariadbd: %v", err)
	}
	m.cmd, m.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(m.exited)
	if err := m.waitUp(90 * time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
		m.t.Fatalf("mariadbd did not come up: %v\n%s", err, log)
	}
}

// waitUp polls until the server answers a query.
func (m *mariaDB) waitUp(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := m.ping()
		if err == nil {
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("mariadbd exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *mariaDB) ping() error {
	db, err := sql.Open("mysql", m.dsn(""))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// kill sends SIGKILL, as a crash would, and waits for the process to be gone.
func (m *mariaDB) kill() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	if !signalAndWait(m.cmd.Process, m.exited, syscall.SIGKILL, 30*time.Second) {
		m.t.Errorf("mariadbd %d did not die on SIGKILL", m.cmd.Process.Pid)
	}
}

// dsn is a go-sql-driver DSN of database db ("" for none) as root.
func (m *mariaDB) dsn(db string) string {
	cfg := mysqldrv.NewConfig()
	cfg.User = "root"
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(m.port))
	cfg.DBName = db
	cfg.ParseTime = true
	cfg.Timeout = 2 * time.Second
	return cfg.FormatDSN()
}

// createDatabase creates database name and returns powercheck's DSN of it.
func (m *mariaDB) createDatabase(name string) string {
	m.t.Helper()
	db := m.open("")
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		m.t.Fatalf("create database %s: %v", name, err)
	}
	// The service gets a plain DSN: its own settings (timeouts, pool) are
	// what is under test.
	return fmt.Sprintf("mysql:root@tcp(127.0.0.1:%d)/%s", m.port, name)
}

// open opens database name for the test's own checks.
func (m *mariaDB) open(name string) *sql.DB {
	m.t.Helper()
	db, err := sql.Open("mysql", m.dsn(name))
	if err != nil {
		m.t.Fatal(err)
	}
	return db
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// signal sends sig to the server (SIGSTOP freezes it: connections stay open
// and nothing is answered, as in a network partition; SIGCONT thaws it).
func (m *mariaDB) signal(sig syscall.Signal) {
	m.t.Helper()
	if err := m.cmd.Process.Signal(sig); err != nil {
		m.t.Fatalf("signal mariadbd: %v", err)
	}
}
