package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
	"powercheck/internal/notify"
)

var _ notify.Store = (*Notifications)(nil)

// notificationRow is one event in one account's inbox. The event's data
// stays in the outbox, read by event id when the inbox is shown.
type notificationRow struct {
	ID             int64      `gorm:"primaryKey;autoIncrement;index:idx_notification_inbox,priority:3"`
	EventID        string     `gorm:"size:36;not null;uniqueIndex:uq_notification,priority:1"`
	Account        string     `gorm:"size:64;not null;uniqueIndex:uq_notification,priority:2;index:idx_notification_inbox,priority:1"`
	IsRead         bool       `gorm:"not null;default:false;index:idx_notification_inbox,priority:2"`
	ReadAt         *time.Time `gorm:""`
	Event          string     `gorm:"size:40;not null"`
	At             time.Time  `gorm:"not null"`
	DepartmentCode string     `gorm:"size:32;not null;default:''"`
	Title          string     `gorm:"size:255;not null"`
	Summary        string     `gorm:"size:1024;not null"`
	Link           string     `gorm:"size:255;not null"`
}

func (notificationRow) TableName() string { return "notifications" }

// NotificationRoutes implements notify.Store.
func (s *Notifications) NotificationRoutes(ctx context.Context) (notify.Routes, error) {
	var rs notify.Routes
	by, at, err := s.stampedSetting(ctx, notify.RoutesKey, &rs.Routes)
	if err != nil {
		return notify.Routes{}, err
	}
	if at == nil {
		return notify.Routes{}, compliance.ErrNotFound
	}
	rs.UpdatedBy, rs.UpdatedAt = by, at
	return rs, nil
}

// SaveNotificationRoutes implements notify.Store.
func (s *Notifications) SaveNotificationRoutes(ctx context.Context, rs notify.Routes) error {
	return s.saveSetting(ctx, notify.RoutesKey, rs.Routes, rs.UpdatedBy, rs.UpdatedAt)
}

// UnroutedEvents implements notify.Store.
func (s *Notifications) UnroutedEvents(ctx context.Context, limit int) ([]compliance.Event, error) {
	out, err := s.outboxEvents(ctx, limit, "inbox_routed = ?", false)
	return out, wrap(err, "list unrouted events")
}

// OutboxEvents returns up to limit events of the outbox after seq, in
// order: what operators and tests read to see what was told.
func (s *Notifications) OutboxEvents(ctx context.Context, after int64, limit int) ([]compliance.Event, error) {
	out, err := s.outboxEvents(ctx, limit, "seq > ?", after)
	return out, wrap(err, "list outbox events")
}

// outboxEvents returns up to limit events of the outbox matching the
// condition, in order.
func (s *Notifications) outboxEvents(ctx context.Context, limit int, cond string, args ...any) ([]compliance.Event, error) {
	var rows []outboxRow
	if err := s.db.WithContext(ctx).Where(cond, args...).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]compliance.Event, len(rows))
	for i, r := range rows {
		out[i] = toEvent(r)
	}
	return out, nil
}

// toMember reads the columns username, role and department_code.
func toMember(r accountRow) notify.Member {
	return notify.Member{Username: r.Username, Role: compliance.Role(r.Role), Department: r.DepartmentCode}
}

func activeAccounts(db *gorm.DB) *gorm.DB {
	return db.Model(&accountRow{}).Where("disabled = ? AND (expires_at IS NULL OR expires_at > ?)", false, time.Now().UTC())
}

// ActiveMembers implements notify.Store.
func (s *Notifications) ActiveMembers(ctx context.Context, roles []compliance.Role, dept string) ([]notify.Member, error) {
	q := activeAccounts(s.db.WithContext(ctx)).Where("role IN ?", roles)
	if dept != "" {
		q = q.Where("department_code = ?", dept)
	}
	return findAll(q.Select("username", "role", "department_code").Order("username"), "list accounts by role", toMember)
}

// ActiveMember implements notify.Store.
func (s *Notifications) ActiveMember(ctx context.Context, username string) (notify.Member, error) {
	q := activeAccounts(s.db.WithContext(ctx)).Where("username = ?", username).Select("username", "role", "department_code")
	return takeOne(q, "get account", toMember)
}

// RouteEvents implements notify.Store.
func (s *Notifications) RouteEvents(ctx context.Context, seqs []int64, ns []notify.Notification) error {
	rows := make([]notificationRow, len(ns))
	for i, n := range ns {
		rows[i] = notificationRow{EventID: n.EventID, Account: n.Account, Event: n.Event, At: utc(n.At),
			DepartmentCode: n.Department, Title: n.Title, Summary: n.Summary, Link: n.Link}
	}
	err := insertThenMark(ctx, s.conn, rows, 50, func(r *notificationRow) { r.ID = 0 }, func(tx *gorm.DB) error {
		return tx.Model(&outboxRow{}).Where("seq IN ?", seqs).Update("inbox_routed", true).Error
	})
	return wrap(err, "route events")
}

