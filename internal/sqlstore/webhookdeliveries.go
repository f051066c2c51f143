package sqlstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
	"powercheck/internal/webhook"
)

// webhookDeliveryRow is one event on its way to one endpoint: at most one
// per (event, endpoint), whatever number of nodes route the outbox.
type webhookDeliveryRow struct {
	ID       int64  `gorm:"primaryKey;autoIncrement"`
	EventID  string `gorm:"size:36;not null;uniqueIndex:webhook_delivery_once,priority:1"`
	Webhook  string `gorm:"size:40;not null;uniqueIndex:webhook_delivery_once,priority:2;index:webhook_delivery_order,priority:1"`
	CaseNo   string `gorm:"size:64;not null;default:'';index:webhook_delivery_order,priority:2"`
	EventSeq int64  `gorm:"not null;index:webhook_delivery_order,priority:4"`
	Event    string `gorm:"size:40;not null"`
	// Status and NextAt are what the claim reads; ClaimedBy and
	// LeaseUntil are the claim.
	Status      string    `gorm:"size:16;not null;index:webhook_delivery_due,priority:1;index:webhook_delivery_order,priority:3"`
	NextAt      time.Time `gorm:"not null;index:webhook_delivery_due,priority:2"`
	Deadline    time.Time `gorm:"not null"`
	Attempts    int       `gorm:"not null;default:0"`
	ClaimedBy   string    `gorm:"size:80;not null;default:''"`
	LeaseUntil  *time.Time
	DeliveredAt *time.Time
	CreatedAt   time.Time `gorm:"not null"`
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

// webhookAttemptRow is one attempt of a delivery.
type webhookAttemptRow struct {
	ID         int64     `gorm:"primaryKey;autoIncrement"`
	DeliveryID int64     `gorm:"not null;index"`
	At         time.Time `gorm:"not null"`
	Status     int       `gorm:"not null;default:0"`
	Error      string    `gorm:"size:500;not null;default:''"`
	DurationMS int64     `gorm:"not null;default:0"`
}

func (webhookAttemptRow) TableName() string { return "webhook_attempts" }

// RouteHookEvents implements webhook.Queue.
//
// The events are read without locks and marked routed by primary key: a
// locking read of the unrouted events would also lock the gap after the
// newest one, where every change writes its own event, and deadlock the
// changes under load on MySQL. Two nodes that route the same event both
// insert its deliveries; the unique (event, webhook) keeps one.
func (s *Webhooks) RouteHookEvents(ctx context.Context, limit int, route func(compliance.Event) ([]string, time.Time)) (int, error) {
	var events []outboxRow
	if err := s.db.WithContext(ctx).Where("hooks_routed = ?", false).Order("seq").Limit(limit).Find(&events).Error; err != nil {
		return 0, wrap(err, "route events to webhooks")
	}
	if len(events) == 0 {
		return 0, nil
	}
	now := utc(time.Now())
	var rows []webhookDeliveryRow
	seqs := make([]int64, len(events))
	for i, r := range events {
		seqs[i] = r.Seq
		hooks, deadline := route(toEvent(r))
		for _, h := range hooks {
			rows = append(rows, webhookDeliveryRow{EventID: r.EventID, Webhook: h, CaseNo: r.CaseNo, EventSeq: r.Seq,
				Event: r.Name, Status: webhook.StatusPending, NextAt: now, Deadline: utc(deadline), CreatedAt: now})
		}
	}
	err := insertThenMark(ctx, s.conn, rows, 100, func(r *webhookDeliveryRow) { r.ID = 0 }, func(tx *gorm.DB) error {
		return tx.Model(&outboxRow{}).Where("seq IN ?", seqs).Update("hooks_routed", true).Error
	})
	if err != nil {
		return 0, wrap(err, "route events to webhooks")
	}
	return len(events), nil
}

// ClaimDeliveries implements webhook.Queue. The conditional update is the
// claim: of two nodes that read the same due delivery, the lease goes to
// the first; the other's update matches nothing.
func (s *Webhooks) ClaimDeliveries(ctx context.Context, token string, now, leaseUntil time.Time, limit int) ([]webhook.Claim, error) {
	db := s.db.WithContext(ctx)
	now = utc(now)
	var ids []int64
	// A delivery waits while an earlier one of its case to its endpoint
	// is pending, or an earlier event of its case is not yet routed:
	// deliveries of a case arrive in the order of their events.
	err := db.Model(&webhookDeliveryRow{}).Select("id").
		Where("status = ? AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)", webhook.StatusPending, now, now).
		Where(`NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook = webhook_deliveries.webhook
			AND e.case_no = webhook_deliveries.case_no AND webhook_deliveries.case_no <> ''
			AND e.status = ? AND e.event_seq < webhook_deliveries.event_seq)`, webhook.StatusPending).
		// An earlier event of the case that another node is routing now
		// has no delivery yet: wait for it too.
		Where(`NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.hooks_routed = ? AND webhook_deliveries.case_no <> ''
			AND o.case_no = webhook_deliveries.case_no AND o.seq < webhook_deliveries.event_seq)`, false).
		Order("next_at").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, wrap(err, "find due deliveries")
	}
	// Dispatchers on other nodes claim from the same rows; MySQL may roll
	// one claim back to break a deadlock between them, and on Galera the
	// claims of two nodes meet at certification, where one loses: the
	// transaction claims again (see retry). One that still loses claims
	// nothing this time: the others have them.
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		return tx.Model(&webhookDeliveryRow{}).
			Where("id IN ? AND status = ? AND (lease_until IS NULL OR lease_until < ?)", ids, webhook.StatusPending, now).
			Updates(map[string]any{"claimed_by": token, "lease_until": utc(leaseUntil)}).Error
	})
	if retryable(err) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(err, "claim deliveries")
	}
	var rows []webhookDeliveryRow
	if err := db.Where("id IN ? AND claimed_by = ?", ids, token).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "read claimed deliveries")
	}
	eventIDs := make([]string, len(rows))
	for i, r := range rows {
		eventIDs[i] = r.EventID
	}
	var events []outboxRow
	if err := db.Where("event_id IN ?", eventIDs).Find(&events).Error; err != nil {
		return nil, wrap(err, "read events of deliveries")
	}
	byID := make(map[string]compliance.Event, len(events))
	for _, e := range events {
		byID[e.EventID] = toEvent(e)
	}
	out := make([]webhook.Claim, 0, len(rows))
	for _, r := range rows {
		out = append(out, webhook.Claim{Delivery: toDelivery(r), Event: byID[r.EventID]})
	}
	return out, nil
}

