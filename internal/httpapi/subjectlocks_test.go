package httpapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
)

// recordingLocker is a SubjectLocker that records what it was asked for.
type recordingLocker struct {
	mu    sync.Mutex
	calls [][]string
	err   error
}

func (r *recordingLocker) Lock(_ context.Context, names []string, _ time.Duration) (func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, names)
	return func() {}, r.err
}

var stepSubjects = []compliance.AuditSubject{{Kind: compliance.SubjectStep, Key: "S-1"}, {Kind: compliance.SubjectCase, Key: "C-1"}}

func TestSubjectLocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("the step path takes no lock", func(t *testing.T) {
		cross := &recordingLocker{}
		release, err := newSubjectLocks(cross, time.Second).lock(ctx, stepSubjects)
		if err != nil {
			t.Fatal(err)
		}
		release()
		if len(cross.calls) != 0 {
			t.Errorf("cross-node locks taken for a step: %v, want none", cross.calls)
		}
	})

	t.Run("an account is locked on this node and across nodes", func(t *testing.T) {
		cross := &recordingLocker{}
		l := newSubjectLocks(cross, 100*time.Millisecond)
		acct := []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "u1"}}
		release, err := l.lock(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		if len(cross.calls) != 1 || !slices.Equal(cross.calls[0], []string{"account:u1"}) {
			t.Errorf("cross-node locks %v, want [[account:u1]]", cross.calls)
		}
		// Held: a second change of the account on this node waits, then
		// is refused as busy.
		_, err = l.lock(ctx, acct)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second lock while held: %v, want the wait to run out", err)
		}
		var e *compliance.Error
		if !errors.As(l.lockFailure(acct, err), &e) || e.Class != compliance.ClassUnavailable || e.Code != "subject_busy" {
			t.Errorf("lockFailure = %v, want unavailable subject_busy", e)
		}
		release()
		again, err := l.lock(ctx, acct)
		if err != nil {
			t.Fatalf("lock after release: %v", err)
		}
		again()
	})

	t.Run("a failed cross-node lock releases this node's turn", func(t *testing.T) {
		cross := &recordingLocker{err: fmt.Errorf("server gone")}
		l := newSubjectLocks(cross, 100*time.Millisecond)
		acct := []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "u1"}}
		_, err := l.lock(ctx, acct)
		var e *compliance.Error
		if !errors.As(l.lockFailure(acct, err), &e) || e.Code != "audit_unavailable" {
			t.Errorf("lockFailure(%v) = %v, want audit_unavailable", err, e)
		}
		cross.err = nil
		release, err := l.lock(ctx, acct)
		if err != nil {
			t.Fatalf("lock after a failed one: %v (the node's turn was kept)", err)
		}
		release()
	})
}

// BenchmarkSubjectLocksStep is what the audit's ordering costs a step.
func BenchmarkSubjectLocksStep(b *testing.B) {
	l := newSubjectLocks(&recordingLocker{}, time.Second)
	ctx := context.Background()
	for b.Loop() {
		release, err := l.lock(ctx, stepSubjects)
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}

// A change whose state before could not be read is refused with the
// code of the cause: a database that is down is database_unavailable.
func TestBeforeFailure(t *testing.T) {
	down := &compliance.Error{Class: compliance.ClassUnavailable, Code: "database_unavailable",
		Message: "数据库暂时不可用，请稍后重试", Err: fmt.Errorf("read state: connection refused")}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"database down", fmt.Errorf("state of case:C1: %w", down), "database_unavailable"},
		{"other failure", fmt.Errorf("state of case:C1: bad row"), "audit_unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *compliance.Error
			if !errors.As(beforeFailure(tc.err), &e) || e.Class != compliance.ClassUnavailable || e.Code != tc.want {
				t.Errorf("beforeFailure(%v) = %v, want unavailable %s", tc.err, e, tc.want)
			}
		})
	}
}
