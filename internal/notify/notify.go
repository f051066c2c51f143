// Package notify turns the outbox's events into the inboxes of the people
// who must act on them: who hears which event (the routes), the fan-out of
// each event to one notification per recipient, the inbox itself, and the
// reminders that no change causes (patrols short, explanations due).
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"powercheck/internal/compliance"
)

// Notification is one event in one account's inbox.
type Notification struct {
	ID      int64      `json:"id"`
	EventID string     `json:"event_id"`
	Event   string     `json:"event"`
	At      time.Time  `json:"at"`
	ReadAt  *time.Time `json:"read_at"`
	Title   string     `json:"title"`
	Summary string     `json:"summary"`
	// Link is the console's page of the object concerned, e.g. /warnings/123.
	Link string          `json:"link"`
	Data json.RawMessage `json:"data"`
	// Account and Department are whose inbox it is in and which department
	// the event concerns; not shown.
	Account    string `json:"-"`
	Department string `json:"-"`
}

// Cursor is a notification's place in an inbox listing: unread first, then
// newest first.
type Cursor struct {
	Read bool
	ID   int64
}

// Query selects a page of an inbox.
type Query struct {
	Unread bool    // only unread ones
	After  *Cursor // continue after this one
	Limit  int
}

// Member is an account as routing needs it.
type Member struct {
	Username   string
	Role       compliance.Role
	Department string
}

// Store is what the inbox needs stored.
type Store interface {
	// NotificationRoutes returns the saved routing table, ErrNotFound when
	// none was saved.
	NotificationRoutes(ctx context.Context) (Routes, error)
	SaveNotificationRoutes(ctx context.Context, rs Routes) error
	// UnroutedEvents returns up to limit events not yet routed to inboxes,
	// oldest first.
	UnroutedEvents(ctx context.Context, limit int) ([]compliance.Event, error)
	// ActiveMembers returns the active accounts with one of roles, of
	// department dept only when dept is not empty.
	ActiveMembers(ctx context.Context, roles []compliance.Role, dept string) ([]Member, error)
	// ActiveMember returns an active account, or ErrNotFound.
	ActiveMember(ctx context.Context, username string) (Member, error)
	// RouteEvents stores ns (one per event and account; those stored
	// already are kept, not doubled) and marks the events seqs routed, in
	// one transaction.
	RouteEvents(ctx context.Context, seqs []int64, ns []Notification) error
	Notifications(ctx context.Context, account string, q Query) ([]Notification, error)
	CountUnread(ctx context.Context, account string) (int64, error)
	// MarkRead marks the account's notification read; false when the
	// account has no such notification.
	MarkRead(ctx context.Context, account string, id int64, at time.Time) (bool, error)
	// MarkAllRead marks all the account's notifications read and returns how many.
	MarkAllRead(ctx context.Context, account string, at time.Time) (int64, error)
}

// Service is the inbox and its routes.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the service; now is its clock (nil: the system's).
func New(store Store, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, log: log, now: now}
}

// Routes returns the routing table in force: the saved one, else the default.
func (s *Service) Routes(ctx context.Context) (Routes, error) {
	rs, err := s.store.NotificationRoutes(ctx)
	if errors.Is(err, compliance.ErrNotFound) {
		return DefaultRoutes(), nil
	}
	if err != nil {
		return Routes{}, err
	}
	if rs.Routes == nil {
		rs.Routes = []Route{}
	}
	return rs, nil
}

// PutRoutes replaces the routing table.
func (s *Service) PutRoutes(ctx context.Context, who *compliance.Account, rs Routes) (Routes, error) {
	if who.Role != compliance.RoleAdmin {
		return Routes{}, compliance.Errorf(compliance.ClassForbidden, "forbidden", "只有系统管理员可以设置通知规则")
	}
	if rs.Routes == nil {
		return Routes{}, (&compliance.Error{Class: compliance.ClassInvalid, Code: "invalid_routes", Message: "通知规则不合法：须给出 routes"}).
			WithDetails([]compliance.FieldError{{Field: "routes", Message: "必填"}})
	}
	if err := rs.validate(); err != nil {
		return Routes{}, err
	}
	for i := range rs.Routes {
		if rs.Routes[i].Roles == nil {
			rs.Routes[i].Roles = []string{}
		}
	}
	at := s.now().UTC()
	rs.UpdatedBy, rs.UpdatedAt = who.Username, &at
	if err := s.store.SaveNotificationRoutes(ctx, rs); err != nil {
		return Routes{}, err
	}
	return rs, nil
}

// MaxPage bounds a page of an inbox.
const MaxPage = 100

// Inbox returns a page of the account's own notifications.
func (s *Service) Inbox(ctx context.Context, who *compliance.Account, q Query) ([]Notification, error) {
	if q.Limit <= 0 || q.Limit > MaxPage {
		q.Limit = MaxPage
	}
	ns, err := s.store.Notifications(ctx, who.Username, q)
	if err != nil {
		return nil, err
	}
	if ns == nil {
		ns = []Notification{}
	}
	return ns, nil
}

// Unread counts the account's unread notifications.
func (s *Service) Unread(ctx context.Context, who *compliance.Account) (int64, error) {
	return s.store.CountUnread(ctx, who.Username)
}

// MarkRead marks one of the account's own notifications read; another
// account's is answered as one that does not exist.
func (s *Service) MarkRead(ctx context.Context, who *compliance.Account, id int64) error {
	ok, err := s.store.MarkRead(ctx, who.Username, id, s.now().UTC())
	if err != nil {
		return err
	}
	if !ok {
		return compliance.Errorf(compliance.ClassNotFound, "notification_not_found", "消息 %d 不存在", id)
	}
	return nil
}

// MarkAllRead marks all the account's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, who *compliance.Account) (int64, error) {
	return s.store.MarkAllRead(ctx, who.Username, s.now().UTC())
}
