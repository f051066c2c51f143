package compliance

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// DriftKind says how a stored object departs from what the audit log
// recorded of it.
type DriftKind int

// The kinds of drift.
const (
	// DriftChanged: its state now, or before an entry, is not the state
	// the log recorded last.
	DriftChanged DriftKind = iota
	// DriftUnrecorded: it is stored, but no entry recorded it.
	DriftUnrecorded
	// DriftDeleted: an entry recorded it, but it is no longer stored.
	DriftDeleted
)

// StateDrift is an object changed outside the audited paths: its state
// before an entry is not its state after the entry before (Seq names the
// later entry), its state now is not its state after its last entry (Seq
// 0), it is stored but no entry recorded it, or an entry recorded it and it
// is gone.
type StateDrift struct {
	Kind    DriftKind
	Subject AuditSubject
	Seq     int64 // the entry whose before state did not match; 0: the state now
	PrevSeq int64 // the subject's entry before
	Problem string
}

func (d StateDrift) String() string {
	switch {
	case d.Kind == DriftUnrecorded:
		return fmt.Sprintf("%s: stored, but no audit entry records it (inserted outside the audit log)", d.Subject)
	case d.Kind == DriftDeleted:
		return fmt.Sprintf("%s: recorded by entry %d, but no longer stored (deleted outside the audit log)", d.Subject, d.PrevSeq)
	case d.Seq == 0:
		return fmt.Sprintf("%s: changed after entry %d, outside the audit log (%s)", d.Subject, d.PrevSeq, d.Problem)
	}
	return fmt.Sprintf("%s: changed between entries %d and %d, outside the audit log (%s)", d.Subject, d.PrevSeq, d.Seq, d.Problem)
}

// Label is what the drift is, in Chinese, for people reading a verdict.
func (d StateDrift) Label() string {
	switch d.Kind {
	case DriftUnrecorded:
		return "未经审计日志的新增"
	case DriftDeleted:
		return "未经审计日志的删除"
	}
	return "未经审计日志的改动"
}

// AuditObjectStore lists the stored followed objects and what the audit log
// recorded of them, each kind in the order of SubjectRef, then key.
type AuditObjectStore interface {
	AuditStateStore
	// AuditObjects returns up to limit stored objects of kind after the
	// object after (nil: from the first), each with its state as
	// AuditState encodes it. Of kind SubjectTransition it lists only the
	// transitions whose warning is not stored.
	AuditObjects(ctx context.Context, kind string, after *AuditSubject, limit int) ([]AuditObject, error)
	// AuditHistory returns the effects that entries up to upTo recorded
	// for up to limit objects of kind after the object after (nil: from
	// the first): by object, then by entry.
	AuditHistory(ctx context.Context, kind string, after *AuditSubject, limit int, upTo int64) ([]AuditEffect, error)
}

// verifyPage is how many objects verification reads at a time.
const verifyPage = 1000

// VerifyAuditState accounts for every stored account, department, power
// item (all its versions), calendar year and warning (with its
// transitions) against what the audit log recorded, and reports each one
// that no entry recorded, that an entry recorded but is gone, and each one
// whose stored state changed where no entry says so. It trusts the chain
// (run VerifyAudit first) and reads entries up to the newest one stored
// when it starts.
//
// Accounts, departments, power items and calendar years change one at a
// time (see the subject locks), so each entry's state before must be the
// last entry's state after. Warnings take no turns: two changes of one
// warning may record their states in either order, so a warning passes
// when its state now follows from its last recorded state through the
// changes recorded of it.
//
// Entries written before effects existed are followed through their single
// subject, as they recorded it.
func VerifyAuditState(ctx context.Context, r AuditReader, st AuditObjectStore) ([]StateDrift, error) {
	legacy, recovered, upTo, err := legacyHistory(ctx, r)
	if err != nil {
		return nil, err
	}
	var drifts []StateDrift
	for _, kind := range followedKinds {
		d, err := verifyKind(ctx, st, kind, legacy[kind], recovered, upTo, nil)
		if err != nil {
			return drifts, fmt.Errorf("audit objects of kind %s: %w", kind, err)
		}
		drifts = append(drifts, d...)
	}
	return settleDrifts(ctx, r, st, upTo, drifts)
}

// objectHistory is what the log recorded of one object, in entry order.
type objectHistory struct {
	subject AuditSubject
	effects []AuditEffect
}

