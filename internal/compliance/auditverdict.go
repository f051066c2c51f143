package compliance

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AuditVerdict is the outcome of checking the audit log: the chain, the
// newest checkpoint kept outside the database, and the stored objects it
// follows.
type AuditVerdict struct {
	OK       bool     `json:"ok"`
	Entries  int64    `json:"entries"`
	Problems []string `json:"problems"`
	Checked  string   `json:"checked_at"`
	// Checkpoint is the checkpoint the log was checked against; nil when
	// the service keeps none.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// VerifyAuditLog checks the audit chain with the service's key, that it
// still reaches the newest checkpoint (when it keeps them, see
// NewAudit), that no entry waited to be sequenced longer than
// AuditSealLimit, and the stored objects against the states it recorded,
// as `audit verify` does. It completes the abandoned audit intents and
// settles the queued entries first.
func (s *Audit) VerifyAuditLog(ctx context.Context, who *Account) (AuditVerdict, error) {
	if err := Authorize(who, ActReadAudit, ""); err != nil {
		return AuditVerdict{}, err
	}
	v := AuditVerdict{Problems: []string{}, Checked: s.now().UTC().Format(time.RFC3339)}
	r, st := s.store, s.store
	// Changes whose node stopped before their entry are completed first,
	// as the sequencer would: the log accounts for them.
	if _, err := s.RecoverIntents(ctx, time.Now().Add(-s.intentBound)); err != nil {
		return AuditVerdict{}, err
	}
	if err := s.SettleAudit(ctx); err != nil {
		return AuditVerdict{}, err
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
	if s.auditCheckpoint != nil {
		cp, found, err := s.auditCheckpoint(ctx)
		if err != nil {
			// The file is outside the database; that it cannot be read
			// is the verdict's to tell, not a failure of the service.
			v.Problems = append(v.Problems, "库外检查点无法读取，未能核对审计日志是否被截断："+err.Error())
		}
		if found {
			v.Checkpoint = &cp
			miss, err := CheckCheckpoint(ctx, r, cp)
			if err != nil {
				return AuditVerdict{}, err
			}
			if miss != nil {
				v.Problems = append(v.Problems, "审计日志与库外检查点不符（被截断或改写）："+miss.Error())
			}
		}
	}
	backlog, err := s.store.AuditBacklog(ctx)
	if err != nil {
		return AuditVerdict{}, err
	}
	if p := UnsealedProblem(backlog, s.now()); p != "" {
		v.Problems = append(v.Problems, p)
	}
	drifts, err := VerifyAuditState(ctx, r, st)
	if err != nil {
		return AuditVerdict{}, err
	}
	for _, d := range drifts {
		v.Problems = append(v.Problems, d.Label()+"："+d.String())
	}
	v.OK = len(v.Problems) == 0
	return v, nil
}
