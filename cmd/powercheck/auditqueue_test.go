package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestAuditVerifyReportsUnsequencedEntries queues entries with no service
// running, as a node that crashed before its sequencer came round leaves
// them: `audit verify` tells of those queued a moment ago and fails on
// those left longer than compliance.AuditSealLimit; a start of the service
// sequences them.
func TestAuditVerifyReportsUnsequencedEntries(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := sqlstoretest.MustOpen(t, dsn)
		queue := func(at time.Time, target string) {
			t.Helper()
			e := compliance.AuditEntry{At: at, Actor: "admin", Role: compliance.RoleAdmin, IP: "127.0.0.1",
				Action: "POST /api/v1/departments", Target: target, RequestDigest: "req", ResponseDigest: "res"}
			if err := st.Audit().EnqueueAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		queue(time.Now().UTC(), "code=D1")
		out, err := verifyAuditWith(dsn, "--state=false")
		if err != nil || !strings.Contains(out, "audit log: 1 newer entries wait to be sequenced") {
			t.Fatalf("verify with a fresh entry queued: %q, %v; want it told, not failed", out, err)
		}

		queue(time.Now().UTC().Add(-time.Minute), "code=D2")
		out, err = verifyAuditWith(dsn, "--state=false")
		if err == nil || !strings.Contains(out, "audit log: 2 entries not sequenced for longer than 10s") ||
			!strings.Contains(out, "no sequencer holds the lease") {
			t.Fatalf("verify with an entry queued a minute ago: %q, %v; want a failure naming them", out, err)
		}

		startServer(t, dsn, "--demo")
		out, err = verifyAuditWith(dsn)
		if err != nil || strings.Contains(out, "sequenced") || !strings.Contains(out, "stored objects match the audit log") {
			t.Fatalf("verify once the service ran: %q, %v; want the queue sequenced and the log clean", out, err)
		}
	})
}
