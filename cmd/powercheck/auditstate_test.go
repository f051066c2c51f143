package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// newestAudit returns the newest audit entry, after waiting for the log to
// hold want entries (one is written just after its answer).
func newestAudit(t *testing.T, s *server, st *sqlstore.Store, want int) auditItem {
	t.Helper()
	waitAuditRows(t, st, want)
	var page auditPage
	s.Must(200, "GET", "/api/v1/audit?limit=1", apitest.AdminToken, nil).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Seq != int64(want) {
		t.Fatalf("newest entry %+v, want seq %d", page.Items, want)
	}
	return page.Items[0]
}

func subjects(kv ...string) []compliance.AuditSubject {
	var out []compliance.AuditSubject
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, compliance.AuditSubject{Kind: kv[i], Key: kv[i+1]})
	}
	return out
}

// TestAuditStateDigests checks the object states each audit entry records
// and that verify names an object changed outside the log. It is one
// timeline, each step counting on the entries and states the steps before it
// left, so it stays whole.
func TestAuditStateDigests(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn)
		st := sqlstoretest.Open(t, dsn)
		n := 10 // the first administrator and SetupDistrict's 9 changes
		next := func() auditItem { t.Helper(); n++; return newestAudit(t, s, st, n) }

		t.Run("a created object was absent before", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk],
				apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
			e := next()
			subj := subjects("step", "C1-accept", "case", "ZJJ-2026-0001")
			if e.Subjects != compliance.FormatSubjects(subj) || e.BeforeDigest != compliance.AbsentStateDigest(subj) ||
				len(e.AfterDigest) != 64 || e.AfterDigest == e.BeforeDigest {
				t.Errorf("step entry %+v: want both subjects, absent before, stored after", e)
			}

			var sc struct {
				ID int64 `json:"id"`
			}
			s.Must(201, "POST", "/api/v1/spot-checks", tok[apitest.SupervisionToken], map[string]any{"departments": []string{"ZJJ"},
				"from": "2026-03-01", "to": "2026-03-31", "size": 1, "seed": 7}).Decode(

				t, &sc)

			e = next()
			subj = subjects("spot_check", fmt.Sprint(sc.ID))
			if sc.ID == 0 || e.Subjects != compliance.FormatSubjects(subj) || e.BeforeDigest != compliance.AbsentStateDigest(subj) || len(e.AfterDigest) != 64 {
				t.Errorf("spot check %d entry %+v: want it named by its answer's id, absent before", sc.ID, e)
			}
		})

		t.Run("a replay changes nothing", func(t *testing.T) {
			s.Must(200, "POST", "/api/v1/steps", tok[apitest.ZJJClerk],
				apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
			if e := next(); e.BeforeDigest != e.AfterDigest || len(e.AfterDigest) != 64 {
				t.Errorf("replay entry %+v: want the same state before and after", e)
			}
		})

		t.Run("a later step's before is its case as the step was checked against it", func(t *testing.T) {
			// Taken from the service's read of the case, not read apart: it
			// must be the digest a read of the same rows gives.
			subj := []compliance.AuditSubject{{Kind: "step", Key: "C1-review", Department: "ZJJ"}, {Kind: "case", Key: "ZJJ-2026-0001"}}
			want, err := compliance.StateDigest(context.Background(), st.Audit(), subj)
			if err != nil {
				t.Fatal(err)
			}
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk],
				apitest.Step("C1-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00"))
			e := next()
			if e.BeforeDigest != want || e.AfterDigest == e.BeforeDigest || len(e.AfterDigest) != 64 {
				t.Errorf("later step entry %+v: want before %s (the step absent, the case as stored)", e, want)
			}
		})

		t.Run("a transition changes the warning's state", func(t *testing.T) {
			var list struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			s.Must(200, "GET", "/api/v1/warnings?case_no=ZJJ-2026-0001", tok[apitest.SupervisionToken], nil).Decode(t, &list)
			if len(list.Items) == 0 {
				t.Fatal("the step raised no warning")
			}
			id := list.Items[0].ID
			path := fmt.Sprintf("/api/v1/warnings/%d/transitions", id)
			s.Must(200, "POST", path, tok[apitest.ZJJAdmin], map[string]string{"action": "explain", "note": "已作书面说明"})
			explained := next()
			if explained.Subjects != fmt.Sprintf("warning:%d", id) || explained.BeforeDigest == explained.AfterDigest || len(explained.BeforeDigest) != 64 {
				t.Errorf("transition entry %+v: want the warning's state before and after, different", explained)
			}
		})

		var renamed auditItem
		t.Run("each change starts from the state the one before left", func(t *testing.T) {
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"real_name": "张三"})
			first := next()
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"real_name": "李四"})
			renamed = next()
			if first.Subjects != "account:zjj-clerk" || first.BeforeDigest == first.AfterDigest ||
				renamed.BeforeDigest != first.AfterDigest || renamed.AfterDigest == renamed.BeforeDigest {
				t.Errorf("entries %+v then %+v: want a chain of states", first, renamed)
			}
			if out, err := verifyAudit(dsn); err != nil || !strings.Contains(out, "stored objects match the audit log") {
				t.Errorf("verify: %q, %v", out, err)
			}
		})

		t.Run("publishing consumes drafts without a false alarm", func(t *testing.T) {
			s.Must(200, "PUT", "/api/v1/policies/custom", tok[apitest.LegalToken], apitest.MarkerModule("A"))
			draft := next()
			s.Must(201, "POST", "/api/v1/policies/publish", tok[apitest.LegalToken], map[string]string{"note": "发布"})
			published := next()
			if draft.Subjects != "policy_draft:custom" || published.Subjects != "policies" || published.BeforeDigest == published.AfterDigest {
				t.Errorf("entries %+v then %+v: want the draft, then the policies changed", draft, published)
			}
			if out, err := verifyAudit(dsn); err != nil || !strings.Contains(out, "stored objects match the audit log") {
				t.Errorf("verify: %q, %v", out, err)
			}
		})

		t.Run("verify names an object changed in the database directly", func(t *testing.T) {
			if err := st.DB().Exec("UPDATE accounts SET role = 'admin' WHERE username = 'zjj-clerk'").Error; err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("account:zjj-clerk: changed after entry %d, outside the audit log", renamed.Seq)
			out, err := verifyAudit(dsn)
			if err == nil || !strings.Contains(out, want) || !strings.Contains(out, "audit log intact") {
				t.Fatalf("verify: out %q, err %v; want an intact chain and %q", out, err, want)
			}

			// The next change through the API starts from the altered row:
			// the gap stays visible between the two entries.
			s.Must(200, "PATCH", "/api/v1/accounts/zjj-clerk", apitest.AdminToken, map[string]any{"real_name": "王五"})
			e := next()
			want = fmt.Sprintf("account:zjj-clerk: changed between entries %d and %d, outside the audit log", renamed.Seq, e.Seq)
			if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, want) {
				t.Errorf("verify: out %q, err %v; want %q", out, err, want)
			}
			var out2 strings.Builder
			if err := run(context.Background(), []string{"audit", "verify", "--db", dsn, "--state=false"}, &out2, &out2); err != nil {
				t.Errorf("verify --state=false: %q, %v; want the chain alone, intact", out2.String(), err)
			}
		})

		t.Run("a department's row changed directly is named too", func(t *testing.T) {
			if err := st.DB().Exec("UPDATE departments SET name = '改名' WHERE code = 'SCJ'").Error; err != nil {
				t.Fatal(err)
			}
			if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, "department:SCJ: changed after entry") {
				t.Errorf("verify: out %q, err %v; want department:SCJ named", out, err)
			}
		})
	})
}

