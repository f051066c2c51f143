package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

func TestBootstrapTokenLength(t *testing.T) {
	t.Run("the rule", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			token string
			demo  bool
			ok    bool
		}{
			{"unset: one is generated", "", false, true},
			{"31 characters", strings.Repeat("a", 31), false, false},
			{"32 characters", strings.Repeat("a", 32), false, true},
			{"31 characters of 3 bytes each", strings.Repeat("令", 31), false, false},
			{"a short one in demo mode", "demo-admin", true, true},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := checkBootstrapToken(tt.token, tt.demo); (err == nil) != tt.ok {
					t.Errorf("checkBootstrapToken(%q, %v) = %v, want ok %v", tt.token, tt.demo, err, tt.ok)
				}
			})
		}
	})

	for _, tt := range []struct {
		name  string
		token string
		args  []string
		want  string // the error's words; "" when serve starts
	}{
		{"a short token outside demo mode is refused before anything is opened", "test-admin-token", nil, "POWERCHECK_BOOTSTRAP_TOKEN has 16 characters"},
		{"31 characters are refused", strings.Repeat("x", 31), nil, "at least 32"},
		{"32 characters are accepted", strings.Repeat("x", 32), nil, ""},
		{"a short token is accepted in demo mode", "demo-admin", []string{"--demo"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", tt.token)
			dbPath := filepath.Join(t.TempDir(), "powercheck.db")
			r := runServe(t, io.Discard, append([]string{"--db", "sqlite:" + dbPath, "--sweep-interval", "0"}, tt.args...)...)
			base, err := r.started(t, 60*time.Second)
			if base == "" {
				if tt.want == "" || err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want one saying %q", err, tt.want)
				}
				if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the database was created (%v); want it left alone", err)
				}
				return
			}
			if tt.want != "" {
				t.Fatalf("started; want an error saying %q", tt.want)
			}
			s := &server{Server: &apitest.Server{T: t, Base: base}}
			s.Must(200, "GET", "/api/v1/me", tt.token, nil)
			r.cancel()
			r.stopped(t, 60*time.Second)
		})
	}
}

// TestBootstrapTokenRefusedByTheCommand runs the command itself: a short
// bootstrap token outside demo mode is named on stderr and exits non-zero.
func TestBootstrapTokenRefusedByTheCommand(t *testing.T) {
	if db := os.Getenv("POWERCHECK_TEST_MAIN_DB"); db != "" {
		os.Args = []string{"powercheck", "serve", "--addr", "127.0.0.1:0", "--db", db}
		main()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbPath := filepath.Join(t.TempDir(), "powercheck.db")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBootstrapTokenRefusedByTheCommand$")
	cmd.Env = append(os.Environ(), "POWERCHECK_TEST_MAIN_DB=sqlite:"+dbPath, "POWERCHECK_BOOTSTRAP_TOKEN=test-admin-token")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; stderr %s", err, stderr.String())
	}
	if want := "powercheck: POWERCHECK_BOOTSTRAP_TOKEN has 16 characters; outside demo mode it needs at least 32"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to say %q", stderr.String(), want)
	}
}
