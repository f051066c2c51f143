package webhook_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

const secret = "0123456789abcdef-secret"

var admin = &compliance.Account{Username: "admin", Role: compliance.RoleAdmin}

// receiver is an endpoint on a loopback port that records what it gets and
// answers with status(n) to the n-th request (from 1).
type receiver struct {
	mu     sync.Mutex
	got    []received
	status func(n int) int
	srv    *httptest.Server
}

type received struct {
	id, event, ts, sig string
	body               []byte
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{id: req.Header.Get("X-Powercheck-Delivery"), event: req.Header.Get("X-Powercheck-Event"),
			ts: req.Header.Get("X-Powercheck-Timestamp"), sig: req.Header.Get("X-Powercheck-Signature"), body: body})
		n := len(r.got)
		r.mu.Unlock()
		w.WriteHeader(r.status(n))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func always(code int) func(int) int { return func(int) int { return code } }

func event(id, caseNo string, at time.Time) compliance.Event {
	data, _ := json.Marshal(map[string]any{"case_no": caseNo, "rule": "deadline.overdue"})
	return compliance.Event{ID: id, Name: compliance.EventWarningRaised, At: at, CaseNo: caseNo, Department: "ZJJ", Data: data}
}

func register(t *testing.T, s *sqlstore.Store, name, url string) {
	t.Helper()
	svc := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour)
	if _, _, err := svc.Put(context.Background(), admin, name, webhook.PutWebhookRequest{URL: url, Events: []string{"*"}, Secret: secret}); err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
}

// pump runs fan-out and dispatch until done reports true or time runs out.
func pump(t *testing.T, d *webhook.Dispatcher, wait time.Duration, done func() bool) {
	t.Helper()
	if err := run(d, wait, done); err != nil {
		t.Fatal(err)
	}
}

func run(d *webhook.Dispatcher, wait time.Duration, done func() bool) error {
	ctx := context.Background()
	deadline := time.Now().Add(wait)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s", wait)
		}
		if _, err := d.FanOut(ctx); err != nil {
			return err
		}
		if _, err := d.Dispatch(ctx); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func fast(window time.Duration) webhook.Config {
	return webhook.Config{Node: "a", Base: 10 * time.Millisecond, Cap: 40 * time.Millisecond, Window: window, Timeout: 2 * time.Second}
}

func TestRetriedUntilDeliveredWithSameIDAndValidSignature(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		rcv := newReceiver(t, func(n int) int {
			if n <= 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		register(t, s, "ledger", rcv.srv.URL+"/hook")
		e := event("0f5e7e52-1111-4c1b-9d1e-000000000001", "C-1", time.Now())
		if err := s.Notifications().AppendEvents(context.Background(), []compliance.Event{e}); err != nil {
			t.Fatal(err)
		}
		d := webhook.NewDispatcher(s.Webhooks(), fast(time.Hour), nil)
		pump(t, d, 20*time.Second, func() bool { return len(rcv.received()) >= 3 })
		got := rcv.received()
		if len(got) != 3 {
			t.Fatalf("received %d requests, want 3", len(got))
		}
		for i, g := range got {
			if g.id != e.ID || g.event != compliance.EventWarningRaised {
				t.Errorf("request %d: delivery %q event %q, want %q %q", i, g.id, g.event, e.ID, compliance.EventWarningRaised)
			}
			want := "sha256=" + webhook.Sign(secret, g.ts, g.body)
			if !hmac.Equal([]byte(g.sig), []byte(want)) {
				t.Errorf("request %d: signature %s, want %s", i, g.sig, want)
			}
			var body struct {
				ID    string          `json:"id"`
				Event string          `json:"event"`
				At    time.Time       `json:"at"`
				Data  json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(g.body, &body); err != nil || body.ID != e.ID || body.Event != e.Name || !strings.Contains(string(body.Data), "C-1") {
				t.Errorf("request %d: body %s (%v)", i, g.body, err)
			}
		}
		log := deliveries(t, s, "ledger", "")
		if len(log) != 1 || log[0].Status != webhook.StatusDelivered || len(log[0].Log) != 3 || log[0].Log[0].Status != 500 || log[0].Log[2].Status != 200 {
			t.Errorf("delivery log = %+v", log)
		}
	})
}

func deliveries(t *testing.T, s *sqlstore.Store, name, status string) []webhook.Delivery {
	t.Helper()
	ds, _, err := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour).Deliveries(context.Background(), name, status, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestDeadAfterWindowThenReplayed(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		var mu sync.Mutex
		down := true
		rcv := newReceiver(t, func(int) int {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return http.StatusServiceUnavailable
			}
			return http.StatusNoContent
		})
		register(t, s, "archive", rcv.srv.URL)
		e := event("0f5e7e52-2222-4c1b-9d1e-000000000002", "C-2", time.Now())
		if err := s.Notifications().AppendEvents(context.Background(), []compliance.Event{e}); err != nil {
			t.Fatal(err)
		}
		// The window stands for the 24 hours: the delivery gives up after it.
		// Wide enough for several 10–40 ms retries on a loaded machine.
		d := webhook.NewDispatcher(s.Webhooks(), fast(1500*time.Millisecond), nil)
		pump(t, d, 20*time.Second, func() bool { return len(deliveries(t, s, "archive", webhook.StatusDead)) == 1 })
		tries := len(rcv.received())
		if tries < 2 {
			t.Errorf("%d attempts before giving up, want several", tries)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		n, err := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour).Replay(context.Background(), "archive", nil, true)
		if err != nil || n != 1 {
			t.Fatalf("replay = %d, %v; want 1", n, err)
		}
		pump(t, d, 20*time.Second, func() bool { return len(deliveries(t, s, "archive", webhook.StatusDelivered)) == 1 })
		got := rcv.received()
		if last := got[len(got)-1]; last.id != e.ID || len(got) != tries+1 {
			t.Errorf("after replay: %d requests, last %q; want %d, %q", len(got), last.id, tries+1, e.ID)
		}
		if dead := deliveries(t, s, "archive", webhook.StatusDead); len(dead) != 0 {
			t.Errorf("dead after replay: %+v", dead)
		}
	})
}

