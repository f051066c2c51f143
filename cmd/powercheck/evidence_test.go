package main

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// enteredOnTime rewrites a database's patrols as if each had been recorded
// when it took place, and drops the back-dating warnings raised for them:
// tests of past days cannot go back in time to record their patrols.
func enteredOnTime(t *testing.T, dsn string) {
	t.Helper()
	db := sqlstoretest.MustOpen(t, dsn).DB()
	if err := db.Exec("UPDATE patrols SET created_at = at").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DELETE FROM warnings WHERE rule = 'patrol.backdated'").Error; err != nil {
		t.Fatal(err)
	}
}

type patrolAnswer struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Counts     bool      `json:"counts"`
	Warnings   []struct {
		Rule, Level, Key, Message string
	} `json:"warnings"`
}

type ledgerDay struct {
	Date       string        `json:"date"`
	Patrols    int           `json:"patrols"`
	NotCounted int           `json:"not_counted"`
	Status     string        `json:"status"`
	Entries    []ledgerEntry `json:"entries"`
}

// ledgerEntry is a patrol as a day of the ledger shows it.
type ledgerEntry struct {
	ID         int64     `json:"id"`
	Inspector  string    `json:"inspector"`
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Counts     bool      `json:"counts"`
	Reason     string    `json:"not_counted_reason"`
}

// TestEvidencePatrols: a patrol counts for its day only when it is recorded
// that day within two hours after its claimed time; a later one is kept,
// shown beside its recorded time, and raises patrol.backdated.
func TestEvidencePatrols(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)
		insp := s.AddAccount(t, "zjj-insp", "dept_inspector", "ZJJ")
		now := time.Now().In(calendar.Shanghai)
		today := calendar.DateOf(now)
		sup := tok[apitest.SupervisionToken]

		t.Run("back-dated by a day: does not fill that day, pre-warning", func(t *testing.T) {
			patrolADayBack(t, s, insp, sup, now)
		})

		// Early in the morning the hours back reach into yesterday; the
		// patrols then stay within today so that the hour's rule is the one tried.
		sinceMidnight := now.Sub(today.Start())
		back := func(d time.Duration) time.Duration {
			if d >= sinceMidnight {
				return sinceMidnight / 2
			}
			return d
		}
		t.Run("three hours back does not count", func(t *testing.T) {
			d := 3 * time.Hour
			if d >= sinceMidnight {
				t.Skip("fewer than three hours into the day")
			}
			p := postPatrol(t, s, insp, now.Add(-d))
			if p.Counts || !isBackdated(p) {
				t.Errorf("patrol 3 hours back = %+v, want not counted and patrol.backdated", p)
			}
			day := zjjPatrolDay(t, s, sup, today)
			i := slices.IndexFunc(day.Entries, func(e ledgerEntry) bool { return e.ID == p.ID })
			if i < 0 || day.Entries[i].Counts || day.Entries[i].Reason != "recorded_late" || day.Entries[i].Inspector != "zjj-insp" {
				t.Errorf("today's entries = %+v, want patrol %d not counted (recorded_late)", day.Entries, p.ID)
			}
		})
		t.Run("one hour back counts", func(t *testing.T) {
			before := zjjPatrolDay(t, s, sup, today)
			p := postPatrol(t, s, insp, now.Add(-back(time.Hour)))
			if !p.Counts || len(p.Warnings) != 0 {
				t.Errorf("patrol an hour back = %+v, want counted, no warning", p)
			}
			after := zjjPatrolDay(t, s, sup, today)
			if after.Patrols != before.Patrols+1 || after.NotCounted != before.NotCounted {
				t.Errorf("today before %+v, after %+v: want one more counted", before, after)
			}
		})
		t.Run("the future beyond the clock skew is refused", func(t *testing.T) {
			r := s.Must(422, "POST", "/api/v1/patrols", insp, patrol(time.Now().Add(10*time.Minute).Format(time.RFC3339)))
			if code := r.ErrorCode(t); code != "invalid_patrol" {
				t.Errorf("code = %s, want invalid_patrol", code)
			}
			if calendar.DateOf(time.Now().Add(2*time.Minute)) == today {
				p := postPatrol(t, s, insp, time.Now().Add(2*time.Minute))
				if !p.Counts {
					t.Errorf("patrol 2 minutes ahead = %+v, want counted", p)
				}
			}
		})
	})
}

