// Command powercheck supervises how a district government exercises
// administrative power: it checks every step of every case against Rego
// policies and keeps the warnings they raise.
//
//	powercheck serve           run the service
//	powercheck migrate         create or upgrade the database schema
//	powercheck policy test     run the *_test.rego tests of a folder
//	powercheck policy check    compile a folder of policies as a publish would
//	powercheck demo            load the demo district into the database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"powercheck/internal/httpapi"
)

const usage = `usage: powercheck <command> [flags]

commands:
  serve                run the service (--addr, --db, --demo)
  migrate              create or upgrade the database schema (--db)
  policy test [dir]    run the Rego tests of a folder of .rego files (default: the built-in policies)
  policy check [dir]   compile a folder of policies in strict mode, as publishing would
  policy fmt <dir>     format the .rego files of a folder in place
  demo                 load the demo district into the database (--db)
  audit verify         check the audit chain and the objects it follows (--db, --key-file, --checkpoint-file, --state)

environment:
  POWERCHECK_ADDR             listen address (default 127.0.0.1:8080)
  POWERCHECK_DB               sqlite:<path> (default sqlite:powercheck.db) or mysql:<dsn>
  POWERCHECK_BOOTSTRAP_TOKEN  the first admin's token on an empty database
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "powercheck:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	level, err := logLevel()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr, level)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "policy":
		return policyCmd(ctx, args[1:], stdout)
	case "demo":
		return demoCmd(ctx, args[1:], stdout)
	case "audit":
		return auditCmd(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// logLevel reads POWERCHECK_LOG_LEVEL; unset is info.
func logLevel() (slog.Level, error) {
	v := os.Getenv("POWERCHECK_LOG_LEVEL")
	var l slog.Level
	if v == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return l, fmt.Errorf("POWERCHECK_LOG_LEVEL=%q: want debug, info, warn or error", v)
	}
	return l, nil
}

// newLogger returns a logger writing to w in format (json or text), whose
// records logged during a request carry the request's id.
func newLogger(w io.Writer, level slog.Level, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format %q: want json or text", format)
	}
	return slog.New(httpapi.LogHandler(h)), nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// parseDBFlag parses the flags of a command whose only flag is --db and
// returns the database it names.
func parseDBFlag(name string, args []string) (string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	return *dsn, nil
}
