package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// caseCursorPrefix marks a case list's cursor: base64url of
// "c1:<accepted_at in Unix ns>:<case_no>".
const caseCursorPrefix = "c1:"

func encodeCaseCursor(k compliance.CaseKey) string {
	return encodeKeyCursor(caseCursorPrefix, formatUnixNano(k.AcceptedAt), k.CaseNo)
}

func decodeCaseCursor(s string) (compliance.CaseKey, error) {
	ns, no, err := decodeKeyCursor(s, caseCursorPrefix)
	if err != nil {
		return compliance.CaseKey{}, err
	}
	t, err := parseUnixNano(ns)
	if err != nil || no == "" {
		return compliance.CaseKey{}, strconv.ErrSyntax
	}
	return compliance.CaseKey{AcceptedAt: t, CaseNo: no}, nil
}

// listCases answers GET /api/v1/cases: the cases of the account's scope,
// newest accepted first, each with its deadline and unsettled warnings.
func (h *casesAPI) list(c *gin.Context) {
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
	items, err := h.cases.ListCases(c.Request.Context(), account(c), f)
	respondCursorPage(c, items, err, f.Limit, func(v compliance.CaseSummary) string {
		return encodeCaseCursor(compliance.CaseKey{AcceptedAt: v.AcceptedAt, CaseNo: v.CaseNo})
	})
}

func (h *casesAPI) workbench(c *gin.Context) {
	wb, err := h.cases.Workbench(c.Request.Context(), account(c))
	respond(c, http.StatusOK, wb, err)
}
