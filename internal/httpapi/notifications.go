package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
	"powercheck/internal/notify"
)

// Inbox is what the notification routes consume.
type Inbox interface {
	Routes(ctx context.Context) (notify.Routes, error)
	PutRoutes(ctx context.Context, who *compliance.Account, rs notify.Routes) (notify.Routes, error)
	Inbox(ctx context.Context, who *compliance.Account, q notify.Query) ([]notify.Notification, error)
	Unread(ctx context.Context, who *compliance.Account) (int64, error)
	MarkRead(ctx context.Context, who *compliance.Account, id int64) error
	MarkAllRead(ctx context.Context, who *compliance.Account) (int64, error)
}

// notificationsAPI reads and marks the signed-in account's inbox and sets
// who hears which event.
type notificationsAPI struct {
	inbox Inbox // nil: notifications are off
}

// ready refuses the routes with 503 when the service runs without
// notifications.
func (h *notificationsAPI) ready(c *gin.Context) bool {
	if h.inbox == nil {
		fail(c, compliance.Errorf(compliance.ClassUnavailable, "notifications_off", "消息通知未启用"))
		return false
	}
	return true
}

const notificationCursorPrefix = "n1:"

func encodeNotificationCursor(n notify.Notification) string {
	read := "0"
	if n.ReadAt != nil {
		read = "1"
	}
	return encodeKeyCursor(notificationCursorPrefix, read, strconv.FormatInt(n.ID, 10))
}

func decodeNotificationCursor(s string) (*notify.Cursor, error) {
	read, id, err := decodeKeyCursor(s, notificationCursorPrefix)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err != nil || err2 != nil || n <= 0 || (read != "0" && read != "1") {
		return nil, badRequest("invalid_cursor", "cursor 无效")
	}
	return &notify.Cursor{Read: read == "1", ID: n}, nil
}

// list answers GET /api/v1/notifications: the account's own,
// unread first, then newest first → {items, next_cursor, unread}.
func (h *notificationsAPI) list(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	q := notify.Query{}
	var err error
	if q.Unread, err = queryFlag(c, "unread", "true", "false"); err != nil {
		fail(c, err)
		return
	}
	limit, err := readLimit(c, 20, notify.MaxPage)
	if err != nil {
		fail(c, err)
		return
	}
	q.Limit = limit
	if cur := c.Query("cursor"); cur != "" {
		if q.After, err = decodeNotificationCursor(cur); err != nil {
			fail(c, err)
			return
		}
	}
	ctx, who := c.Request.Context(), account(c)
	items, err := h.inbox.Inbox(ctx, who, q)
	if err != nil {
		fail(c, err)
		return
	}
	unread, err := h.inbox.Unread(ctx, who)
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(items) == limit {
		cur := encodeNotificationCursor(items[len(items)-1])
		next = &cur
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next, "unread": unread})
}

// count answers GET /api/v1/notifications/count → {unread}: the bell.
func (h *notificationsAPI) count(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	n, err := h.inbox.Unread(c.Request.Context(), account(c))
	respond(c, http.StatusOK, gin.H{"unread": n}, err)
}

// read answers POST /api/v1/notifications/{id}/read; another
// account's notification is answered 404, as one that does not exist.
func (h *notificationsAPI) read(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	id, err := idParam(c, "id", compliance.Errorf(compliance.ClassNotFound, "notification_not_found", "消息 %.32q 不存在", c.Param("id")))
	if err != nil {
		fail(c, err)
		return
	}
	who := account(c)
	if err := h.inbox.MarkRead(c.Request.Context(), who, id); err != nil {
		fail(c, err)
		return
	}
	h.answerUnread(c, who, gin.H{"id": id})
}

// readAll answers POST /api/v1/notifications/read-all → {marked, unread}.
func (h *notificationsAPI) readAll(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	who := account(c)
	n, err := h.inbox.MarkAllRead(c.Request.Context(), who)
	if err != nil {
		fail(c, err)
		return
	}
	h.answerUnread(c, who, gin.H{"marked": n})
}

// answerUnread answers body with the account's unread count added: what
// the console's badge shows after marking.
func (h *notificationsAPI) answerUnread(c *gin.Context, who *compliance.Account, body gin.H) {
	n, err := h.inbox.Unread(c.Request.Context(), who)
	body["unread"] = n
	respond(c, http.StatusOK, body, err)
}

// getRoutes answers GET /api/v1/notifications/routes.
func (h *notificationsAPI) getRoutes(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	rs, err := h.inbox.Routes(c.Request.Context())
	respond(c, http.StatusOK, rs, err)
}

// putRoutes answers PUT /api/v1/notifications/routes with the whole table.
func (h *notificationsAPI) putRoutes(c *gin.Context) {
	if !h.ready(c) {
		return
	}
	answerBody(c, http.StatusOK, func(req routesRequest) (any, error) {
		return h.inbox.PutRoutes(c.Request.Context(), account(c), notify.Routes{Routes: req.Routes})
	})
}

// routesRequest is the body of PUT /api/v1/notifications/routes: the
// table alone, not who last changed it.
type routesRequest = struct {
	Routes []notify.Route `json:"routes"`
}
