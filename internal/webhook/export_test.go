package webhook

import "time"

// SetMailerClock makes m read the time from now.
func SetMailerClock(m *Mailer, now func() time.Time) { m.now = now }