// TestAuditSystemJobs checks that the jobs the service runs on its own are
// in the audit log, as the system.
func TestAuditSystemJobs(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		startServer(t, dsn).SetupDistrict(t)

		// A second node, started once the catalog holds its two items:
		// its first tick checks the catalog.
		s := startServer(t, dsn, "--sweep-interval", "100ms")
		items, e := awaitAudit(t, s, "actor=system", 10*time.Second, func(e auditItem) bool { return e.Action == "SYSTEM check_catalog" })
		if e == nil {
			t.Fatalf("no catalog check entry within 10 s; system entries: %+v", items)
		}
		if e.Role != "system" || !strings.HasPrefix(e.Target, "month=") || len(e.ResponseDigest) != 64 || e.IP != "" {
			t.Errorf("catalog check entry %+v", *e)
		}
		if !slices.ContainsFunc(items, func(e auditItem) bool { return e.Action == "SYSTEM bootstrap" }) {
			t.Errorf("system entries %+v: want the bootstrap too", items)
		}
		if out, err := verifyAudit(dsn); err != nil {
			t.Errorf("verify: %q, %v", out, err)
		}
	})
}

// TestAuditKeyFile runs a server that seals its audit entries with a key
// kept in a file, and verifies the log with and without it.
func TestAuditKeyFile(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		keyFile, short := filepath.Join(dir, "audit.key"), filepath.Join(dir, "short.key")
		if err := os.WriteFile(keyFile, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(short, []byte("too short"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--audit-key-file", short}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "want at least 32") {
			t.Fatalf("serve with a 9-byte key: %v; want it refused", err)
		}

		s := startServer(t, dsn, "--audit-key-file", keyFile)
		s.SetupDistrict(t)
		st := sqlstoretest.Open(t, dsn)
		waitAuditRows(t, st, 10)

		var out bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify", "--db", dsn, "--key-file", keyFile}, &out, io.Discard); err != nil ||
			!strings.Contains(out.String(), "audit log intact: 10 entries") {
			t.Errorf("verify with the key: %q, %v", out.String(), err)
		}
		if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, "entry 1: hash mismatch (altered), unless it was sealed with an audit key: verify with the key") {
			t.Errorf("verify without the key: %q, %v; want entry 1 named", out, err)
		}
	})
}

