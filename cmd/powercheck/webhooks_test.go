package main

import (
	"crypto/hmac"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

const hookSecret = "e2e-webhook-secret-0123"

// hookReceiver records the signed events it receives and answers 200.
type hookReceiver struct {
	mu  sync.Mutex
	got []hookRequest
	srv *httptest.Server
}

type hookRequest struct {
	event, id string
	signed    bool
	body      []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		want := "sha256=" + webhook.Sign(hookSecret, r.Header.Get("X-Powercheck-Timestamp"), body)
		h.mu.Lock()
		h.got = append(h.got, hookRequest{event: r.Header.Get("X-Powercheck-Event"), id: r.Header.Get("X-Powercheck-Delivery"),
			signed: hmac.Equal([]byte(want), []byte(r.Header.Get("X-Powercheck-Signature"))), body: body})
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the requests once one of them satisfies ok, or fails.
func (h *hookReceiver) wait(t *testing.T, ok func(hookRequest) bool) []hookRequest {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		h.mu.Lock()
		got := slices.Clone(h.got)
		h.mu.Unlock()
		if slices.ContainsFunc(got, ok) {
			return got
		}
	}
	t.Fatal("the receiver got no such request in 20 s")
	return nil
}

type deliveryItem struct {
	ID      int64  `json:"id"`
	EventID string `json:"event_id"`
	Status  string `json:"status"`
	Log     []struct {
		Status int `json:"status"`
	} `json:"log"`
}

func TestWebhooksAPI(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, "--webhook-fanout-interval", "50ms", "--webhook-dispatch-interval", "50ms",
			"--webhook-retry-base", "20ms", "--webhook-retry-cap", "100ms")
		tok := s.SetupDistrict(t)
		rcv := newHookReceiver(t)
		good := map[string]any{"url": rcv.srv.URL + "/in", "events": []string{"warning.raised", "warning.escalated"}, "secret": hookSecret}

		t.Run("administrators only", func(t *testing.T) {
			for _, who := range []string{tok[apitest.ZJJAdmin], tok[apitest.LegalToken], tok[apitest.SupervisionToken]} {
				apitest.WantCode(t, s.Do("GET", "/api/v1/webhooks", who, nil), 403, "forbidden")
				apitest.WantCode(t, s.Do("PUT", "/api/v1/webhooks/ledger", who, good), 403, "forbidden")
				apitest.WantCode(t, s.Do("GET", "/api/v1/mail-settings", who, nil), 403, "forbidden")
				apitest.WantCode(t, s.Do("PUT", "/api/v1/webhooks-settings", who, map[string]any{"allow": []string{}}), 403, "forbidden")
			}
		})
		t.Run("bad endpoints are refused with their fields", func(t *testing.T) {
			tests := []struct {
				name, hook string
				body       map[string]any
				fields     []string
			}{
				{"bad name", "Ledger_1", good, []string{"name"}},
				{"not http", "ledger", apitest.With(good, "url", "ftp://example.cn/x"), []string{"url"}},
				{"unknown event", "ledger", apitest.With(good, "events", []string{"case.opened"}), []string{"events"}},
				{"short secret", "ledger", apitest.With(good, "secret", "too-short"), []string{"secret"}},
				{"all wrong", "ledger", map[string]any{"url": "nope", "events": []string{}, "secret": ""}, []string{"url", "events", "secret"}},
			}
			for _, tt := range tests {
				r := s.Do("PUT", "/api/v1/webhooks/"+tt.hook, apitest.AdminToken, tt.body)
				apitest.WantCode(t, r, 422, "webhook_invalid")
				if got := fieldsOf(t, r); !slices.Equal(got, tt.fields) {
					t.Errorf("%s: fields %v, want %v", tt.name, got, tt.fields)
				}
			}
			s.Must(200, "GET", "/api/v1/webhooks", apitest.AdminToken, nil)
		})
		t.Run("registered; the secret is never shown", func(t *testing.T) {
			s.Must(201, "PUT", "/api/v1/webhooks/ledger", apitest.AdminToken, good)
			r := s.Must(200, "PUT", "/api/v1/webhooks/ledger", apitest.AdminToken, apitest.With(good, "secret", nil))
			list := s.Must(200, "GET", "/api/v1/webhooks", apitest.AdminToken, nil)
			if strings.Contains(string(r.Body)+string(list.Body), hookSecret) || !strings.Contains(string(list.Body), `"ledger"`) {
				t.Errorf("answers %s / %s: want ledger listed and no secret", r.Body, list.Body)
			}
		})
		t.Run("the allow-list refuses targets outside it", func(t *testing.T) {
			s.Must(200, "PUT", "/api/v1/webhooks-settings", apitest.AdminToken, map[string]any{"allow": []string{"10.9.9.0/24", "hooks.example.cn"}})
			r := s.Do("PUT", "/api/v1/webhooks/other", apitest.AdminToken, good)
			apitest.WantCode(t, r, 422, "webhook_invalid")
			if got := fieldsOf(t, r); !slices.Equal(got, []string{"url"}) {
				t.Errorf("fields %v, want [url]", got)
			}
			apitest.WantCode(t, s.Do("PUT", "/api/v1/webhooks-settings", apitest.AdminToken, map[string]any{"allow": []string{"not a host"}}), 422, "webhook_settings_invalid")
			s.Must(200, "PUT", "/api/v1/webhooks-settings", apitest.AdminToken, map[string]any{"allow": []string{"127.0.0.0/8"}})
		})
		t.Run("a raised warning is pushed, logged and replayed", func(t *testing.T) { checkWarningPushed(t, s, tok, rcv) })
		t.Run("mail settings keep the password unread", func(t *testing.T) { checkMailSettings(t, s) })
		t.Run("deleted", func(t *testing.T) {
			s.Must(204, "DELETE", "/api/v1/webhooks/ledger", apitest.AdminToken, nil)
			s.Must(404, "DELETE", "/api/v1/webhooks/ledger", apitest.AdminToken, nil)
			s.Must(404, "GET", "/api/v1/webhooks/ledger/deliveries", apitest.AdminToken, nil)
			if list := s.Must(200, "GET", "/api/v1/webhooks", apitest.AdminToken, nil); strings.Contains(string(list.Body), "ledger") {
				t.Errorf("deleted endpoint still listed: %s", list.Body)
			}
		})
	})
}

