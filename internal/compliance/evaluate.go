package compliance

import (
	"context"
	"time"
)

// Events that policies are evaluated for.
const (
	EventStep = "step" // a step was submitted
	EventTick = "tick" // the deadline sweeper visits an open case
)

// Input is the facts of one evaluation. Policies see it as the input document:
// input.event, input.now, input.department, input.item, input.case (with its
// earlier steps) and input.step.
type Input struct {
	Event      string
	Now        time.Time
	Department Department
	Item       *PowerItem
	Case       *Case
	Steps      []Step // the case's steps before this one, in order of occurrence
	Step       *Step  // nil on a tick
}

// Evaluation is what the policies found, under which revision.
type Evaluation struct {
	Revision int64
	Findings []Finding
	// Notes are built-in errors that made a rule undefined (for example a year
	// missing from the calendar); they are logged, and policies that care
	// raise warnings of their own.
	Notes []string
}

// Evaluator evaluates the active policy revision. On error the Evaluation
// still names the revision that failed.
type Evaluator interface {
	Evaluate(ctx context.Context, in *Input) (Evaluation, error)
}
