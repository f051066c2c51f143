package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// TestTellWarningsStopsAtAnAccountError: a failed read of the handler's
// account stops tellWarnings before it writes an event. After a deadlock
// MySQL has rolled the transaction back, so an event written after the
// error would commit on its own, without its warning.
func TestTellWarningsStopsAtAnAccountError(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	lost := errors.New("deadlock")
	events := -1
	now := time.Now().UTC()
	err := st.transactionOnce(ctx, func(tx *gorm.DB) error {
		rows := []warningRow{{CaseNo: "C1", Dedupe: "d1", StepID: "s1", DepartmentCode: "ZJJ", Rule: "deadline.x", Family: "deadline",
			Level: compliance.LevelPrewarning, Status: compliance.WarningOpen, Message: "m", CreatedAt: now, UpdatedAt: now}}
		_, err := tellWarnings(tx, rows, func(warningRow) (string, error) { return "", lost }, now)
		var n int64
		if cerr := tx.Model(&outboxRow{}).Count(&n).Error; cerr != nil {
			return cerr
		}
		events = int(n)
		return err
	})
	if !errors.Is(err, lost) {
		t.Errorf("tellWarnings: got %v, want the account's error", err)
	}
	if events != 0 {
		t.Errorf("events written before the error stopped it: %d, want 0", events)
	}
}
