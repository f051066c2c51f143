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

// casesAPI takes the steps of cases and shows cases, the workbench, the
// steps waiting for a re-check, and runs the deadline sweep.
type casesAPI struct {
	cases     *compliance.Cases
	deadlines *compliance.Deadlines
	policies  PolicyState
}

// submitStep answers POST /api/v1/steps: 201 with the answer of a new
// step, 200 with the stored answer of a replayed one.
func (h *casesAPI) submitStep(c *gin.Context) {
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
	_, sub.BySession = c.Get("session") // a person at the console: the handler is the account
	res, created, err := h.cases.SubmitStep(c.Request.Context(), account(c), sub)
	respond(c, savedStatus(created), res, err)
}

// caseAnswer is GET /api/v1/cases/{case_no}: the case with its first
// compliance.CaseViewSteps steps and, when it has more, the cursor of
// GET /api/v1/cases/{case_no}/steps that continues them.
type caseAnswer struct {
	compliance.CaseView
	StepsNextCursor *string `json:"steps_next_cursor"`
}

func (h *casesAPI) get(c *gin.Context) {
	v, err := h.cases.Case(c.Request.Context(), account(c), c.Param("case_no"))
	if err != nil {
		fail(c, err)
		return
	}
	a := caseAnswer{CaseView: v}
	if v.MoreSteps {
		cur := encodeCursor(int64(len(v.Steps)))
		a.StepsNextCursor = &cur
	}
	c.JSON(http.StatusOK, a)
}

// stepPageSize is the default page of a case's steps.
const stepPageSize = 50

// steps answers GET /api/v1/cases/{case_no}/steps?limit=&cursor=: the
// case's steps in the order they were recorded → {items, next_cursor}. The
// cursor counts the steps listed before it.
func (h *casesAPI) steps(c *gin.Context) {
	limit, offset, err := readSmallPage(c, stepPageSize, compliance.MaxStepPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	steps, err := h.cases.CaseSteps(c.Request.Context(), account(c), c.Param("case_no"), int(offset), limit)
	respondPage(c, steps, err, limit, func(compliance.Step) int64 { return offset + int64(len(steps)) })
}
