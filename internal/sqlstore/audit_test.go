package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// appendAll appends perWorker entries from each store in stores, each from
// its own 8 goroutines at once, and fails on any error.
func appendAll(t *testing.T, stores []*sqlstore.Store, perWorker int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(stores)*perWorker)
	for n, s := range stores {
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perWorker {
					e := compliance.AuditEntry{At: at(2, 9, 0, i, g), Actor: fmt.Sprintf("node%d-worker%d", n, g),
						Role: compliance.RoleClerk, IP: "10.0.0.1", Action: "POST /api/v1/steps", Target: fmt.Sprintf("id=S-%d-%d-%d", n, g, i),
						RequestDigest: "req", ResponseDigest: "res"}
					if _, err := s.Audit().AppendAudit(t.Context(), e, nil); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("append: %v", err)
	}
}

func TestAuditConcurrentAppendsFormOneChain(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		if n, err := compliance.VerifyAudit(t.Context(), s.Audit(), nil); err != nil || n != 0 {
			t.Fatalf("empty log: VerifyAudit = %d, %v; want 0, nil", n, err)
		}
		appendAll(t, []*sqlstore.Store{s}, 10)
		n, err := compliance.VerifyAudit(t.Context(), s.Audit(), nil)
		if err != nil || n != 80 {
			t.Fatalf("VerifyAudit = %d, %v; want 80, nil", n, err)
		}
		head, err := s.Audit().AuditHead(t.Context())
		if err != nil || head.Seq != 80 {
			t.Fatalf("AuditHead = %+v, %v; want seq 80", head, err)
		}
	})
}

// Two stores on one database stand for two server nodes.
func TestAuditAppendsFromTwoNodesFormOneChain(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		a, b := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		appendAll(t, []*sqlstore.Store{a, b}, 5)
		if n, err := compliance.VerifyAudit(t.Context(), b.Audit(), nil); err != nil || n != 80 {
			t.Fatalf("VerifyAudit = %d, %v; want 80, nil", n, err)
		}
	})
}

func TestAuditListNewestFirstWithFilters(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		for i := range 5 {
			actor := "alice"
			if i%2 == 1 {
				actor = "bob"
			}
			e := compliance.AuditEntry{At: at(3, 10, i, 0, 0), Actor: actor, Role: compliance.RoleAdmin, IP: "127.0.0.1",
				Action: "POST /api/v1/departments", Target: fmt.Sprintf("code=D%d", i)}
			got, err := s.Audit().AppendAudit(t.Context(), e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != int64(i+1) || got.Hash != compliance.AuditHash(got) {
				t.Fatalf("appended %+v: want seq %d and a matching hash", got, i+1)
			}
		}
		page, err := s.Audit().ListAudit(t.Context(), compliance.AuditFilter{Actor: "alice", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].Seq != 5 || page[1].Seq != 3 {
			t.Fatalf("first page = %+v; want seqs 5, 3", page)
		}
		if !page[0].At.Equal(at(3, 10, 4, 0, 0)) {
			t.Errorf("at = %v, want %v", page[0].At, at(3, 10, 4, 0, 0))
		}
		page, err = s.Audit().ListAudit(t.Context(), compliance.AuditFilter{Actor: "alice", Limit: 2, BeforeSeq: 3})
		if err != nil || len(page) != 1 || page[0].Seq != 1 {
			t.Fatalf("second page = %+v, %v; want seq 1", page, err)
		}
		page, err = s.Audit().ListAudit(t.Context(), compliance.AuditFilter{From: at(3, 10, 1, 0, 0), To: at(3, 10, 3, 0, 0)})
		if err != nil || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 2 {
			t.Fatalf("time window = %+v, %v; want seqs 3, 2", page, err)
		}
	})
}

