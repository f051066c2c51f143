// Package jobs runs the service's background work as components: each is
// started in the order it was added, run under one errgroup, asked to stop
// in the reverse order and joined, so that the store is closed only once
// nothing uses it any more.
//
// Stopping has two steps. Stop asks every component to take no new work;
// the work in hand may finish until the context given to Group.Stop ends
// (the drain time). What is still running then is cut: the context every
// Run got ends. Once every Run returned, the Finish of each Finisher runs,
// so that a last piece of work (an audit checkpoint) sees every change.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Component is a part of the service that works in the background.
type Component interface {
	// Name names the component in logs.
	Name() string
	// Start readies the component before any component runs; an error
	// fails the start of the service.
	Start(ctx context.Context) error
	// Run does the component's work until Stop is called, and returns
	// once the work in hand is done. ctx ends when that work is to be
	// cut: the drain time is up, or another component failed. An error
	// fails the group, which cuts the other components.
	Run(ctx context.Context) error
	// Stop asks Run to take no new work and return; it does not wait for
	// that. ctx ends when the drain time is up.
	Stop(ctx context.Context) error
}

// Finisher is a component with work to do once more at shutdown, after
// every component's Run returned.
type Finisher interface {
	Finish(ctx context.Context) error
}

// Default times of a group; see WithCutGrace and WithFinishTimeout.
const (
	DefaultCutGrace      = 10 * time.Second
	DefaultFinishTimeout = 10 * time.Second
)

// Group starts, runs, stops and joins components.
type Group struct {
	log           *slog.Logger
	cutGrace      time.Duration
	finishTimeout time.Duration
	components    []Component

	started bool
	cut     context.CancelFunc
	failed  <-chan struct{} // the errgroup's context: ends on the first error
	done    chan struct{}   // closed once every Run returned
	err     error           // the first Run error; read only once done is closed

	mu      sync.Mutex
	running map[string]int // name → Runs not yet returned
}

// Option sets up a Group.
type Option func(*Group)

// WithCutGrace sets how long Stop waits for the components it cut to
// return before it finishes without them.
func WithCutGrace(d time.Duration) Option { return func(g *Group) { g.cutGrace = d } }

// WithFinishTimeout sets the time limit of each Finish.
func WithFinishTimeout(d time.Duration) Option { return func(g *Group) { g.finishTimeout = d } }

// New returns an empty group that logs to log (nil: slog.Default()).
func New(log *slog.Logger, opts ...Option) *Group {
	if log == nil {
		log = slog.Default()
	}
	g := &Group{log: log, cutGrace: DefaultCutGrace, finishTimeout: DefaultFinishTimeout, running: map[string]int{}}
	for _, o := range opts {
		o(g)
	}
	return g
}

// Add appends components, in the order they start. A nil component is
// skipped, so that a job its flag turned off can be declared all the same.
// Add panics once the group started.
func (g *Group) Add(cs ...Component) {
	if g.started {
		panic("jobs: Add after Start")
	}
	for _, c := range cs {
		if c == nil {
			continue
		}
		if l, ok := c.(interface{ useLog(*slog.Logger) }); ok {
			l.useLog(g.log)
		}
		g.components = append(g.components, c)
	}
}

// Start starts the components one after the other, then runs each in a
// goroutine of one errgroup. When a Start fails, the components started
// before it are stopped, in the reverse order, none runs, and the error,
// naming the component, is returned.
func (g *Group) Start(ctx context.Context) error {
	if g.started {
		return errors.New("jobs: group started twice")
	}
	g.started = true
	for i, c := range g.components {
		if err := c.Start(ctx); err != nil {
			for _, s := range slices.Backward(g.components[:i]) {
				if err := s.Stop(ctx); err != nil {
					g.log.Warn("background component not stopped", "component", s.Name(), "error", err)
				}
			}
			return fmt.Errorf("start %s: %w", c.Name(), err)
		}
	}
	// The work outlives ctx (the signal to shut down): it is cut only
	// when the drain time is up.
	work, cut := context.WithCancel(context.WithoutCancel(ctx))
	eg, egCtx := errgroup.WithContext(work)
	g.cut, g.failed, g.done = cut, egCtx.Done(), make(chan struct{})
	for _, c := range g.components {
		g.mark(c.Name(), 1)
		eg.Go(func() error {
			defer g.mark(c.Name(), -1)
			err := g.run(egCtx, c)
			if errors.Is(err, context.Canceled) && work.Err() != nil {
				return nil // cut by Stop, as asked
			}
			return err
		})
	}
	go func() {
		g.err = eg.Wait()
		close(g.done)
	}()
	return nil
}

// run runs c; a panic is its error, so that it stops the service in order
// rather than killing it with the store open.
func (g *Group) run(ctx context.Context, c Component) (err error) {
	defer func() {
		if v := recover(); v != nil {
			p := &PanicError{Value: v, Stack: debug.Stack()}
			logFailure(g.log, c.Name(), p)
			err = p
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", c.Name(), err)
		}
	}()
	return c.Run(ctx)
}

// Done is closed once a component failed or every Run returned.
func (g *Group) Done() <-chan struct{} {
	if g.failed == nil {
		return nil // not started: never
	}
	return g.failed
}

// Stop asks every component to stop, in the reverse order of their start,
// and waits for their Runs until ctx ends; then it cuts them and waits at
// most the cut grace more. It then runs the Finish of every Finisher, in
// the reverse order too, each within the finish timeout, and returns the
// first error a Run returned. A group that did not start stops at once.
func (g *Group) Stop(ctx context.Context) error {
	if g.done == nil {
		return nil
	}
	for _, c := range slices.Backward(g.components) {
		if err := c.Stop(ctx); err != nil {
			g.log.Warn("background component not stopped", "component", c.Name(), "error", err)
		}
	}
	joined := true
	select {
	case <-g.done:
	case <-ctx.Done():
		g.log.Warn("background jobs still running when the drain time was up; cut", "running", g.stillRunning())
		g.cut()
		t := time.NewTimer(g.cutGrace)
		select {
		case <-g.done:
		case <-t.C:
			joined = false
			g.log.Error("background jobs still running after they were cut; finishing without them", "running", g.stillRunning())
		}
		t.Stop()
	}
	g.cut()
	for _, c := range slices.Backward(g.components) {
		f, ok := c.(Finisher)
		if !ok {
			continue
		}
		fctx, cancel := context.WithTimeout(context.Background(), g.finishTimeout)
		if err := f.Finish(fctx); err != nil {
			logFailure(g.log, c.Name(), err)
		}
		cancel()
	}
	if !joined {
		return nil
	}
	return g.err
}

func (g *Group) mark(name string, d int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[name] += d; g.running[name] <= 0 {
		delete(g.running, name)
	}
}

// stillRunning names the components whose Run has not returned.
func (g *Group) stillRunning() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var names []string
	for _, c := range g.components {
		if g.running[c.Name()] > 0 && !slices.Contains(names, c.Name()) {
			names = append(names, c.Name())
		}
	}
	return names
}

// PanicError is a panic turned into an error, with the stack it was
// raised on.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func isPanic(err error) bool {
	_, ok := errors.AsType[*PanicError](err)
	return ok
}

// logFailure logs a job's error: a panic at Error with its stack, any
// other at Warn (the job runs again at its next tick).
func logFailure(log *slog.Logger, name string, err error) {
	if p, ok := errors.AsType[*PanicError](err); ok {
		log.Error("background job panicked", "job", name, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
		return
	}
	log.Warn("background job failed", "job", name, "error", err)
}
