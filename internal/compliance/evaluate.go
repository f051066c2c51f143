package compliance

import (
	"context"
	"time"
)

// Events that policies are evaluated for.
const (
	EventStep    = "step"    // a step was submitted
	EventTick    = "tick"    // the deadline sweeper visits an open case
	EventView    = "view"    // a person looks at a case's time
	EventCatalog = "catalog" // an item takes effect, or the catalog is checked
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
	Steps      []Step           // the case's steps before this one, in the order recorded
	Warnings   []Warning        // the case's warnings so far, for follow-up rules
	Approvals  []SignedApproval // the case's signed approvals, as of Now
	Step       *Step            // nil on a tick
	Day        *DayFacts        // patrol_day: the working day being closed
	Patrol     *PatrolFacts     // patrol: the patrol being recorded
	Month      *MonthFacts      // month_close: the month being closed
	Catalog    *CatalogFacts    // catalog: the item's use (input.catalog)
}

// MaxFindings is the most warnings one evaluation may raise (one step, tick,
// patrol day, month close or catalog item). Over it the evaluation fails, so
// a step is stored unchecked with the error rather than lost.
const MaxFindings = 200

// MaxMessageRunes is the longest warning message, in characters; a longer
// one is cut to this length, its last character an ellipsis (…).
const MaxMessageRunes = 2000

// Evaluation is what the policies found, under which revision.
type Evaluation struct {
	Revision int64
	Findings []Finding
	// Notes are built-in errors that made a rule undefined (for example a year
	// missing from the calendar); they are logged, and policies that care
	// raise warnings of their own.
	Notes []string
	// NextCheck is when the case next needs a look by the deadline sweeper
	// (the start of a day in Asia/Shanghai); zero means no timed look.
	NextCheck time.Time
	// Lifts are the case's open pre-warnings that the policies say the
	// facts have overtaken (policies' lifted sets).
	Lifts []Lift
}

// Lift is a pre-warning the policies say to lift, and why (in Chinese).
type Lift struct {
	WarningID int64
	Reason    string
}

// TimeView is what the policies say about a case's time.
type TimeView struct {
	Deadlines   []Deadline   `json:"deadlines"`
	Suspensions []Suspension `json:"suspensions"`
	Extensions  []Extension  `json:"extensions"`
}

// Deadline is one period running on a case: the item's overall limit or a
// step's own. Dates are YYYY-MM-DD in Asia/Shanghai.
type Deadline struct {
	Key               string `json:"key"`
	Name              string `json:"name"`
	Start             string `json:"start"`
	Days              int    `json:"days"`
	Unit              string `json:"unit"`
	ExtensionDays     int    `json:"extension_days"`
	SuspendedDays     int    `json:"suspended_days"`
	Due               string `json:"due"`
	Done              string `json:"done"`
	State             string `json:"state"`
	RemainingWorkdays *int   `json:"remaining_workdays"`
}

// Suspension is a period in which the clock stopped; To is empty while it lasts.
type Suspension struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Extension is an extension step and whether it counts.
type Extension struct {
	StepID   string `json:"step_id"`
	Days     int    `json:"days"`
	Approved bool   `json:"approved"`
	At       string `json:"at"`
}

// Evaluator evaluates the active policy revision. On error the Evaluation
// still names the revision that failed.
type Evaluator interface {
	Evaluate(ctx context.Context, in *Input) (Evaluation, error)
	// View evaluates an EventView input.
	View(ctx context.Context, in *Input) (TimeView, error)
}
