package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

func (s *Server) monthlyReport(c *gin.Context) {
	format := c.Query("format")
	if format != "" && format != "json" && format != "xlsx" {
		fail(c, badRequest("unsupported_format", "format 须为 json 或 xlsx"))
		return
	}
	r, err := s.svc.MonthlyReport(c.Request.Context(), account(c), c.Query("department"), c.Query("month"))
	if err != nil {
		fail(c, err)
		return
	}
	if format == "xlsx" {
		sendMonthlyXLSX(c, r)
		return
	}
	c.JSON(http.StatusOK, r)
}

// explanationRequest is the body of POST /api/v1/reports/monthly/explanations.
type explanationRequest struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	Text           string `json:"text"`
	SignedBy       string `json:"signed_by"`
}

func (s *Server) postExplanation(c *gin.Context) {
	var req explanationRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	e, err := s.svc.SubmitExplanation(c.Request.Context(), account(c), compliance.Explanation{
		DepartmentCode: req.DepartmentCode, Month: req.Month, Text: req.Text, SignedBy: req.SignedBy})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

// closeMonth runs the month_close evaluation: {month, department?}.
func (s *Server) closeMonth(c *gin.Context) {
	var req struct {
		Month      string `json:"month"`
		Department string `json:"department"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	res, err := s.svc.CloseMonth(c.Request.Context(), account(c), req.Month, req.Department)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
