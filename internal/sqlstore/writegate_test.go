package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
)

// openSQLite opens and migrates a fresh SQLite store, closed when t ends:
// the internal tests cannot use sqlstoretest, which imports this package.
func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "powercheck.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// On SQLite a write statement outside a transaction waits for the write
// gate, as a transaction does; a read does not, and neither does a write
// in a transaction that holds the gate.
func TestWriteGate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openSQLite(t)
	for _, tt := range []struct {
		name  string
		run   func(db *gorm.DB) error
		waits bool
	}{
		{"an insert", func(db *gorm.DB) error {
			return db.Create(&secretRow{Name: "gate-insert", Value: []byte("x"), CreatedAt: time.Now().UTC()}).Error
		}, true},
		{"an update", func(db *gorm.DB) error {
			return db.Model(&secretRow{}).Where("name = ?", "gate-insert").Update("value", []byte("y")).Error
		}, true},
		{"a raw statement", func(db *gorm.DB) error { return db.Exec("DELETE FROM secrets WHERE name = ?", "none").Error }, true},
		{"a read", func(db *gorm.DB) error { var n int64; return db.Model(&secretRow{}).Count(&n).Error }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.writes.enter(ctx); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tt.run(s.db.WithContext(ctx)) }()
			select {
			case err := <-done:
				if tt.waits {
					t.Fatalf("ran while another writer held the gate (err %v)", err)
				}
				s.writes.leave()
			case <-time.After(200 * time.Millisecond):
				if !tt.waits {
					t.Fatal("waited for the write gate")
				}
				s.writes.leave()
				if err := <-done; err != nil {
					t.Fatalf("after the gate opened: %v", err)
				}
			}
		})
	}
	t.Run("a write in a transaction", func(t *testing.T) {
		start := time.Now()
		err := s.transaction(ctx, func(tx *gorm.DB) error {
			return tx.Create(&secretRow{Name: "gate-tx", Value: []byte("x"), CreatedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			t.Fatalf("transaction: %v", err)
		}
		// A statement that waited for the gate its transaction holds would
		// go on only after gateWaitLimit.
		if d := time.Since(start); d > gateWaitLimit/2 {
			t.Errorf("the transaction's write took %v: it waited for its own gate", d)
		}
	})
}
