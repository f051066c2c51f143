//go:build cluster

package clustertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
)

// openStores opens the store of a fresh database through every node and
// returns them with their DSNs.
func openStores(t *testing.T) ([]*sqlstore.Store, []string) {
	t.Helper()
	dsns := clusterDSNs(t)
	out := make([]*sqlstore.Store, len(dsns))
	for i, dsn := range dsns {
		out[i] = openStore(t, dsn)
	}
	return out, dsns
}

// TestAuditSequencerLease claims the audit sequencer's lease through every
// node at once, round after round, each round after the last one's lease
// ran out: exactly one node has it each round.
func TestAuditSequencerLease(t *testing.T) {
	stores, _ := openStores(t)
	ctx := context.Background()
	base := time.Now().UTC()
	for round := range 20 {
		now := base.Add(time.Duration(round) * time.Hour) // the lease of the round before has run out
		got := make([]bool, len(stores))
		atOnce(len(stores), func(i int) {
			ok, err := stores[i].Audit().ClaimAuditSequencer(ctx, fmt.Sprintf("node-%d", i+1), now, time.Minute)
			if err != nil {
				t.Errorf("round %d node %d: claim: %v", round, i+1, err)
			}
			got[i] = ok
		})
		holders := 0
		for _, ok := range got {
			if ok {
				holders++
			}
		}
		// The first round may find no lease row yet: every node creates it
		// and none claims it; from then on one wins each round.
		if holders > 1 || (round > 0 && holders != 1) {
			t.Errorf("round %d: %d nodes hold the lease (%v), want 1", round, holders, got)
		}
	}
}

// TestRevisionPublishing publishes revisions through two nodes at once:
// over the same base (one wins, the other is refused) and unchecked (each
// is stored or refused): the numbers have no gap and no repeat.
func TestRevisionPublishing(t *testing.T) {
	stores, dsns := openStores(t)
	stores = stores[:2]
	ctx := context.Background()
	publish := func(st *sqlstore.Store, base int64, note string) (int64, error) {
		r, err := st.Revisions().PublishDrafts(ctx, compliance.PolicyRevision{Digest: note, CreatedBy: "legal", Note: note,
			CreatedAt: time.Now().UTC(), Base: base}, nil)
		return r.ID, err
	}
	if _, err := publish(stores[0], 0, "first"); err != nil {
		t.Fatalf("first revision: %v", err)
	}
	stored := 1
	for round := range 15 {
		latest, err := stores[round%2].Revisions().LatestRevisionID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checked := round%3 != 2 // every third round appends unchecked
		ids := make([]int64, len(stores))
		errs := make([]error, len(stores))
		atOnce(len(stores), func(i int) {
			base := latest
			if !checked {
				base = 0
			}
			ids[i], errs[i] = publish(stores[i], base, fmt.Sprintf("r%d-n%d", round, i+1))
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, compliance.ErrRevisionConflict):
				// Unchecked publishes racing for one number: one may be
				// refused too, as on a single server.
			default:
				t.Errorf("round %d node %d: publish: %v", round, i+1, err)
			}
		}
		if checked && won != 1 || !checked && won < 1 {
			t.Errorf("round %d (checked %v): %d publishes stored %v, want %s", round, checked, won, ids, map[bool]string{true: "1", false: "1 or 2"}[checked])
		}
		stored += won
	}
	db := rawDB(t, dsns[1], "")
	var n, distinct, maxID int
	mustScan(t, db.QueryRow("SELECT COUNT(*), COUNT(DISTINCT id), MAX(id) FROM policy_revisions"), &n, &distinct, &maxID)
	if n != stored || distinct != stored || maxID != stored {
		t.Errorf("revisions: %d rows, %d distinct numbers, newest %d; want %d, numbered 1..%d", n, distinct, maxID, stored, stored)
	}
}
