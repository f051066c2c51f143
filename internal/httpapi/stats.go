package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// warningStats answers GET /api/v1/stats/warnings?from=&to=&department=.
// department may name several codes, separated by commas or repeated.
func (s *Server) warningStats(c *gin.Context) {
	q := compliance.StatsQuery{From: c.Query("from"), To: c.Query("to")}
	for _, v := range c.QueryArray("department") {
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				q.Departments = append(q.Departments, d)
			}
		}
	}
	st, err := s.reports.WarningStats(c.Request.Context(), account(c), q)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// spotCheckRequest is the body of POST /api/v1/spot-checks.
type spotCheckRequest struct {
	Departments []string `json:"departments"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	Size        int      `json:"size"`
	Seed        *int64   `json:"seed"`
	Note        string   `json:"note"`
}

func (s *Server) createSpotCheck(c *gin.Context) {
	var req spotCheckRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	sc, err := s.supervision.CreateSpotCheck(c.Request.Context(), account(c), compliance.SpotCheckRequest{
		Departments: req.Departments, From: req.From, To: req.To, Size: req.Size, Seed: req.Seed, Note: req.Note})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, sc)
}

// listSpotChecks answers GET /api/v1/spot-checks?limit=&before=, newest
// first; next_before continues the listing.
func (s *Server) listSpotChecks(c *gin.Context) {
	limit := 50
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > compliance.MaxPageSize {
			fail(c, badRequest("invalid_limit", "limit 须为 1–%d 之间的整数", compliance.MaxPageSize))
			return
		}
		limit = n
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
	items, err := s.supervision.SpotChecks(c.Request.Context(), account(c), limit, before)
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
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, compliance.Errorf(compliance.KindNotFound, "spot_check_not_found", "抽查不存在")
	}
	return id, nil
}

func (s *Server) getSpotCheck(c *gin.Context) {
	id, err := spotCheckID(c)
	if err != nil {
		fail(c, err)
		return
	}
	sc, err := s.supervision.SpotCheck(c.Request.Context(), account(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sc)
}

// recordSpotCheckFinding answers POST /api/v1/spot-checks/{id}/findings
// with the sampled case and its finding.
func (s *Server) recordSpotCheckFinding(c *gin.Context) {
	id, err := spotCheckID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		CaseNo string `json:"case_no"`
		Result string `json:"result"`
		Note   string `json:"note"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	sc, err := s.supervision.RecordSpotCheckFinding(c.Request.Context(), account(c), id, req.CaseNo, req.Result, req.Note)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sc)
}
