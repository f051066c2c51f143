package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

func TestServeRefusesBadSettings(t *testing.T) {
	dsn := sqliteDSNFor(t)
	for _, tc := range []struct {
		args []string
		env  [2]string
		want string // in the error; "" means it starts
	}{
		{args: []string{"--policy-poll", "0", "--recheck-interval", "0", "--sweep-interval", "0"}},
		{args: []string{"--policy-poll", "-1s"}, want: "--policy-poll -1s"},
		{args: []string{"--recheck-interval", "1ns"}, want: "--recheck-interval 1ns"},
		{args: []string{"--sweep-interval", "-5m"}, want: "--sweep-interval -5m0s"},
		{args: []string{"--eval-timeout", "0"}, want: "--eval-timeout 0s"},
		{args: []string{"--max-body", "0"}, want: "--max-body 0"},
		{args: []string{"--drain-timeout", "0"}, want: "--drain-timeout 0s"},
		{env: [2]string{"POWERCHECK_COOKIE_SECURE", "yes please"}, want: "POWERCHECK_COOKIE_SECURE"},
		{env: [2]string{"POWERCHECK_LOG_LEVEL", "loud"}, want: "POWERCHECK_LOG_LEVEL"},
	} {
		t.Run(strings.Join(tc.args, " ")+tc.env[0], func(t *testing.T) {
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			r := runServe(t, io.Discard, append([]string{"--db", dsn}, tc.args...)...)
			base, err := r.started(t, 30*time.Second)
			if base == "" {
				if tc.want == "" || err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one naming %q", err, tc.want)
				}
				return
			}
			if tc.want != "" {
				t.Fatalf("started; want an error naming %q", tc.want)
			}
			r.cancel()
			r.stopped(t, 30*time.Second)
		})
	}
}

// TestServeFailsWhenAJobCannotStart: a checkpoint file that cannot be read
// fails the start, naming the job, and nothing listens.
func TestServeFailsWhenAJobCannotStart(t *testing.T) {
	dir := t.TempDir() // a directory is no checkpoint file
	base, err := runServe(t, io.Discard, "--db", sqliteDSNFor(t), "--audit-checkpoint-file", dir).started(t, 30*time.Second)
	if base != "" {
		t.Fatal("listening; want the start to fail")
	}
	if err == nil || !strings.Contains(err.Error(), "start audit checkpoint") {
		t.Fatalf("serve: %v, want an error naming the audit checkpoint's start", err)
	}
}

// serveRun is `powercheck serve` running in the background on a free port.
type serveRun struct {
	out    *lineWriter
	done   chan error // what run returned
	cancel context.CancelFunc
}

// runServe starts `powercheck serve --addr 127.0.0.1:0` with args, its log
// written to logs; it is stopped when the test ends, if not before.
func runServe(t *testing.T, logs io.Writer, args ...string) *serveRun {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := &serveRun{out: &lineWriter{lines: make(chan string, 100)}, done: make(chan error, 1), cancel: cancel}
	args = append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	go func() { r.done <- run(ctx, args, r.out, logs) }()
	return r
}

// started waits up to within for serve to listen or to return: it returns
// the base URL, or "" and what serve returned.
func (r *serveRun) started(t *testing.T, within time.Duration) (string, error) {
	t.Helper()
	select {
	case base := <-r.out.listening():
		return base, nil
	case err := <-r.done:
		return "", err
	case <-time.After(within):
		t.Fatal("neither started nor failed")
		return "", nil
	}
}

// stopped waits up to within for serve, once cancelled, to return nil.
func (r *serveRun) stopped(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(within):
		t.Fatal("serve did not return")
	}
}

// lineWriter passes what a server prints to a channel, line by line.
type lineWriter struct {
	lines chan string
	buf   strings.Builder
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	for {
		s := w.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		select {
		case w.lines <- s[:i]:
		default:
		}
		w.buf.Reset()
		w.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

// listening yields the base URL once the server listens.
func (w *lineWriter) listening() <-chan string {
	c := make(chan string, 1)
	go func() {
		for l := range w.lines {
			if addr, ok := strings.CutPrefix(l, "listening on "); ok {
				c <- addr
				return
			}
		}
	}()
	return c
}

// TestGracefulShutdown: on the signal, a request in flight finishes and is
// stored, new connections are refused, and serve returns nil; one that does
// not finish within --drain-timeout is cut.
func TestGracefulShutdown(t *testing.T) {
	for _, tc := range []struct {
		name       string
		drain      string
		finishBody bool // the client sends the rest of its body after the signal
	}{
		{"an in-flight step finishes and is stored", "20s", true},
		{"a request still running after the drain time is cut", "500ms", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", apitest.AdminToken)
			dsn := sqliteDSNFor(t)
			srv := runServe(t, io.Discard, "--db", dsn, "--sweep-interval", "50ms", "--drain-timeout", tc.drain)
			base, err := srv.started(t, 30*time.Second)
			if base == "" {
				t.Fatal(err)
			}
			s := &server{Server: &apitest.Server{T: t, Base: base}}
			tok := s.SetupDistrict(t)

			body, _ := json.Marshal(apitest.FirstStep("S-accept", "ZJJ-S-1", "XK-001", "accept", time.Now().Add(-time.Minute).Format(time.RFC3339)))
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			half := len(body) / 2
			fmt.Fprintf(conn, "POST /api/v1/steps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				tok[apitest.ZJJClerk], len(body), body[:half])
			time.Sleep(200 * time.Millisecond) // the request is being read
			start := time.Now()
			srv.cancel()
			time.Sleep(200 * time.Millisecond)
			if c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
				c.Close()
				t.Error("a new connection was accepted after the signal")
			}
			if tc.finishBody {
				if _, err := conn.Write(body[half:]); err != nil {
					t.Fatal(err)
				}
				res, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("the in-flight request got no answer: %v", err)
				}
				res.Body.Close()
				if res.StatusCode != 201 {
					t.Fatalf("in-flight step: %d, want 201", res.StatusCode)
				}
			}
			srv.stopped(t, 30*time.Second)
			if !tc.finishBody && time.Since(start) > 15*time.Second {
				t.Errorf("took %s to cut a stalled request with a 500ms drain", time.Since(start))
			}
			// Stored, or not, as answered: a new server on the same file shows it.
			s2 := startServer(t, dsn)
			r := s2.Do("GET", "/api/v1/cases/ZJJ-S-1", apitest.AdminToken, nil)
			if tc.finishBody && r.Status != 200 {
				t.Errorf("the acknowledged step is not stored: %d %s", r.Status, r.Body)
			}
			if !tc.finishBody && r.Status != 404 {
				t.Errorf("a cut request stored its step: %d", r.Status)
			}
		})
	}
}
