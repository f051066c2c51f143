package compliance

import (
	"context"
	"fmt"
)

// AuditEffectsProbe is a store that tells whether any entry recorded
// effects.
type AuditEffectsProbe interface {
	HasAuditEffects(ctx context.Context) (bool, error)
}

// RecordAuditBaseline makes the audit log account for the followed objects
// stored before it recorded them one by one (a database an earlier version
// wrote): on a database with accounts where no entry has recorded effects,
// each stored object that no entry recorded is recorded as found, by
// entries "SYSTEM audit_baseline" of up to a thousand objects each. Objects
// that entries recorded already are left to verification. On an empty
// database, or once any entry has recorded effects, it does nothing. It
// returns how many objects it recorded.
func (s *Audit) RecordAuditBaseline(ctx context.Context) (int, error) {
	r, st := s.store, s.store
	if has, err := s.store.HasAuditEffects(ctx); err != nil || has {
		return 0, err
	}
	if n, err := s.store.CountAccounts(ctx); err != nil || n == 0 {
		return 0, err // a new installation: its first start records what it stores
	}
	legacy, recovered, upTo, err := legacyHistory(ctx, r)
	if err != nil {
		return 0, err
	}
	recorded := 0
	for _, kind := range followedKinds {
		if kind == SubjectTransition {
			continue // a transition without its warning is accounted for by nothing
		}
		var batch []AuditObject
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, err := s.RecordSystemChange(ctx, SystemChange{Action: "audit_baseline", Target: "kind=" + kind,
				Result: map[string]int{"objects": len(batch)}, Written: batch})
			if err != nil {
				return err
			}
			recorded += len(batch)
			batch = nil
			return nil
		}
		_, err := verifyKind(ctx, st, kind, legacy[kind], recovered, upTo, func(o AuditObject) error {
			batch = append(batch, o)
			if len(batch) < verifyPage {
				return nil
			}
			return flush()
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return recorded, fmt.Errorf("audit baseline of kind %s: %w", kind, err)
		}
	}
	return recorded, nil
}
