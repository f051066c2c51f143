package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// signApprovalRequest is the body of POST /api/v1/cases/{case_no}/approvals.
type signApprovalRequest struct {
	StepCode string `json:"step_code"`
	Decision string `json:"decision"`
	Opinion  string `json:"opinion"`
}

// signApproval answers POST /api/v1/cases/{case_no}/approvals: the
// approver signs, at the server's time → 201 with the approval.
func (s *Server) signApproval(c *gin.Context) {
	var req signApprovalRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	a, err := s.supervision.SignApproval(c.Request.Context(), account(c), c.Param("case_no"),
		compliance.ApprovalRequest{StepCode: req.StepCode, Decision: req.Decision, Opinion: req.Opinion})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

// caseApprovals answers GET /api/v1/cases/{case_no}/approvals → {items}.
func (s *Server) caseApprovals(c *gin.Context) {
	items, err := s.supervision.CaseApprovals(c.Request.Context(), account(c), c.Param("case_no"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// pendingApprovals answers GET /api/v1/approvals/pending → {items}: the
// cases whose next checkpoint waits for the signed-in approver.
func (s *Server) pendingApprovals(c *gin.Context) {
	items, err := s.supervision.PendingApprovals(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
