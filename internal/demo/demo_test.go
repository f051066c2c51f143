package demo_test

import (
	"context"
	"errors"
	"testing"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/demo"
	"powercheck/internal/policy"
	"powercheck/internal/sqlstore/sqlstoretest"
	"powercheck/policies"
)

// The demo district loads through the real service and policies, and shows
// warnings of every step family.
func TestLoad(t *testing.T) {
	ctx := context.Background()
	store := sqlstoretest.MustOpen(t, sqlstoretest.SQLiteDSN(t))
	engine := policy.NewEngine(calendar.Default(), 0)
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Sync(ctx, store.Revisions(), defaults); err != nil {
		t.Fatal(err)
	}
	tokens, err := demo.Load(ctx, checker.SQLStores(store), engine)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(tokens) != len(demo.Accounts) {
		t.Errorf("got %d tokens, want %d", len(tokens), len(demo.Accounts))
	}
	ws, err := store.Warnings().ListWarnings(ctx, compliance.WarningFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]int{}
	for _, w := range ws {
		families[w.Family]++
	}
	for _, f := range []string{"checkpoint", "legal_basis", "discretion", "sequence", "sync", "deadline"} {
		if families[f] == 0 {
			t.Errorf("no %s warning in the demo; got %v", f, families)
		}
	}
	if n, err := store.Cases().CountUnchecked(ctx); err != nil || n != 0 {
		t.Errorf("unchecked steps = %d, %v; want 0", n, err)
	}
	if _, err := demo.Load(ctx, checker.SQLStores(store), engine); !errors.Is(err, demo.ErrLoaded) {
		t.Errorf("second Load: err = %v, want ErrLoaded", err)
	}
}
