package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
)

// auditCmd runs `powercheck audit verify --db …`: it walks the audit chain
// and names the first entry that was altered, removed or moved. It only
// reads the database.
func auditCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: powercheck audit verify [--db <dsn>]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := compliance.VerifyAudit(ctx, s)
	var brk *compliance.AuditBreak
	if errors.As(err, &brk) {
		fmt.Fprintf(stdout, "audit log broken after %d good entries: %v\n", n, brk)
		return fmt.Errorf("audit verify: %w", brk)
	}
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries\n", n)
	return nil
}
