package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuditIntent is what a change's audit entry says before the change runs:
// who asks what, of which subjects, in which state. The store writes it,
// with the keys of the followed objects written so far, inside each
// transaction of the change (see IntentStore), so that a change cannot be
// committed without it; recording the entry removes it in the same
// transaction as it queues the entry. An intent that no entry removed is a
// change whose node stopped (or whose entry could not be written) after
// it committed: the sequencer completes it (RecoverIntents).
type AuditIntent struct {
	Actor         string
	Role          Role
	IP            string
	Action        string
	Target        string
	RequestDigest string
	Subjects      []AuditSubject
	BeforeDigest  string
	// BeforeAsRead leaves BeforeDigest to the store: the state of the
	// subjects, a step and its case, as the change itself reads them
	// before it writes: the case as the step is checked against it, and
	// the step as absent, which its own insert in the same transaction
	// proves. It spares a read of them before the change runs.
	BeforeAsRead bool
}

// AuditRecovered is the ResponseDigest of an entry that recovery completed
// from an intent: the change was committed, but its answer was not seen.
// Its AfterDigest and its effects' states are those read when it was
// recovered, and its At is when the change's last transaction wrote the
// intent.
const AuditRecovered = "recovered"

// DefaultIntentBound is how old an intent must be before recovery takes it
// as abandoned: comfortably above any request's time (a change's requests
// are bounded well under a minute), so that a change still running is not
// completed under it.
const DefaultIntentBound = 2 * time.Minute

// StaleIntent is an intent that no entry completed, as recovery reads it.
type StaleIntent struct {
	Token  string
	At     time.Time // when its last transaction wrote it
	Intent AuditIntent
	// Written lists the followed objects its transactions noted, with
	// their state after the change (see the Written type).
	Written Written
	// Parts is how many transactions wrote it: completing it removes that
	// many, or nothing when another transaction or node got there first.
	Parts int
}

// IntentStore keeps the audit intents of the changes in flight.
type IntentStore interface {
	// TrackChange is TrackWrites for a change of the API: every
	// transaction under the context it returns writes the intent in, and
	// RecordAudit under it completes the intent with the entry.
	TrackChange(ctx context.Context, in AuditIntent) (context.Context, Written)
	// StaleIntents returns up to limit intents whose last part was written
	// before olderThan, oldest first.
	StaleIntents(ctx context.Context, olderThan time.Time, limit int) ([]StaleIntent, error)
	// CompleteIntent queues e (see EnqueueAudit) and removes the intent in
	// one transaction, if the intent is still as it was read; false (and
	// nothing queued) when it is not.
	CompleteIntent(ctx context.Context, in StaleIntent, e AuditEntry) (bool, error)
	// DropChange removes the intent of the change ctx carries (see
	// TrackChange), which is not to be recorded.
	DropChange(ctx context.Context) error
	// ChangeBefore returns the BeforeDigest that the first committed
	// transaction of the change ctx carries wrote in its intent, for a
	// change tracked with BeforeAsRead, and whether one committed.
	ChangeBefore(ctx context.Context) (digest string, committed bool)
}

// TrackChange returns a context under which the store writes the change's
// audit intent in each of its transactions and notes the followed objects
// it writes (see TrackWrites); RecordAudit under it completes the intent.
func (s *Audit) TrackChange(ctx context.Context, in AuditIntent) (context.Context, Written) {
	in.Actor = cut(in.Actor, auditActorMax)
	in.IP = cut(in.IP, auditIPMax)
	in.Action = cut(in.Action, auditActionMax)
	in.Target = cut(in.Target, auditTargetMax)
	return s.store.TrackChange(ctx, in)
}

// DropChange removes the intent of the change ctx carries: a change that
// was refused and wrote no followed object is not recorded.
func (s *Audit) DropChange(ctx context.Context) error { return s.store.DropChange(ctx) }

// ChangeBefore returns the state digest before the change ctx carries,
// tracked with BeforeAsRead, as its store wrote it; see IntentStore.
func (s *Audit) ChangeBefore(ctx context.Context) (string, bool) { return s.store.ChangeBefore(ctx) }

// intentBatch is how many intents one recovery pass completes at most.
const intentBatch = 100

// RecoverIntents completes the intents written before olderThan that no
// entry completed: each one's entry is rebuilt (its subjects' state and
// its objects' states read now), marked AuditRecovered, and queued exactly
// once, whoever else recovers at the same time. It returns how many it
// queued.
func (s *Audit) RecoverIntents(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	var failed []error // one intent that cannot be recovered does not hold up the others
	for {
		stale, err := s.store.StaleIntents(ctx, olderThan, intentBatch)
		if err != nil {
			return n, errors.Join(append(failed, fmt.Errorf("recover audit intents: %w", err))...)
		}
		done := 0
		for _, in := range stale {
			ok, err := s.recoverIntent(ctx, in)
			if err != nil {
				failed = append(failed, fmt.Errorf("recover audit intent %s: %w", in.Token, err))
				continue
			}
			if ok {
				n++
				done++
			}
		}
		if len(stale) < intentBatch || done == 0 {
			if n > 0 {
				s.sequencer.kick()
			}
			return n, errors.Join(failed...)
		}
	}
}

// recoverIntent rebuilds the entry of in and queues it; false when
// another recovery or the change's own entry completed it meanwhile.
func (s *Audit) recoverIntent(ctx context.Context, in StaleIntent) (bool, error) {
	objects, err := in.Written(ctx)
	if err != nil {
		return false, err
	}
	e := AuditEntry{At: in.At.UTC().Truncate(time.Millisecond), Actor: in.Intent.Actor, Role: in.Intent.Role,
		IP: in.Intent.IP, Action: in.Intent.Action, Target: in.Intent.Target, RequestDigest: in.Intent.RequestDigest,
		ResponseDigest: AuditRecovered, Subjects: FormatSubjects(in.Intent.Subjects), BeforeDigest: in.Intent.BeforeDigest,
		Effects: WrittenEffects(objects)}
	if len(in.Intent.Subjects) > 0 {
		if e.AfterDigest, err = s.StateDigest(ctx, in.Intent.Subjects); err != nil {
			return false, err
		}
	}
	e = prepareEntry(e)
	ok, err := s.store.CompleteIntent(ctx, in, e)
	if err == nil && ok {
		s.log.WarnContext(ctx, "audit: entry of a committed change completed from its intent (its answer was not seen)",
			"action", e.Action, "target", e.Target, "actor", e.Actor, "at", e.At, "effects", len(e.Effects))
	}
	return ok, err
}
