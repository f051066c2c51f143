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
// only reads the database.
func auditCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: powercheck audit verify [--db <dsn>] [--key-file <file>] [--checkpoint-file <file>] [--state=false]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	state := fs.Bool("state", true, "also account for the stored objects against the states the log recorded")
	keyFile := fs.String("key-file", env("POWERCHECK_AUDIT_KEY_FILE", ""), "file holding the key the server seals entries with (--audit-key-file of serve)")
	checkpointFile := fs.String("checkpoint-file", env("POWERCHECK_AUDIT_CHECKPOINT_FILE", ""),
		"file of checkpoints the server appended (--audit-checkpoint-file of serve), or the server's log: the log must still reach the newest")
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
			return fmt.Errorf("audit verify: %d objects changed outside the audit log%s", len(drifts), alsoCheckpoint(problems))
		}
		fmt.Fprintln(stdout, "stored objects match the audit log")
	}
	if problems > 0 {
		return errors.New("audit verify: the audit log does not reach its checkpoint (truncated or rewritten)")
	}
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
