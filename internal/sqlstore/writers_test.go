package sqlstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// The step and audit writers group what waits for them into one
// transaction.

var errRefused = errors.New("responder refused")

// The steps submitted while a transaction commits are stored together in
// the next one: a step that fails there is answered with its error and
// leaves nothing behind, while its neighbours are stored.
func TestStepWriterGroupsWaitingSteps(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		// One group at a time, as on SQLite: on MySQL a second writer would
		// take the waiting steps while the first group is held open.
		s.LimitStepWriters(1)
		item := mustZJJItem(t, s)
		stale, current := caseG0(t, s, item)
		before, writes := rowCounts(t, s), s.Cases().StepWrites()

		// The first step holds its transaction open (its responder waits)
		// while the others queue behind it.
		release := holdStepWriter(t, s, newCaseRecord("G-1", item, newStep("G-1-accept", "G-1", "accept", at(2, 9, 0, 0, 0))))

		failing := func(compliance.StepRecord) compliance.Responder {
			return func([]compliance.Warning) (compliance.StepResult, error) { return compliance.StepResult{}, errRefused }
		}
		tests := []struct {
			name    string
			rec     compliance.StepRecord
			respond func(compliance.StepRecord) compliance.Responder
			want    error // nil: stored
		}{
			{"a new case", newCaseRecord("G-2", item, newStep("G-2-accept", "G-2", "accept", at(2, 9, 0, 0, 0))), respond, nil},
			{"another new case", newCaseRecord("G-3", item, newStep("G-3-accept", "G-3", "accept", at(2, 9, 0, 0, 0))), respond, nil},
			{"a step of a case at its version", nextRecord(current, newStep("G-0-decide", "G-0", "decide", at(4, 9, 0, 0, 0))), respond, nil},
			{"a step id taken", newCaseRecord("G-4", item, newStep("G-0-accept", "G-4", "accept", at(2, 9, 0, 0, 0))), respond, compliance.ErrDuplicate},
			{"a case number taken in the transaction before", newCaseRecord("G-1", item, newStep("G-1-again", "G-1", "accept", at(2, 9, 0, 0, 0))), respond, compliance.ErrDuplicate},
			{"a case that changed", nextRecord(stale, newStep("G-0-deliver", "G-0", "deliver", at(5, 9, 0, 0, 0))), respond, compliance.ErrCaseChanged},
			{"a responder that fails", newCaseRecord("G-5", item, newStep("G-5-accept", "G-5", "accept", at(2, 9, 0, 0, 0))), failing, errRefused},
		}
		errs := make([]error, len(tests))
		var wg sync.WaitGroup
		for i, tt := range tests {
			wg.Go(func() {
				_, errs[i] = s.Cases().RecordStep(ctx, tt.rec, tt.respond(tt.rec))
			})
		}
		waitQueued(t, "steps", len(tests), func() int { return s.Cases().StepWrites().Waiting })
		release()
		wg.Wait()

		stored := int64(1) // the blocker
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.want == nil && errs[i] != nil || !errors.Is(errs[i], tt.want) {
					t.Fatalf("RecordStep(%s) error = %v, want %v", tt.rec.Step.ID, errs[i], tt.want)
				}
				_, err := s.Cases().StepByID(ctx, "ZJJ", tt.rec.Step.ID)
				if tt.want == nil && err != nil {
					t.Errorf("StepByID(%s) after it was stored: %v", tt.rec.Step.ID, err)
				}
			})
			if tt.want == nil {
				stored++
			}
		}
		checkStepGroup(t, s, before, writes, stored, current)
	})
}

// caseG0 records case G-0 and a second step of it, and returns the case as
// it was before that step (stale) and after it (current).
func caseG0(t *testing.T, s *sqlstore.Store, item compliance.PowerItem) (stale, current compliance.Case) {
	t.Helper()
	mustRecord(t, s, newCaseRecord("G-0", item, newStep("G-0-accept", "G-0", "accept", at(2, 9, 0, 0, 0))))
	stale, err := s.Cases().Case(t.Context(), "G-0")
	if err != nil {
		t.Fatal(err)
	}
	mustRecord(t, s, nextRecord(stale, newStep("G-0-review", "G-0", "review", at(3, 9, 0, 0, 0))))
	current, err = s.Cases().Case(t.Context(), "G-0")
	if err != nil {
		t.Fatal(err)
	}
	return stale, current
}

// holdStepWriter records blocker with a responder that holds its
// transaction open until release is called, which then wants it stored.
func holdStepWriter(t *testing.T, s *sqlstore.Store, blocker compliance.StepRecord) (release func()) {
	t.Helper()
	entered, held := make(chan struct{}), make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		_, err := s.Cases().RecordStep(t.Context(), blocker, func(w []compliance.Warning) (compliance.StepResult, error) {
			close(entered)
			<-held
			return respond(blocker)(w)
		})
		blocked <- err
	}()
	<-entered
	return func() {
		close(held)
		if err := <-blocked; err != nil {
			t.Fatalf("RecordStep(%s): %v", blocker.Step.ID, err)
		}
	}
}

