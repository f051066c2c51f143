package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/demo"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// verifyAuditWith runs `powercheck audit verify --db dsn` with more flags.
func verifyAuditWith(dsn string, flags ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"audit", "verify", "--db", dsn}, flags...), &out, io.Discard)
	return out.String(), err
}

// waitCheckpoint waits for the checkpoint file to name the log's head,
// with no entry left to sequence.
func waitCheckpoint(t *testing.T, st *sqlstore.Store, file string) compliance.Checkpoint {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		head, err := st.Audit().AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// The head is the last entry sequenced: one still queued would move
		// it (and the checkpoints) on after this returns.
		backlog, err := st.Audit().AuditBacklog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cp, ok, err := readCheckpoint(file)
		if err == nil && ok && cp.Seq == head.Seq && cp.Hash == head.Hash && backlog.Count == 0 {
			return cp
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint file: %+v, %v, %v; want the head %+v", cp, ok, err, head)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAuditVerifyNamesTampering edits the database behind the service's
// back, as someone with access to the database only would, and checks that
// `powercheck audit verify` and GET /api/v1/audit/verify name each edit,
// and that the log verifies clean again once the edit is undone.
func TestAuditVerifyNamesTampering(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		dir := t.TempDir()
		keyFile, cpFile := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.checkpoints")
		if err := os.WriteFile(keyFile, []byte(strings.Repeat("cd", 32)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// The demo district (its objects created by the system, not through
		// the API), then a step that raises warnings, a transition and a
		// sweep through the API; no job of the service's own runs.
		s := startServer(t, dsn, "--demo", "--audit-key-file", keyFile, "--audit-checkpoint-file", cpFile,
			"--audit-checkpoint-interval", "20ms", "--sweep-interval", "0", "--recheck-interval", "0", "--policy-poll", "0")
		st := sqlstoretest.Open(t, dsn)
		var stepRes apitest.StepAnswer
		s.Must(201, "POST", "/api/v1/steps", demo.TokenOf("zjj-clerk"),
			apitest.FirstStep("T-0001-accept", "ZJJ-2026-0901", "XK-ZJJ-001", "accept", "2026-03-02T09:30:00+08:00")).Decode(

			t, &stepRes)

		if len(stepRes.Warnings) == 0 {
			t.Fatal("the step raised no warning")
		}
		raised := stepRes.Warnings[0].ID
		s.Must(200, "POST", fmt.Sprintf("/api/v1/warnings/%d/transitions", raised), demo.TokenOf("zjj-admin"),
			map[string]string{"action": "explain", "note": "已作书面说明"})
		s.Must(200, "POST", "/api/v1/sweeps", apitest.AdminToken, nil)
		time.Sleep(100 * time.Millisecond) // an entry is written just after its answer
		cp := waitCheckpoint(t, st, cpFile)

		withKey := []string{"--key-file", keyFile}
		withCheckpoint := []string{"--key-file", keyFile, "--checkpoint-file", cpFile}
		clean := func(t *testing.T) {
			t.Helper()
			if out, err := verifyAuditWith(dsn, withCheckpoint...); err != nil || !strings.Contains(out, "stored objects match the audit log") ||
				!strings.Contains(out, fmt.Sprintf("reaches its checkpoint of %s: entry %d", cp.At.UTC().Format(time.RFC3339), cp.Seq)) {
				t.Fatalf("verify: %q, %v; want everything accounted for", out, err)
			}
			var v compliance.AuditVerdict
			s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
			if !v.OK || len(v.Problems) != 0 || v.Checkpoint == nil || v.Checkpoint.Seq != cp.Seq {
				t.Fatalf("GET /api/v1/audit/verify: %+v; want ok against checkpoint %d", v, cp.Seq)
			}
		}
		clean(t)

		head, err := st.Audit().AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var prevHash string
		if err := st.DB().Raw("SELECT hash FROM audit_log WHERE seq = ?", head.Seq-1).Scan(&prevHash).Error; err != nil {
			t.Fatal(err)
		}
		fx := tamperFixture{raised: raised, head: head, prevHash: prevHash, cp: cp, withKey: withKey, withCheckpoint: withCheckpoint}
		for _, tc := range tamperCases(fx) {
			t.Run(tc.name, func(t *testing.T) {
				execAll(t, st, tc.tamper...)
				out, err := verifyAuditWith(dsn, tc.flags...)
				for _, want := range tc.want {
					if err == nil || !strings.Contains(out, want) {
						t.Errorf("verify %v: out %q, err %v; want a failure naming %q", tc.flags, out, err, want)
					}
				}
				var v compliance.AuditVerdict
				s.Must(200, "GET", "/api/v1/audit/verify", apitest.AdminToken, nil).Decode(t, &v)
				if last := tc.want[len(tc.want)-1]; v.OK || !strings.Contains(strings.Join(v.Problems, "\n"), last) {
					t.Errorf("GET /api/v1/audit/verify: %+v; want a problem naming %q", v, last)
				}
				execAll(t, st, tc.undo...)
				clean(t)
			})
		}
	})
}

// tamperCase is an edit behind the service's back, the statements that undo
// it, verify's flags and what verify must name.
type tamperCase struct {
	name   string
	tamper []string
	undo   []string
	flags  []string
	want   []string
}

// tamperFixture is what TestAuditVerifyNamesTampering's edits refer to.
type tamperFixture struct {
	raised         int64                 // a warning the step raised
	head           compliance.AuditHead  // the log's head
	prevHash       string                // the hash of the entry before the head
	cp             compliance.Checkpoint // the checkpoint naming the head
	withKey        []string              // verify's flags with the key
	withCheckpoint []string              // verify's flags with the key and checkpoint
}

// execAll runs the statements on the store's database.
func execAll(t *testing.T, st *sqlstore.Store, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if err := st.DB().Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// saveRows copies the rows of table matching where aside, into saved_table.
func saveRows(table, where string) []string {
	return []string{"CREATE TABLE saved_" + table + " AS SELECT * FROM " + table + " WHERE " + where}
}

// restoreRows puts the rows saveRows kept back as they were.
func restoreRows(table string) []string {
	return []string{"INSERT INTO " + table + " SELECT * FROM saved_" + table, "DROP TABLE saved_" + table}
}

// tamperCases are the edits TestAuditVerifyNamesTampering makes, one at a time.
func tamperCases(f tamperFixture) []tamperCase {
	raised, head, prevHash, cp, withKey, withCheckpoint := f.raised, f.head, f.prevHash, f.cp, f.withKey, f.withCheckpoint
	return []tamperCase{
		{
			name: "an account row inserted",
			tamper: []string{"INSERT INTO accounts (username, real_name, role, department_code, token_hash, disabled, created_at, updated_at) " +
				"VALUES ('mallory', '某人', 'admin', '', '" + strings.Repeat("e", 64) + "', false, '2026-03-02 08:00:00', '2026-03-02 08:00:00')"},
			undo:  []string{"DELETE FROM accounts WHERE username = 'mallory'"},
			flags: withKey,
			want:  []string{"account:mallory: stored, but no audit entry records it (inserted outside the audit log)"},
		},
		{
			name:   "a demo account's role changed",
			tamper: []string{"UPDATE accounts SET role = 'admin' WHERE username = 'zjj-clerk'"},
			undo:   []string{"UPDATE accounts SET role = 'clerk' WHERE username = 'zjj-clerk'"},
			flags:  withKey,
			want:   []string{"account:zjj-clerk: changed after entry", "outside the audit log (state now differs)"},
		},
		{
			name:   "a warning deleted",
			tamper: append(saveRows("warnings", fmt.Sprintf("id = %d", raised)), fmt.Sprintf("DELETE FROM warnings WHERE id = %d", raised)),
			undo:   restoreRows("warnings"),
			flags:  withKey,
			want:   []string{fmt.Sprintf("warning:%d: recorded by entry", raised), "but no longer stored (deleted outside the audit log)"},
		},
		{
			name:   "a warning's status changed",
			tamper: []string{fmt.Sprintf("UPDATE warnings SET status = 'closed' WHERE id = %d", raised)},
			undo:   []string{fmt.Sprintf("UPDATE warnings SET status = 'explained' WHERE id = %d", raised)},
			flags:  withKey,
			want:   []string{fmt.Sprintf("warning:%d: changed after entry", raised), "the warning's row or its transitions"},
		},
		{
			name: "a transition inserted",
			tamper: []string{fmt.Sprintf("INSERT INTO warning_transitions (warning_id, action, from_state, to_state, actor, role, note, at) "+
				"VALUES (%d, 'close', 'explained', 'closed', 'mallory', 'supervision', '', '2026-03-03 08:00:00')", raised)},
			undo:  []string{fmt.Sprintf("DELETE FROM warning_transitions WHERE warning_id = %d AND actor = 'mallory'", raised)},
			flags: withKey,
			want:  []string{fmt.Sprintf("warning:%d: changed after entry", raised)},
		},
		{
			name: "a transition of no warning inserted",
			tamper: []string{"INSERT INTO warning_transitions (warning_id, action, from_state, to_state, actor, role, note, at) " +
				"VALUES (987654, 'close', 'open', 'closed', 'mallory', 'supervision', '', '2026-03-03 08:00:00')"},
			undo:  []string{"DELETE FROM warning_transitions WHERE warning_id = 987654"},
			flags: withKey,
			want:  []string{"warning_transition:", "stored, but no audit entry records it"},
		},
		{
			name:   "a calendar year deleted",
			tamper: append(saveRows("calendar_years", "year = 2026"), "DELETE FROM calendar_years WHERE year = 2026"),
			undo:   restoreRows("calendar_years"),
			flags:  withKey,
			want:   []string{"calendar:2026: recorded by entry 1, but no longer stored"},
		},
		{
			name: "the newest entry removed and the head moved back",
			tamper: append(append(saveRows("audit_log", fmt.Sprintf("seq = %d", head.Seq)), saveRows("audit_effects", fmt.Sprintf("seq = %d", head.Seq))...),
				fmt.Sprintf("DELETE FROM audit_effects WHERE seq = %d", head.Seq),
				fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", head.Seq),
				fmt.Sprintf("UPDATE audit_head SET seq = %d, hash = '%s' WHERE id = 1", head.Seq-1, prevHash)),
			undo: append(append(restoreRows("audit_log"), restoreRows("audit_effects")...),
				fmt.Sprintf("UPDATE audit_head SET seq = %d, hash = '%s' WHERE id = 1", head.Seq, head.Hash)),
			flags: withCheckpoint,
			want: []string{fmt.Sprintf("audit log intact: %d entries", head.Seq-1),
				fmt.Sprintf("audit log does not reach its checkpoint: the checkpoint of %s names entry %d (hash %s), but the log ends at entry %d",
					cp.At.UTC().Format(time.RFC3339), head.Seq, head.Hash, head.Seq-1), "(truncated)"},
		}}
}
