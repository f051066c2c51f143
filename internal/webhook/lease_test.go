package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

// A claim is renewed while its holder works through its batch, and one
// that is not renewed (its node died) runs out at its lease.
func TestClaimsAreRenewedOrRunOut(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		register(t, s, "ledger", "http://127.0.0.1:1/hook")
		at := time.Now()
		if err := s.Notifications().AppendEvents(ctx, []compliance.Event{
			event("0f5e7e52-5555-4c1b-9d1e-000000000001", "C-1", at),
			event("0f5e7e52-5555-4c1b-9d1e-000000000002", "C-2", at),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := webhook.NewDispatcher(s.Webhooks(), fast(time.Hour), nil).FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		q := s.Webhooks()
		now := time.Now()
		live, err := q.ClaimDeliveries(ctx, "live/1", now, now.Add(time.Second), 1)
		if err != nil || len(live) != 1 {
			t.Fatalf("claim: %d claims, %v", len(live), err)
		}
		dead, err := q.ClaimDeliveries(ctx, "dead/1", now, now.Add(time.Second), 1)
		if err != nil || len(dead) != 1 {
			t.Fatalf("claim: %d claims, %v", len(dead), err)
		}
		if n, err := q.RenewClaims(ctx, "live/1", now.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("RenewClaims = %d, %v; want 1", n, err)
		}
		later := now.Add(2 * time.Second)
		got, err := q.ClaimDeliveries(ctx, "other/1", later, later.Add(time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Delivery.ID != dead[0].Delivery.ID {
			t.Errorf("after the leases' end another node claimed %+v, want only the dead node's delivery %d", got, dead[0].Delivery.ID)
		}
	})
}

// A dispatcher working through a batch longer than a third of its lease
// renews the lease of what it has not finished yet.
func TestDispatcherRenewsItsClaims(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, func(int) int {
			time.Sleep(1200 * time.Millisecond)
			return http.StatusOK
		})
		register(t, s, "slow", rcv.srv.URL)
		const total = 5
		var events []compliance.Event
		for i := range total {
			events = append(events, event(fmt.Sprintf("0f5e7e52-6666-4c1b-9d1e-%012d", i), fmt.Sprintf("C-%d", i), time.Now()))
		}
		if err := s.Notifications().AppendEvents(ctx, events); err != nil {
			t.Fatal(err)
		}
		cfg := fast(time.Hour)
		cfg.Workers = 1 // five attempts of 1.2 s one after another: 6 s, over a third of the 14 s lease
		d := webhook.NewDispatcher(s.Webhooks(), cfg, nil)
		if _, err := d.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := d.Dispatch(ctx)
			done <- err
		}()
		// The first claim's lease ends by start + 14 s; a renewal moves the
		// lease of the deliveries still held past that.
		firstEnd := start.Add(2*cfg.Timeout + 10*time.Second)
		renewed := false
		for !renewed {
			select {
			case err := <-done:
				t.Fatalf("the batch ended (%v) before a renewal was seen", err)
			case <-time.After(100 * time.Millisecond):
			}
			var leases []time.Time
			if err := s.DB().Table("webhook_deliveries").Where("lease_until IS NOT NULL").Pluck("lease_until", &leases).Error; err != nil {
				t.Fatal(err)
			}
			for _, l := range leases {
				if l.After(firstEnd.Add(time.Second)) {
					renewed = true
				}
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n := countDelivered(t, s); n != total {
			t.Errorf("%d delivered, want %d", n, total)
		}
	})
}
