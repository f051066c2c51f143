package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"powercheck/internal/session"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// Every test creates accounts and signs in; at the production cost the
// hashing alone is a sixth of the suite's CPU. The hashes record their cost,
// so nothing else changes. internal/session tests the production cost.
func init() { session.UseTestParams() }

const adminToken = "test-admin-token-0123456789abcdef" // 32+ characters: serve refuses a shorter one outside demo mode

// server is a real powercheck serve process, in-process, on a free port.
type server struct {
	t       testing.TB
	base    string
	metrics string // the metrics' URL, when started with --metrics-addr
}

// startServer boots the real wiring on 127.0.0.1:0 against dsn.
func startServer(t testing.TB, dsn string, extra ...string) *server {
	t.Helper()
	return startServerLogging(t, dsn, io.Discard, extra...)
}

// startServerLogging is startServer with the server's log written to logs.
func startServerLogging(t testing.TB, dsn string, logs io.Writer, extra ...string) *server {
	t.Helper()
	if os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN") != adminToken {
		// A serial test that set another token; parallel tests find
		// adminToken, set once for the process by TestMain.
		t.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", adminToken)
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
			watchContract(t, addr)
			return &server{t: t, base: addr, metrics: metrics}
		}
	}
	t.Fatalf("server did not start: %v", lines.Err())
	return nil
}

// shareBootstrapToken gives every server of this process adminToken: serve
// reads it from the environment, which a parallel test may not set for
// itself. A test that needs another token sets it with t.Setenv and runs
// serially, before the parallel tests start. A child process of a test
// keeps the token its parent gave it.
func shareBootstrapToken() {
	if os.Getenv("POWERCHECK_TEST_MAIN_DB") == "" {
		_ = os.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", adminToken)
	}
}

// eachDriver runs f on SQLite and, when configured, MySQL, each on a fresh database.
func eachDriver(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) { f(t, d.DSN(t)) })
	}
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

var requestIDField = regexp.MustCompile(`,"request_id":"[^"]*"`)

// withoutRequestID is the body without an error body's request id, which
// is new on every answer.
func (r response) withoutRequestID() string {
	return requestIDField.ReplaceAllString(string(r.Body), "")
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
	res, err := http.DefaultClient.Do(req)
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
