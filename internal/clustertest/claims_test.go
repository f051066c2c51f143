//go:build cluster

package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/webhook"
)

// TestSweepClaimsOnce records the same ticks of the same cases through
// every node at once, as three sweepers that read the cases at the same
// moment would: each case's tick is claimed by one node only, and its
// warning is stored and told once.
func TestSweepClaimsOnce(t *testing.T) {
	nodes := startNodes(t, clusterDSNs(t))
	tokens := nodes[0].api.SetupDistrict(t)
	ctx := context.Background()
	const cases = 12
	at := apitest.StepTime(time.Now().Add(-time.Hour))
	for c := range cases {
		caseNo := fmt.Sprintf("ZJJ-2026-S%03d", c)
		nodes[c%len(nodes)].api.Submit(t, tokens[apitest.ZJJClerk], apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", at))
	}
	due, err := nodes[0].store.Cases().DueCases(ctx, time.Now().AddDate(2, 0, 0), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != cases {
		t.Fatalf("due cases: got %d, want %d", len(due), cases)
	}
	now := time.Now().UTC()
	next := now.Add(24 * time.Hour)
	ticks := make([]compliance.TickRecord, len(due))
	for i, c := range due {
		ticks[i] = compliance.TickRecord{Case: c, NextCheck: &next, At: now, Revision: 1,
			Findings: []compliance.Finding{{Rule: "deadline.cluster_tick", Level: compliance.LevelPrewarning, Message: "测试", Key: "tick"}}}
	}
	claims := make([][]bool, len(nodes))
	atOnce(len(nodes), func(i int) {
		var err error
		if claims[i], _, err = nodes[i].store.Cases().RecordTicks(ctx, ticks); err != nil {
			t.Errorf("node %d: record ticks: %v", i+1, err)
		}
	})
	for c := range ticks {
		n := 0
		for i := range nodes {
			if c < len(claims[i]) && claims[i][c] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("case %s: claimed by %d nodes, want 1", ticks[c].Case.CaseNo, n)
		}
	}
	db := rawDB(t, dsnOf(t, nodes[1]), "")
	var warnings, raised int
	mustScan(t, db.QueryRow("SELECT COUNT(*) FROM warnings WHERE rule = 'deadline.cluster_tick'"), &warnings)
	mustScan(t, db.QueryRow("SELECT COUNT(*) FROM outbox_events WHERE name = 'warning.raised' AND data LIKE '%deadline.cluster_tick%'"), &raised)
	if warnings != cases || raised != cases {
		t.Errorf("tick warnings: %d stored, %d told; want %d each", warnings, raised, cases)
	}
}

// TestWebhookDeliveriesClaimedOnce has every node claim due deliveries at
// once until none is left: each delivery is claimed by one node, once.
func TestWebhookDeliveriesClaimedOnce(t *testing.T) {
	stores, dsns := openStores(t)
	ctx := context.Background()
	const deliveries = 120
	db := rawDB(t, dsns[0], "")
	now := time.Now().UTC()
	for i := range deliveries {
		_, err := db.Exec(`INSERT INTO webhook_deliveries (event_id, webhook, case_no, event_seq, event, status, next_at, deadline, attempts, claimed_by, created_at)
			VALUES (?, 'hook', '', ?, 'warning.raised', ?, ?, ?, 0, '', ?)`,
			fmt.Sprintf("ev-%04d", i), i+1, webhook.StatusPending, now.Add(-time.Minute), now.Add(time.Hour), now)
		if err != nil {
			t.Fatalf("insert delivery: %v", err)
		}
	}
	claimed := make([][]int64, len(stores))
	atOnce(len(stores), func(i int) {
		st := stores[i]
		token := fmt.Sprintf("node-%d", i+1)
		for empty := 0; empty < 3; {
			cs, err := st.Webhooks().ClaimDeliveries(ctx, token, time.Now().UTC(), time.Now().UTC().Add(time.Hour), 10)
			if err != nil {
				t.Errorf("node %d: claim: %v", i+1, err)
				return
			}
			if len(cs) == 0 {
				empty++
				continue
			}
			for _, c := range cs {
				claimed[i] = append(claimed[i], c.Delivery.ID)
			}
		}
	})
	seen := map[int64]int{}
	for _, ids := range claimed {
		for _, id := range ids {
			seen[id]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d: claimed %d times, want once", id, n)
		}
	}
	if len(seen) != deliveries {
		t.Errorf("deliveries claimed: %d, want %d (per node: %d, %d, %d)", len(seen), deliveries, len(claimed[0]), len(claimed[1]), len(claimed[2]))
	}
}
