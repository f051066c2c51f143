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

func (s *Server) unchecked(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := s.cases.CountUnchecked(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	us, err := s.cases.UncheckedSteps(ctx, uncheckedListed)
	if err != nil {
		fail(c, err)
		return
	}
	steps := make([]uncheckedStep, len(us))
	for i, u := range us {
		steps[i] = toUncheckedStep(u)
	}
	c.JSON(http.StatusOK, gin.H{"count": n, "policy_revision": s.policies.Revision(), "steps": steps})
}

func (s *Server) sweep(c *gin.Context) {
	res, err := s.deadlines.Sweep(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
