package compliance

import (
	"fmt"
	"testing"
)

// TestJudgeObject specifies how one object's stored state is judged
// against the effects the log recorded of it, in entry order.
func TestJudgeObject(t *testing.T) {
	t.Parallel()
	warning := AuditSubject{Kind: SubjectWarning, Key: "7"}
	account := AuditSubject{Kind: SubjectAccount, Key: "zjj-clerk"}
	d := func(subj AuditSubject, state string) string { return SubjectDigest(subj, []byte(state)) }
	eff := func(subj AuditSubject, seq int64, before, after string) AuditEffect {
		e := AuditEffect{Seq: seq, Subject: subj, After: d(subj, after)}
		if before != "" {
			e.Before = d(subj, before)
		}
		return e
	}
	stored := func(subj AuditSubject, state string) *AuditObject {
		return &AuditObject{Subject: subj, State: []byte(state)}
	}
	for _, tt := range []struct {
		name     string
		subj     AuditSubject
		obj      *AuditObject
		recorded []AuditEffect
		want     string
	}{
		{"a warning as its last entry left it", warning, stored(warning, "s2"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 2, "s1", "s2")}, "[]"},
		{"a warning moved before the step that raised it reached the log", warning, stored(warning, "s2"),
			[]AuditEffect{eff(warning, 4, "s1", "s2"), eff(warning, 5, "", "s1")}, "[]"},
		{"a warning put back to an earlier state", warning, stored(warning, "s1"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 2, "s1", "s2")},
			"[warning:7: changed after entry 2, outside the audit log (state now differs: the warning's row or its transitions)]"},
		{"a warning edited, then moved through the API", warning, stored(warning, "s2x"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 3, "s1x", "s2x")},
			"[warning:7: changed between entries 1 and 3, outside the audit log (before state differs)]"},
		{"a warning no entry recorded", warning, stored(warning, "s1"), nil,
			"[warning:7: stored, but no audit entry records it (inserted outside the audit log)]"},
		{"a warning deleted", warning, nil, []AuditEffect{eff(warning, 1, "", "s1")},
			"[warning:7: recorded by entry 1, but no longer stored (deleted outside the audit log)]"},
		{"an account changes one entry after the other", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "", "a"), eff(account, 2, "a", "b")}, "[]"},
		{"an account's entries out of order", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "a", "b"), eff(account, 2, "", "a")},
			"[account:zjj-clerk: changed after entry 2, outside the audit log (state now differs)]"},
		{"an account edited between two entries", account, stored(account, "c"),
			[]AuditEffect{eff(account, 1, "", "a"), eff(account, 2, "a2", "c")},
			"[account:zjj-clerk: changed between entries 1 and 2, outside the audit log (before state differs)]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(judgeObject(tt.subj, tt.obj, tt.recorded)); got != tt.want {
				t.Errorf("judgeObject = %s\nwant %s", got, tt.want)
			}
		})
	}
}
