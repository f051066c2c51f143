package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/webhook"
)

// hookRoutes answers the webhooks' and the mail's administration.
type hookRoutes struct {
	hooks *webhook.Service
	mail  *webhook.Mailer
}

// ready refuses the routes of a server built without the services.
func (h hookRoutes) ready(c *gin.Context) {
	if h.hooks == nil || h.mail == nil {
		fail(c, compliance.Errorf(compliance.KindNotFound, "no_route", "接口不存在"))
		c.Abort()
		return
	}
	c.Next()
}

// list answers GET /api/v1/webhooks → {items}; secrets are never shown.
func (h hookRoutes) list(c *gin.Context) {
	es, err := h.hooks.List(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": es})
}

// put answers PUT /api/v1/webhooks/{name}: 201 when created, 200 when replaced.
func (h hookRoutes) put(c *gin.Context) {
	var req webhook.PutWebhookRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	e, created, err := h.hooks.Put(c.Request.Context(), account(c), c.Param("name"), req)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, e)
}

func (h hookRoutes) delete(c *gin.Context) {
	if err := h.hooks.Delete(c.Request.Context(), c.Param("name")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deliveries answers GET /api/v1/webhooks/{name}/deliveries?status=&cursor=
// → {items, next_cursor}, newest first.
func (h hookRoutes) deliveries(c *gin.Context) {
	var before int64
	if cur := c.Query("cursor"); cur != "" {
		var err error
		if before, err = decodeCursor(cur); err != nil {
			fail(c, badRequest("invalid_cursor", "cursor 无效"))
			return
		}
	}
	ds, next, err := h.hooks.Deliveries(c.Request.Context(), c.Param("name"), c.Query("status"), before)
	if err != nil {
		fail(c, err)
		return
	}
	var cursor *string
	if next > 0 {
		s := encodeCursor(next)
		cursor = &s
	}
	c.JSON(http.StatusOK, gin.H{"items": ds, "next_cursor": cursor})
}

// replay answers POST /api/v1/webhooks/{name}/replay with
// {"deliveries": [ids]} or {"dead": true} → {replayed}.
func (h hookRoutes) replay(c *gin.Context) {
	var req struct {
		Deliveries []int64 `json:"deliveries"`
		Dead       bool    `json:"dead"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	n, err := h.hooks.Replay(c.Request.Context(), c.Param("name"), req.Deliveries, req.Dead)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"replayed": n})
}

func (h hookRoutes) getSettings(c *gin.Context) {
	st, err := h.hooks.Settings(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// putSettings answers PUT /api/v1/webhooks-settings with {allow}.
func (h hookRoutes) putSettings(c *gin.Context) {
	var req struct {
		Allow []string `json:"allow"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	st, err := h.hooks.PutSettings(c.Request.Context(), account(c), webhook.Settings{Allow: req.Allow})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (h hookRoutes) getMail(c *gin.Context) {
	st, err := h.mail.Settings(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// putMail answers PUT /api/v1/mail-settings; a password left out keeps
// the stored one.
func (h hookRoutes) putMail(c *gin.Context) {
	var req webhook.PutMailRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	st, err := h.mail.PutSettings(c.Request.Context(), account(c), req)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// hookSubject is the audit subject of an endpoint: a settings object.
func hookSubject(r auditRequest) []compliance.AuditSubject {
	return []compliance.AuditSubject{{Kind: compliance.SubjectSettings, Key: "webhook:" + r.c.Param("name")}}
}

func settingsSubject(key string) subjectsOf {
	return func(auditRequest) []compliance.AuditSubject {
		return []compliance.AuditSubject{{Kind: compliance.SubjectSettings, Key: key}}
	}
}
