package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/jobs"
)

// events records what components did, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

func (e *events) count(s string) int {
	n := 0
	for _, x := range e.all() {
		if x == s {
			n++
		}
	}
	return n
}

// index is where s first is in the events; -1 when it is not.
func (e *events) index(s string) int { return slices.Index(e.all(), s) }

// comp is a component that records its calls; its Run returns once
// stopped, or what run returns when run is set.
type comp struct {
	name     string
	ev       *events
	startErr error
	run      func(ctx context.Context) error
	finish   bool
	stop     chan struct{}
	once     sync.Once
}

func newComp(name string, ev *events) *comp {
	return &comp{name: name, ev: ev, stop: make(chan struct{})}
}

func (c *comp) Name() string { return c.name }

func (c *comp) Start(context.Context) error {
	c.ev.add("start " + c.name)
	return c.startErr
}

func (c *comp) Run(ctx context.Context) error {
	defer c.ev.add("returned " + c.name)
	if c.run != nil {
		return c.run(ctx)
	}
	select {
	case <-c.stop:
	case <-ctx.Done():
	}
	return nil
}

func (c *comp) Stop(context.Context) error {
	c.ev.add("stop " + c.name)
	c.once.Do(func() { close(c.stop) })
	return nil
}

// finisher is a comp with a Finish.
type finisher struct{ *comp }

func (f finisher) Finish(context.Context) error {
	f.ev.add("finish " + f.name)
	return nil
}

// logBuffer is what a group logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newGroup(t *testing.T, opts ...jobs.Option) (*jobs.Group, *logBuffer) {
	t.Helper()
	lb := &logBuffer{}
	return jobs.New(slog.New(slog.NewTextHandler(lb, nil)), opts...), lb
}

func stopWithin(t *testing.T, g *jobs.Group, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return g.Stop(ctx)
}

