package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Every test creates accounts and signs in; at the production cost the
// hashing alone is a sixth of the suite's CPU. The hashes record their cost,
// so nothing else changes. internal/session tests the production cost.
func init() { session.UseTestParams() }

// server is a real powercheck serve process, in-process, on a free port.
type server struct {
	*apitest.Server
	dsn     string // the database it serves
	metrics string // the metrics' URL, when started with --metrics-addr
}

// startServer boots the real wiring on 127.0.0.1:0 against dsn.
func startServer(t testing.TB, dsn string, extra ...string) *server {
	t.Helper()
	return startServerLogging(t, dsn, io.Discard, extra...)
}

// startDistrict starts a server as startServer does and sets up the test
// district on it; it returns the server and the district's tokens.
func startDistrict(t *testing.T, dsn string, extra ...string) (*server, map[string]string) {
	t.Helper()
	s := startServer(t, dsn, extra...)
	return s, s.SetupDistrict(t)
}

// eachDistrict runs fn in parallel on every test database, each time against
// a server started with flags and the test district set up on it.
func eachDistrict(t *testing.T, flags []string, fn func(t *testing.T, s *server, tok map[string]string)) {
	t.Helper()
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn, flags...)
		fn(t, s, tok)
	})
}

// startServerLogging is startServer with the server's log written to logs.
func startServerLogging(t testing.TB, dsn string, logs io.Writer, extra ...string) *server {
	t.Helper()
	if os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN") != apitest.AdminToken {
		// A serial test that set another token; parallel tests find
		// apitest.AdminToken, set once for the process by TestMain.
		t.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", apitest.AdminToken)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, extra...)
	go func() {
		err := run(ctx, args, pw, logs)
		pw.CloseWithError(fmt.Errorf("server stopped: %v", err))
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("server did not stop")
		}
	})
	lines := bufio.NewScanner(pr)
	var metrics string
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "metrics on "); ok {
			metrics = u
		}
		if addr, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			apitest.WatchContract(t, addr)
			return &server{Server: &apitest.Server{T: t, Base: addr}, dsn: dsn, metrics: metrics}
		}
	}
	t.Fatalf("server did not start: %v", lines.Err())
	return nil
}

// shareBootstrapToken gives every server of this process apitest.AdminToken: serve
// reads it from the environment, which a parallel test may not set for
// itself. A test that needs another token sets it with t.Setenv and runs
// serially, before the parallel tests start. A child process of a test
// keeps the token its parent gave it.
func shareBootstrapToken() {
	if os.Getenv("POWERCHECK_TEST_MAIN_DB") == "" {
		_ = os.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", apitest.AdminToken)
	}
}
