package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"powercheck/internal/compliance"
)

// stepWriter is the one writer of steps of a store (group commit): the
// steps submitted while a transaction commits wait in a queue, and the
// writer stores all of them, up to maxGroup, in the next transaction. A
// durable commit (an fsync on SQLite, a redo log flush on MySQL) then
// serves many steps instead of one.
//
// A group is written first without savepoints, which cost a statement a
// step, and with the steps' own rows inserted together at its end. When a
// step fails (its case changed, its id taken), that
// transaction is rolled back, the step is answered with its error, and the
// others are written again, each behind a savepoint of its own: a step
// that fails then is rolled back to it and answered while the others are
// kept. A failure that ends the whole transaction (a deadlock, a lost
// connection, a failed commit) splits the group: each of its steps is then
// stored in a transaction of its own.
// Nobody is answered before the transaction that holds their step has
// committed, so a 2xx still means durable.
//
// The writer runs while there is work (see groupQueue). On MySQL up to mysqlWriters groups
// are written at once, each on its own connection: one connection running
// a group's statements one after another would leave the server's other
// cores idle, and InnoDB shares one redo log flush between the
// transactions that commit together anyway. SQLite writes one transaction
// at a time whatever the connections, so it has one.
type stepWriter struct {
	c     *conn
	queue groupQueue[*stepJob]
	// timeout is groupTimeout, shorter in tests.
	timeout time.Duration

	txs    atomic.Int64 // transactions committed that stored steps
	steps  atomic.Int64 // steps stored
	splits atomic.Int64 // groups stored one by one after a failure
}

// mysqlWriters is how many groups are written at once on MySQL.
const mysqlWriters = 4

// mysqlSpread is how many steps wait for each group being written on
// MySQL before another group starts (groupQueue.spread): measured under
// load, six take the commits from 0.33 to 0.19 a step and the InnoDB
// fsyncs from 0.4 to under 0.3, without fewer steps a second
// (docs/performance.md, "Larger groups under load").
const mysqlSpread = 6

// mysqlStall bounds how long a step waits for the groups in progress on
// MySQL (groupQueue.stall): a group held up by a lock does not hold up the
// steps of other cases for longer. Under load a group commits well within
// it (20 ms cut the groups, and the fsyncs rose to 0.29–0.30 a step).
const mysqlStall = 100 * time.Millisecond

// groupWriters is how many groups of one kind c writes at once.
func (c *conn) groupWriters() int {
	if c.dialect == "mysql" {
		return mysqlWriters
	}
	return 1
}

// newStepWriter returns the step writer of c.
func newStepWriter(c *conn) *stepWriter {
	w := &stepWriter{c: c, timeout: groupTimeout}
	w.queue = groupQueue[*stepJob]{commit: w.commit, max: c.groupWriters()}
	if c.dialect == "mysql" {
		w.queue.spread, w.queue.stall = mysqlSpread, mysqlStall
	}
	return w
}

// maxGroup bounds the steps of one transaction: a larger group holds its
// locks (and, on SQLite, the database) longer and gains little, since the
// commit's flush is already shared by this many.
const maxGroup = 256

// stepJob is one step waiting for the writer.
type stepJob struct {
	asked   context.Context // the submitter's: a job whose submitter left before it was written is dropped
	ctx     context.Context // asked without its cancellation: its values (write tracking) go with the step's statements
	rec     compliance.StepRecord
	respond compliance.Responder
	res     compliance.StepResult
	err     error
	done    chan struct{}
}

// write queues a step for the writer and waits until its transaction has
// committed, or failed.
func (w *stepWriter) write(ctx context.Context, rec compliance.StepRecord, respond compliance.Responder) (compliance.StepResult, error) {
	j := &stepJob{asked: ctx, ctx: context.WithoutCancel(ctx), rec: rec, respond: respond, done: make(chan struct{})}
	w.queue.add(j)
	// Waiting is bounded by two group timeouts (the group's transaction,
	// then its split); leaving early would answer the submitter while its
	// step may still be committed.
	<-j.done
	switch {
	case j.err == nil:
		w.c.known.stored(rec)
	case errors.Is(j.err, compliance.ErrCaseChanged):
		// Checked against what the case no longer is: perhaps what this
		// node kept of it (knownCases). It is read afresh.
		w.c.known.forget(rec.Case.CaseNo)
	}
	return j.res, j.err
}

