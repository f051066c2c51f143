package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/jobs"
)

// TestEveryKeepsGoing: a run's panic or error is logged and the job runs
// again at the next tick.
func TestEveryKeepsGoing(t *testing.T) {
	ev := &events{}
	g, logs := newGroup(t)
	var mu sync.Mutex
	n := 0
	g.Add(jobs.Every("flaky", 5*time.Millisecond, func(context.Context) error {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch i {
		case 1:
			panic("nil map")
		case 2:
			return errors.New("database is locked")
		}
		ev.add("ran")
		return nil
	}))
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a run after a panic and an error", func() bool { return ev.count("ran") > 0 })
	if err := stopWithin(t, g, 5*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	l := logs.String()
	for _, want := range []string{`msg="background job panicked" job=flaky panic="nil map"`,
		`msg="background job failed" job=flaky error="database is locked"`} {
		if !strings.Contains(l, want) {
			t.Errorf("the log lacks %s:\n%s", want, l)
		}
	}
}

// TestEveryTakesNoNewWorkOnceStopped: no run starts after Stop.
func TestEveryTakesNoNewWorkOnceStopped(t *testing.T) {
	ev := &events{}
	g, _ := newGroup(t)
	g.Add(jobs.Every("tick", time.Millisecond, func(context.Context) error {
		ev.add("run")
		return nil
	}))
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a first run", func() bool { return ev.count("run") > 0 })
	if err := stopWithin(t, g, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	before := ev.count("run")
	time.Sleep(20 * time.Millisecond) // twenty intervals
	if after := ev.count("run"); after != before {
		t.Errorf("%d runs after Stop returned", after-before)
	}
}

// TestEveryOff: an interval of 0 is no job, and the group skips it.
func TestEveryOff(t *testing.T) {
	if c := jobs.Every("off", 0, func(context.Context) error { return nil }); c != nil {
		t.Fatalf("Every with interval 0: %v, want nil", c)
	}
	g, _ := newGroup(t)
	g.Add(jobs.Every("off", 0, func(context.Context) error { return nil }))
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stopWithin(t, g, time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestEveryOnStart: the start hook runs at Start, and its error fails it.
func TestEveryOnStart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		wantErr string
	}{
		{name: "starts", err: nil},
		{name: "fails the start", err: errors.New("permission denied"), wantErr: "start checkpoint: permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			g, _ := newGroup(t)
			g.Add(jobs.Every("checkpoint", time.Hour, func(context.Context) error { return nil },
				jobs.OnStart(func(context.Context) error { ran = true; return tc.err })))
			err := g.Start(context.Background())
			if !ran {
				t.Error("the start hook did not run")
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Errorf("Start: %v, want %q", err, tc.wantErr)
			}
			if err := stopWithin(t, g, time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}
