package compliance

import (
	"context"
	"fmt"
	"time"
)

// UncheckedStep is a step whose evaluation failed, with where its re-checks
// stand.
type UncheckedStep struct {
	Step           Step
	DepartmentCode string
	// Attempts counts its failed re-checks under the policy revision it
	// last failed under; the failure when it was submitted is not one.
	Attempts int
	// NextRecheckAt is when it is re-checked next; nil: in the next round.
	NextRecheckAt *time.Time
}

// RecheckFailure is the outcome of a failed re-check: the step stays
// unchecked, with the new error, until Next.
type RecheckFailure struct {
	DepartmentCode string // the step's: step ids are unique within a department
	StepID         string
	Error          string
	Revision       int64 // the policy revision it failed under
	Attempts       int   // failed re-checks so far, this one included
	Next           time.Time
}

// revisioner is an Evaluator that tells which policy revision it
// evaluates (the policy engine does).
type revisioner interface{ Revision() int64 }

// First and longest waits between two re-checks of a step that keeps
// failing. The longest bounds how late a fix (a new policy revision, a
// calendar year) catches up with a step that failed many times.
const (
	recheckBackoffMin = time.Minute
	recheckBackoffMax = time.Hour
)

// recheckBackoff is how long a step waits after its n-th failed re-check
// (n ≥ 1): a minute, doubling, at most an hour.
func recheckBackoff(n int) time.Duration {
	d := recheckBackoffMin
	for i := 1; i < n && d < recheckBackoffMax; i++ {
		d *= 2
	}
	return min(d, recheckBackoffMax)
}

// Recheck re-evaluates up to limit steps whose evaluation failed and whose
// re-check is due, each as of the moment it was recorded. A step that fails
// again is put back, for longer each time, so that steps that fail for good
// never hold up the others; it stays unchecked, with its error. It returns
// how many are now checked.
//
// A new policy revision may be the fix: once one is active, every step that
// failed under another is due at once, its count of failures started anew.
func (s *Cases) Recheck(ctx context.Context, limit int) (int, error) {
	now := s.now()
	if r, ok := s.eval.(revisioner); ok {
		if rev := r.Revision(); rev != 0 && s.recheckRevision.Load() != rev {
			n, err := s.store.ResetRechecks(ctx, rev)
			if err != nil {
				return 0, err
			}
			s.recheckRevision.Store(rev)
			if n > 0 {
				s.log.InfoContext(ctx, "policy revision changed; failed steps are re-checked at once", "revision", rev, "steps", n)
			}
		}
	}
	due, err := s.store.DueRechecks(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, u := range due {
		f, err := s.recheck(ctx, u)
		switch {
		case err != nil && (ClassOf(err) == ClassUnavailable || ctx.Err() != nil):
			return done, err
		case err != nil:
			// What the step needs cannot be read (its item version, say):
			// that is this step's failure, not the round's.
			f = RecheckFailure{StepID: u.Step.ID, Error: err.Error(), Revision: u.Step.PolicyRevision}
		case f.Error == "":
			done++
			continue
		}
		f.DepartmentCode = u.DepartmentCode
		f.Attempts = u.Attempts + 1
		if f.Revision != u.Step.PolicyRevision {
			f.Attempts = 1 // the first failure under this revision
		}
		f.Next = now.Add(recheckBackoff(f.Attempts)).UTC()
		if err := s.store.DeferRecheck(ctx, f); err != nil {
			return done, err
		}
		s.log.WarnContext(ctx, "re-check failed; step stays unchecked", "step", f.StepID, "revision", f.Revision,
			"attempts", f.Attempts, "next", f.Next, "error", f.Error)
	}
	return done, nil
}

// recheck evaluates one unchecked step again and stores the outcome when
// it is checked. When the evaluation fails again, f says how (f.Error is
// empty when the step is now checked).
func (s *Cases) recheck(ctx context.Context, u UncheckedStep) (f RecheckFailure, err error) {
	st := u.Step
	c, err := s.store.Case(ctx, st.CaseNo)
	if err != nil {
		return f, fmt.Errorf("case %s of step %s: %w", st.CaseNo, st.ID, err)
	}
	item, dept, err := s.heldTo(ctx, c)
	if err != nil {
		return f, err
	}
	all, err := s.store.CaseSteps(ctx, c.CaseNo)
	if err != nil {
		return f, err
	}
	var earlier []Step
	for _, e := range all {
		if e.ID == st.ID {
			break
		}
		earlier = append(earlier, e)
	}
	signed, err := signedApprovals(ctx, s.store, c.CaseNo, st.RecordedAt)
	if err != nil {
		return f, err
	}
	step := st
	in := &Input{Event: EventStep, Now: st.RecordedAt, Department: dept, Item: item, Case: &c, Steps: earlier, Approvals: signed, Step: &step}
	ev := s.evaluate(ctx, in, &step)
	if step.CheckStatus != CheckChecked {
		return RecheckFailure{StepID: st.ID, Error: step.CheckError, Revision: step.PolicyRevision}, nil
	}
	rec := StepRecord{Case: c, Step: step, Findings: ev.Findings}
	if _, err := s.store.RecordRecheck(ctx, rec, respond(&rec)); err != nil {
		return f, err
	}
	return f, nil
}

// CountUnchecked returns how many steps wait for a re-check.
func (s *Cases) CountUnchecked(ctx context.Context) (int64, error) {
	return s.store.CountUnchecked(ctx)
}

// UncheckedSteps lists up to limit steps that wait for a re-check, oldest
// first, each with its error and when it is tried next.
func (s *Cases) UncheckedSteps(ctx context.Context, limit int) ([]UncheckedStep, error) {
	return s.store.UncheckedSteps(ctx, limit)
}
