package compliance

import (
	"testing"
	"time"

	"powercheck/internal/calendar"
)

func TestPatrolNotCounted(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Shanghai)
	tests := []struct {
		name     string
		recorded time.Time
		window   time.Duration
		want     string
	}{
		{"at once", at.Add(5 * time.Minute), 2 * time.Hour, ""},
		{"at the window's end", at.Add(2 * time.Hour), 2 * time.Hour, ""},
		{"after the window", at.Add(2*time.Hour + time.Minute), 2 * time.Hour, PatrolRecordedLate},
		{"within a wider window", at.Add(2*time.Hour + time.Minute), 3 * time.Hour, ""},
		{"the next day", at.Add(16 * time.Hour), 24 * time.Hour, PatrolRecordedAnotherDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PatrolNotCounted(at, tt.recorded, tt.window); got != tt.want {
				t.Errorf("PatrolNotCounted(09:00, %s, %v) = %q, want %q", tt.recorded.Format("15:04"), tt.window, got, tt.want)
			}
		})
	}
	if got := DefaultRuleParams.PatrolEntryWindow(); got != 2*time.Hour {
		t.Errorf("default entry window = %v, want 2h", got)
	}
}
