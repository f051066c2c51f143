package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"powercheck/internal/compliance"
)

// auditWriter queues the audit entries of a store in groups (group
// commit, as the step writer stores steps): the entries recorded while a
// transaction commits wait, and the writer inserts all of them, and
// removes the audit intents of their changes, in the next transaction. A
// change's answer still waits until its entry is queued; the commit's
// flush is shared by the group instead of paid once a change.
//
// A group that fails before its commit (a deadlock, a certification lost
// on Galera, a row the database refuses) is rolled back and split: each
// entry is then queued in a transaction of its own, as one entry alone
// always is. One that fails at its commit may have been stored: its
// entries are answered with the error, never queued twice (see commit).
type auditWriter struct {
	s     *Audit
	queue groupQueue[*auditJob]
	// beforeGroup, when set (tests only), runs before each group is
	// committed.
	beforeGroup func()
	// timeout is groupTimeout, shorter in tests.
	timeout time.Duration

	txs     atomic.Int64 // transactions that queued entries
	entries atomic.Int64 // entries queued, by the writer or riding with steps
	rode    atomic.Int64 // entries queued in a group of steps' transaction
	splits  atomic.Int64 // groups queued one by one after a failure
}

// auditJob is one entry waiting for the writer.
type auditJob struct {
	e   compliance.AuditEntry
	row auditPendingRow
	// token is the intent of the change the entry completes ("": none, or
	// none committed).
	token string
	// skipped: recovery completed the change first, so nothing is queued.
	skipped bool
	err     error
	done    chan struct{}
}

// newAuditWriter returns the audit writer of s.
func newAuditWriter(s *Audit) *auditWriter {
	w := &auditWriter{s: s, timeout: groupTimeout}
	// Two groups at once on MySQL: a group held up (a lock wait on an
	// intent that recovery is taking, a connection that hangs) does not
	// hold up every entry of the node. More would group less: with four,
	// 0.70 commits a step against 0.55 with two and 0.44 with one, for no
	// more steps a second (docs/performance.md).
	w.queue = groupQueue[*auditJob]{commit: w.commit, max: min(2, s.groupWriters()), linger: w.linger}
	return w
}

// write queues j and waits until its transaction has committed, or failed,
// or ctx is done. A job is the writer's once queued, bounded by
// groupTimeout and its split's, as a step is: a caller that stops waiting
// is told that its entry is still to be written, not that it was lost.
func (w *auditWriter) write(ctx context.Context, j *auditJob) error {
	j.done = make(chan struct{})
	w.queue.add(j)
	select {
	case <-j.done:
		return j.err
	case <-ctx.Done():
		return fmt.Errorf("append audit entry: stopped waiting (%w); the entry is still the audit writer's to write", context.Cause(ctx))
	}
}

// commit queues a group and answers each of its jobs.
func (w *auditWriter) commit(group []*auditJob) {
	if w.beforeGroup != nil {
		w.beforeGroup()
	}
	if len(group) > 1 {
		committing, err := w.together(group)
		if err == nil || (committing && !retryable(err)) {
			// Failed at its commit, the group may have been stored all the
			// same: queued again, an entry without an intent would be
			// doubled. Its callers are told; an entry with an intent is
			// recovered from it if it was not stored. A commit refused as
			// a conflict (a lost certification on Galera) was rolled back.
			answerGroup(group, "append audit entries", err, func(queued int64) {
				if queued > 0 {
					w.txs.Add(1)
					w.entries.Add(queued)
				}
			})
			return
		}
		w.splits.Add(1)
	}
	deadline := time.Now().Add(w.timeout) // one for the whole split
	for _, j := range group {
		w.one(j, deadline)
	}
}

