package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

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

// inbox answers 503 when the service runs without notifications.
func (s *Server) inbox(c *gin.Context) (Inbox, bool) {
	if s.notify == nil {
		fail(c, compliance.Errorf(compliance.KindUnavailable, "notifications_off", "消息通知未启用"))
		return nil, false
	}
	return s.notify, true
}

const notificationCursorPrefix = "n1:"

func encodeNotificationCursor(n notify.Notification) string {
	read := "0"
	if n.ReadAt != nil {
		read = "1"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(notificationCursorPrefix + read + ":" + strconv.FormatInt(n.ID, 10)))
}

func decodeNotificationCursor(s string) (*notify.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	rest, ok := strings.CutPrefix(string(b), notificationCursorPrefix)
	read, id, ok2 := strings.Cut(rest, ":")
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err != nil || !ok || !ok2 || err2 != nil || n <= 0 || (read != "0" && read != "1") {
		return nil, badRequest("invalid_cursor", "cursor 无效")
	}
	return &notify.Cursor{Read: read == "1", ID: n}, nil
}

// listNotifications answers GET /api/v1/notifications: the account's own,
// unread first, then newest first → {items, next_cursor, unread}.
func (s *Server) listNotifications(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	q := notify.Query{}
	switch c.Query("unread") {
	case "", "false":
	case "true":
		q.Unread = true
	default:
		fail(c, badRequest("invalid_filter", "unread 须为 true 或 false"))
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
	items, err := in.Inbox(ctx, who, q)
	if err != nil {
		fail(c, err)
		return
	}
	unread, err := in.Unread(ctx, who)
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

// countNotifications answers GET /api/v1/notifications/count → {unread}: the bell.
func (s *Server) countNotifications(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	n, err := in.Unread(c.Request.Context(), account(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread": n})
}

// readNotification answers POST /api/v1/notifications/{id}/read; another
// account's notification is answered 404, as one that does not exist.
func (s *Server) readNotification(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		fail(c, compliance.Errorf(compliance.KindNotFound, "notification_not_found", "消息 %.32q 不存在", c.Param("id")))
		return
	}
	who := account(c)
	if err := in.MarkRead(c.Request.Context(), who, id); err != nil {
		fail(c, err)
		return
	}
	answerUnread(c, in, who, gin.H{"id": id})
}

// readAllNotifications answers POST /api/v1/notifications/read-all → {marked, unread}.
func (s *Server) readAllNotifications(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	who := account(c)
	n, err := in.MarkAllRead(c.Request.Context(), who)
	if err != nil {
		fail(c, err)
		return
	}
	answerUnread(c, in, who, gin.H{"marked": n})
}

// answerUnread answers body with the account's unread count added: what
// the console's badge shows after marking.
func answerUnread(c *gin.Context, in Inbox, who *compliance.Account, body gin.H) {
	n, err := in.Unread(c.Request.Context(), who)
	if err != nil {
		fail(c, err)
		return
	}
	body["unread"] = n
	c.JSON(http.StatusOK, body)
}

// getNotificationRoutes answers GET /api/v1/notifications/routes.
func (s *Server) getNotificationRoutes(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	rs, err := in.Routes(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rs)
}

// putNotificationRoutes answers PUT /api/v1/notifications/routes with the whole table.
func (s *Server) putNotificationRoutes(c *gin.Context) {
	in, ok := s.inbox(c)
	if !ok {
		return
	}
	var req struct {
		Routes []notify.Route `json:"routes"`
	}
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	rs, err := in.PutRoutes(c.Request.Context(), account(c), notify.Routes{Routes: req.Routes})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rs)
}
