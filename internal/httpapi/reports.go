package httpapi

import (
	"encoding/base64"
	"encoding/hex"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// reportsAPI answers the monthly reports and their explanations, closes
// months, and serves the statistics and the quarterly bulletin.
type reportsAPI struct {
	reports   *compliance.Reports
	dashboard *compliance.Dashboard
}

// monthlyReport answers GET /api/v1/reports/monthly?department=&month=[&format=xlsx].
func (h *reportsAPI) monthlyReport(c *gin.Context) {
	format, err := reportFormat(c)
	if err != nil {
		fail(c, err)
		return
	}
	r, err := h.reports.MonthlyReport(c.Request.Context(), account(c), c.Query("department"), c.Query("month"))
	if err != nil {
		fail(c, err)
		return
	}
	if format == "xlsx" {
		data, err := MonthlyReportXLSX(r)
		sendXLSX(c, "monthly-"+r.DepartmentCode+"-"+r.Month+".xlsx", data, err)
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

func (h *reportsAPI) postExplanation(c *gin.Context) {
	answerBody(c, http.StatusCreated, func(req explanationRequest) (any, error) {
		return h.reports.SubmitExplanation(c.Request.Context(), account(c), compliance.Explanation{
			DepartmentCode: req.DepartmentCode, Month: req.Month, Text: req.Text, SignedBy: req.SignedBy})
	})
}

// closeMonthRequest is the body of POST /api/v1/reports/monthly/close.
type closeMonthRequest = struct {
	Month      string `json:"month"`
	Department string `json:"department"`
}

// closeMonth runs the month_close evaluation: {month, department?}.
func (h *reportsAPI) closeMonth(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req closeMonthRequest) (any, error) {
		return h.reports.CloseMonth(c.Request.Context(), account(c), req.Month, req.Department)
	})
}

// putExplanationScan takes the signed scan of an explanation as the raw
// request body, up to compliance.MaxScanBytes (its own body limit in the
// route table); its type is read from its content.
func (h *reportsAPI) putExplanationScan(c *gin.Context) {
	data, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	e, err := h.reports.AttachScan(c.Request.Context(), account(c), c.Param("department"), c.Param("month"), data)
	respond(c, http.StatusCreated, e, err)
}

// getExplanationScan answers the signed scan of an explanation as it was
// uploaded, with its digest.
func (h *reportsAPI) getExplanationScan(c *gin.Context) {
	f, err := h.reports.ExplanationScan(c.Request.Context(), account(c), c.Param("department"), c.Param("month"))
	if err != nil {
		fail(c, err)
		return
	}
	name := "explanation-" + c.Param("department") + "-" + c.Param("month") + f.Ext()
	header := c.Writer.Header()
	header.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(mustHex(f.SHA256)))
	header.Set("X-Content-SHA256", f.SHA256)
	c.Data(http.StatusOK, f.ContentType, f.Data)
}

// mustHex decodes a stored hex digest; a malformed one yields nothing.
func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
