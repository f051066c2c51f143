package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestDigestClaimAndUnread(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		key := "digest|zjj-admin|2026-12-07"
		for i, want := range []bool{true, false} {
			if got, err := s.Webhooks().ClaimDigest(ctx, key, time.Now()); err != nil || got != want {
				t.Errorf("claim %d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if err := s.Webhooks().ReleaseDigest(ctx, key); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Webhooks().ClaimDigest(ctx, key, time.Now()); err != nil || !got {
			t.Errorf("claim after release = %v, %v; want true", got, err)
		}
		n, ok, err := s.Notifications().UnreadNotifications(ctx, "zjj-admin")
		if err != nil || !ok || n != 0 {
			t.Errorf("unread = %d, %v, %v; want 0 from the inbox", n, ok, err)
		}
	})
}
