package httpapi

import (
	"log/slog"
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

// supervisionAPI follows warnings through their lifecycle and exports
// them, runs spot checks, and takes the approvals that checkpoints need.
type supervisionAPI struct {
	supervision *compliance.Supervision
	cases       *compliance.Cases // lists warnings, and tells the time of an export
	log         *slog.Logger
}

// signApproval answers POST /api/v1/cases/{case_no}/approvals: the
// approver signs, at the server's time → 201 with the approval.
func (h *supervisionAPI) signApproval(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req signApprovalRequest) (any, error) {
		return h.supervision.SignApproval(c.Request.Context(), account(c), c.Param("case_no"),
			compliance.ApprovalRequest{StepCode: req.StepCode, Decision: req.Decision, Opinion: req.Opinion})
	})
}

// caseApprovals answers GET /api/v1/cases/{case_no}/approvals → {items}.
func (h *supervisionAPI) caseApprovals(c *gin.Context) {
	items, err := h.supervision.CaseApprovals(c.Request.Context(), account(c), c.Param("case_no"))
	respond(c, http.StatusOK, gin.H{"items": items}, err)
}

// pendingApprovals answers GET /api/v1/approvals/pending → {items}: the
// cases whose next checkpoint waits for the signed-in approver.
func (h *supervisionAPI) pendingApprovals(c *gin.Context) {
	items, err := h.supervision.PendingApprovals(c.Request.Context(), account(c))
	respond(c, http.StatusOK, gin.H{"items": items}, err)
}