// legacyHistory reads the whole log and returns, by kind and in object
// order, what the entries without effects recorded of their single followed
// subject, the entries that recovery completed (see AuditRecovered), and
// the newest entry's Seq.
func legacyHistory(ctx context.Context, r AuditReader) (map[string][]objectHistory, map[int64]bool, int64, error) {
	bySubject := map[AuditSubject][]AuditEffect{}
	recovered := map[int64]bool{}
	var upTo int64
	for {
		es, err := r.AuditEntries(ctx, upTo, verifyPage)
		if err != nil {
			return nil, nil, upTo, err
		}
		for _, e := range es {
			upTo = e.Seq
			if e.ResponseDigest == AuditRecovered {
				recovered[e.Seq] = true
			}
			if e.EffectsDigest != "" {
				continue
			}
			for _, eff := range entryEffects(e) {
				eff.Seq = e.Seq
				bySubject[eff.Subject] = append(bySubject[eff.Subject], eff)
			}
		}
		if len(es) < verifyPage {
			break
		}
	}
	out := map[string][]objectHistory{}
	for subj, effects := range bySubject {
		out[subj.Kind] = append(out[subj.Kind], objectHistory{subject: subj, effects: effects})
	}
	for _, hs := range out {
		slices.SortFunc(hs, func(a, b objectHistory) int { return CompareSubjects(a.subject, b.subject) })
	}
	return out, recovered, upTo, nil
}

// verifyKind merges the stored objects of kind with their recorded history
// (effects, then the legacy entries) and judges each object. unrecorded,
// when given, is called with each stored object that no entry recorded.
func verifyKind(ctx context.Context, st AuditObjectStore, kind string, legacy []objectHistory, recovered map[int64]bool, upTo int64,
	unrecorded func(AuditObject) error) ([]StateDrift, error) {
	stored := &pager[AuditObject]{
		fetch: func(after *AuditSubject) ([]AuditObject, error) {
			return st.AuditObjects(ctx, kind, after, verifyPage)
		},
		subject: func(o AuditObject) AuditSubject { return o.Subject },
	}
	recorded := &pager[objectHistory]{
		fetch: func(after *AuditSubject) ([]objectHistory, error) {
			es, err := st.AuditHistory(ctx, kind, after, verifyPage, upTo)
			return groupHistory(es), err
		},
		subject: func(h objectHistory) AuditSubject { return h.subject },
	}
	var drifts []StateDrift
	for {
		o, haveObj, err := stored.peek()
		if err != nil {
			return drifts, err
		}
		h, haveHist, err := recorded.peek()
		if err != nil {
			return drifts, err
		}
		haveLegacy := len(legacy) > 0
		if !haveObj && !haveHist && !haveLegacy {
			return drifts, nil
		}
		// The next object in order, of whichever source has it.
		var candidates []AuditSubject
		if haveObj {
			candidates = append(candidates, o.Subject)
		}
		if haveHist {
			candidates = append(candidates, h.subject)
		}
		if haveLegacy {
			candidates = append(candidates, legacy[0].subject)
		}
		next := slices.MinFunc(candidates, CompareSubjects)
		var obj *AuditObject
		if haveObj && CompareSubjects(o.Subject, next) == 0 {
			obj = &o
			stored.pop()
		}
		var effects []AuditEffect
		if haveHist && CompareSubjects(h.subject, next) == 0 {
			effects = append(effects, h.effects...)
			recorded.pop()
		}
		if haveLegacy && CompareSubjects(legacy[0].subject, next) == 0 {
			effects = append(effects, legacy[0].effects...)
			legacy = legacy[1:]
		}
		slices.SortStableFunc(effects, func(a, b AuditEffect) int { return cmp.Compare(a.Seq, b.Seq) })
		if obj != nil && len(effects) == 0 && unrecorded != nil {
			if err := unrecorded(*obj); err != nil {
				return drifts, err
			}
		}
		drifts = append(drifts, judgeObject(next, obj, effects, recovered)...)
	}
}

// groupHistory groups effects listed by object, then entry.
func groupHistory(es []AuditEffect) []objectHistory {
	var out []objectHistory
	for _, e := range es {
		if n := len(out); n > 0 && sameSubject(out[n-1].subject, e.Subject) {
			out[n-1].effects = append(out[n-1].effects, e)
			continue
		}
		out = append(out, objectHistory{subject: e.Subject, effects: []AuditEffect{e}})
	}
	return out
}

