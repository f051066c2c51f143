package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// caseCursorPrefix marks a case list's cursor: base64url of
// "c1:<accepted_at in Unix ns>:<case_no>".
const caseCursorPrefix = "c1:"

func encodeCaseCursor(k compliance.CaseKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(caseCursorPrefix +
		strconv.FormatInt(k.AcceptedAt.UnixNano(), 10) + ":" + k.CaseNo))
}

func decodeCaseCursor(s string) (compliance.CaseKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return compliance.CaseKey{}, err
	}
	rest, ok := strings.CutPrefix(string(b), caseCursorPrefix)
	if !ok {
		return compliance.CaseKey{}, strconv.ErrSyntax
	}
	ns, no, ok := strings.Cut(rest, ":")
	t, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || no == "" {
		return compliance.CaseKey{}, strconv.ErrSyntax
	}
	return compliance.CaseKey{AcceptedAt: time.Unix(0, t).UTC(), CaseNo: no}, nil
}

// listCases answers GET /api/v1/cases: the cases of the account's scope,
// newest accepted first, each with its deadline and unsettled warnings.
func (s *Server) listCases(c *gin.Context) {
	p, err := readPeriod(c)
	if err != nil {
		fail(c, err)
		return
	}
	f := compliance.CaseFilter{Status: c.Query("status"), ItemCode: c.Query("item"), Query: c.Query("q"),
		From: p.from, To: p.to, Limit: p.limit}
	if d := c.Query("department"); d != "" {
		f.Departments = []string{d}
	}
	if cur := c.Query("cursor"); cur != "" {
		k, err := decodeCaseCursor(cur)
		if err != nil {
			fail(c, badRequest("invalid_cursor", "cursor 无效"))
			return
		}
		f.After = &k
	}
	items, err := s.cases.ListCases(c.Request.Context(), account(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	writeCursorPage(c, items, f.Limit, func(v compliance.CaseSummary) string {
		return encodeCaseCursor(compliance.CaseKey{AcceptedAt: v.AcceptedAt, CaseNo: v.CaseNo})
	})
}

func (s *Server) workbench(c *gin.Context) {
	wb, err := s.cases.Workbench(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, wb)
}

func (s *Server) verifyAudit(c *gin.Context) {
	v, err := s.auditLog.VerifyAuditLog(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