// TestAuditCheckpointAtShutdown runs a server that keeps checkpoints in a
// file: one at start, none on its (long) interval, the last at shutdown once
// every change is logged. Both the file and the server's own log serve as
// `audit verify --checkpoint-file`.
func TestAuditCheckpointAtShutdown(t *testing.T) {
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Setenv("POWERCHECK_BOOTSTRAP_TOKEN", apitest.AdminToken)
		dir := t.TempDir()
		cpFile, logFile := filepath.Join(dir, "audit.checkpoints"), filepath.Join(dir, "serve.log")
		logOut, err := os.Create(logFile)
		if err != nil {
			t.Fatal(err)
		}
		defer logOut.Close()
		r := runServe(t, logOut, "--db", dsn, "--audit-checkpoint-file", cpFile, "--audit-checkpoint-interval", "1h")
		base, err := r.started(t, 30*time.Second)
		if base == "" {
			t.Fatalf("server did not start: %v", err)
		}
		s := &server{Server: &apitest.Server{T: t, Base: base}}
		if cp, ok, err := readCheckpoint(cpFile); err != nil || !ok || cp.Seq != 1 {
			t.Fatalf("checkpoint at start: %+v, %v, %v; want entry 1, the first administrator", cp, ok, err)
		}
		s.SetupDistrict(t)
		r.cancel()
		r.stopped(t, 20*time.Second)

		st := sqlstoretest.Open(t, dsn)
		head, err := st.Audit().AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(cpFile)
		if err != nil {
			t.Fatal(err)
		}
		cp, ok, err := readCheckpoint(cpFile)
		if n := strings.Count(string(data), "\n"); err != nil || !ok || cp.Seq != head.Seq || cp.Hash != head.Hash || n != 2 {
			t.Fatalf("checkpoint file %q: newest %+v, %v; want 2 lines, the last the head %+v", data, cp, err, head)
		}
		for _, file := range []string{cpFile, logFile} {
			var out bytes.Buffer
			if err := run(context.Background(), []string{"audit", "verify", "--db", dsn, "--checkpoint-file", file}, &out, io.Discard); err != nil ||
				!strings.Contains(out.String(), fmt.Sprintf(": entry %d\n", head.Seq)) {
				t.Errorf("verify --checkpoint-file %s: %q, %v; want the log to reach entry %d", filepath.Base(file), out.String(), err, head.Seq)
			}
		}
	})
}

// TestAuditBaselineOfAnEarlierDatabase starts the service on a database an
// earlier version wrote: objects that no entry recorded (a department), one
// that an entry without effects recorded (an account). The first start
// records the former as found; the latter stays followed through its entry.
func TestAuditBaselineOfAnEarlierDatabase(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		st := sqlstoretest.Open(t, dsn)
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if _, err := st.Accounts().CreateDepartment(ctx, compliance.Department{Code: "ZJJ", Name: "区住房和城乡建设局", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Accounts().CreateAccount(ctx, compliance.Account{Username: "zjj-clerk", RealName: "张三", Role: compliance.RoleClerk,
			DepartmentCode: "ZJJ", CreatedAt: now}, strings.Repeat("b", 64)); err != nil {
			t.Fatal(err)
		}
		clerk := subjects("account", "zjj-clerk")
		after, err := compliance.StateDigest(ctx, st.Audit(), clerk)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Audit().AppendAudit(ctx, compliance.AuditEntry{At: now, Actor: "admin", Role: compliance.RoleAdmin, IP: "127.0.0.1",
			Action: "POST /api/v1/accounts", Target: "username=zjj-clerk", RequestDigest: "req", ResponseDigest: "res",
			Subjects: compliance.FormatSubjects(clerk), BeforeDigest: compliance.AbsentStateDigest(clerk), AfterDigest: after}, nil); err != nil {
			t.Fatal(err)
		}
		if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, "department:ZJJ: stored, but no audit entry records it") ||
			strings.Contains(out, "account:") {
			t.Fatalf("verify before the first start: %q, %v; want the department named, not the account", out, err)
		}

		startServer(t, dsn)
		if out, err := verifyAudit(dsn); err != nil || !strings.Contains(out, "stored objects match the audit log") {
			t.Fatalf("verify after the first start: %q, %v", out, err)
		}
		effects, err := st.Audit().AuditEffects(ctx, 1, 1<<40)
		if err != nil {
			t.Fatal(err)
		}
		var baselined []string
		for _, e := range effects {
			baselined = append(baselined, e.Subject.String())
		}
		if got := strings.Join(baselined, " "); !strings.Contains(got, "department:ZJJ") || strings.Contains(got, "account:") {
			t.Errorf("recorded at the first start: %s; want the department, not the account its entry recorded", got)
		}

		if err := st.DB().Exec("UPDATE accounts SET role = 'admin' WHERE username = 'zjj-clerk'").Error; err != nil {
			t.Fatal(err)
		}
		if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, "account:zjj-clerk: changed after entry 1, outside the audit log") {
			t.Errorf("verify: %q, %v; want the account named against its entry 1", out, err)
		}
	})
}
