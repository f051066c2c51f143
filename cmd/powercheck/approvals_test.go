package main

import (
	"time"

	"powercheck/internal/calendar"
)

// stepTime is t as a step's time, to the second, in Asia/Shanghai.
func stepTime(t time.Time) string { return t.In(calendar.Shanghai).Format(time.RFC3339) }