// Two nodes on one database deliver each event once, and the events of a
// case in order.
func TestTwoDispatchersDeliverEachEventOnceInCaseOrder(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s1 := sqlstoretest.MustOpen(t, dsn)
		s2 := sqlstoretest.MustOpen(t, dsn)
		rcv := newReceiver(t, func(n int) int {
			if n%7 == 0 {
				return http.StatusBadGateway // some fail and are retried
			}
			return http.StatusOK
		})
		register(t, s1, "both", rcv.srv.URL)
		const total, cases = 200, 10
		var events []compliance.Event
		at := time.Now()
		for i := range total {
			events = append(events, event(fmt.Sprintf("0f5e7e52-3333-4c1b-9d1e-%012d", i), fmt.Sprintf("C-%d", i%cases), at))
		}
		if err := s1.Notifications().AppendEvents(context.Background(), events); err != nil {
			t.Fatal(err)
		}
		delivered := func() bool { return countDelivered(t, s1) == total }
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*sqlstore.Store{s1, s2} {
			cfg := fast(time.Hour)
			cfg.Node = fmt.Sprint("node-", i)
			cfg.Batch = 20
			d := webhook.NewDispatcher(s.Webhooks(), cfg, nil)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = run(d, 90*time.Second, delivered)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkOnceInOrder(t, rcv.received(), events)
	})
}

func countDelivered(t *testing.T, s *sqlstore.Store) int {
	var n int64
	if err := s.DB().Table("webhook_deliveries").Where("status = ?", webhook.StatusDelivered).Count(&n).Error; err != nil {
		t.Error(err)
	}
	return int(n)
}

// checkOnceInOrder checks that every event was answered 2xx exactly once
// and that, per case, the requests came in the order of the events.
func checkOnceInOrder(t *testing.T, got []received, events []compliance.Event) {
	t.Helper()
	index := map[string]int{}
	caseOf := map[string]string{}
	for i, e := range events {
		index[e.ID], caseOf[e.ID] = i, e.CaseNo
	}
	okCount := map[string]int{}
	last := map[string]int{}
	for n, g := range got {
		if (n+1)%7 != 0 {
			okCount[g.id]++
		}
		i, c := index[g.id], caseOf[g.id]
		if prev, seen := last[c]; seen && i < prev {
			t.Errorf("case %s: event %d after event %d", c, i, prev)
		}
		last[c] = i
	}
	for _, e := range events {
		if okCount[e.ID] != 1 {
			t.Errorf("event %s delivered %d times, want 1", e.ID, okCount[e.ID])
		}
	}
}

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