// judgeObject compares what is stored of one object (obj nil: nothing)
// with what the log recorded of it, in entry order.
//
// An entry that recovery completed (recovered, by Seq) stands for a change
// committed before its place in the log, whose state after is unknown (its
// recorded after is the state when it was recovered): its own before is
// not checked, and an entry's before that does not follow from the entry
// before it is accepted when a recovered entry of the object comes after
// that one. The state now is checked as always.
func judgeObject(subj AuditSubject, obj *AuditObject, recorded []AuditEffect, recovered map[int64]bool) []StateDrift {
	if len(recorded) == 0 {
		if obj == nil {
			return nil
		}
		return []StateDrift{{Kind: DriftUnrecorded, Subject: subj, Problem: "no entry records it"}}
	}
	var drifts []StateDrift
	ordered := subj.APIOnly()
	afters := map[string]bool{}
	for _, r := range recorded {
		afters[r.After] = true
	}
	for i := 1; i < len(recorded); i++ {
		before := recorded[i].Before
		if before == "" || recovered[recorded[i].Seq] {
			continue // not read (a job's or the demo's creation), or recovered
		}
		if ((ordered && before != recorded[i-1].After) || (!ordered && !afters[before])) && !recoveredSince(recorded, i, recovered) {
			drifts = append(drifts, StateDrift{Kind: DriftChanged, Subject: subj, Seq: recorded[i].Seq,
				PrevSeq: recorded[i-1].Seq, Problem: "before state differs"})
		}
	}
	last := recorded[len(recorded)-1]
	if obj == nil {
		if last.After != AbsentStateDigest([]AuditSubject{subj}) {
			drifts = append(drifts, StateDrift{Kind: DriftDeleted, Subject: subj, PrevSeq: last.Seq, Problem: "no longer stored"})
		}
		return drifts
	}
	now := SubjectDigest(subj, obj.State)
	if now != last.After && (ordered || !reachable(last.After, now, recorded)) {
		problem := "state now differs"
		if subj.Kind == SubjectWarning {
			problem = "state now differs: the warning's row or its transitions"
		}
		drifts = append(drifts, StateDrift{Kind: DriftChanged, Subject: subj, PrevSeq: last.Seq, Problem: problem})
	}
	return drifts
}

// recoveredSince reports whether, of the effects recorded of one object,
// one that recovery completed comes after the last one before i that it
// did not: the change it stands for may have been made before recorded[i].
func recoveredSince(recorded []AuditEffect, i int, recovered map[int64]bool) bool {
	p := i - 1
	for p >= 0 && recovered[recorded[p].Seq] {
		p--
	}
	for _, r := range recorded[p+1:] {
		if recovered[r.Seq] {
			return true
		}
	}
	return false
}

// reachable reports whether the recorded changes lead from state from to
// state to: two changes of one warning record their states in the order
// they reach the log, which need not be the order they were made.
func reachable(from, to string, recorded []AuditEffect) bool {
	seen := map[string]bool{from: true}
	frontier := []string{from}
	for len(frontier) > 0 {
		s := frontier[0]
		frontier = frontier[1:]
		for _, r := range recorded {
			if r.Before == s && !seen[r.After] {
				if r.After == to {
					return true
				}
				seen[r.After] = true
				frontier = append(frontier, r.After)
			}
		}
	}
	return false
}

// settleDrifts looks again at the objects found drifting once the entries
// appended since verification began are read: on a running service, an
// object may change between reading the log and reading the object, and the
// entry that records the change is appended just after it commits.
func settleDrifts(ctx context.Context, r AuditReader, st AuditStateStore, upTo int64, drifts []StateDrift) ([]StateDrift, error) {
	var open []int
	for i, d := range drifts {
		if d.Seq == 0 { // the state now: between entries stays as read
			open = append(open, i)
		}
	}
	if len(open) == 0 {
		return drifts, nil
	}
	newer := map[AuditSubject]AuditEffect{}
	for after := upTo; ; {
		es, err := r.AuditEntries(ctx, after, verifyPage)
		if err != nil || len(es) == 0 {
			if err != nil {
				return drifts, err
			}
			break
		}
		last := es[len(es)-1].Seq
		effects, err := r.AuditEffects(ctx, after, last)
		if err != nil {
			return drifts, err
		}
		for _, e := range effects {
			newer[AuditSubject{Kind: e.Subject.Kind, Key: e.Subject.Key}] = e
		}
		after = last
		if len(es) < verifyPage {
			break
		}
	}
	if len(newer) == 0 {
		return drifts, nil
	}
	settled := map[int]bool{}
	for _, i := range open {
		subj := drifts[i].Subject
		e, ok := newer[AuditSubject{Kind: subj.Kind, Key: subj.Key}]
		if !ok {
			continue
		}
		now, err := StateDigest(ctx, st, []AuditSubject{subj})
		if err != nil {
			return drifts, err
		}
		if now == e.After {
			settled[i] = true
		}
	}
	out := drifts[:0:0]
	for i, d := range drifts {
		if !settled[i] {
			out = append(out, d)
		}
	}
	return out, nil
}
