package compliance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"
	"unicode/utf8"
)

// AuditEntry is one change recorded in the audit log. Entries form a hash
// chain: each one's Hash covers its content and the Hash of the entry before
// it, so an entry altered, removed or moved breaks the chain at that entry.
type AuditEntry struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Role          Role      `json:"role"`
	IP            string    `json:"ip"`
	Action        string    `json:"action"` // "METHOD route", e.g. "POST /api/v1/steps"
	Target        string    `json:"target"` // what was changed, e.g. "code=XK-001"
	RequestDigest string    `json:"request_digest"`
	// ResponseDigest is the digest of the answer; AuditRecovered when the
	// entry was completed by recovery, its answer unseen.
	ResponseDigest string `json:"response_digest"`
	// Subjects names the stored objects whose state the change touched,
	// "kind:key" separated by spaces (e.g. "account:zjj-clerk"); empty for
	// bulk jobs, whose effects are the warnings they raise.
	Subjects string `json:"subjects"`
	// BeforeDigest and AfterDigest are StateDigest of the subjects read
	// just before the change and as it committed them: just after the
	// commit, or, for a step stored in a group, by the group's transaction
	// just before it committed.
	BeforeDigest string `json:"before_digest"`
	AfterDigest  string `json:"after_digest"`
	// EffectsDigest is EffectsDigest of Effects: "" when the entry records
	// no object's state. The entry's hash covers it, so the effects, stored
	// apart, cannot be changed without breaking the chain.
	EffectsDigest string `json:"effects_digest,omitempty"`
	// Effects are the states of the followed objects (see FollowedKinds)
	// that the change created or changed, each after it: the route's
	// subject, the warnings a step or a job raised, the objects the demo
	// or the calendar's first start created. Listings leave them out.
	Effects  []AuditEffect `json:"effects,omitempty"`
	PrevHash string        `json:"prev_hash"`
	Hash     string        `json:"hash"`
}

// AuditHead is the end of the chain: the last entry's sequence number and
// hash; Seq 0 and an empty Hash before the first entry. It is kept apart from
// the entries, so that removing the last entries is detected too.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditFilter selects audit entries; zero fields do not filter. Results come
// newest first; BeforeSeq continues a listing.
type AuditFilter struct {
	Actor     string
	Action    string
	From, To  time.Time // At in [From, To)
	BeforeSeq int64
	Limit     int
}

// AuditStore keeps the audit log.
type AuditStore interface {
	// AppendAudit links the entries pending (see AuditQueue), then e, to
	// the head of the chain with Chain (sealed with key, when there is
	// one) and stores them together with the new head, atomically;
	// concurrent appends and passes of the sequencer, from this process or
	// another one on the same database, are serialised so that the chain
	// stays linear. It returns e as stored.
	AppendAudit(ctx context.Context, e AuditEntry, key []byte) (AuditEntry, error)
	AuditQueue
	// ListAudit returns the entries that f selects, newest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	AuditReader
}

