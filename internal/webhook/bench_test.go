package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/internal/webhook"
)

// BenchmarkDispatch measures events delivered per second to a receiver on
// a loopback port that answers 200 at once: fan-out, claim, POST, and the
// record of each attempt, 1,000 events over 100 cases a round.
func BenchmarkDispatch(b *testing.B) {
	sqlstoretest.EachBench(b, func(b *testing.B, s *sqlstore.Store) {
		rcv := newBenchReceiver(b)
		ctx := context.Background()
		svc := webhook.NewService(s.Webhooks(), s.Webhooks(), time.Hour)
		if _, _, err := svc.Put(ctx, admin, "bench", webhook.PutWebhookRequest{URL: rcv, Events: []string{"*"}, Secret: secret}); err != nil {
			b.Fatal(err)
		}
		d := webhook.NewDispatcher(s.Webhooks(), webhook.Config{Node: "bench", Batch: 200, Workers: 8}, nil)
		const perRound = 1000
		var spent time.Duration
		round := 0
		for b.Loop() {
			b.StopTimer()
			events := make([]compliance.Event, perRound)
			for i := range events {
				events[i] = event(fmt.Sprintf("00000000-0000-4000-%04d-%012d", round%10000, i), fmt.Sprintf("B-%d", i%100), time.Now())
			}
			if err := s.Notifications().AppendEvents(ctx, events); err != nil {
				b.Fatal(err)
			}
			round++
			b.StartTimer()
			start := time.Now()
			if _, err := d.FanOut(ctx); err != nil {
				b.Fatal(err)
			}
			sent := 0
			for sent < perRound {
				n, err := d.Dispatch(ctx)
				if err != nil {
					b.Fatal(err)
				}
				sent += n
			}
			spent += time.Since(start)
		}
		b.ReportMetric(float64(round*perRound)/spent.Seconds(), "events/s")
	})
}

func newBenchReceiver(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}