// TestAuditSealedWithAKey checks a chain sealed with a key: a plain run
// written before the key was set passes, a log rewritten whole by someone
// without the key does not, and neither does one sealed with another key.
func TestAuditSealedWithAKey(t *testing.T) {
	t.Parallel()
	key := []byte(strings.Repeat("k", compliance.MinAuditKey))
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		for i := range 6 {
			k := key
			if i < 3 {
				k = nil // written before the key was set
			}
			e := compliance.AuditEntry{At: at(4, 9, i, 0, 0), Actor: "alice", Role: compliance.RoleAdmin, IP: "127.0.0.1",
				Action: "POST /api/v1/departments", Target: fmt.Sprintf("code=D%d", i)}
			if _, err := s.Audit().AppendAudit(t.Context(), e, k); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := compliance.VerifyAudit(t.Context(), s.Audit(), key); err != nil || n != 6 {
			t.Fatalf("with the key: %d, %v; want 6 intact", n, err)
		}
		for _, tt := range []struct {
			name string
			key  []byte
			want string
		}{
			{"without the key", nil, "entry 4: hash mismatch (altered), unless it was sealed with an audit key: verify with the key"},
			{"with another key", []byte(strings.Repeat("x", compliance.MinAuditKey)), "entry 4: hash mismatch (altered)"},
		} {
			if _, err := compliance.VerifyAudit(t.Context(), s.Audit(), tt.key); err == nil || err.Error() != tt.want {
				t.Errorf("%s: %v; want %q", tt.name, err, tt.want)
			}
		}

		// Someone who can write the database but lacks the key rewrites
		// entry 5 and recomputes every plain hash after it, and the head.
		entries, err := s.Audit().AuditEntries(t.Context(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		entries[4].Actor = "mallory"
		for i := 4; i < len(entries); i++ {
			entries[i].PrevHash = entries[i-1].Hash
			entries[i].Hash = compliance.AuditHash(entries[i])
			if err := s.DB().Exec("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
				entries[i].Actor, entries[i].PrevHash, entries[i].Hash, entries[i].Seq).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DB().Exec("UPDATE audit_head SET hash = ? WHERE id = 1", entries[5].Hash).Error; err != nil {
			t.Fatal(err)
		}
		want := "entry 5: not sealed with the audit key, after sealed entries (rewritten without the key)"
		if _, err := compliance.VerifyAudit(t.Context(), s.Audit(), key); err == nil || err.Error() != want {
			t.Errorf("after a rewrite from entry 5: %v; want %q", err, want)
		}

		// Rewritten whole, from the first entry: no sealed entry is left.
		for i := range entries {
			if i > 0 {
				entries[i].PrevHash = entries[i-1].Hash
			}
			entries[i].Hash = compliance.AuditHash(entries[i])
			if err := s.DB().Exec("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
				entries[i].PrevHash, entries[i].Hash, entries[i].Seq).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DB().Exec("UPDATE audit_head SET hash = ? WHERE id = 1", entries[5].Hash).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := compliance.VerifyAudit(t.Context(), s.Audit(), nil); err != nil {
			t.Fatalf("the forged log is consistent without the key: %v", err)
		}
		want = "entry 6: not sealed with the audit key (the newest entry must be; rewritten without the key, or the server runs without it)"
		if _, err := compliance.VerifyAudit(t.Context(), s.Audit(), key); err == nil || err.Error() != want {
			t.Errorf("after a rewrite of the whole log: %v; want %q", err, want)
		}
	})
}

// TestAuditStatesOfStepAndCase checks that a step and its case read
// together give the bytes each reads alone, whether each is stored or not.
func TestAuditStatesOfStepAndCase(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		_, rec := recordedCase(t, s, "ZJJ-1")
		step := func(id, dept string) compliance.AuditSubject {
			return compliance.AuditSubject{Kind: compliance.SubjectStep, Key: id, Department: dept}
		}
		caseOf := func(no string) compliance.AuditSubject {
			return compliance.AuditSubject{Kind: compliance.SubjectCase, Key: no}
		}
		tests := []struct {
			name     string
			subjects []compliance.AuditSubject
			present  []bool
		}{
			{"a stored step and its case", []compliance.AuditSubject{step(rec.Step.ID, "ZJJ"), caseOf("ZJJ-1")}, []bool{true, true}},
			{"a new step of a stored case", []compliance.AuditSubject{step("ZJJ-1-review", "ZJJ"), caseOf("ZJJ-1")}, []bool{false, true}},
			{"the first step of a new case", []compliance.AuditSubject{step("ZJJ-2-accept", "ZJJ"), caseOf("ZJJ-2")}, []bool{false, false}},
			{"a stored step under another department", []compliance.AuditSubject{step(rec.Step.ID, "SCJ"), caseOf("ZJJ-1")}, []bool{false, true}},
			{"a step without a department (read one by one)", []compliance.AuditSubject{step(rec.Step.ID, ""), caseOf("ZJJ-1")}, []bool{true, true}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Audit().AuditStates(ctx, tt.subjects)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.subjects) {
					t.Fatalf("%d states for %d subjects", len(got), len(tt.subjects))
				}
				for i, subj := range tt.subjects {
					want, err := s.Audit().AuditState(ctx, subj)
					if err != nil {
						t.Fatal(err)
					}
					if (want != nil) != tt.present[i] {
						t.Fatalf("AuditState(%s) present = %v, want %v", subj, want != nil, tt.present[i])
					}
					if !bytes.Equal(got[i], want) || (got[i] == nil) != (want == nil) {
						t.Errorf("AuditStates[%d] (%s) =\n%q\nwant AuditState's\n%q", i, subj, got[i], want)
					}
				}
			})
		}
	})
}
