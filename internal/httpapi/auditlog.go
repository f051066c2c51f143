package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// auditAPI reads the audit log and verifies its chain.
type auditAPI struct {
	auditLog *compliance.Audit
}

// auditFilter reads the filters of GET /api/v1/audit.
func auditFilter(c *gin.Context) (compliance.AuditFilter, error) {
	f := compliance.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action")}
	if len(f.Actor) > 64 {
		return f, badRequest("invalid_filter", "actor 过长")
	}
	if len(f.Action) > 128 {
		return f, badRequest("invalid_filter", "action 过长")
	}
	p, err := readPage(c)
	if err != nil {
		return f, err
	}
	f.From, f.To, f.Limit, f.BeforeSeq = p.from, p.to, p.limit, p.cursor
	return f, nil
}

// list answers GET /api/v1/audit: entries newest first, a page at a
// time → {items, next_cursor}.
func (h *auditAPI) list(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := h.auditLog.ListAudit(c.Request.Context(), account(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	writePage(c, items, f.Limit, func(e compliance.AuditEntry) int64 { return e.Seq })
}

// verify answers GET /api/v1/audit/verify: whether the log's chain and
// checkpoints hold.
func (h *auditAPI) verify(c *gin.Context) {
	v, err := h.auditLog.VerifyAuditLog(c.Request.Context(), account(c))
	respond(c, http.StatusOK, v, err)
}