// commit stores a group and answers each of its jobs.
func (w *stepWriter) commit(group []*stepJob) {
	live := make([]*stepJob, 0, len(group))
	for _, j := range group {
		if err := j.asked.Err(); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		live = append(live, j)
	}
	switch {
	case len(live) == 1:
		w.one(live[0], time.Now().Add(w.timeout))
	case len(live) > 1:
		// Case by case, in the order of their numbers, as a statement over
		// many cases takes them: fewer deadlocks with those. A case's own
		// steps keep the order they came in.
		slices.SortStableFunc(live, func(a, b *stepJob) int { return strings.Compare(a.rec.Case.CaseNo, b.rec.Case.CaseNo) })
		if err := w.together(live); err != nil {
			w.splits.Add(1)
			deadline := time.Now().Add(w.timeout) // one for the whole split
			for _, j := range live {
				w.one(j, deadline)
			}
			return
		}
		// Counted before answered: a caller that has its answer finds its
		// step in the counters (StepWrites).
		stored := int64(0)
		for _, j := range live {
			if j.err == nil {
				stored++
			}
		}
		if stored > 0 {
			w.txs.Add(1)
			w.steps.Add(stored)
		}
		for _, j := range live {
			close(j.done)
		}
	}
}

// errStepRefused: a step of a group written without savepoints failed;
// the group's transaction is rolled back and written again without it.
var errStepRefused = errors.New("a step of the group was refused")

// together stores the jobs in one transaction: without savepoints first,
// and when a job fails, the others again behind a savepoint each (see
// stepWriter). A job that fails keeps its error; the transaction fails
// only when it cannot go on (then no job is answered).
func (w *stepWriter) together(jobs []*stepJob) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	err := w.attempt(ctx, jobs, false)
	if !errors.Is(err, errStepRefused) {
		return err
	}
	rest := slices.DeleteFunc(slices.Clone(jobs), func(j *stepJob) bool { return j.err != nil })
	return w.attempt(ctx, rest, true)
}

// attempt stores the jobs in one transaction, each behind a savepoint when
// savepoints, else failing with errStepRefused at the first job that fails.
func (w *stepWriter) attempt(ctx context.Context, jobs []*stepJob, savepoints bool) error {
	// Once: a group that fails as a whole is split (see commit), and each
	// step's own transaction is run again when it loses a conflict.
	var (
		parts      []intentPart
		riders     []*auditJob // entries of the audit writer queued here
		after      []afterState
		committing bool
	)
	err := w.c.transactionOnce(ctx, func(tx *gorm.DB) error {
		// The counters of the whole group are taken once, at its end; its
		// stored steps' outbox events are inserted together, before them.
		counters, events := &rollup{}, &eventBuffer{}
		if err := storeJobs(tx, jobs, savepoints, counters, events); err != nil {
			return err
		}
		if err := insertEvents(tx, events.rows); err != nil {
			return err
		}
		var err error
		if parts, err = groupIntents(jobs); err != nil {
			return err
		}
		if err := insertIntents(tx, parts); err != nil {
			return err
		}
		// The counters before the riders: their removal of intents locks
		// gaps of audit_intents, which a step stored alone inserts into
		// after it has taken its counters.
		if err := counters.flush(tx); err != nil {
			return err
		}
		if riders, err = w.carryAudits(tx); err != nil {
			return err
		}
		if after, err = groupAfterStates(tx, jobs); err != nil {
			return err
		}
		committing = true
		return nil
	})
	if err == nil {
		committed(parts)
		keepAfter(after)
	}
	if len(riders) > 0 {
		w.c.audits.landed(riders, committing, err)
	}
	return err
}

