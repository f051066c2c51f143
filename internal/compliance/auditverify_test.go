package compliance_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
)

func TestNewestCheckpoint(t *testing.T) {
	t.Parallel()
	h := func(c string) string { return strings.Repeat(c, 64) }
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		in      string
		want    string // "seq hash", or "" for none
		wantErr string
	}{
		{"a checkpoint file", string(compliance.Checkpoint{Seq: 3, Hash: h("a"), At: at}.Line()) +
			string(compliance.Checkpoint{Seq: 9, Hash: h("b"), At: at}.Line()), "9 " + h("b"), ""},
		{"the newest wins, in any order", string(compliance.Checkpoint{Seq: 9, Hash: h("b"), At: at}.Line()) +
			string(compliance.Checkpoint{Seq: 3, Hash: h("a"), At: at}.Line()), "9 " + h("b"), ""},
		{"the service's text log", `time=2026-03-02T09:30:00.000+08:00 level=INFO msg="powercheck listening" addr=127.0.0.1:8080` + "\n" +
			`time=2026-03-02T09:31:00.000+08:00 level=INFO msg="audit checkpoint" seq=41 hash=` + h("c") + " file=/var/lib/pc/audit.cp\n",
			"41 " + h("c"), ""},
		{"the service's JSON log", `{"time":"2026-03-02T09:31:00Z","level":"INFO","msg":"other","seq":99,"hash":"x"}` + "\n" +
			`{"time":"2026-03-02T09:31:00Z","level":"INFO","msg":"audit checkpoint","seq":42,"hash":"` + h("d") + `"}` + "\n",
			"42 " + h("d"), ""},
		{"nothing", "\n\nsome other line\n", "", ""},
		{"a bad hash", `{"seq":4,"hash":"abc"}` + "\n", "", "line 1: checkpoint seq 4 hash \"abc\""},
		{"not JSON", "{seq\n", "", "line 1: not a checkpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cp, ok, err := compliance.NewestCheckpoint(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewestCheckpoint: %v; want an error naming %q", err, tt.wantErr)
				}
				return
			}
			got := ""
			if ok {
				got = fmt.Sprintf("%d %s", cp.Seq, cp.Hash)
			}
			if err != nil || got != tt.want {
				t.Errorf("NewestCheckpoint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestAuditEntryHashCoversEffects(t *testing.T) {
	t.Parallel()
	effects := []compliance.AuditEffect{{Subject: compliance.AuditSubject{Kind: compliance.SubjectWarning, Key: "7"}, After: strings.Repeat("a", 64)}}
	e := compliance.AuditEntry{Seq: 1, At: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), Actor: "system", Role: compliance.SystemActor,
		Action: "SYSTEM sweep", EffectsDigest: compliance.EffectsDigest(effects)}
	plain, sealed := compliance.AuditHash(e), compliance.AuditSeal(e, []byte(strings.Repeat("k", 32)))
	e.EffectsDigest = compliance.EffectsDigest(append(effects, compliance.AuditEffect{Subject: compliance.AuditSubject{Kind: compliance.SubjectAccount, Key: "x"}}))
	if compliance.AuditHash(e) == plain || compliance.AuditSeal(e, []byte(strings.Repeat("k", 32))) == sealed {
		t.Error("an entry's hash does not change with its effects")
	}
	e.EffectsDigest = ""
	e2 := e
	e2.Subjects, e2.BeforeDigest, e2.AfterDigest = "", "", ""
	if compliance.EffectsDigest(nil) != "" || compliance.AuditHash(e) != compliance.AuditHash(e2) {
		t.Error("an entry without effects does not hash as before effects existed")
	}
}