// AuditReader reads the chain for verification.
type AuditReader interface {
	// AuditEntries returns up to limit entries with Seq > after, in Seq
	// order, without their effects.
	AuditEntries(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
	// AuditEffects returns the effects stored for the entries with Seq in
	// (after, upTo], in Seq order and, within an entry, in the order
	// recorded; each has its Seq set.
	AuditEffects(ctx context.Context, after, upTo int64) ([]AuditEffect, error)
	// AuditHead returns the stored head; ErrNotFound when there is none.
	AuditHead(ctx context.Context) (AuditHead, error)
}

// The stored widths of the entry's text fields; longer values are cut
// before hashing, so that what is hashed is what is stored.
const (
	auditActorMax  = 64
	auditIPMax     = 64
	auditActionMax = 128
	auditTargetMax = 512
	// AuditSubjectsMax is the stored width of Subjects.
	AuditSubjectsMax = 512
)

// Chain returns e as the entry after head: its Seq, PrevHash and Hash set;
// the Hash is AuditSeal(e, key).
func (e AuditEntry) Chain(head AuditHead, key []byte) AuditEntry {
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	e.Hash = AuditSeal(e, key)
	return e
}

// MinAuditKey is the shortest audit key accepted, in bytes.
const MinAuditKey = 32

// AuditSeal returns the entry's hash: AuditHash without a key, else the hex
// HMAC-SHA256 under key of the same canonical encoding, tagged apart. A
// chain sealed with a key kept outside the database cannot be rewritten
// consistently by someone who can only write to the database.
func AuditSeal(e AuditEntry, key []byte) string {
	if len(key) == 0 {
		return AuditHash(e)
	}
	m := hmac.New(sha256.New, key)
	tag := "powercheck-audit-v3-hmac"
	if e.EffectsDigest != "" {
		tag = "powercheck-audit-v4-hmac"
	}
	writeEntry(m, e, tag)
	return hex.EncodeToString(m.Sum(nil))
}

// auditTimeLayout is the canonical form of an entry's time: UTC, to the
// millisecond, the precision every supported database keeps.
const auditTimeLayout = "2006-01-02T15:04:05.000Z"

// AuditHash returns the hex SHA-256 of the entry's canonical encoding: a
// version tag, then prev_hash, seq, time, actor, role, ip, action, target,
// request digest and response digest — and, from version 2, subjects,
// before digest and after digest, and from version 4 the effects digest —
// each written as its byte length, a colon and its bytes, so that no two
// different entries encode alike. Entries without state digests keep the
// version 1 encoding, and entries without effects the version 2 one, so
// that a chain written before either existed still verifies. The writer and
// the verifier both use this function.
func AuditHash(e AuditEntry) string {
	h := sha256.New()
	writeEntry(h, e, "")
	return hex.EncodeToString(h.Sum(nil))
}

// writeEntry writes the canonical encoding of e to h; tag, when given,
// replaces the version tag (the state fields are then always written).
func writeEntry(h hash.Hash, e AuditEntry, tag string) {
	fields := []string{"powercheck-audit-v1", e.PrevHash, strconv.FormatInt(e.Seq, 10),
		e.At.UTC().Format(auditTimeLayout), e.Actor, string(e.Role), e.IP, e.Action, e.Target,
		e.RequestDigest, e.ResponseDigest}
	if tag != "" || e.Subjects != "" || e.BeforeDigest != "" || e.AfterDigest != "" || e.EffectsDigest != "" {
		fields[0] = "powercheck-audit-v2"
		fields = append(fields, e.Subjects, e.BeforeDigest, e.AfterDigest)
	}
	if tag != "" {
		fields[0] = tag
	}
	if e.EffectsDigest != "" {
		if tag == "" {
			fields[0] = "powercheck-audit-v4"
		}
		fields = append(fields, e.EffectsDigest)
	}
	for _, f := range fields {
		writeField(h, f)
	}
}

func writeField(h hash.Hash, f string) {
	h.Write([]byte(strconv.Itoa(len(f))))
	h.Write([]byte{':'})
	h.Write([]byte(f))
}

// RecordAudit appends an entry to the audit log, stamped with the service's
// clock, and returns it as stored: durable, but not yet sequenced (Seq 0,
// no hash); the sequencer chains it within a second (see AuditSequencer),
// and every reader of the chain settles the pending entries first. Over-long
// fields are cut to their stored width. The entry's single subject, when it
// is of a followed kind and its state after was read, is recorded among its
// effects, ahead of e.Effects (see WrittenEffects). Under a context of
// TrackChange, the entry is queued and the change's intent removed in one
// transaction; when recovery completed the intent first, nothing is queued.
func (s *Audit) RecordAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	e.At = s.now().UTC().Truncate(time.Millisecond)
	e = prepareEntry(e)
	if err := s.store.EnqueueAudit(ctx, e); err != nil {
		return AuditEntry{}, err
	}
	s.sequencer.kick()
	return e, nil
}

// prepareEntry cuts e's fields to their stored widths and sets its effects
// and their digest, as it is queued.
func prepareEntry(e AuditEntry) AuditEntry {
	e.Actor = cut(e.Actor, auditActorMax)
	e.IP = cut(e.IP, auditIPMax)
	e.Action = cut(e.Action, auditActionMax)
	e.Target = cut(e.Target, auditTargetMax)
	e.Subjects = cut(e.Subjects, AuditSubjectsMax)
	e.Effects = entryEffects(e)
	e.EffectsDigest = EffectsDigest(e.Effects)
	return e
}

// ListAudit lists the audit log, newest first.
func (s *Audit) ListAudit(ctx context.Context, who *Account, f AuditFilter) ([]AuditEntry, error) {
	if err := Authorize(who, ActReadAudit, ""); err != nil {
		return nil, err
	}
	as := s.store
	if err := s.SettleAudit(ctx); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	return as.ListAudit(ctx, f)
}