// one queues a job in a transaction of its own (run again when it loses a
// conflict), by deadline, and answers it; a job whose deadline has passed
// is answered errNotTried (an entry with an intent is recovered from it).
func (w *auditWriter) one(j *auditJob, deadline time.Time) {
	if !time.Now().Before(deadline) {
		j.err = errNotTried
		close(j.done)
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var first func(tx *gorm.DB) error
	if j.token != "" {
		first = func(tx *gorm.DB) error {
			res := tx.Where("token = ?", j.token).Delete(&auditIntentRow{})
			if res.Error == nil && res.RowsAffected == 0 {
				return errIntentTaken
			}
			return res.Error
		}
	}
	err := w.s.enqueue(ctx, j.e, first)
	if errors.Is(err, errIntentTaken) {
		err = nil // recovery queued the entry from the intent
	} else if err == nil {
		w.txs.Add(1)
		w.entries.Add(1)
	}
	j.err = err
	close(j.done)
}

// maxLinger bounds how long the writer leaves its entries for a group of
// steps in progress to carry (see linger).
const maxLinger = 10 * time.Millisecond

// linger waits, while a group of steps is being committed and up to
// maxLinger, for the group to carry the entries waiting (see ride): its
// commit then serves them, and the writer's own is saved. With no group of
// steps in progress it does not wait.
func (w *auditWriter) linger() {
	steps := w.s.steps
	for deadline := time.Now().Add(maxLinger); steps != nil && steps.queue.busy() && w.queue.waiting() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// ride takes the entries waiting for the writer, up to maxGroup, for a
// group of steps to queue in its own transaction (see stepWriter.together):
// the group's commit is then theirs, and the writer's own transaction is
// saved. landed answers them once the group's transaction is over.
func (w *auditWriter) ride() []*auditJob { return w.queue.take(maxGroup) }

// landed answers the entries that rode in a group of steps' transaction,
// as commit answers a group of its own: queued when it committed; queued
// again, for the writer, when it failed before its commit or was rolled
// back at it (a conflict); answered with the error when it failed at its
// commit, whose outcome is unknown: an entry is never queued twice.
func (w *auditWriter) landed(riders []*auditJob, committing bool, err error) {
	if err != nil && (!committing || retryable(err)) {
		for _, j := range riders {
			w.queue.add(j)
		}
		return
	}
	answerGroup(riders, "append audit entries with steps", err, func(queued int64) {
		w.entries.Add(queued)
		w.rode.Add(queued)
	})
}

// answerGroup answers the jobs of a transaction that committed (err nil)
// or failed at its commit (err, wrapped with what). It gives count how
// many it queued before it answers any: a caller that has its answer
// finds it in the counters (AuditWrites).
func answerGroup(jobs []*auditJob, what string, err error, count func(queued int64)) {
	queued := int64(0)
	for _, j := range jobs {
		if err != nil {
			j.err = fmt.Errorf("%s: %w", what, err)
		} else if !j.skipped {
			queued++
		}
	}
	count(queued)
	for _, j := range jobs {
		close(j.done)
	}
}

// errIntentsChanged is a group whose intents changed between their read
// and their removal: it is split.
var errIntentsChanged = errors.New("audit intents changed meanwhile")

// together queues the jobs in one transaction, once: a group that fails
// before its commit is rolled back and split (see commit); committing tells
// that it failed at its commit, whose outcome is then unknown. The intents
// of the group's changes are read (and locked, on MySQL) first: a change
// whose intent recovery has already completed is skipped.
func (w *auditWriter) together(jobs []*auditJob) (committing bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	err = w.s.transactionOnce(ctx, func(tx *gorm.DB) error {
		if err := insertAuditGroup(tx, jobs); err != nil {
			return err
		}
		committing = true
		return nil
	})
	return committing, err
}

// insertAuditGroup removes the intents of the jobs' changes and queues
// their entries in tx: a job whose intent recovery has already completed
// is marked skipped and queues nothing.
func insertAuditGroup(tx *gorm.DB, jobs []*auditJob) error {
	if err := removeIntents(tx, jobs); err != nil {
		return err
	}
	var inline []auditPendingRow
	for _, j := range jobs {
		if !j.skipped && !j.row.EffectsApart {
			inline = append(inline, j.row)
		}
	}
	if len(inline) > 0 {
		// 50 rows a statement, as the sequencer moves them: under
		// SQLite's oldest variable limit, and a bounded packet.
		if err := tx.CreateInBatches(&inline, 50).Error; err != nil {
			return fmt.Errorf("append audit entries: %w", err)
		}
	}
	// An entry with its effects apart needs its own id: alone.
	for _, j := range jobs {
		if j.skipped || !j.row.EffectsApart {
			continue
		}
		r := j.row
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
		if err := createPendingEffects(tx, r.ID, j.e.Effects); err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
	}
	return nil
}

// removeIntents removes the intents of the jobs' changes in tx and marks
// the jobs whose intent is gone (recovery completed it) skipped.
func removeIntents(tx *gorm.DB, jobs []*auditJob) error {
	var tokens []string
	for _, j := range jobs {
		j.skipped = false
		if j.token != "" {
			tokens = append(tokens, j.token)
		}
	}
	if len(tokens) == 0 {
		return nil
	}
	q := tx.Model(&auditIntentRow{}).Where("token IN ?", tokens)
	if tx.Dialector.Name() == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var parts []string // a token per part
	if err := q.Pluck("token", &parts).Error; err != nil {
		return fmt.Errorf("read audit intents: %w", err)
	}
	present := make(map[string]bool, len(parts))
	for _, t := range parts {
		present[t] = true
	}
	for _, j := range jobs {
		j.skipped = j.token != "" && !present[j.token]
	}
	if len(parts) == 0 {
		return nil
	}
	res := tx.Where("token IN ?", tokens).Delete(&auditIntentRow{})
	if res.Error != nil {
		return fmt.Errorf("remove audit intents: %w", res.Error)
	}
	if res.RowsAffected != int64(len(parts)) {
		return errIntentsChanged
	}
	return nil
}

// AuditWrites counts what the audit writer of a store has done.
type AuditWrites struct {
	// Transactions is how many of the writer's own transactions queued
	// entries; Entries how many entries were queued, by them or riding in
	// a group of steps' transaction, and Rode how many of them rode.
	Transactions int64
	Entries      int64
	Rode         int64
	// Splits is how many groups failed as a whole and were queued one by
	// one.
	Splits int64
	// Waiting is how many entries wait for the next transaction now.
	Waiting int
}

// AuditWrites returns what the store's audit writer has done so far.
func (s *Audit) AuditWrites() AuditWrites {
	w := s.audits
	return AuditWrites{Transactions: w.txs.Load(), Entries: w.entries.Load(), Rode: w.rode.Load(), Splits: w.splits.Load(),
		Waiting: w.queue.waiting()}
}