// insertThenMark stores rows, keeping those already stored, and runs mark
// in the same transaction. Two nodes routing the same events at once may
// deadlock on MySQL, or fail certification on Galera: the loser runs the
// whole transaction again (see retry) and finds the rows stored. clearID forgets the id a failed insert set.
func insertThenMark[T any](ctx context.Context, c *conn, rows []T, batch int,
	clearID func(*T), mark func(tx *gorm.DB) error) error {
	return retry(ctx, func() error {
		for i := range rows {
			clearID(&rows[i])
		}
		return c.transactionOnce(ctx, func(tx *gorm.DB) error {
			if len(rows) > 0 {
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, batch).Error; err != nil {
					return err
				}
			}
			return mark(tx)
		})
	})
}

// Notifications implements notify.Store: unread first, then newest first,
// through the (account, is_read, id) index.
func (s *Notifications) Notifications(ctx context.Context, account string, q notify.Query) ([]notify.Notification, error) {
	db := s.db.WithContext(ctx).Where("account = ?", account)
	switch {
	case q.Unread && q.After != nil && q.After.Read:
		return []notify.Notification{}, nil
	case q.Unread:
		db = db.Where("is_read = ?", false)
		if q.After != nil {
			db = db.Where("id < ?", q.After.ID)
		}
	case q.After != nil && q.After.Read:
		db = db.Where("is_read = ? AND id < ?", true, q.After.ID)
	case q.After != nil:
		db = db.Where("(is_read = ? AND id < ?) OR is_read = ?", false, q.After.ID, true)
	}
	var rows []notificationRow
	if err := db.Order("is_read, id DESC").Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list notifications")
	}
	data, err := s.eventData(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Notification, len(rows))
	for i, r := range rows {
		out[i] = notify.Notification{ID: r.ID, EventID: r.EventID, Event: r.Event, At: r.At, ReadAt: r.ReadAt,
			Title: r.Title, Summary: r.Summary, Link: r.Link, Data: data[r.EventID], Account: r.Account, Department: r.DepartmentCode}
		if out[i].Data == nil {
			out[i].Data = json.RawMessage("{}")
		}
	}
	return out, nil
}

// eventData reads the data of the rows' events from the outbox.
func (s *Notifications) eventData(ctx context.Context, rows []notificationRow) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.EventID
	}
	var evs []outboxRow
	if err := s.db.WithContext(ctx).Select("event_id", "data").Where("event_id IN ?", ids).Find(&evs).Error; err != nil {
		return nil, wrap(err, "read events of notifications")
	}
	for _, e := range evs {
		out[e.EventID] = json.RawMessage(e.Data)
	}
	return out, nil
}

// CountUnread implements notify.Store.
func (s *Notifications) CountUnread(ctx context.Context, account string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&notificationRow{}).Where("account = ? AND is_read = ?", account, false).Count(&n).Error
	return n, wrap(err, "count unread notifications")
}

// MarkRead implements notify.Store. A notification read already stays as
// it was read.
func (s *Notifications) MarkRead(ctx context.Context, account string, id int64, at time.Time) (bool, error) {
	found := false
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		found = false // a run again starts from scratch
		if err := tx.Model(&notificationRow{}).Where("id = ? AND account = ?", id, account).Count(&n).Error; err != nil || n == 0 {
			return err
		}
		found = true
		return tx.Model(&notificationRow{}).Where("id = ? AND account = ? AND is_read = ?", id, account, false).
			Updates(map[string]any{"is_read": true, "read_at": utc(at)}).Error
	})
	return found, wrap(err, "mark notification read")
}

// MarkAllRead implements notify.Store.
func (s *Notifications) MarkAllRead(ctx context.Context, account string, at time.Time) (int64, error) {
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&notificationRow{}).Where("account = ? AND is_read = ?", account, false).
			Updates(map[string]any{"is_read": true, "read_at": utc(at)})
		n = res.RowsAffected
		return res.Error
	})
	return n, wrap(err, "mark all notifications read")
}

// UnreadNotifications counts the account's unread notifications. The
// inbox is part of every migrated schema, so ok is always true.
func (s *Notifications) UnreadNotifications(ctx context.Context, username string) (n int, ok bool, err error) {
	var c int64
	err = s.db.WithContext(ctx).Model(&notificationRow{}).Where("account = ? AND is_read = ?", username, false).Count(&c).Error
	return int(c), true, wrap(err, "count unread notifications")
}
