package compliance

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"powercheck/internal/calendar"
)

// AuditBacklog is what waits in the audit log's queue: entries appended
// but not yet sequenced.
type AuditBacklog struct {
	Count              int64
	OldestID, NewestID int64     // the queue's first and last positions
	Oldest             time.Time // the earliest At of the entries queued
}

// AuditQueue keeps the entries appended but not yet sequenced. A change
// appends its entry with one durable insert and no lock shared with other
// changes; the sequencer chains the entries later, in batches.
type AuditQueue interface {
	// EnqueueAudit stores e, whose Seq, PrevHash and Hash are not set, in
	// the queue; it is durable when EnqueueAudit returns.
	EnqueueAudit(ctx context.Context, e AuditEntry) error
	// SequenceAudit chains up to limit queued entries, in the order they
	// were queued, to the head (sealed with key, when there is one) and
	// stores them in the log with the new head, atomically. Passes from
	// any number of sequencers take turns. It returns how many it chained.
	SequenceAudit(ctx context.Context, key []byte, limit int) (int, error)
	// AuditBacklog tells what waits in the queue.
	AuditBacklog(ctx context.Context) (AuditBacklog, error)
}

// AuditLease elects the one node that runs the sequencer in the
// background: a lease row, taken when free or expired and renewed by its
// holder. It is about who works, not about safety: passes of two
// sequencers take turns on the head all the same.
type AuditLease interface {
	// ClaimAuditSequencer takes or renews the lease for holder until
	// now+ttl; false when another holder's lease runs after now.
	ClaimAuditSequencer(ctx context.Context, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseAuditSequencer ends holder's lease now.
	ReleaseAuditSequencer(ctx context.Context, holder string) error
	// AuditSequencerLease returns the lease's holder and its end; "" and
	// the zero time when no node ever held it.
	AuditSequencerLease(ctx context.Context) (holder string, until time.Time, err error)
}

// AuditSealLimit is how long an entry may wait to be sequenced before
// verification reports it: the sequencer takes under a second, and a
// failed node's lease passes to another within DefaultSequencerLease.
const AuditSealLimit = 10 * time.Second

// The sequencer's defaults.
const (
	// DefaultSequencerPoll is how often the leader looks for entries that
	// other nodes queued; its own node wakes it at each append, and it
	// then waits half the poll for more to gather (a reader that needs
	// the chain up to date settles it itself: SettleAudit).
	DefaultSequencerPoll = 200 * time.Millisecond
	// DefaultSequencerLease is how long a lease holds without renewal.
	DefaultSequencerLease = 5 * time.Second
)

// auditSealBatch is how many entries one pass chains at most.
const auditSealBatch = 500

// maxSettlePasses bounds SettleAudit under a flood of appends: a reader
// waits for what was queued before it, not for what keeps coming.
const maxSettlePasses = 20

// SettleAudit sequences the entries queued so far, so that a reader of the
// chain sees every change answered before it read. It seals with the
// service's key, as the sequencer does.
func (s *Audit) SettleAudit(ctx context.Context) error {
	for range maxSettlePasses {
		n, err := s.store.SequenceAudit(ctx, s.auditKey, auditSealBatch)
		if err != nil {
			return fmt.Errorf("settle the audit log: %w", err)
		}
		if n < auditSealBatch {
			return nil
		}
	}
	return nil
}

// UnsealedProblem reports the entries that waited to be sequenced longer
// than AuditSealLimit at now, in Chinese; "" when none did.
func UnsealedProblem(b AuditBacklog, now time.Time) string {
	if b.Count == 0 || now.Sub(b.Oldest) <= AuditSealLimit {
		return ""
	}
	return fmt.Sprintf("%d 条审计记录超过 %s 仍未封存入链（最早一条记于 %s）：审计日志的封存程序未在运行或无法写入",
		b.Count, AuditSealLimit, b.Oldest.In(calendar.Shanghai).Format("2006-01-02 15:04:05"))
}

// sequencerBell wakes the sequencer of this node when an entry is queued.
type sequencerBell struct{ c chan struct{} }

func newSequencerBell() *sequencerBell { return &sequencerBell{c: make(chan struct{}, 1)} }

func (b *sequencerBell) kick() {
	select {
	case b.c <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// AuditSequencer chains the queued audit entries in the background: a
// component with Name, Start, Run, Stop and Finish (see internal/jobs).
// One node at a time holds the lease and works; the others try to take it
// each poll, so that the log goes on when the leader stops. At shutdown it
// chains what is left, lease or not, and gives the lease up.
type AuditSequencer struct {
	audit     *Audit
	holder    string
	poll, ttl time.Duration
	log       *slog.Logger

	stop     chan struct{}
	stopOnce sync.Once
	// leaseUntil is when the lease this node holds runs out (zero: not
	// held); lastClaim when it last asked for it; lastRecovery when it
	// last looked for abandoned intents. Run's goroutine only.
	leaseUntil, lastClaim, lastRecovery time.Time
}

// NewSequencer returns the sequencer of this node, named holder in the
// lease (unique per process); poll and ttl of 0 take the defaults.
// intentAge, when above 0, is how old an audit intent must be for it to
// complete it (see SetIntentBound).
func (s *Audit) NewSequencer(holder string, poll, ttl, intentAge time.Duration) *AuditSequencer {
	if intentAge > 0 {
		s.SetIntentBound(intentAge)
	}
	if poll <= 0 {
		poll = DefaultSequencerPoll
	}
	if ttl <= 0 {
		ttl = DefaultSequencerLease
	}
	return &AuditSequencer{audit: s, holder: holder, poll: poll, ttl: ttl, log: s.log, stop: make(chan struct{})}
}

// Name implements the component.
func (q *AuditSequencer) Name() string { return "audit sequencer" }

// Start implements the component.
func (q *AuditSequencer) Start(context.Context) error { return nil }

// Run chains the queue whenever this node is woken by an append or the
// poll comes round, while it holds the lease.
func (q *AuditSequencer) Run(ctx context.Context) error {
	t := time.NewTicker(q.poll)
	defer t.Stop()
	for {
		if err := q.pass(ctx); err != nil && ctx.Err() == nil {
			q.log.WarnContext(ctx, "audit sequencer: pass failed; trying again", "error", err)
		}
		select {
		case <-q.stop:
			return nil
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-q.audit.sequencer.c:
			// Let the appends of the moment gather: one pass, one commit,
			// for all of them rather than one each.
			if !q.linger(ctx) {
				return nil
			}
		}
	}
}

// linger waits half the poll for more appends; false when stopped
// meanwhile (Finish chains what is left). Under load a pass, and its
// commit, then chains what a tenth of a second brought.
func (q *AuditSequencer) linger(ctx context.Context) bool {
	t := time.NewTimer(q.poll / 2)
	defer t.Stop()
	select {
	case <-q.stop:
		return false
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// pass chains the queue when this node holds the lease, and completes
// the audit intents that their changes abandoned (see RecoverIntents), a
// few times per bound.
func (q *AuditSequencer) pass(ctx context.Context) error {
	leader, err := q.claim(ctx)
	if err != nil || !leader {
		return err
	}
	if err := q.recover(ctx); err != nil {
		q.log.WarnContext(ctx, "audit sequencer: abandoned intents not completed; trying again", "error", err)
	}
	return q.audit.SettleAudit(ctx)
}

// recover completes the intents older than the bound, at most once every
// quarter of it (and every 10 seconds at least).
func (q *AuditSequencer) recover(ctx context.Context) error {
	now := time.Now() // intents are stamped by their nodes' wall clocks
	bound := q.audit.intentBound
	if now.Sub(q.lastRecovery) < min(bound/4, 10*time.Second) {
		return nil
	}
	q.lastRecovery = now
	_, err := q.audit.RecoverIntents(ctx, now.Add(-bound))
	return err
}

// claim tells whether this node holds the lease, renewing it once half of
// it has run and asking for it at most once a poll when another node
// holds it.
func (q *AuditSequencer) claim(ctx context.Context) (bool, error) {
	now := time.Now() // the lease is between nodes: wall time, not the service's clock
	if now.Before(q.leaseUntil.Add(-q.ttl / 2)) {
		return true, nil
	}
	if q.leaseUntil.IsZero() && now.Sub(q.lastClaim) < q.poll {
		return false, nil
	}
	q.lastClaim = now
	ok, err := q.audit.store.ClaimAuditSequencer(ctx, q.holder, now, q.ttl)
	if err != nil || !ok {
		if !q.leaseUntil.IsZero() {
			q.log.InfoContext(ctx, "audit sequencer: lease lost to another node", "holder", q.holder)
		}
		q.leaseUntil = time.Time{}
		return false, err
	}
	if q.leaseUntil.IsZero() {
		q.log.InfoContext(ctx, "audit sequencer: lease taken; this node sequences the audit log", "holder", q.holder)
	}
	q.leaseUntil = now.Add(q.ttl)
	return true, nil
}

// Stop asks Run to return.
func (q *AuditSequencer) Stop(context.Context) error {
	q.stopOnce.Do(func() { close(q.stop) })
	return nil
}

// Finish chains what the last requests and jobs queued, once every Run
// returned, and gives the lease up so that another node takes it at once.
func (q *AuditSequencer) Finish(ctx context.Context) error {
	err := q.audit.SettleAudit(ctx)
	if rerr := q.audit.store.ReleaseAuditSequencer(ctx, q.holder); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