// checkWarningPushed raises alarms on a case and follows their events to
// the receiver, into the delivery log and through a replay.
func checkWarningPushed(t *testing.T, s *server, tok map[string]string, rcv *hookReceiver) {
	clerk := tok[apitest.ZJJClerk]
	s.Must(201, "POST", "/api/v1/steps", clerk, apitest.FirstStep("W1-accept", "ZJJ-2026-0701", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
	d := apitest.Step("W1-decide", "ZJJ-2026-0701", "decide", "2026-03-04T09:30:00+08:00")
	d["legal_basis_ids"] = []string{}
	s.Must(201, "POST", "/api/v1/steps", clerk, d)
	raised := func(r hookRequest) bool {
		return r.event == "warning.raised" && r.signed && strings.Contains(string(r.body), "ZJJ-2026-0701")
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("deliveries: %s", s.Do("GET", "/api/v1/webhooks/ledger/deliveries", apitest.AdminToken, nil).Body)
		}
	})
	got := rcv.wait(t, raised)
	first := got[slices.IndexFunc(got, raised)]
	// The dispatcher logs the delivery once it has read the receiver's
	// answer, a moment after the receiver saw the request.
	var page struct {
		Items []deliveryItem `json:"items"`
	}
	i := -1
	logged := func() bool {
		s.Must(200, "GET", "/api/v1/webhooks/ledger/deliveries?status=delivered", apitest.AdminToken, nil).Decode(t, &page)
		i = slices.IndexFunc(page.Items, func(d deliveryItem) bool { return d.EventID == first.id })
		return i >= 0 && len(page.Items[i].Log) > 0 && page.Items[i].Log[0].Status == 200
	}
	for deadline := time.Now().Add(10 * time.Second); !logged(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("delivery log lacks event %s after 10 s: %+v", first.id, page.Items)
		}
	}
	apitest.WantCode(t, s.Do("POST", "/api/v1/webhooks/ledger/replay", apitest.AdminToken, map[string]any{}), 422, "replay_empty")
	s.Must(404, "POST", "/api/v1/webhooks/nobody/replay", apitest.AdminToken, map[string]any{"dead": true})
	sent := func() int {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return len(slices.DeleteFunc(slices.Clone(rcv.got), func(r hookRequest) bool { return r.id != first.id }))
	}
	before := sent()
	r := s.Must(200, "POST", "/api/v1/webhooks/ledger/replay", apitest.AdminToken, map[string]any{"deliveries": []int64{page.Items[i].ID}})
	if !strings.Contains(string(r.Body), `"replayed":1`) {
		t.Errorf("replay answer %s", r.Body)
	}
	rcv.wait(t, func(hookRequest) bool { return sent() > before })
	apitest.WantCode(t, s.Do("GET", "/api/v1/webhooks/ledger/deliveries?status=lost", apitest.AdminToken, nil), 400, "bad_status")
}

func checkMailSettings(t *testing.T, s *server) {
	body := map[string]any{"enabled": false, "host": "127.0.0.1", "port": 2525, "starttls": false, "username": "pc",
		"password": "smtp-secret-pw", "sender": "powercheck@example.cn", "recipients": map[string]string{"zjj-admin": "wang@example.cn"}}
	r := s.Must(200, "PUT", "/api/v1/mail-settings", apitest.AdminToken, body)
	g := s.Must(200, "GET", "/api/v1/mail-settings", apitest.AdminToken, nil)
	if strings.Contains(string(r.Body)+string(g.Body), "smtp-secret-pw") || !strings.Contains(string(g.Body), `"password_set":true`) ||
		!strings.Contains(string(g.Body), `"digest_hour":8`) {
		t.Errorf("mail settings answers %s / %s", r.Body, g.Body)
	}
	bad := s.Do("PUT", "/api/v1/mail-settings", apitest.AdminToken, apitest.With(body, "sender", "nobody", "digest_hour", 25))
	apitest.WantCode(t, bad, 422, "mail_settings_invalid")
	if got := fieldsOf(t, bad); !slices.Equal(got, []string{"sender", "digest_hour"}) {
		t.Errorf("fields %v, want [sender digest_hour]", got)
	}
}

func TestWebhookFlagsChecked(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" when valid
	}{
		{nil, ""},
		{[]string{"--webhook-retry-base", "1s", "--webhook-retry-cap", "1m", "--webhook-retry-window", "1h"}, ""},
		{[]string{"--webhook-dispatch-interval", "0", "--mail-digest-interval", "0"}, ""},
		{[]string{"--webhook-retry-base", "1m", "--webhook-retry-cap", "1s"}, "--webhook-retry-cap"},
		{[]string{"--webhook-timeout", "0"}, "--webhook-timeout"},
		{[]string{"--webhook-fanout-interval", "-1s"}, "--webhook-fanout-interval"},
		{[]string{"--webhook-dispatch-interval", "1ns"}, "--webhook-dispatch-interval"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		o := hookFlags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		err := o.check()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%v: %v, want an error naming %q", tt.args, err, tt.want)
		}
	}
}