// zjjPatrolDay reads ZJJ's patrol ledger of day d.
func zjjPatrolDay(t *testing.T, s *server, token string, d calendar.Date) ledgerDay {
	t.Helper()
	var l struct{ Days []ledgerDay }
	s.Must(200, "GET", "/api/v1/ledgers/patrols?department=ZJJ&from="+d.String()+"&to="+d.String(), token, nil).Decode(t, &l)
	if len(l.Days) != 1 {
		t.Fatalf("ledger of %s: %d days", d, len(l.Days))
	}
	return l.Days[0]
}

// postPatrol records a patrol at at and checks that its recorded time is shown.
func postPatrol(t *testing.T, s *server, insp string, at time.Time) patrolAnswer {
	t.Helper()
	var p patrolAnswer
	s.Must(201, "POST", "/api/v1/patrols", insp, patrol(at.Format(time.RFC3339))).Decode(t, &p)
	if p.RecordedAt.IsZero() || p.RecordedAt.Before(p.At.Add(-5*time.Minute)) {
		t.Errorf("patrol %+v: want its recorded time", p)
	}
	return p
}

// isBackdated tells whether p raised patrol.backdated for its time.
func isBackdated(p patrolAnswer) bool {
	for _, w := range p.Warnings {
		if w.Rule == "patrol.backdated" && w.Level == "prewarning" && w.Key == p.At.In(calendar.Shanghai).Format(time.RFC3339) {
			return true
		}
	}
	return false
}

// patrolADayBack records a patrol of insp a day back and checks, as sup,
// that it does not fill that day, even once closed, and raises a pre-warning.
func patrolADayBack(t *testing.T, s *server, insp, sup string, now time.Time) {
	today := calendar.DateOf(now)
	at := now.Add(-24 * time.Hour).Truncate(time.Second)
	p := postPatrol(t, s, insp, at)
	if p.Counts || !isBackdated(p) {
		t.Errorf("patrol a day back = %+v, want not counted and patrol.backdated", p)
	}
	day := zjjPatrolDay(t, s, sup, today-1)
	if day.Patrols != 0 || day.NotCounted != 1 || day.Status == "ok" || day.Status == "insufficient" {
		t.Errorf("yesterday = %+v, want no patrol counted, one not counted", day)
	}
	if len(day.Entries) != 1 || day.Entries[0].Counts || day.Entries[0].Reason != "recorded_another_day" ||
		!day.Entries[0].At.Equal(at) || calendar.DateOf(day.Entries[0].RecordedAt) != today {
		t.Errorf("yesterday's entries = %+v, want the patrol recorded today, not counted", day.Entries)
	}
	if got := s.warningKeys(t, sup, "ZJJ", "patrol"); !slices.Contains(got, "patrol.backdated/prewarning["+at.Format(time.RFC3339)+"]") {
		t.Errorf("ZJJ patrol warnings = %q, want the back-dated patrol's", got)
	}
	// Closing yesterday does not count it either.
	var res struct{ Evaluated int }
	s.Must(200, "POST", "/api/v1/patrols/close-days", apitest.AdminToken, map[string]any{"from": (today - 1).String(), "to": (today - 1).String()}).Decode(t, &res)
	if k := zjjPatrolDay(t, s, sup, today-1); k.Patrols != 0 {
		t.Errorf("yesterday after closing = %+v", k)
	}
}

