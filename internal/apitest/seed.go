package apitest

import (
	"context"
	"testing"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
)

// SeedAsServe enters what serve enters on an empty database, through the
// services: the shipped calendar and the first admin (token AdminToken),
// both recorded in the audit log, so that a test of the log finds it whole.
func SeedAsServe(t testing.TB, ctx context.Context, svcs *checker.Services) {
	t.Helper()
	seeding, seeded := svcs.Audit.TrackWrites(ctx)
	if err := svcs.Accounts.SyncCalendar(seeding); err != nil {
		t.Fatalf("calendar: %v", err)
	}
	if _, err := svcs.Accounts.Bootstrap(ctx, AdminToken); err != nil {
		t.Fatalf("bootstrap admin: %v", err)
	}
	written, err := seeded(ctx)
	if err != nil {
		t.Fatalf("calendar writes: %v", err)
	}
	if _, err := svcs.Audit.RecordSystemChange(ctx, compliance.SystemChange{Action: "bootstrap", Target: "username=admin",
		Result: map[string]string{"username": "admin"}, Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}},
		Written: written}); err != nil {
		t.Fatalf("audit bootstrap: %v", err)
	}
}
