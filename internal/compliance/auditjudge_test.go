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
		// recovered are the Seqs of entries that recovery completed.
		recovered []int64
		want      string
	}{
		{"a warning as its last entry left it", warning, stored(warning, "s2"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 2, "s1", "s2")}, nil, "[]"},
		{"a warning moved before the step that raised it reached the log", warning, stored(warning, "s2"),
			[]AuditEffect{eff(warning, 4, "s1", "s2"), eff(warning, 5, "", "s1")}, nil, "[]"},
		{"a warning put back to an earlier state", warning, stored(warning, "s1"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 2, "s1", "s2")},
			nil, "[warning:7: changed after entry 2, outside the audit log (state now differs: the warning's row or its transitions)]"},
		{"a warning edited, then moved through the API", warning, stored(warning, "s2x"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 3, "s1x", "s2x")},
			nil, "[warning:7: changed between entries 1 and 3, outside the audit log (before state differs)]"},
		{"a warning no entry recorded", warning, stored(warning, "s1"), nil,
			nil, "[warning:7: stored, but no audit entry records it (inserted outside the audit log)]"},
		{"a warning deleted", warning, nil, []AuditEffect{eff(warning, 1, "", "s1")},
			nil, "[warning:7: recorded by entry 1, but no longer stored (deleted outside the audit log)]"},
		{"an account changes one entry after the other", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "", "a"), eff(account, 2, "a", "b")}, nil, "[]"},
		{"an account's entries out of order", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "a", "b"), eff(account, 2, "", "a")},
			nil, "[account:zjj-clerk: changed after entry 2, outside the audit log (state now differs)]"},
		{"an account edited between two entries", account, stored(account, "c"),
			[]AuditEffect{eff(account, 1, "", "a"), eff(account, 2, "a2", "c")},
			nil, "[account:zjj-clerk: changed between entries 1 and 2, outside the audit log (before state differs)]"},
		// Recovery: entry 3 completed the change a1 -> a2 after entry 2
		// (a2 -> b), made through another node, was recorded.
		{"an account changed by a change that recovery recorded late", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "", "a1"), eff(account, 2, "a2", "b"), eff(account, 3, "a1", "b")}, []int64{3}, "[]"},
		{"the same entries, none recovered", account, stored(account, "b"),
			[]AuditEffect{eff(account, 1, "", "a1"), eff(account, 2, "a2", "b"), eff(account, 3, "a1", "b")}, nil,
			"[account:zjj-clerk: changed between entries 1 and 2, outside the audit log (before state differs) " +
				"account:zjj-clerk: changed between entries 2 and 3, outside the audit log (before state differs)]"},
		{"an account edited after a recovered entry's change was followed", account, stored(account, "c"),
			[]AuditEffect{eff(account, 1, "", "a1"), eff(account, 2, "a1", "b"), eff(account, 3, "b", "b"), eff(account, 4, "b2", "c")},
			[]int64{2}, "[account:zjj-clerk: changed between entries 3 and 4, outside the audit log (before state differs)]"},
		{"an account changed after recovery read it", account, stored(account, "c"),
			[]AuditEffect{eff(account, 1, "", "a1"), eff(account, 2, "a1", "b")}, []int64{2},
			"[account:zjj-clerk: changed after entry 2, outside the audit log (state now differs)]"},
		{"a warning moved by a change that recovery recorded late", warning, stored(warning, "s3"),
			[]AuditEffect{eff(warning, 1, "", "s1"), eff(warning, 2, "s2", "s3"), eff(warning, 3, "", "s3")}, []int64{3}, "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			recovered := map[int64]bool{}
			for _, seq := range tt.recovered {
				recovered[seq] = true
			}
			if got := fmt.Sprint(judgeObject(tt.subj, tt.obj, tt.recorded, recovered)); got != tt.want {
				t.Errorf("judgeObject = %s\nwant %s", got, tt.want)
			}
		})
	}
}
