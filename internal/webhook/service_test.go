package webhook_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

func fields(err error) []string {
	var e *compliance.Error
	if !errors.As(err, &e) {
		return nil
	}
	fs, _ := e.Details.([]compliance.FieldError)
	var out []string
	for _, f := range fs {
		out = append(out, f.Field)
	}
	return out
}

func TestPutValidates(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		svc := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour)
		ok := webhook.PutWebhookRequest{URL: "http://127.0.0.1:9/hook", Events: []string{"warning.raised"}, Secret: secret}
		tests := []struct {
			name, hook string
			edit       func(*webhook.PutWebhookRequest)
			want       []string
		}{
			{"valid", "ledger", func(*webhook.PutWebhookRequest) {}, nil},
			{"bad name", "Ledger_1", func(*webhook.PutWebhookRequest) {}, []string{"name"}},
			{"long name", strings.Repeat("a", 41), func(*webhook.PutWebhookRequest) {}, []string{"name"}},
			{"ftp url", "x", func(r *webhook.PutWebhookRequest) { r.URL = "ftp://example.cn/" }, []string{"url"}},
			{"no host", "x", func(r *webhook.PutWebhookRequest) { r.URL = "http:///hook" }, []string{"url"}},
			{"credentials in url", "x", func(r *webhook.PutWebhookRequest) { r.URL = "https://u:p@example.cn/" }, []string{"url"}},
			{"unknown event", "x", func(r *webhook.PutWebhookRequest) { r.Events = []string{"warning.raised", "case.closed"} }, []string{"events"}},
			{"no events", "x", func(r *webhook.PutWebhookRequest) { r.Events = nil }, []string{"events"}},
			{"short secret", "x", func(r *webhook.PutWebhookRequest) { r.Secret = "short" }, []string{"secret"}},
			{"new without secret", "y", func(r *webhook.PutWebhookRequest) { r.Secret = "" }, []string{"secret"}},
			{"replace keeps secret", "ledger", func(r *webhook.PutWebhookRequest) { r.Secret = ""; r.Events = []string{"*", "warning.raised"} }, nil},
		}
		for _, tt := range tests {
			req := ok
			tt.edit(&req)
			_, _, err := svc.Put(context.Background(), admin, tt.hook, req)
			if got := fields(err); !slices.Equal(got, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("%s: fields %v (%v), want %v", tt.name, got, err, tt.want)
			}
		}
		e, err := s.Webhooks().Webhook(context.Background(), "ledger")
		if err != nil || e.Secret != secret || !slices.Equal(e.Events, []string{"*"}) {
			t.Errorf("stored %+v, %v: want the first secret kept and events [*]", e, err)
		}
	})
}

func TestAllowList(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, always(200))
		svc := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour)
		// Registered while any target is allowed.
		register(t, s, "inside", rcv.srv.URL)
		if _, err := svc.PutSettings(ctx, admin, webhook.Settings{Allow: []string{"bad host!"}}); !slices.Equal(fields(err), []string{"allow"}) {
			t.Errorf("bad entry: %v, want a 422 on allow", err)
		}
		if _, err := svc.PutSettings(ctx, admin, webhook.Settings{Allow: []string{"10.9.9.0/24", "hooks.example.cn"}}); err != nil {
			t.Fatal(err)
		}
		req := webhook.PutWebhookRequest{URL: rcv.srv.URL, Events: []string{"*"}, Secret: secret}
		if _, _, err := svc.Put(ctx, admin, "outside", req); !slices.Equal(fields(err), []string{"url"}) {
			t.Errorf("target outside the allow-list: %v, want a 422 on url", err)
		}
		req.URL = "https://hooks.example.cn/in"
		req.Events = []string{compliance.EventPolicyPublished} // not dialled below
		if _, _, err := svc.Put(ctx, admin, "named", req); err != nil {
			t.Errorf("listed host name refused: %v", err)
		}
		req.URL = "http://10.9.9.7:8080/"
		if _, _, err := svc.Put(ctx, admin, "ranged", req); err != nil {
			t.Errorf("address in a listed range refused: %v", err)
		}
		// The endpoint registered before is refused when dialled.
		if err := s.Notifications().AppendEvents(ctx, []compliance.Event{event("0f5e7e52-4444-4c1b-9d1e-000000000004", "C-4", time.Now())}); err != nil {
			t.Fatal(err)
		}
		d := webhook.NewDispatcher(s.Webhooks(), fast(time.Hour), nil)
		if _, err := d.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(rcv.received()); n != 0 {
			t.Errorf("receiver outside the allow-list got %d requests", n)
		}
		log := deliveries(t, s, "inside", webhook.StatusPending)
		if len(log) != 1 || len(log[0].Log) == 0 {
			t.Fatalf("delivery log = %+v, want refused attempts", log)
		}
		for _, a := range log[0].Log {
			if a.Error != "推送目标不在允许的范围内" || a.Status != 0 {
				t.Errorf("attempt %+v, want refused by the allow-list", a)
			}
		}
	})
}