// cut shortens s to at most n runes.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// AuditBreak is where the audit chain is broken: the first bad entry.
type AuditBreak struct {
	Seq     int64
	Problem string
}

func (b *AuditBreak) Error() string {
	if b.Seq == 0 {
		return "audit head: " + b.Problem
	}
	return fmt.Sprintf("entry %d: %s", b.Seq, b.Problem)
}

// VerifyAudit walks the whole chain in Seq order and checks that sequence
// numbers are contiguous from 1, that each entry's hash matches its content
// and links to the entry before, and that the head names the last entry. It
// returns the number of entries, or an *AuditBreak naming the first bad one.
//
// With a key, an entry must be sealed with it (AuditSeal), except for a
// first run of plainly hashed entries written before the key was set; and
// the newest entry must be sealed, so that a log rewritten whole without
// the key does not pass.
//
// Each entry's stored effects must be the ones its EffectsDigest names.
func VerifyAudit(ctx context.Context, r AuditReader, key []byte) (int64, error) {
	const page = 1000
	var last AuditHead
	keyed, lastKeyed := false, false
	for {
		es, err := r.AuditEntries(ctx, last.Seq, page)
		if err != nil {
			return last.Seq, err
		}
		var effects map[int64][]AuditEffect
		if len(es) > 0 {
			if effects, err = effectsBySeq(ctx, r, last.Seq, es[len(es)-1].Seq); err != nil {
				return last.Seq, err
			}
		}
		for _, e := range es {
			want := last.Seq + 1
			if e.Seq != want {
				return last.Seq, &AuditBreak{Seq: want, Problem: "missing (deleted, or entries reordered)"}
			}
			if p := sealProblem(e, key, keyed); p != "" {
				return last.Seq, &AuditBreak{Seq: e.Seq, Problem: p}
			}
			if got := EffectsDigest(effects[e.Seq]); got != e.EffectsDigest {
				return last.Seq, &AuditBreak{Seq: e.Seq, Problem: fmt.Sprintf("its %d stored effects do not match its effects digest (effects altered, added or removed)", len(effects[e.Seq]))}
			}
			if e.PrevHash != last.Hash {
				return last.Seq, &AuditBreak{Seq: e.Seq, Problem: fmt.Sprintf("does not link to entry %d", last.Seq)}
			}
			lastKeyed = len(key) > 0 && e.Hash == AuditSeal(e, key)
			keyed = keyed || lastKeyed
			last = AuditHead{Seq: e.Seq, Hash: e.Hash}
		}
		if len(es) < page {
			break
		}
	}
	head, err := r.AuditHead(ctx)
	switch {
	case errors.Is(err, ErrNotFound) && last.Seq == 0:
		return 0, nil // nothing was ever recorded
	case errors.Is(err, ErrNotFound):
		return last.Seq, &AuditBreak{Problem: fmt.Sprintf("missing, with %d entries stored (removed)", last.Seq)}
	case err != nil:
		return last.Seq, err
	case head.Seq > last.Seq:
		return last.Seq, &AuditBreak{Seq: last.Seq + 1, Problem: fmt.Sprintf("missing (deleted: the head records %d entries)", head.Seq)}
	case head.Seq < last.Seq:
		return last.Seq, &AuditBreak{Seq: head.Seq + 1, Problem: fmt.Sprintf("not recorded by the head, which ends at entry %d (inserted)", head.Seq)}
	case head.Hash != last.Hash:
		return last.Seq, &AuditBreak{Seq: last.Seq, Problem: "does not match the head's hash (altered)"}
	case len(key) > 0 && !lastKeyed:
		return last.Seq, &AuditBreak{Seq: last.Seq, Problem: "not sealed with the audit key (the newest entry must be; rewritten without the key, or the server runs without it)"}
	}
	return last.Seq, nil
}

// sealProblem says what is wrong with e's hash, or "" when nothing is.
// keyed tells whether an entry before e was sealed with key.
func sealProblem(e AuditEntry, key []byte, keyed bool) string {
	plain := e.Hash == AuditHash(e)
	switch {
	case len(key) == 0 && plain:
		return ""
	case len(key) == 0:
		return "hash mismatch (altered), unless it was sealed with an audit key: verify with the key"
	case e.Hash == AuditSeal(e, key):
		return ""
	case plain && !keyed:
		return "" // written before the key was set
	case plain:
		return "not sealed with the audit key, after sealed entries (rewritten without the key)"
	}
	return "hash mismatch (altered)"
}
