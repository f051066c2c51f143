package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/webhook"
)

// webhooksAPI answers the webhooks' and the mail's administration.
type webhooksAPI struct {
	hooks *webhook.Service
	mail  *webhook.Mailer
}

// ready refuses the routes of a server built without the services.
func (h *webhooksAPI) ready(c *gin.Context) {
	if h.hooks == nil || h.mail == nil {
		fail(c, compliance.Errorf(compliance.ClassNotFound, "no_route", "接口不存在"))
		c.Abort()
		return
	}
	c.Next()
}

// list answers GET /api/v1/webhooks → {items}; secrets are never shown.
func (h *webhooksAPI) list(c *gin.Context) {
	es, err := h.hooks.List(c.Request.Context())
	respond(c, http.StatusOK, gin.H{"items": es}, err)
}

// put answers PUT /api/v1/webhooks/{name}: 201 when created, 200 when replaced.
func (h *webhooksAPI) put(c *gin.Context) {
	var req webhook.PutWebhookRequest
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	e, created, err := h.hooks.Put(c.Request.Context(), account(c), c.Param("name"), req)
	respond(c, savedStatus(created), e, err)
}

func (h *webhooksAPI) delete(c *gin.Context) {
	if err := h.hooks.Delete(c.Request.Context(), c.Param("name")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deliveries answers GET /api/v1/webhooks/{name}/deliveries?status=&cursor=
// → {items, next_cursor}, newest first.
func (h *webhooksAPI) deliveries(c *gin.Context) {
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
func (h *webhooksAPI) replay(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req replayRequest) (any, error) {
		n, err := h.hooks.Replay(c.Request.Context(), c.Param("name"), req.Deliveries, req.Dead)
		return gin.H{"replayed": n}, err
	})
}

// replayRequest is the body of POST /api/v1/webhooks/{name}/replay.
type replayRequest = struct {
	Deliveries []int64 `json:"deliveries"`
	Dead       bool    `json:"dead"`
}

func (h *webhooksAPI) getSettings(c *gin.Context) {
	st, err := h.hooks.Settings(c.Request.Context())
	respond(c, http.StatusOK, st, err)
}

// putSettings answers PUT /api/v1/webhooks-settings with {allow}.
func (h *webhooksAPI) putSettings(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req webhookSettingsRequest) (any, error) {
		return h.hooks.PutSettings(c.Request.Context(), account(c), webhook.Settings{Allow: req.Allow})
	})
}

// webhookSettingsRequest is the body of PUT /api/v1/webhooks-settings.
type webhookSettingsRequest = struct {
	Allow []string `json:"allow"`
}

func (h *webhooksAPI) getMail(c *gin.Context) {
	st, err := h.mail.Settings(c.Request.Context())
	respond(c, http.StatusOK, st, err)
}

// putMail answers PUT /api/v1/mail-settings; a password left out keeps
// the stored one.
func (h *webhooksAPI) putMail(c *gin.Context) {
	answerBody(c, http.StatusOK, func(req webhook.PutMailRequest) (any, error) {
		return h.mail.PutSettings(c.Request.Context(), account(c), req)
	})
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
