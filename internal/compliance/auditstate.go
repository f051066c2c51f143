package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// AuditSubject names a stored object whose state a change touches: its
// kind and key, e.g. {SubjectAccount, "zjj-clerk"}.
type AuditSubject struct {
	Kind string
	Key  string
	// Department narrows a step to its department's row: step ids are
	// unique within a department. It is not part of the subject's name.
	Department string
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
	SubjectApproval    = "approval"    // a signed approval, by id
)

// apiOnlyKinds are the subjects that change only through the API, each
// through routes that name it (the system only creates some: the first
// administrator, the official calendar years, the demo's), and take turns
// doing so: their state after one audited change must be their state before
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
	// AuditStates returns AuditState of each subject, in order, reading
	// several at once where the store can (a step and its case, say).
	AuditStates(ctx context.Context, subjects []AuditSubject) ([][]byte, error)
}

// StateDigest returns the hex SHA-256 over the subjects' kinds, keys and
// stored states, in the order given; "" for no subjects. A subject that
// does not exist is hashed as absent, distinct from any content.
func StateDigest(ctx context.Context, st AuditStateStore, subjects []AuditSubject) (string, error) {
	if len(subjects) == 0 {
		return "", nil
	}
	states, err := st.AuditStates(ctx, subjects)
	if err != nil {
		return "", fmt.Errorf("state of %s: %w", FormatSubjects(subjects), err)
	}
	if len(states) != len(subjects) {
		return "", fmt.Errorf("state of %s: %d states for %d subjects", FormatSubjects(subjects), len(states), len(subjects))
	}
	return StatesDigest(subjects, states), nil
}

// StatesDigest is StateDigest of subjects whose stored states, in the same
// order, were read already (nil: absent); "" when the counts differ.
func StatesDigest(subjects []AuditSubject, states [][]byte) string {
	if len(states) != len(subjects) {
		return ""
	}
	i := 0
	d, _ := stateDigest(subjects, func(AuditSubject) ([]byte, error) {
		i++
		return states[i-1], nil
	})
	return d
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
func (s *Audit) StateDigest(ctx context.Context, subjects []AuditSubject) (string, error) {
	st := s.store
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

// SystemChange is a change the service made on its own: Action names the
// job (e.g. "sweep"), Target its scope, Request the parameters it ran with
// and Result what it did; both are digested as JSON. Subjects, when the
// change touched objects a caller can name, get their state after the
// change digested (the job has already run, so there is no before).
// Written lists the followed objects the job wrote (see TrackWrites).
type SystemChange struct {
	Action, Target  string
	Request, Result any
	Subjects        []AuditSubject
	Written         []AuditObject
}

// RecordSystemChange records a change the service made on its own.
func (s *Audit) RecordSystemChange(ctx context.Context, c SystemChange) (AuditEntry, error) {
	e := AuditEntry{Actor: SystemActor, Role: SystemActor, Action: "SYSTEM " + c.Action, Target: c.Target,
		Effects: WrittenEffects(c.Written)}
	var err error
	if e.RequestDigest, err = jsonDigest(c.Request); err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s: %w", c.Action, err)
	}
	if e.ResponseDigest, err = jsonDigest(c.Result); err != nil {
		return AuditEntry{}, fmt.Errorf("audit %s: %w", c.Action, err)
	}
	if len(c.Subjects) > 0 {
		e.Subjects = FormatSubjects(c.Subjects)
		if e.AfterDigest, err = s.StateDigest(ctx, c.Subjects); err != nil {
			return AuditEntry{}, fmt.Errorf("audit %s: %w", c.Action, err)
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
