//go:build cluster

package chaos_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// hookSecret signs the deliveries to the test's receiver.
const hookSecret = "cluster-webhook-secret-0123456789"

// receiver is a webhook endpoint that counts what it is sent, by delivery
// id (X-Powercheck-Delivery, the event's id), and answers 200.
type receiver struct {
	srv *httptest.Server

	mu    sync.Mutex
	times map[string][]time.Time // delivery id → when each copy arrived
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{times: map[string][]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		id := req.Header.Get("X-Powercheck-Delivery")
		r.mu.Lock()
		r.times[id] = append(r.times[id], time.Now())
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// receipts is what the receiver got: distinct delivery ids, all requests,
// ids sent more than once, and ids first received after since.
type receipts struct {
	distinct, requests, repeated, after int
	ids                                 map[string]bool
}

func (r *receiver) count(since time.Time) receipts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := receipts{distinct: len(r.times), ids: map[string]bool{}}
	for id, ts := range r.times {
		c.ids[id] = true
		c.requests += len(ts)
		if len(ts) > 1 {
			c.repeated++
		}
		if ts[0].After(since) {
			c.after++
		}
	}
	return c
}

// hookCounts is what the database and the receiver say of the deliveries
// to the test's endpoint.
type hookCounts struct {
	delivered, pending, dead int
	missing                  int // marked delivered, never received
	got                      receipts
}

// deliveredAfter waits, up to 60 s, until no delivery to the endpoint
// chaos is pending, then compares the delivery rows with what the receiver
// got; since is when the faults ended.
func deliveredAfter(t *testing.T, db *sql.DB, rcv *receiver, since time.Time) hookCounts {
	var h hookCounts
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if err := db.QueryRow("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook = 'chaos' AND status = 'pending'").Scan(&h.pending); err != nil {
			t.Fatalf("count pending deliveries: %v", err)
		}
		if h.pending == 0 || time.Now().After(deadline) {
			break
		}
	}
	h.got = rcv.count(since)
	rows, err := db.Query("SELECT event_id, status FROM webhook_deliveries WHERE webhook = 'chaos'")
	if err != nil {
		t.Fatalf("read deliveries: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			t.Fatal(err)
		}
		switch status {
		case "delivered":
			h.delivered++
			if !h.got.ids[id] {
				h.missing++
			}
		case "dead":
			h.dead++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return h
}

// check fails the test when deliveries stopped, were lost or gave up.
func (h hookCounts) check(t *testing.T) {
	t.Helper()
	if h.delivered == 0 || h.got.after == 0 {
		t.Errorf("deliveries: %d marked delivered, %d first received after the faults; want some of each", h.delivered, h.got.after)
	}
	if h.pending > 0 || h.dead > 0 {
		t.Errorf("deliveries: %d still pending after 60 s, %d dead; want none", h.pending, h.dead)
	}
	if h.missing > 0 {
		t.Errorf("%d deliveries marked delivered never reached the receiver", h.missing)
	}
	if h.got.distinct > h.delivered+h.pending+h.dead {
		t.Errorf("the receiver got %d distinct ids, more than the %d delivery rows", h.got.distinct, h.delivered+h.pending+h.dead)
	}
}