// checkStepGroup holds the rows and the step writer's counts to the blocker
// and one group storing stored steps, and case G-0 to one step past current.
func checkStepGroup(t *testing.T, s *sqlstore.Store, before map[string]int64, writes sqlstore.StepWrites, stored int64, current compliance.Case) {
	t.Helper()
	after := rowCounts(t, s)
	for table, n := range map[string]int64{"cases": 3, "steps": stored} { // G-1, G-2, G-3
		if got := after[table] - before[table]; got != n {
			t.Errorf("new %s rows = %d, want %d", table, got, n)
		}
	}
	got := s.Cases().StepWrites()
	if txs, steps := got.Transactions-writes.Transactions, got.Steps-writes.Steps; txs != 2 || steps != stored {
		t.Errorf("step writer: %d transactions stored %d steps, want 2 storing %d", txs, steps, stored)
	}
	if got.Splits != writes.Splits {
		t.Errorf("step writer split %d groups, want none", got.Splits-writes.Splits)
	}
	c, err := s.Cases().Case(t.Context(), "G-0")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != current.Version+1 {
		t.Errorf("case G-0 at version %d, want %d: one step of the group moved it", c.Version, current.Version+1)
	}
}

// TestAuditWriterGroupsWaitingEntries holds the audit writer on one entry
// while others queue, and finds them queued in exactly one more
// transaction: the changes' intents removed, an entry whose intent
// recovery had already completed left out, and an entry whose effects are
// stored apart stored with them.
func TestAuditWriterGroupsWaitingEntries(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		item := benchSetup(t, s, "ZJJ")
		change := func(caseNo string) context.Context { return trackedStep(t, s, item, caseNo) }
		changes := []context.Context{change("ZJJ-1"), change("ZJJ-2"), change("ZJJ-3")}
		late := change("ZJJ-4")
		// Recovery completes ZJJ-4's change before its own entry comes.
		completeIntent(t, s, "id=ZJJ-4-accept")
		if got := intentTargets(t, s); len(got) != 3 {
			t.Fatalf("intents = %q, want the three changes'", got)
		}
		before := backlog(t, s)
		writes := s.Audit().AuditWrites()
		release := holdAuditWriter(t, s)

		group := []queuedEntry{
			{changes[0], clerkEntry("id=ZJJ-1-accept", 2)},
			{changes[1], clerkEntry("id=ZJJ-2-accept", 2)},
			{changes[2], clerkEntry("id=ZJJ-3-accept", 2)},
			{late, clerkEntry("id=ZJJ-4-accept", 2)},
			{ctx, clerkEntry("a job's entry", 0)},
			{ctx, clerkEntry("effects apart", 150)},
		}
		_, checkAnswers := enqueueAll(t, s, group)
		release()
		checkAnswers()

		got := s.Audit().AuditWrites()
		if n := got.Transactions - writes.Transactions; n != 2 {
			t.Errorf("transactions = %d, want 2 (the blocker's, then the group's)", n)
		}
		if n := got.Entries - writes.Entries; n != int64(len(group)) { // the blocker, not the late one
			t.Errorf("entries queued = %d, want %d", n, len(group))
		}
		if got.Splits != writes.Splits {
			t.Errorf("splits = %d, want %d", got.Splits, writes.Splits)
		}
		if left := intentTargets(t, s); len(left) != 0 {
			t.Errorf("intents left = %q, want none", left)
		}
		checkAuditBacklog(t, s, before, len(group))
	})
}

// queuedEntry is an audit entry and the context it is enqueued in.
type queuedEntry struct {
	ctx context.Context
	e   compliance.AuditEntry
}

// enqueueAll enqueues each of entries from a goroutine of its own and
// returns once all of them wait for the (held) audit writer. answered is
// closed once each has its answer; checkAnswers waits for that and reports
// any error.
func enqueueAll(t *testing.T, s *sqlstore.Store, entries []queuedEntry) (answered <-chan struct{}, checkAnswers func()) {
	t.Helper()
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	for i, q := range entries {
		wg.Go(func() { errs[i] = s.Audit().EnqueueAudit(q.ctx, q.e) })
	}
	waitQueued(t, "entries", len(entries), func() int { return s.Audit().AuditWrites().Waiting })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done, func() {
		t.Helper()
		<-done
		for i, err := range errs {
			if err != nil {
				t.Errorf("EnqueueAudit(%s): %v", entries[i].e.Target, err)
			}
		}
	}
}

