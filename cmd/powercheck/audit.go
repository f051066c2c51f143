package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
)

// auditCmd runs `powercheck audit verify --db …`: it walks the audit chain
// and names the first entry that was altered, removed or moved; checks that
// the log still reaches the newest checkpoint kept outside the database
// (--checkpoint-file); then it accounts for every account, department,
// power item, calendar year and warning against what the log recorded and
// names each one inserted, changed or deleted where no entry says so. It
// reports entries queued but not sequenced for longer than
// compliance.AuditSealLimit. It only reads the database.
func auditCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: powercheck audit verify [--db <dsn>] [--key-file <file>] [--checkpoint-file <file>] [--state=false] [--wait <duration>]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	state := fs.Bool("state", true, "also account for the stored objects against the states the log recorded")
	keyFile := fs.String("key-file", env("POWERCHECK_AUDIT_KEY_FILE", ""), "file holding the key the server seals entries with (--audit-key-file of serve)")
	checkpointFile := fs.String("checkpoint-file", env("POWERCHECK_AUDIT_CHECKPOINT_FILE", ""),
		"file of checkpoints the server appended (--audit-checkpoint-file of serve), or the server's log: the log must still reach the newest")
	wait := fs.Duration("wait", 5*time.Second, "how long to wait for a running service to sequence the entries queued when verify starts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	key, err := readAuditKey(*keyFile)
	if err != nil {
		return err
	}
	var cp compliance.Checkpoint
	haveCheckpoint := false
	if *checkpointFile != "" {
		if cp, haveCheckpoint, err = readCheckpoint(*checkpointFile); err != nil {
			return err
		}
		if !haveCheckpoint {
			return fmt.Errorf("audit checkpoint file %s holds no checkpoint", *checkpointFile)
		}
	}
	s, err := sqlstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := compliance.VerifyAudit(ctx, s.Audit(), key)
	var brk *compliance.AuditBreak
	if errors.As(err, &brk) {
		fmt.Fprintf(stdout, "audit log broken after %d good entries: %v\n", n, brk)
		return fmt.Errorf("audit verify: %w", brk)
	}
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	unsealed, err := reportBacklog(ctx, s.Audit(), *wait, stdout)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if err := reportIntents(ctx, s.Audit(), stdout); err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	var problems int
	if haveCheckpoint {
		miss, err := compliance.CheckCheckpoint(ctx, s.Audit(), cp)
		if err != nil {
			return fmt.Errorf("audit verify: checkpoint: %w", err)
		}
		if miss != nil {
			problems++
			fmt.Fprintf(stdout, "audit log does not reach its checkpoint: %v\n", miss)
		} else {
			fmt.Fprintf(stdout, "audit log reaches its checkpoint of %s: entry %d\n", cp.At.UTC().Format(time.RFC3339), cp.Seq)
		}
	}
	if *state {
		drifts, err := compliance.VerifyAuditState(ctx, s.Audit(), s.Audit())
		if err != nil {
			return fmt.Errorf("audit verify: states: %w", err)
		}
		for _, d := range drifts {
			fmt.Fprintf(stdout, "not accounted for by the audit log: %s\n", d)
		}
		if len(drifts) > 0 {
			return fmt.Errorf("audit verify: %d objects changed outside the audit log%s%s", len(drifts), alsoCheckpoint(problems), alsoUnsealed(unsealed))
		}
		fmt.Fprintln(stdout, "stored objects match the audit log")
	}
	return verifyOutcome(problems, unsealed)
}

// verifyOutcome is the failure of a verification whose chain and objects
// passed: the checkpoint not reached, entries left unsequenced; nil when
// neither.
func verifyOutcome(problems int, unsealed int64) error {
	if problems > 0 {
		return fmt.Errorf("audit verify: the audit log does not reach its checkpoint (truncated or rewritten)%s", alsoUnsealed(unsealed))
	}
	if unsealed > 0 {
		return fmt.Errorf("audit verify: %d entries not sequenced within %s", unsealed, compliance.AuditSealLimit)
	}
	return nil
}

// alsoUnsealed adds the entries left unsequenced to a failure.
func alsoUnsealed(unsealed int64) string {
	if unsealed == 0 {
		return ""
	}
	return fmt.Sprintf(", and %d entries are not sequenced within %s", unsealed, compliance.AuditSealLimit)
}

// auditQueue is the audit log's queue as verification reads it.
type auditQueue interface {
	AuditBacklog(ctx context.Context) (compliance.AuditBacklog, error)
	AuditSequencerLease(ctx context.Context) (string, time.Time, error)
}

// reportBacklog waits, up to wait, for a running sequencer to chain the
// entries queued when it starts (so that a change answered before verify
// ran is verified), then reports those still queued. It returns how many
// waited longer than compliance.AuditSealLimit: no sequencer runs, or it
// cannot write. It only reads the database: entries are chained by the
// service, which holds the key.
func reportBacklog(ctx context.Context, q auditQueue, wait time.Duration, stdout io.Writer) (int64, error) {
	b, err := q.AuditBacklog(ctx)
	if err != nil || b.Count == 0 {
		return 0, err
	}
	holder, until, err := q.AuditSequencerLease(ctx)
	if err != nil {
		return 0, err
	}
	for deadline, target := time.Now().Add(wait), b.NewestID; time.Now().Before(until) && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if b, err = q.AuditBacklog(ctx); err != nil || b.Count == 0 || b.OldestID > target {
			break
		}
	}
	if err != nil || b.Count == 0 {
		return 0, err
	}
	now := time.Now()
	if compliance.UnsealedProblem(b, now) == "" {
		fmt.Fprintf(stdout, "audit log: %d newer entries wait to be sequenced (the oldest appended at %s)\n", b.Count, b.Oldest.Format(time.RFC3339))
		return 0, nil
	}
	runner := "no sequencer holds the lease: start the service on this database to sequence them"
	if now.Before(until) {
		runner = "the sequencer " + holder + " holds the lease but has not sequenced them"
	}
	fmt.Fprintf(stdout, "audit log: %d entries not sequenced for longer than %s, the oldest appended at %s (%s)\n",
		b.Count, compliance.AuditSealLimit, b.Oldest.Format(time.RFC3339), runner)
	return b.Count, nil
}

// reportIntents tells of the committed changes whose entries are not
// recorded yet (their audit intents): verification reports what they
// wrote until the service, the only writer, completes them.
func reportIntents(ctx context.Context, q compliance.IntentStore, stdout io.Writer) error {
	stale, err := q.StaleIntents(ctx, time.Now(), 1000)
	if err != nil || len(stale) == 0 {
		return err
	}
	fmt.Fprintf(stdout, "audit log: %d committed changes wait for their entries (audit intents, the oldest written at %s); "+
		"a running service records them once they are %s old, and what they wrote is reported below until then\n",
		len(stale), stale[0].At.Format(time.RFC3339), compliance.DefaultIntentBound)
	return nil
}

// alsoCheckpoint adds the checkpoint's problem to a failure about objects.
func alsoCheckpoint(problems int) string {
	if problems == 0 {
		return ""
	}
	return ", and the log does not reach its checkpoint (truncated or rewritten)"
}

// readAuditKey reads the audit key from path: its bytes, surrounding white
// space removed, at least compliance.MinAuditKey of them. An empty path is
// no key.
func readAuditKey(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	key := bytes.TrimSpace(b)
	if len(key) < compliance.MinAuditKey {
		return nil, fmt.Errorf("audit key %s: %d bytes, want at least %d (e.g. openssl rand -hex 32 > %s)", path, len(key), compliance.MinAuditKey, path)
	}
	return key, nil
}
