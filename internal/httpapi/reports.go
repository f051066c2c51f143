package httpapi

import (
	"encoding/base64"
	"encoding/hex"
	"mime"
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
	r, err := s.reports.MonthlyReport(c.Request.Context(), account(c), c.Query("department"), c.Query("month"))
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
	e, err := s.reports.SubmitExplanation(c.Request.Context(), account(c), compliance.Explanation{
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
	res, err := s.reports.CloseMonth(c.Request.Context(), account(c), req.Month, req.Department)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// putExplanationScan takes the signed scan of an explanation as the raw
// request body, up to compliance.MaxScanBytes (its own body limit in the
// route table); its type is read from its content.
func (s *Server) putExplanationScan(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	e, err := s.reports.AttachScan(c.Request.Context(), account(c), c.Param("department"), c.Param("month"), data)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, e)
}

func (s *Server) getExplanationScan(c *gin.Context) {
	f, err := s.reports.ExplanationScan(c.Request.Context(), account(c), c.Param("department"), c.Param("month"))
	if err != nil {
		fail(c, err)
		return
	}
	name := "explanation-" + c.Param("department") + "-" + c.Param("month") + f.Ext()
	h := c.Writer.Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(mustHex(f.SHA256)))
	h.Set("X-Content-SHA256", f.SHA256)
	c.Data(http.StatusOK, f.ContentType, f.Data)
}

// mustHex decodes a stored hex digest; a malformed one yields nothing.
func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