// RenewClaims implements webhook.Queue.
func (s *Webhooks) RenewClaims(ctx context.Context, token string, leaseUntil time.Time) (int, error) {
	var n int64
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&webhookDeliveryRow{}).Where("claimed_by = ? AND status = ?", token, webhook.StatusPending).
			Update("lease_until", utc(leaseUntil))
		n = res.RowsAffected
		return res.Error
	})
	return int(n), wrap(err, "renew delivery claims")
}

// FinishDeliveries implements webhook.Queue: each attempt is logged, and
// the delivery updated only while token still holds it.
func (s *Webhooks) FinishDeliveries(ctx context.Context, token string, results []webhook.Result) error {
	if len(results) == 0 {
		return nil
	}
	attempts := make([]webhookAttemptRow, len(results))
	for i, r := range results {
		attempts[i] = webhookAttemptRow{DeliveryID: r.ID, At: utc(r.Attempt.At), Status: r.Attempt.Status,
			Error: r.Attempt.Error, DurationMS: r.Attempt.DurationMS}
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		for i := range attempts {
			attempts[i].ID = 0 // no id: run again after a lost conflict, it inserts anew
		}
		if err := tx.CreateInBatches(&attempts, 100).Error; err != nil {
			return err
		}
		for _, r := range results {
			set := map[string]any{"status": r.Status, "attempts": gorm.Expr("attempts + 1"),
				"claimed_by": "", "lease_until": nil}
			switch r.Status {
			case webhook.StatusDelivered:
				set["delivered_at"] = utc(r.Attempt.At)
			case webhook.StatusPending:
				set["next_at"] = utc(r.NextAt)
			}
			if err := tx.Model(&webhookDeliveryRow{}).Where("id = ? AND claimed_by = ?", r.ID, token).Updates(set).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return wrap(err, "finish deliveries")
}

// Deliveries implements webhook.DeliveryLog.
func (s *Webhooks) Deliveries(ctx context.Context, hook, status string, before int64, limit int) ([]webhook.Delivery, error) {
	db := s.db.WithContext(ctx)
	q := db.Where("webhook = ?", hook)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []webhookDeliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list deliveries")
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var attempts []webhookAttemptRow
	if len(ids) > 0 {
		if err := db.Where("delivery_id IN ?", ids).Order("id").Find(&attempts).Error; err != nil {
			return nil, wrap(err, "list delivery attempts")
		}
	}
	logs := map[int64][]webhook.Attempt{}
	for _, a := range attempts {
		logs[a.DeliveryID] = append(logs[a.DeliveryID], webhook.Attempt{At: a.At.UTC(), Status: a.Status, Error: a.Error, DurationMS: a.DurationMS})
	}
	out := make([]webhook.Delivery, len(rows))
	for i, r := range rows {
		out[i] = toDelivery(r)
		out[i].Log = orEmpty(logs[r.ID])
	}
	return out, nil
}

// ReplayDeliveries implements webhook.DeliveryLog.
func (s *Webhooks) ReplayDeliveries(ctx context.Context, hook string, ids []int64, dead bool, now, deadline time.Time) (int, error) {
	now = utc(now)
	q := s.db.WithContext(ctx).Model(&webhookDeliveryRow{}).
		Where("webhook = ? AND (lease_until IS NULL OR lease_until < ?)", hook, now)
	if dead {
		q = q.Where("status = ?", webhook.StatusDead)
	} else {
		q = q.Where("id IN ?", ids)
	}
	res := q.Updates(map[string]any{"status": webhook.StatusPending, "next_at": now, "deadline": utc(deadline),
		"claimed_by": "", "lease_until": nil})
	return int(res.RowsAffected), wrap(res.Error, "replay deliveries")
}

func toDelivery(r webhookDeliveryRow) webhook.Delivery {
	d := webhook.Delivery{ID: r.ID, Webhook: r.Webhook, EventID: r.EventID, Event: r.Event, CaseNo: r.CaseNo,
		Status: r.Status, Attempts: r.Attempts, NextAt: r.NextAt.UTC(), Deadline: r.Deadline.UTC(), CreatedAt: r.CreatedAt.UTC()}
	if r.DeliveredAt != nil {
		t := r.DeliveredAt.UTC()
		d.DeliveredAt = &t
	}
	return d
}