// storeJobs stores each job's step in tx, counting in counters and
// buffering the outbox events in events; see attempt. Without savepoints
// the steps' own rows are inserted together too, after the others: a step
// that fails only then (its id taken) cannot be told from the rest, so the
// group is written again behind savepoints, where each row is inserted
// with its step's other rows.
func storeJobs(tx *gorm.DB, jobs []*stepJob, savepoints bool, counters *rollup, events *eventBuffer) error {
	var rows *rowBuffer[stepRow]
	if !savepoints {
		rows = &rowBuffer[stepRow]{}
	}
	for i, j := range jobs {
		sp := "step" + strconv.Itoa(i)
		if savepoints {
			if err := tx.SavePoint(sp).Error; err != nil {
				return err
			}
		}
		ctx := withBuffer(withRollup(j.ctx, counters), events)
		if rows != nil {
			ctx = withBuffer(ctx, rows)
		}
		j.res, j.err = recordStep(tx.WithContext(ctx), j.rec, j.respond)
		if j.err == nil {
			continue
		}
		// MySQL rolls back the whole transaction to break a deadlock;
		// a lost connection takes it too.
		if retryable(j.err) || unavailable(j.err) {
			return j.err
		}
		if !savepoints {
			return errStepRefused
		}
		if err := tx.RollbackTo(sp).Error; err != nil {
			return err
		}
	}
	if rows == nil {
		return nil
	}
	if err := insertStepRows(tx, rows); err != nil {
		if retryable(err) || unavailable(err) {
			return err
		}
		return errStepRefused
	}
	return nil
}

// carryAudits queues in tx the audit entries waiting for the audit writer
// (audit entries of changes already answered), behind a savepoint: the
// group's commit is then theirs too. When they fail and tx can go on, they
// are rolled back and handed back to the audit writer, and the steps are
// not held up; the entries returned are those tx holds.
func (w *stepWriter) carryAudits(tx *gorm.DB) ([]*auditJob, error) {
	riders := w.c.audits.ride()
	if len(riders) == 0 {
		return nil, nil
	}
	if err := tx.SavePoint("audits").Error; err != nil {
		w.c.audits.landed(riders, false, err) // handed back
		return nil, err
	}
	err := insertAuditGroup(tx, riders)
	if err == nil {
		return riders, nil
	}
	w.c.audits.landed(riders, false, err) // handed back
	if retryable(err) || unavailable(err) {
		return nil, err // tx is gone: the group fails, and is split
	}
	return nil, tx.RollbackTo("audits").Error
}

// stepRowBatch is how many step rows one INSERT carries: at 16 columns a
// row, 50 rows stay under SQLite's oldest limit of 999 variables.
const stepRowBatch = 50

// insertStepRows inserts the buffered rows of a group's steps.
func insertStepRows(tx *gorm.DB, b *rowBuffer[stepRow]) error {
	if len(b.rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(&b.rows, stepRowBatch).Error
}

// groupIntents returns the intent parts of the changes whose steps the
// group stored, one a change: each job carries its request's context, and
// so its change (a batch of steps is one change).
func groupIntents(jobs []*stepJob) ([]intentPart, error) {
	var parts []intentPart
	now := time.Now()
	for _, j := range jobs {
		w := changeOf(j.ctx)
		if j.err != nil || w == nil || slices.ContainsFunc(parts, func(p intentPart) bool { return p.w == w }) {
			continue
		}
		p, err := w.part(now)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// one stores a job in a transaction of its own, by deadline, and answers
// it; a job whose deadline has passed is answered errNotTried. A
// transaction that MySQL rolled back to break a deadlock is run again: a
// group holds the counter rows of its first steps while it writes the next
// ones, so two nodes' groups, or a group and a sweep, can take rows in
// opposite orders.
func (w *stepWriter) one(j *stepJob, deadline time.Time) {
	if !time.Now().Before(deadline) {
		j.err = errNotTried
		close(j.done)
		return
	}
	ctx, cancel := context.WithDeadline(j.ctx, deadline)
	defer cancel()
	err := w.c.transaction(ctx, func(tx *gorm.DB) error {
		var err error
		j.res, err = recordStep(tx, j.rec, j.respond)
		return err
	})
	j.err = err
	if err == nil {
		w.txs.Add(1)
		w.steps.Add(1)
	}
	close(j.done)
}

// StepWrites counts what the step writer of a store has done.
type StepWrites struct {
	// Transactions is how many transactions committed steps; Steps how
	// many steps they stored. Steps / Transactions is the mean group.
	Transactions int64
	Steps        int64
	// Splits is how many groups failed as a whole and were stored one by
	// one.
	Splits int64
	// Waiting is how many steps wait for the next transaction now.
	Waiting int
}

// StepWrites returns what the store's step writer has done so far.
func (s *Cases) StepWrites() StepWrites {
	return StepWrites{Transactions: s.steps.txs.Load(), Steps: s.steps.steps.Load(), Splits: s.steps.splits.Load(),
		Waiting: s.steps.queue.waiting()}
}
