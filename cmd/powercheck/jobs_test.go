package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestServeFailsWhenAJobCannotStart: a checkpoint file that cannot be read
// fails the start, naming the job, and nothing listens.
func TestServeFailsWhenAJobCannotStart(t *testing.T) {
	dir := t.TempDir() // a directory is no checkpoint file
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{lines: make(chan string, 100)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", sqliteDSNFor(t),
			"--audit-checkpoint-file", dir}, out, io.Discard)
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "start audit checkpoint") {
			t.Fatalf("serve: %v, want an error naming the audit checkpoint's start", err)
		}
	case <-out.listening():
		t.Fatal("listening; want the start to fail")
	case <-time.After(30 * time.Second):
		t.Fatal("neither started nor failed")
	}
}
