package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// stepRequest is the body of POST /api/v1/steps.
type stepRequest struct {
	ID            string                 `json:"id"`
	CaseNo        string                 `json:"case_no"`
	PowerItemCode string                 `json:"power_item_code"`
	Applicant     string                 `json:"applicant"`
	StepCode      string                 `json:"step_code"`
	Handler       string                 `json:"handler"`
	OccurredAt    string                 `json:"occurred_at"`
	LegalBasisIDs []string               `json:"legal_basis_ids"`
	Discretion    *compliance.Discretion `json:"discretion"`
	Approvals     []approvalRequest      `json:"approvals"`
	Attributes    map[string]any         `json:"attributes"`
}

type approvalRequest struct {
	Role string `json:"role"`
	By   string `json:"by"`
	At   string `json:"at"`
}

// toSubmission parses the request's timestamps; a bad one is a 422 naming
// the field.
func (r *stepRequest) toSubmission() (compliance.StepSubmission, error) {
	var v compliance.Validation
	parse := func(field, s string) time.Time {
		if s == "" {
			return time.Time{} // the service reports missing fields
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			v.Add(field, "时间“%s”不是 RFC 3339 格式（如 2026-03-02T09:30:00+08:00）", s)
		}
		return t
	}
	sub := compliance.StepSubmission{ID: r.ID, CaseNo: r.CaseNo, PowerItemCode: r.PowerItemCode,
		Applicant: r.Applicant, StepCode: r.StepCode, Handler: r.Handler,
		OccurredAt: parse("occurred_at", r.OccurredAt), LegalBasisIDs: r.LegalBasisIDs,
		Discretion: r.Discretion, Attributes: r.Attributes}
	for i, a := range r.Approvals {
		sub.Approvals = append(sub.Approvals, compliance.Approval{Role: a.Role, By: a.By,
			At: parse("approvals["+strconv.Itoa(i)+"].at", a.At)})
	}
	return sub, v.Err("invalid_step", "环节记录不合法")
}

func (s *Server) postStep(c *gin.Context) {
	var req stepRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	sub, err := req.toSubmission()
	if err != nil {
		fail(c, err)
		return
	}
	res, created, err := s.svc.SubmitStep(c.Request.Context(), account(c), sub)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, res)
}

func (s *Server) getCase(c *gin.Context) {
	v, err := s.svc.Case(c.Request.Context(), account(c), c.Param("case_no"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
