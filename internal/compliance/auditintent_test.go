package compliance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

var auditReader = &compliance.Account{Username: "admin", Role: compliance.RoleAdmin}

// departmentChange creates a department as POST /api/v1/departments does,
// under TrackChange, and returns the change's context and its entry, not
// recorded: a node killed between the commit and the entry stops here.
func departmentChange(t *testing.T, st *sqlstore.Store, a *compliance.Audit, code string) (context.Context, compliance.AuditEntry) {
	t.Helper()
	ctx := context.Background()
	subj := []compliance.AuditSubject{{Kind: compliance.SubjectDepartment, Key: code}}
	before, err := a.StateDigest(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	in := compliance.AuditIntent{Actor: "admin", Role: compliance.RoleAdmin, IP: "10.0.0.1",
		Action: "POST /api/v1/departments", Target: "code=" + code, RequestDigest: "req", Subjects: subj, BeforeDigest: before}
	tracked, _ := a.TrackChange(ctx, in)
	if _, err := st.Accounts().CreateDepartment(tracked, compliance.Department{Code: code, Name: "部门" + code,
		CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	after, err := a.StateDigest(ctx, subj)
	if err != nil {
		t.Fatal(err)
	}
	return tracked, compliance.AuditEntry{Actor: in.Actor, Role: in.Role, IP: in.IP, Action: in.Action, Target: in.Target,
		RequestDigest: "req", ResponseDigest: "res", Subjects: compliance.FormatSubjects(subj), BeforeDigest: before, AfterDigest: after}
}

// countIntents counts the stored parts of audit intents.
func countIntents(t *testing.T, st *sqlstore.Store) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Table("audit_intents").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func verdict(t *testing.T, a *compliance.Audit) compliance.AuditVerdict {
	t.Helper()
	v, err := a.VerifyAuditLog(context.Background(), auditReader)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A change committed whose entry was never recorded fails verification
// until recovery completes its entry from its intent, once; the change's
// own entry arriving after that is not recorded twice.
func TestAuditIntentOfACrashedChangeIsRecovered(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		a := auditNode(t, st, nil)
		tracked, late := departmentChange(t, st, a, "D1")

		v := verdict(t, a)
		if v.OK || !strings.Contains(strings.Join(v.Problems, "\n"), "department:D1: stored, but no audit entry records it") {
			t.Fatalf("verdict before recovery = %+v, want department:D1 inserted outside the audit log", v)
		}
		if n, err := a.RecoverIntents(ctx, time.Now().Add(-time.Minute)); err != nil || n != 0 {
			t.Fatalf("RecoverIntents(a minute ago) = %d, %v; want 0: the change may still run", n, err)
		}
		if n, err := a.RecoverIntents(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("RecoverIntents = %d, %v; want 1", n, err)
		}
		if v := verdict(t, a); !v.OK {
			t.Fatalf("verdict after recovery = %+v, want ok", v)
		}
		es, err := a.ListAudit(ctx, auditReader, compliance.AuditFilter{})
		if err != nil || len(es) != 1 {
			t.Fatalf("ListAudit = %d entries, %v; want 1", len(es), err)
		}
		if e := es[0]; e.ResponseDigest != compliance.AuditRecovered || e.Target != "code=D1" || e.Subjects != "department:D1" ||
			e.BeforeDigest != late.BeforeDigest || e.AfterDigest != late.AfterDigest {
			t.Errorf("recovered entry = %+v, want the change's, marked %q", e, compliance.AuditRecovered)
		}
		if n := countIntents(t, st); n != 0 {
			t.Errorf("%d intent parts left after recovery, want 0", n)
		}
		if n, err := a.RecoverIntents(ctx, time.Now().Add(time.Minute)); err != nil || n != 0 {
			t.Errorf("RecoverIntents again = %d, %v; want 0", n, err)
		}
		// The change's node was slow, not dead: its entry comes now.
		if _, err := a.RecordAudit(tracked, late); err != nil {
			t.Fatal(err)
		}
		if v := verdict(t, a); !v.OK || v.Entries != 1 {
			t.Errorf("verdict after the late entry = %+v, want ok with 1 entry", v)
		}
	})
}

// A change recorded as usual leaves no intent, and a refused one whose
// intent is dropped leaves none either.
func TestAuditIntentIsCompletedWithItsEntry(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		a := auditNode(t, st, nil)
		tracked, e := departmentChange(t, st, a, "D1")
		if n := countIntents(t, st); n != 1 {
			t.Fatalf("%d intent parts after the change, want 1", n)
		}
		// An entry recorded inside the change, under writes tracked apart
		// (a job's), is not the change's: the intent stays.
		job, _ := a.TrackWrites(tracked)
		if _, err := a.RecordSystemChange(job, compliance.SystemChange{Action: "job", Target: "inside"}); err != nil {
			t.Fatal(err)
		}
		if n := countIntents(t, st); n != 1 {
			t.Fatalf("%d intent parts after a job's entry inside the change, want 1", n)
		}
		if _, err := a.RecordAudit(tracked, e); err != nil {
			t.Fatal(err)
		}
		if n := countIntents(t, st); n != 0 {
			t.Errorf("%d intent parts after the entry, want 0", n)
		}
		// The same code again: the INSERT fails after its part was written.
		refused, _ := a.TrackChange(ctx, compliance.AuditIntent{Actor: "admin", Role: compliance.RoleAdmin,
			Action: "POST /api/v1/departments", Target: "code=D1"})
		if _, err := st.Accounts().CreateDepartment(refused, compliance.Department{Code: "D1", Name: "重复",
			CreatedAt: time.Now().UTC()}); err == nil {
			t.Fatal("a department created twice")
		}
		if err := a.DropChange(refused); err != nil {
			t.Fatal(err)
		}
		if n := countIntents(t, st); n != 0 {
			t.Errorf("%d intent parts after a refused change, want 0", n)
		}
		if n, err := a.RecoverIntents(ctx, time.Now().Add(time.Minute)); err != nil || n != 0 {
			t.Errorf("RecoverIntents = %d, %v; want 0", n, err)
		}
		if v := verdict(t, a); !v.OK || v.Entries != 2 {
			t.Errorf("verdict = %+v, want ok with 2 entries (the job's and the change's)", v)
		}
	})
}

