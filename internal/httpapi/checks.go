package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// uncheckedListed is how many of the oldest unchecked steps the answer of
// GET /checks/unchecked lists, with their errors.
const uncheckedListed = 100

// uncheckedStep is a step waiting for a re-check, as GET /checks/unchecked
// lists it.
type uncheckedStep struct {
	StepID          string     `json:"step_id"`
	CaseNo          string     `json:"case_no"`
	DepartmentCode  string     `json:"department_code"`
	StepCode        string     `json:"step_code"`
	RecordedAt      time.Time  `json:"recorded_at"`
	PolicyRevision  int64      `json:"policy_revision"`
	CheckError      string     `json:"check_error"`
	RecheckAttempts int        `json:"recheck_attempts"`
	NextRecheckAt   *time.Time `json:"next_recheck_at"` // null: in the next round
}

func toUncheckedStep(u compliance.UncheckedStep) uncheckedStep {
	return uncheckedStep{StepID: u.Step.ID, CaseNo: u.Step.CaseNo, DepartmentCode: u.DepartmentCode, StepCode: u.Step.StepCode,
		RecordedAt: u.Step.RecordedAt, PolicyRevision: u.Step.PolicyRevision, CheckError: u.Step.CheckError,
		RecheckAttempts: u.Attempts, NextRecheckAt: u.NextRecheckAt}
}

// unchecked answers GET /api/v1/checks/unchecked: how many steps wait for
// a re-check, and the oldest of them.
func (h *casesAPI) unchecked(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := h.cases.CountUnchecked(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	us, err := h.cases.UncheckedSteps(ctx, uncheckedListed)
	if err != nil {
		fail(c, err)
		return
	}
	steps := make([]uncheckedStep, len(us))
	for i, u := range us {
		steps[i] = toUncheckedStep(u)
	}
	c.JSON(http.StatusOK, gin.H{"count": n, "policy_revision": h.policies.Revision(), "steps": steps})
}

// sweep runs the deadline sweep now: POST /api/v1/sweeps.
func (h *casesAPI) sweep(c *gin.Context) {
	res, err := h.deadlines.Sweep(c.Request.Context(), account(c))
	respond(c, http.StatusOK, res, err)
}