type explanationAnswer struct {
	DepartmentCode string `json:"department_code"`
	Month          string `json:"month"`
	SignedBy       string `json:"signed_by"`
	SignedByKind   string `json:"signed_by_kind"`
	SignerRealName string `json:"signer_real_name"`
	Scan           *struct {
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
		SHA256      string `json:"sha256"`
		UploadedBy  string `json:"uploaded_by"`
	} `json:"scan"`
}

// TestEvidenceExplanations: an explanation is signed by a dept_admin of
// its department, and carries a signed scan kept byte for byte with its
// SHA-256, which the audit log records.
func TestEvidenceExplanations(t *testing.T) {
	eachDistrict(t, []string{"--sweep-interval", "0"}, func(t *testing.T, s *server, tok map[string]string) {
		s.EnterCurrentYears(t)
		s.AddAccount(t, "zjj-leader", "dept_admin", "ZJJ")
		s.AddAccount(t, "zjj-former", "dept_admin", "ZJJ")
		s.Must(200, "PATCH", "/api/v1/accounts/zjj-former", apitest.AdminToken, map[string]any{"disabled": true})
		s.AddAccount(t, "scj-admin", "dept_admin", "SCJ")
		admin := tok[apitest.ZJJAdmin]
		first := calendar.DateOf(time.Now()).Start()
		month := func(back int) string {
			return time.Date(first.Year(), first.Month()-time.Month(back), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		}

		t.Run("the signer is an active dept_admin of the department", func(t *testing.T) {
			signerChecks(t, s, admin, month(1))
		})
		t.Run("a name typed in is still taken, as free text", func(t *testing.T) {
			var e explanationAnswer
			r := explainMonth(s, admin, month(4), "孙局长")
			if r.Status != 201 {
				t.Fatalf("signed 孙局长: %d %s", r.Status, r.Body)
			}
			r.Decode(t, &e)
			if e.SignedBy != "孙局长" || e.SignedByKind != "free_text" || e.SignerRealName != "" {
				t.Errorf("explanation = %+v, want free text", e)
			}
		})

		files := scanFiles(t)
		types := []string{"application/pdf", "image/jpeg", "image/png"}
		for i, typ := range types {
			m := month(i + 1)
			t.Run("a scan of type "+typ, func(t *testing.T) {
				if i > 0 {
					if r := explainMonth(s, admin, m, "zjj-admin"); r.Status != 201 {
						t.Fatalf("explanation of %s: %d %s", m, r.Status, r.Body)
					}
				}
				scanRoundTrip(t, s, tok, m, typ, files[typ])
			})
		}

		t.Run("a scan is kept once", func(t *testing.T) {
			apitest.WantCode(t, upload(t, s, scanPath("ZJJ", month(1)), admin, files["image/png"], nil), 409, "scan_exists")
		})
		t.Run("a file named .pdf that is not a PDF is 422", func(t *testing.T) {
			for _, data := range [][]byte{[]byte("这不是 PDF 文件，只是改了扩展名"), []byte("%PD"), {}, []byte(`{"scan":"x"}`)} {
				r := upload(t, s, scanPath("ZJJ", month(4)), admin, data, map[string]string{"Content-Type": "application/pdf",
					"Content-Disposition": `attachment; filename="scan.pdf"`})
				apitest.WantCode(t, r, 422, "unsupported_scan_type")
			}
		})
		t.Run("over 10 MB is 413", func(t *testing.T) {
			big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{'0'}, 10<<20)...)
			apitest.WantCode(t, upload(t, s, scanPath("ZJJ", month(4)), admin, big, nil), 413, "payload_too_large")
		})
		t.Run("the explanation comes first", func(t *testing.T) {
			apitest.WantCode(t, upload(t, s, scanPath("ZJJ", month(6)), admin, files["image/png"], nil), 404, "explanation_not_found")
		})
		t.Run("scoped like the explanation", func(t *testing.T) {
			scanScoped(t, s, tok, month(1), month(4), files["image/png"])
		})
	})
}
