package compliance

import (
	"context"
	"time"
)

// Observer is told what the service evaluated and stored, for metrics. Its
// methods are called on the hot path and from several goroutines: they must
// be cheap and safe for concurrent use.
type Observer interface {
	// Evaluated: one evaluation of event under revision took d; failed
	// tells that it returned an error.
	Evaluated(event string, revision int64, d time.Duration, failed bool)
	// WarningStored: a warning of rule family at level was stored.
	WarningStored(family, level string)
	// StepUnchecked: a step was stored unchecked, its evaluation failed.
	StepUnchecked()
	// Swept: a deadline sweep ended (err non-nil: it stopped early).
	Swept(res SweepResult, d time.Duration, err error)
}

// observedEvaluator times every evaluation for the observer.
type observedEvaluator struct {
	Evaluator
	o Observer
}

func (e observedEvaluator) Evaluate(ctx context.Context, in *Input) (Evaluation, error) {
	start := time.Now()
	ev, err := e.Evaluator.Evaluate(ctx, in)
	e.o.Evaluated(in.Event, ev.Revision, time.Since(start), err != nil)
	return ev, err
}

// Revision is the wrapped evaluator's active revision; 0 when it does not
// tell (see Recheck).
func (e observedEvaluator) Revision() int64 {
	if r, ok := e.Evaluator.(revisioner); ok {
		return r.Revision()
	}
	return 0
}

// observeStep tells the observer of a stored step: unchecked, and its warnings.
func (s *Core) observeStep(res StepResult) {
	if s.observer == nil {
		return
	}
	if res.CheckStatus == CheckUnchecked {
		s.observer.StepUnchecked()
	}
	for _, w := range res.Warnings {
		s.observer.WarningStored(RuleFamily(w.Rule), w.Level)
	}
}

// observeFindings tells the observer of findings stored as warnings.
func (s *Core) observeFindings(fs []Finding) {
	if s.observer == nil {
		return
	}
	for _, f := range fs {
		s.observer.WarningStored(f.Family(), f.Level)
	}
}