// clerkEntry returns the audit entry of a clerk's step on target, with
// effects effects.
func clerkEntry(target string, effects int) compliance.AuditEntry {
	e := compliance.AuditEntry{At: time.Now().UTC(), Actor: "zjj-clerk", Role: compliance.RoleClerk,
		Action: "POST /api/v1/steps", Target: target, RequestDigest: "req", ResponseDigest: "res"}
	for i := range effects {
		e.Effects = append(e.Effects, compliance.AuditEffect{
			Subject: compliance.AuditSubject{Kind: compliance.SubjectWarning, Key: strconv.Itoa(i + 1)}, After: "after"})
	}
	return e
}

// trackedStep records a step of caseNo under a tracked change, whose
// intent is committed with it, and returns the change's context.
func trackedStep(t *testing.T, s *sqlstore.Store, item compliance.PowerItem, caseNo string) context.Context {
	t.Helper()
	tracked, _ := s.Audit().TrackChange(context.Background(), stepIntent("id="+caseNo+"-accept"))
	rec := recentRecord(item, caseNo)
	if _, err := s.Cases().RecordStep(tracked, rec, benchRespond(&rec)); err != nil {
		t.Fatal(err)
	}
	return tracked
}

// completeIntent completes the stale intent on target, as recovery does.
func completeIntent(t *testing.T, s *sqlstore.Store, target string) {
	t.Helper()
	ctx := context.Background()
	stale, err := s.Audit().StaleIntents(ctx, time.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range stale {
		if in.Intent.Target == target {
			if ok, err := s.Audit().CompleteIntent(ctx, in, clerkEntry(target, 0)); !ok || err != nil {
				t.Fatalf("CompleteIntent = %v, %v", ok, err)
			}
		}
	}
}

// backlog reads the audit entries waiting to be sequenced.
func backlog(t *testing.T, s *sqlstore.Store) compliance.AuditBacklog {
	t.Helper()
	b, err := s.Audit().AuditBacklog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkAuditBacklog holds the pending entries to before plus the queued
// ones, ZJJ-4's own entry left out, and the effects stored apart to 150.
func checkAuditBacklog(t *testing.T, s *sqlstore.Store, before compliance.AuditBacklog, queued int) {
	t.Helper()
	if n := backlog(t, s).Count - before.Count; n != int64(queued) {
		t.Errorf("pending entries added = %d, want %d (ZJJ-4's own entry left out)", n, queued)
	}
	var targets []string
	if err := s.DB().Table("audit_pending").Where("target = ?", "id=ZJJ-4-accept").Pluck("target", &targets).Error; err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 {
		t.Errorf("entries of ZJJ-4 = %d, want 1 (recovery's)", len(targets))
	}
	var apart int64
	if err := s.DB().Table("audit_pending_effects").Count(&apart).Error; err != nil {
		t.Fatal(err)
	}
	if apart != 150 {
		t.Errorf("effects stored apart = %d, want 150", apart)
	}
}

// TestAuditWriterCallerStopsWaiting checks that a caller whose context
// ends while the writer is busy is answered then, with the context's
// error, rather than when the writer comes to its entry.
func TestAuditWriterCallerStopsWaiting(t *testing.T) {
	sqlstoretest.EachParallel(t, func(t *testing.T, s *sqlstore.Store) {
		release := holdAuditWriter(t, s)
		e := compliance.AuditEntry{At: time.Now().UTC(), Actor: "admin", Role: compliance.RoleAdmin, Action: "POST /api/v1/sweeps"}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Audit().EnqueueAudit(ctx, e)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("EnqueueAudit while the writer is held = %v, want the context's deadline", err)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("EnqueueAudit answered after %v, want about 50ms", waited)
		}
		release()
	})
}

// holdAuditWriter makes s's audit writer write one group at a time and
// holds it on an entry of its own until release is called, which then
// waits for that entry to be queued.
func holdAuditWriter(t *testing.T, s *sqlstore.Store) (release func()) {
	t.Helper()
	entered, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.LimitAuditWriters(1, func() {
		once.Do(func() {
			close(entered)
			<-held
		})
	})
	blocked := make(chan error, 1)
	e := compliance.AuditEntry{At: time.Now().UTC(), Actor: "admin", Role: compliance.RoleAdmin, Action: "POST /api/v1/sweeps",
		Target: "the entry the writer is held on"}
	go func() { blocked <- s.Audit().EnqueueAudit(context.Background(), e) }()
	<-entered
	return func() {
		close(held)
		if err := <-blocked; err != nil {
			t.Errorf("EnqueueAudit(the held entry): %v", err)
		}
	}
}

// waitQueued waits until want items (what) wait for a writer, as waiting
// counts them; it fails the test after 10 s.
func waitQueued(t *testing.T, what string, want int, waiting func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for waiting() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s waiting after 10 s, want %d", waiting(), what, want)
		}
		time.Sleep(time.Millisecond)
	}
}
