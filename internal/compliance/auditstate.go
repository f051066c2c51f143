package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AuditSubject names a stored object whose state a change touches: its
// kind and key, e.g. {SubjectAccount, "zjj-clerk"}.
type AuditSubject struct {
	Kind string
	Key  string
}

// String is "kind:key", or the kind alone for a subject without a key.
func (s AuditSubject) String() string {
	if s.Key == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Key
}

// The kinds of audit subjects. Each names the rows that hold one object:
// an account is its row; a case is its row; a warning is its row and its
// transitions; a power item is every version of it; policies are the
// newest revision and every draft.
const (
	SubjectDepartment  = "department"
	SubjectAccount     = "account"
	SubjectItem        = "power_item"
	SubjectStep        = "step"
	SubjectCase        = "case"
	SubjectWarning     = "warning"
	SubjectCalendar    = "calendar"
	SubjectPolicyDraft = "policy_draft"
	SubjectPolicies    = "policies"
	SubjectSpotCheck   = "spot_check"
	SubjectPatrol      = "patrol"
	SubjectExplanation = "explanation" // key "DEPT/2026-10"
)

// apiOnlyKinds are the subjects that change only through the API, each
// through routes that name it: nothing the system runs on its own writes
// them, so their state after one audited change must be their state before
// the next one, and their state now must be their state after the last one.
// VerifyAuditState checks exactly that. Policy drafts are not among them:
// publishing consumes every draft under the subject "policies".
var apiOnlyKinds = []string{SubjectDepartment, SubjectAccount, SubjectItem, SubjectCalendar}

// APIOnly reports whether s is of a kind that changes only through the API.
func (s AuditSubject) APIOnly() bool { return slices.Contains(apiOnlyKinds, s.Kind) }

// AuditStateStore reads the stored state of audit subjects.
type AuditStateStore interface {
	// AuditState returns a canonical encoding of the stored rows that hold
	// subj, the same bytes for the same stored content, or nil when the
	// object does not exist. An unknown kind is an error.
	AuditState(ctx context.Context, subj AuditSubject) ([]byte, error)
}

// StateDigest returns the hex SHA-256 over the subjects' kinds, keys and
// stored states, in the order given; "" for no subjects. A subject that
// does not exist is hashed as absent, distinct from any content.
func StateDigest(ctx context.Context, st AuditStateStore, subjects []AuditSubject) (string, error) {
	return stateDigest(subjects, func(subj AuditSubject) ([]byte, error) { return st.AuditState(ctx, subj) })
}

// AbsentStateDigest is StateDigest of subjects none of which exists: the
// state before a change that created them.
func AbsentStateDigest(subjects []AuditSubject) string {
	d, _ := stateDigest(subjects, func(AuditSubject) ([]byte, error) { return nil, nil })
	return d
}

func stateDigest(subjects []AuditSubject, read func(AuditSubject) ([]byte, error)) (string, error) {
	if len(subjects) == 0 {
		return "", nil
	}
	h := sha256.New()
	writeField(h, "powercheck-state-v1")
	for _, subj := range subjects {
		state, err := read(subj)
		if err != nil {
			return "", fmt.Errorf("state of %s: %w", subj, err)
		}
		writeField(h, subj.Kind)
		writeField(h, subj.Key)
		if state == nil {
			writeField(h, "absent")
			continue
		}
		writeField(h, "present")
		writeField(h, string(state))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// StateDigest returns the digest of the subjects' stored state; see the
// function StateDigest.
func (s *Service) StateDigest(ctx context.Context, subjects []AuditSubject) (string, error) {
	st, ok := s.store.(AuditStateStore)
	if !ok {
		return "", errors.New("audit: the store cannot read object states")
	}
	return StateDigest(ctx, st, subjects)
}

// FormatSubjects writes subjects as Subjects holds them.
func FormatSubjects(subjects []AuditSubject) string {
	parts := make([]string, len(subjects))
	for i, s := range subjects {
		parts[i] = s.String()
	}
	return strings.Join(parts, " ")
}

// ParseSubjects reads an entry's Subjects back; parts without a kind are
// skipped.
func ParseSubjects(s string) []AuditSubject {
	var out []AuditSubject
	for _, part := range strings.Fields(s) {
		kind, key, _ := strings.Cut(part, ":")
		if kind == "" {
			continue
		}
		out = append(out, AuditSubject{Kind: kind, Key: key})
	}
	return out
}

// SystemActor is the actor of the changes the service makes on its own:
// deadline sweeps, closing working days and months, the catalog check,
// re-checking steps, creating the first administrator.
const SystemActor = "system"

// RecordSystemChange records a change the service made on its own. action
// names the job (e.g. "sweep"), target its scope, request the parameters it
// ran with and result what it did; both are digested as JSON. subjects, when
// the change touched objects a caller can name, get their state after the
// change digested (the job has already run, so there is no before).
func (s *Service) RecordSystemChange(ctx context.Context, action, target string, request, result any, subjects ...AuditSubject) (AuditEntry, error) {
	e := AuditEntry{Actor: SystemActor, Role: SystemActor, Action: "SYSTEM " + action, Target: target}
	var err error
	if e.RequestDigest, err = jsonDigest(request); err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s: %w", action, err)
	}
	if e.ResponseDigest, err = jsonDigest(result); err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s: %w", action, err)
	}
	if len(subjects) > 0 {
		e.Subjects = FormatSubjects(subjects)
		if e.AfterDigest, err = s.StateDigest(ctx, subjects); err != nil {
			return AuditEntry{}, fmt.Errorf("audit %s: %w", action, err)
		}
	}
	return s.RecordAudit(ctx, e)
}

