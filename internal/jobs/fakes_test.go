package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
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
