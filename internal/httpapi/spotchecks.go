package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// spotCheckRequest is the body of POST /api/v1/spot-checks.
type spotCheckRequest struct {
	Departments []string `json:"departments"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Size        int      `json:"size"`
	Seed        *int64   `json:"seed"`
	Note        string   `json:"note"`
}

// findingRequest is the body of POST /api/v1/spot-checks/{id}/findings.
type findingRequest = struct {
	CaseNo string `json:"case_no"`
	Result string `json:"result"`
	Note   string `json:"note"`
}

func (h *supervisionAPI) createSpotCheck(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req spotCheckRequest) (any, error) {
		return h.supervision.CreateSpotCheck(c.Request.Context(), account(c), compliance.SpotCheckRequest{
			Departments: req.Departments, From: req.From, To: req.To, Size: req.Size, Seed: req.Seed, Note: req.Note})
	})
}

// listSpotChecks answers GET /api/v1/spot-checks?limit=&before=, newest
// first; next_before continues the listing.
func (h *supervisionAPI) listSpotChecks(c *gin.Context) {
	limit, err := readLimit(c, 50, compliance.MaxPageSize)
	if err != nil {
		fail(c, err)
		return
	}
	var before int64
	if b := c.Query("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			fail(c, badRequest("invalid_cursor", "before 须为正整数"))
			return
		}
		before = n
	}
	items, err := h.supervision.SpotChecks(c.Request.Context(), account(c), limit, before)
	if err != nil {
		fail(c, err)
		return
	}
	var next *int64
	if len(items) == limit {
		next = &items[len(items)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_before": next})
}

func spotCheckID(c *gin.Context) (int64, error) {
	return idParam(c, "id", compliance.Errorf(compliance.ClassNotFound, "spot_check_not_found", "抽查不存在"))
}

func (h *supervisionAPI) getSpotCheck(c *gin.Context) {
	answerParam(c, spotCheckID, func(id int64) (any, error) {
		return h.supervision.SpotCheck(c.Request.Context(), account(c), id)
	})
}

// recordSpotCheckFinding answers POST /api/v1/spot-checks/{id}/findings
// with the sampled case and its finding.
func (h *supervisionAPI) recordSpotCheckFinding(c *gin.Context) {
	answerParamBody(c, spotCheckID, func(id int64, req findingRequest) (any, error) {
		return h.supervision.RecordSpotCheckFinding(c.Request.Context(), account(c), id, req.CaseNo, req.Result, req.Note)
	})
}
