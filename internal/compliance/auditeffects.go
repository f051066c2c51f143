package compliance

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// SubjectTransition names one row of a warning's transitions. A transition
// is part of its warning's state (see SubjectWarning); the kind names only
// a transition whose warning is not stored, which no entry can account for.
const SubjectTransition = "warning_transition"

// followedKinds are the objects the audit log accounts for one by one:
// every stored one must have been recorded by an entry, its state now must
// be the state its last entry recorded, and one that an entry recorded must
// still be stored. Warnings stand for their transitions too.
var followedKinds = []string{SubjectDepartment, SubjectAccount, SubjectItem, SubjectCalendar, SubjectWarning, SubjectTransition}

// FollowedKinds returns the kinds of objects the audit log accounts for one
// by one, in the order they are checked.
func FollowedKinds() []string { return slices.Clone(followedKinds) }

// Followed reports whether s is of a kind the audit log accounts for one by
// one: an entry that creates or changes such an object records its state.
func (s AuditSubject) Followed() bool {
	return s.Kind != SubjectTransition && slices.Contains(followedKinds, s.Kind)
}

// numericKinds are keyed by a number and ordered by it.
var numericKinds = []string{SubjectWarning, SubjectTransition, SubjectCalendar}

// SubjectRef is the number that orders subjects of a numeric kind
// (warnings and transitions by id, calendar years by year); 0 for the other
// kinds and for a key that is not a number. Objects of one kind are ordered
// by SubjectRef, then by key as bytes: the store lists stored objects and
// recorded effects in that order, and verification merges the two.
func SubjectRef(s AuditSubject) int64 {
	if !slices.Contains(numericKinds, s.Kind) {
		return 0
	}
	n, err := strconv.ParseInt(s.Key, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// CompareSubjects orders subjects by kind, then as SubjectRef says.
func CompareSubjects(a, b AuditSubject) int {
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(SubjectRef(a), SubjectRef(b)); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// sameSubject compares kind and key: what names an object.
func sameSubject(a, b AuditSubject) bool { return a.Kind == b.Kind && a.Key == b.Key }

// AuditEffect is the state of one followed object that an entry records:
// its StateDigest just before the change ("" when it was not read: an
// object a job or the demo created) and just after it.
type AuditEffect struct {
	Seq     int64 // the entry's; 0 before it is stored
	Subject AuditSubject
	Before  string
	After   string
}

// MarshalJSON writes the effect with its subject as "kind:key".
func (e AuditEffect) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Seq     int64  `json:"seq,omitempty"`
		Subject string `json:"subject"`
		Before  string `json:"before_digest,omitempty"`
		After   string `json:"after_digest"`
	}{e.Seq, e.Subject.String(), e.Before, e.After})
}

// EffectsDigest returns the hex SHA-256 over the effects' subjects and
// digests, in order; "" for none.
func EffectsDigest(effects []AuditEffect) string {
	if len(effects) == 0 {
		return ""
	}
	h := sha256.New()
	writeField(h, "powercheck-effects-v1")
	writeField(h, strconv.Itoa(len(effects)))
	for _, e := range effects {
		writeField(h, e.Subject.Kind)
		writeField(h, e.Subject.Key)
		writeField(h, e.Before)
		writeField(h, e.After)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// entryEffects is what RecordAudit stores as e's effects: its single
// followed subject with the entry's before and after digests (the digest
// of one subject is that subject's own), then e.Effects without it.
func entryEffects(e AuditEntry) []AuditEffect {
	var out []AuditEffect
	if subjects := ParseSubjects(e.Subjects); len(subjects) == 1 && subjects[0].Followed() && e.AfterDigest != "" {
		out = append(out, AuditEffect{Subject: subjects[0], Before: e.BeforeDigest, After: e.AfterDigest})
	}
	for _, eff := range e.Effects {
		if !slices.ContainsFunc(out, func(o AuditEffect) bool { return sameSubject(o.Subject, eff.Subject) }) {
			eff.Seq = 0
			out = append(out, eff)
		}
	}
	return out
}

// effectsBySeq reads the effects of the entries in (after, upTo], by entry.
func effectsBySeq(ctx context.Context, r AuditReader, after, upTo int64) (map[int64][]AuditEffect, error) {
	es, err := r.AuditEffects(ctx, after, upTo)
	if err != nil {
		return nil, err
	}
	out := map[int64][]AuditEffect{}
	for _, e := range es {
		out[e.Seq] = append(out[e.Seq], e)
	}
	return out, nil
}

// AuditObject is a stored object as the audit log follows it: its subject
// and its state as AuditStateStore.AuditState encodes it (nil: not stored).
type AuditObject struct {
	Subject AuditSubject
	State   []byte
}

// SubjectDigest is StateDigest of the one object whose stored state is
// state (nil: absent).
func SubjectDigest(subj AuditSubject, state []byte) string {
	d, _ := stateDigest([]AuditSubject{subj}, func(AuditSubject) ([]byte, error) { return state, nil })
	return d
}

// Written lists the followed objects that the store wrote under the context
// TrackWrites gave, with their state after the change committed: read when
// it is called, or, for the warnings of steps stored in a group, as the
// group's transaction committed them. Objects written by a transaction that
// was rolled back are not stored and not listed.
type Written func(ctx context.Context) ([]AuditObject, error)

// WriteTracker is a store that notes the followed objects it writes: every
// warning it stores, every transition (as its warning), every account,
// department, power item version and calendar year it creates or enters.
type WriteTracker interface {
	// TrackWrites returns a context under which the store notes what it
	// writes, and the function that lists it.
	TrackWrites(ctx context.Context) (context.Context, Written)
}

// TrackWrites returns a context under which the store notes the followed
// objects it writes, and the function that lists them once the change is
// done, so that the change's audit entry accounts for each of them.
func (s *Audit) TrackWrites(ctx context.Context) (context.Context, Written) {
	return s.store.TrackWrites(ctx)
}

// WrittenEffects returns the effects of objects a change wrote: each
// object's state after it (it was not read before).
func WrittenEffects(objects []AuditObject) []AuditEffect {
	out := make([]AuditEffect, 0, len(objects))
	for _, o := range objects {
		if o.State == nil {
			continue
		}
		out = append(out, AuditEffect{Subject: AuditSubject{Kind: o.Subject.Kind, Key: o.Subject.Key}, After: SubjectDigest(o.Subject, o.State)})
	}
	return out
}