func jsonDigest(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// StateDrift is an object changed outside the audited paths: its state
// before an entry is not its state after the entry before (Seq names the
// later entry), or its state now is not its state after its last entry
// (Seq 0).
type StateDrift struct {
	Subject AuditSubject
	Seq     int64 // the entry whose before state did not match; 0: the state now
	PrevSeq int64 // the subject's entry before
	Problem string
}

func (d StateDrift) String() string {
	if d.Seq == 0 {
		return fmt.Sprintf("%s: changed after entry %d, outside the audit log (%s)", d.Subject, d.PrevSeq, d.Problem)
	}
	return fmt.Sprintf("%s: changed between entries %d and %d, outside the audit log (%s)", d.Subject, d.PrevSeq, d.Seq, d.Problem)
}

// VerifyAuditState follows, through the whole log, every object of a kind
// that changes only through the API (accounts, departments, power items,
// calendar years) and reports each one whose stored state
// changed where no entry says so. It trusts the chain: run VerifyAudit
// first. Entries that touched several objects, or none, are not followed.
func VerifyAuditState(ctx context.Context, r AuditReader, st AuditStateStore) ([]StateDrift, error) {
	type seen struct {
		seq   int64
		after string
	}
	last := map[AuditSubject]seen{}
	var drifts []StateDrift
	const page = 1000
	for after := int64(0); ; {
		es, err := r.AuditEntries(ctx, after, page)
		if err != nil {
			return drifts, err
		}
		for _, e := range es {
			after = e.Seq
			subjects := ParseSubjects(e.Subjects)
			if len(subjects) != 1 || !subjects[0].APIOnly() || e.AfterDigest == "" {
				continue
			}
			subj := subjects[0]
			if prev, ok := last[subj]; ok && e.BeforeDigest != "" && e.BeforeDigest != prev.after {
				drifts = append(drifts, StateDrift{Subject: subj, Seq: e.Seq, PrevSeq: prev.seq, Problem: "before state differs"})
			}
			last[subj] = seen{seq: e.Seq, after: e.AfterDigest}
		}
		if len(es) < page {
			break
		}
	}
	subjects := make([]AuditSubject, 0, len(last))
	for subj := range last {
		subjects = append(subjects, subj)
	}
	slices.SortFunc(subjects, func(a, b AuditSubject) int { return strings.Compare(a.String(), b.String()) })
	for _, subj := range subjects {
		now, err := StateDigest(ctx, st, []AuditSubject{subj})
		if err != nil {
			return drifts, err
		}
		if now != last[subj].after {
			drifts = append(drifts, StateDrift{Subject: subj, PrevSeq: last[subj].seq, Problem: "state now differs"})
		}
	}
	return drifts, nil
}

// AuditVerdict is the outcome of checking the audit log: the chain and the
// stored objects it follows.
type AuditVerdict struct {
	OK       bool     `json:"ok"`
	Entries  int64    `json:"entries"`
	Problems []string `json:"problems"`
	Checked  string   `json:"checked_at"`
}

// VerifyAuditLog checks the audit chain with the service's key and the
// stored objects against the states it recorded, as `audit verify` does.
func (s *Service) VerifyAuditLog(ctx context.Context, who *Account) (AuditVerdict, error) {
	if who.Role != RoleAdmin && who.Role != RoleSupervision {
		return AuditVerdict{}, errForbidden
	}
	v := AuditVerdict{Problems: []string{}, Checked: s.now().UTC().Format(time.RFC3339)}
	r, ok := s.store.(AuditReader)
	st, ok2 := s.store.(AuditStateStore)
	if !ok || !ok2 {
		return AuditVerdict{}, Errorf(KindInternal, "internal", "存储不支持审计校验")
	}
	n, err := VerifyAudit(ctx, r, s.auditKey)
	v.Entries = n
	var brk *AuditBreak
	if errors.As(err, &brk) {
		v.Problems = append(v.Problems, fmt.Sprintf("审计链在第 %d 条之后断开：%v", n, brk))
		return v, nil
	}
	if err != nil {
		return AuditVerdict{}, err
	}
	drifts, err := VerifyAuditState(ctx, r, st)
	if err != nil {
		return AuditVerdict{}, err
	}
	for _, d := range drifts {
		v.Problems = append(v.Problems, "未经审计日志的改动："+d.String())
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}