// Two nodes recovering the same abandoned intents at once record each
// change once.
func TestAuditIntentRecoveryRacesOnTwoNodes(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		sa, sb := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		na, nb := auditNode(t, sa, nil), auditNode(t, sb, nil)
		const changes = 12
		for i := range changes {
			departmentChange(t, sa, na, "D"+string(rune('A'+i)))
		}
		nodes := []*compliance.Audit{na, nb}
		got := make([]int, len(nodes))
		atOnce(len(nodes), func(i int) {
			n, err := nodes[i].RecoverIntents(context.Background(), time.Now().Add(time.Minute))
			if err != nil {
				t.Errorf("node %d: RecoverIntents: %v", i, err)
			}
			got[i] = n
		})
		if got[0]+got[1] != changes {
			t.Errorf("the nodes recovered %d and %d intents, want %d in all", got[0], got[1], changes)
		}
		if v := verdict(t, na); !v.OK || v.Entries != changes {
			t.Errorf("verdict = %+v, want ok with %d entries", v, changes)
		}
	})
}

// The sequencers of two nodes, running, complete the intents that a dead
// node's changes left once they are old enough, each once.
func TestAuditSequencersRecoverAbandonedIntents(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		sa, sb, dead := sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn), sqlstoretest.MustOpen(t, dsn)
		nd := auditNode(t, dead, nil)
		const changes = 5
		for i := range changes {
			departmentChange(t, dead, nd, "D"+string(rune('A'+i)))
		}
		na, nb := auditNode(t, sa, nil), auditNode(t, sb, nil)
		runSequencer(t, na.NewSequencer("node-a", 20*time.Millisecond, time.Second, 50*time.Millisecond))
		runSequencer(t, nb.NewSequencer("node-b", 20*time.Millisecond, time.Second, 50*time.Millisecond))
		deadline := time.Now().Add(20 * time.Second)
		for countIntents(t, sa) > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("%d intent parts left after 20s of two sequencers", countIntents(t, sa))
			}
			time.Sleep(20 * time.Millisecond)
		}
		waitDrained(t, sa, 10*time.Second)
		if v := verdict(t, na); !v.OK || v.Entries != changes {
			t.Errorf("verdict = %+v, want ok with %d entries", v, changes)
		}
	})
}
