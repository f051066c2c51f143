package jobs

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// EveryOption sets up a periodic job.
type EveryOption func(*periodic)

// OnStart has the job's Start call start: a job that cannot start fails
// the start of the service.
func OnStart(start func(ctx context.Context) error) EveryOption {
	return func(p *periodic) { p.start = start }
}

// AtStop runs the job once more at shutdown, after every component
// returned, so that it sees every change the others made.
func AtStop() EveryOption { return func(p *periodic) { p.atStop = true } }

// Every returns a component that runs job every interval, the first time
// one interval after the start; nil when interval is 0 or less (the job is
// off). A run's error or panic is logged and the job runs again at the next
// tick: one failed run does not stop the service. A run in hand when the
// job is stopped goes on until the group cuts it.
func Every(name string, interval time.Duration, job func(ctx context.Context) error, opts ...EveryOption) Component {
	if interval <= 0 {
		return nil
	}
	p := &periodic{name: name, interval: interval, job: job, log: slog.Default(), stop: make(chan struct{})}
	for _, o := range opts {
		o(p)
	}
	return p
}

type periodic struct {
	name     string
	interval time.Duration
	job      func(ctx context.Context) error
	start    func(ctx context.Context) error
	atStop   bool
	log      *slog.Logger // the group's

	stop     chan struct{}
	stopOnce sync.Once
}

func (p *periodic) Name() string { return p.name }

func (p *periodic) useLog(log *slog.Logger) { p.log = log }

func (p *periodic) Start(ctx context.Context) error {
	if p.start == nil {
		return nil
	}
	return p.start(ctx)
}

func (p *periodic) Run(ctx context.Context) error {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return nil
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// A tick and Stop may come together: the select picks either.
		select {
		case <-p.stop:
			return nil
		default:
		}
		if err := p.once(ctx); err != nil && (ctx.Err() == nil || isPanic(err)) {
			logFailure(p.log, p.name, err) // a failure cut short is no failure
		}
	}
}

func (p *periodic) Stop(context.Context) error {
	p.stopOnce.Do(func() { close(p.stop) })
	return nil
}

// Finish runs the job once more when AtStop asked for it.
func (p *periodic) Finish(ctx context.Context) error {
	if !p.atStop {
		return nil
	}
	return p.once(ctx)
}

// once runs the job, its panic turned into a *PanicError.
func (p *periodic) once(ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return p.job(ctx)
}
