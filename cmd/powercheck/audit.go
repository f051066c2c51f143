package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
)

// auditCmd runs `powercheck audit verify --db …`: it walks the audit chain
// and names the first entry that was altered, removed or moved; then it
// follows the objects that change only through the API (accounts,
// departments, power items, calendar years) and names each
// one changed where no entry says so. It only reads the database.
func auditCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: powercheck audit verify [--db <dsn>] [--key-file <file>] [--state=false]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	state := fs.Bool("state", true, "also compare the stored objects with the states the log recorded")
	keyFile := fs.String("key-file", env("POWERCHECK_AUDIT_KEY_FILE", ""), "file holding the key the server seals entries with (--audit-key-file of serve)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	key, err := readAuditKey(*keyFile)
	if err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := compliance.VerifyAudit(ctx, s, key)
	var brk *compliance.AuditBreak
	if errors.As(err, &brk) {
		fmt.Fprintf(stdout, "audit log broken after %d good entries: %v\n", n, brk)
		return fmt.Errorf("audit verify: %w", brk)
	}
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	if !*state {
		return nil
	}
	drifts, err := compliance.VerifyAuditState(ctx, s, s)
	if err != nil {
		return fmt.Errorf("audit verify: states: %w", err)
	}
	for _, d := range drifts {
		fmt.Fprintf(stdout, "changed outside the audit log: %s\n", d)
	}
	if len(drifts) > 0 {
		return fmt.Errorf("audit verify: %d objects changed outside the audit log", len(drifts))
	}
	fmt.Fprintln(stdout, "stored objects match the audit log")
	return nil
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