// waitFor waits until ok holds, polling; it fails the test after 10 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGroupOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		comps []string
		fail  string   // the component whose Start fails
		want  []string // the events, in order; Runs are checked apart
	}{
		{
			name:  "components start in order and stop in reverse",
			comps: []string{"a", "b", "c"},
			want:  []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"},
		},
		{
			name:  "a failed start stops those started before it, in reverse, and runs none",
			comps: []string{"a", "b", "c"},
			fail:  "b",
			want:  []string{"start a", "start b", "stop a"},
		},
		{
			name:  "the first failing start",
			comps: []string{"a", "b"},
			fail:  "a",
			want:  []string{"start a"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &events{}
			g, _ := newGroup(t)
			for _, name := range tc.comps {
				c := newComp(name, ev)
				if name == tc.fail {
					c.startErr = errors.New("no such file")
				}
				g.Add(c)
			}
			err := g.Start(context.Background())
			if tc.fail != "" {
				if err == nil || !strings.Contains(err.Error(), "start "+tc.fail) {
					t.Fatalf("Start: %v, want an error naming %q", err, tc.fail)
				}
				if err := stopWithin(t, g, time.Second); err != nil {
					t.Errorf("Stop of a group that did not start: %v", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				if err := stopWithin(t, g, 5*time.Second); err != nil {
					t.Fatalf("Stop: %v", err)
				}
			}
			var got []string
			for _, e := range ev.all() {
				if !strings.HasPrefix(e, "returned ") {
					got = append(got, e)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("events %q, want %q", got, tc.want)
			}
			for _, name := range tc.comps {
				want := 1
				if tc.fail != "" {
					want = 0
				}
				if got := ev.count("returned " + name); got != want {
					t.Errorf("%s ran and returned %d times, want %d", name, got, want)
				}
			}
		})
	}
}

// TestGroupStopJoins: once Stop returns, every Run returned, and the
// Finishers ran after the last of them, in the reverse order.
func TestGroupStopJoins(t *testing.T) {
	ev := &events{}
	g, _ := newGroup(t)
	slow := newComp("slow", ev)
	slow.run = func(context.Context) error {
		<-slow.stop
		time.Sleep(50 * time.Millisecond) // the work in hand finishes
		ev.add("slow done")
		return nil
	}
	g.Add(finisher{newComp("first", ev)}, slow, finisher{newComp("last", ev)})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stopWithin(t, g, 5*time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	got := ev.all()
	for _, name := range []string{"first", "slow", "last"} {
		if ev.count("returned "+name) != 1 {
			t.Errorf("%s did not return before Stop did: %q", name, got)
		}
	}
	finishFirst, finishLast := ev.index("finish first"), ev.index("finish last")
	if finishLast < 0 || finishFirst < finishLast {
		t.Errorf("finish last at %d, finish first at %d, want last's first: %q", finishLast, finishFirst, got)
	}
	for _, e := range []string{"slow done", "returned first", "returned slow", "returned last"} {
		if i := ev.index(e); i > finishLast {
			t.Errorf("%q at %d, after a Finish at %d: %q", e, i, finishLast, got)
		}
	}
	if ev.count("slow done") != 1 {
		t.Errorf("the work in hand was not let finish: %q", got)
	}
}

// TestGroupCutsAtTheDeadline: a job still running when the drain time is up
// is cut, and the job that runs at stop runs after it returned.
func TestGroupCutsAtTheDeadline(t *testing.T) {
	ev := &events{}
	g, logs := newGroup(t)
	started := make(chan struct{})
	var once sync.Once
	g.Add(
		jobs.Every("stuck", 5*time.Millisecond, func(ctx context.Context) error {
			once.Do(func() { close(started) })
			<-ctx.Done() // a job that finishes only when cut
			ev.add("cut")
			return ctx.Err()
		}),
		jobs.Every("checkpoint", time.Hour, func(ctx context.Context) error {
			if ctx.Err() != nil {
				ev.add("checkpoint with a dead context")
			}
			ev.add("checkpoint")
			return nil
		}, jobs.AtStop()),
	)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := stopWithin(t, g, 100*time.Millisecond); err != nil {
		t.Fatalf("Stop: %v, want nil (a cut job is no failure)", err)
	}
	if got, want := ev.all(), []string{"cut", "checkpoint"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if l := logs.String(); !strings.Contains(l, "drain time was up; cut") || !strings.Contains(l, "running=[stuck]") {
		t.Errorf("the cut is not logged with the job's name:\n%s", l)
	}
	if l := logs.String(); strings.Contains(l, "background job failed") {
		t.Errorf("a job cut short is logged as failed:\n%s", l)
	}
}

// TestGroupGivesUpOnAJobThatIgnoresTheCut: Stop returns after the cut grace
// even when a job does not return, and the at-stop jobs still run.
func TestGroupGivesUpOnAJobThatIgnoresTheCut(t *testing.T) {
	ev := &events{}
	g, logs := newGroup(t, jobs.WithCutGrace(50*time.Millisecond))
	release := make(chan struct{})
	defer close(release)
	deaf := newComp("deaf", ev)
	deaf.run = func(context.Context) error {
		<-release
		return nil
	}
	g.Add(deaf, finisher{newComp("last", ev)})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stopWithin(t, g, 50*time.Millisecond); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if ev.count("finish last") != 1 {
		t.Errorf("the at-stop job did not run: %q", ev.all())
	}
	if l := logs.String(); !strings.Contains(l, "still running after they were cut") {
		t.Errorf("giving up is not logged:\n%s", l)
	}
}

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

// TestGroupFailure: a component whose Run fails (or panics) ends Done, the
// others are cut, and Stop returns the error naming it.
func TestGroupFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(context.Context) error
		want string
	}{
		{"an error", func(context.Context) error { return errors.New("address already in use") }, "http: address already in use"},
		{"a panic", func(context.Context) error { panic("boom") }, "http: panic: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &events{}
			g, _ := newGroup(t)
			other := newComp("other", ev)
			other.run = func(ctx context.Context) error {
				<-ctx.Done()
				ev.add("other cut")
				return nil
			}
			failing := newComp("http", ev)
			failing.run = tc.run
			g.Add(other, failing)
			if err := g.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-g.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("Done not closed after a component failed")
			}
			err := stopWithin(t, g, 5*time.Second)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Stop: %v, want %q", err, tc.want)
			}
			if ev.count("other cut") != 1 {
				t.Errorf("the other component was not cut: %q", ev.all())
			}
		})
	}
}
