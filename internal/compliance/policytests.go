package compliance

// Outcomes of one Rego test.
const (
	TestPassed  = "pass"
	TestFailed  = "fail"  // it ran and did not hold
	TestErrored = "error" // it could not be evaluated: a built-in failed, the sandbox or the time limit stopped it
	TestSkipped = "skip"  // a todo_ test
)

// PolicyTestResult is the outcome of one Rego test of the candidate set.
type PolicyTestResult struct {
	Package    string  `json:"package"`
	Module     string  `json:"module"`
	Name       string  `json:"name"`
	Line       int     `json:"line"`
	Status     string  `json:"status"`
	Message    string  `json:"message,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// PolicyTestReport is a run of the Rego tests of what publishing now would
// activate: the newest revision's modules with the drafts laid over them.
type PolicyTestReport struct {
	Revision int64              `json:"revision"` // the revision the drafts were laid over
	Drafts   []string           `json:"drafts"`   // the drafted modules, removals included
	Passed   int                `json:"passed"`
	Failed   int                `json:"failed"` // failed and errored
	Skipped  int                `json:"skipped"`
	Seconds  float64            `json:"seconds"`
	Results  []PolicyTestResult `json:"results"`
}
