package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"powercheck/internal/calendar"
)

// currentQuarter returns today's quarter (YYYY-Qn, Asia/Shanghai), its
// first day and its first month.
func currentQuarter() (string, time.Time) {
	now := time.Now().In(calendar.Shanghai)
	q := (int(now.Month())-1)/3 + 1
	start := time.Date(now.Year(), time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, calendar.Shanghai)
	return fmt.Sprintf("%d-Q%d", now.Year(), q), start
}

func openXLSX(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}
