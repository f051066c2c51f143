// Package webhook delivers the outbox's events to the endpoints an
// administrator registers, signed, in order per case and at least once;
// receivers drop duplicates by the event id. It also mails each account a
// daily digest of what is open for it.
package webhook

import (
	"context"
	"time"

	"powercheck/internal/compliance"
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusDead      = "dead" // gave up: the dead-letter list
)

// SubscribeAll subscribes an endpoint to every event.
const SubscribeAll = "*"

// Endpoint is a registered receiver of events.
type Endpoint struct {
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret signs the deliveries; it is never shown again.
	Secret    string    `json:"-"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Wants reports whether the endpoint subscribed to the event name.
func (e Endpoint) Wants(name string) bool {
	for _, n := range e.Events {
		if n == SubscribeAll || n == name {
			return true
		}
	}
	return false
}

// Settings are the webhooks' settings: the targets they may reach.
type Settings struct {
	// Allow lists host names, addresses and CIDR ranges that endpoints may
	// point at; empty: any target.
	Allow     []string   `json:"allow"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID          int64      `json:"id"`
	Webhook     string     `json:"webhook"`
	EventID     string     `json:"event_id"`
	Event       string     `json:"event"`
	CaseNo      string     `json:"case_no,omitempty"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	NextAt      time.Time  `json:"next_at"`
	Deadline    time.Time  `json:"deadline"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// Log is every attempt, oldest first.
	Log []Attempt `json:"log"`
}

// Attempt is one try to deliver: the receiver's status code, or the error
// when there was no answer.
type Attempt struct {
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// Claim is a delivery a dispatcher holds, with its event.
type Claim struct {
	Delivery Delivery
	Event    compliance.Event
}

// Result is the outcome of one attempt: the delivery's new status and,
// when pending, when it is due again.
type Result struct {
	ID      int64
	Attempt Attempt
	Status  string
	NextAt  time.Time
}

// Registry keeps the endpoints and the settings.
type Registry interface {
	Webhooks(ctx context.Context) ([]Endpoint, error)
	// Webhook returns one endpoint; compliance.ErrNotFound when none.
	Webhook(ctx context.Context, name string) (Endpoint, error)
	// SaveWebhook creates or replaces an endpoint and reports whether it
	// was new.
	SaveWebhook(ctx context.Context, e Endpoint) (bool, error)
	// DeleteWebhook removes an endpoint; compliance.ErrNotFound when none.
	DeleteWebhook(ctx context.Context, name string) error
	// WebhookSettings returns the settings; the zero value when none are stored.
	WebhookSettings(ctx context.Context) (Settings, error)
	SaveWebhookSettings(ctx context.Context, st Settings) error
}

// DeliveryLog reads and replays deliveries.
type DeliveryLog interface {
	// Deliveries lists an endpoint's deliveries, newest first, with id
	// below before (0: from the newest), of status ("" any).
	Deliveries(ctx context.Context, webhook, status string, before int64, limit int) ([]Delivery, error)
	// ReplayDeliveries makes deliveries of webhook due at now again, with
	// a new deadline: the ids given, or every dead one. A delivery in
	// flight is left alone. It returns how many it made due.
	ReplayDeliveries(ctx context.Context, webhook string, ids []int64, dead bool, now, deadline time.Time) (int, error)
}

// Queue is what the dispatcher needs of the store.
type Queue interface {
	Registry
	// RouteHookEvents turns up to limit events not yet routed to the
	// webhooks into deliveries, one per endpoint route names, and marks
	// them routed, in one transaction. It returns how many events it routed.
	RouteHookEvents(ctx context.Context, limit int, route func(compliance.Event) (hooks []string, deadline time.Time)) (int, error)
	// ClaimDeliveries takes up to limit due deliveries for token until
	// leaseUntil: pending, not leased, and with no earlier pending delivery
	// of the same case to the same endpoint.
	ClaimDeliveries(ctx context.Context, token string, now, leaseUntil time.Time, limit int) ([]Claim, error)
	// RenewClaims moves the lease of the pending deliveries token holds on
	// to leaseUntil and returns how many it still holds.
	RenewClaims(ctx context.Context, token string, leaseUntil time.Time) (int, error)
	// FinishDeliveries records attempts of deliveries token holds.
	FinishDeliveries(ctx context.Context, token string, results []Result) error
}
