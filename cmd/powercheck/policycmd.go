package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/policies"
)

func policyCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: powercheck policy test|check|fmt [dir]")
	}
	flags := flag.NewFlagSet("policy "+args[0], flag.ContinueOnError)
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	var src fs.FS = policies.FS
	where := "built-in policies"
	if dir := flags.Arg(0); dir != "" {
		src, where = os.DirFS(dir), dir
	}
	modules, err := policy.ReadModules(src)
	if err != nil {
		return err
	}
	if len(modules) == 0 {
		return fmt.Errorf("no .rego files in %s", where)
	}
	engine := policy.NewEngine(calendar.Default(), 0)
	switch args[0] {
	case "fmt":
		dir := flags.Arg(0)
		if dir == "" {
			return errors.New("usage: powercheck policy fmt <dir> (formats the .rego files in place)")
		}
		return formatModules(modules, dir, stdout)
	case "check":
		// The folder's params.json, when it has one, must pass the schema;
		// the modules compile with it (else with the shipped parameters).
		var params []byte
		if raw, err := fs.ReadFile(src, "params.json"); err == nil {
			if params, err = policy.ValidateParams(raw); err != nil {
				return printParamProblems(stdout, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read params.json: %w", err)
		}
		if _, err := engine.CompileWith(ctx, 0, modules, params); err != nil {
			return printProblems(stdout, err)
		}
		if _, err := engine.RunTests(ctx, modules); err != nil { // compiles the tests too
			return printProblems(stdout, err)
		}
		fmt.Fprintf(stdout, "%s: %d modules compile\n", where, len(modules))
		return nil
	case "test":
		return runPolicyTests(ctx, engine, modules, stdout)
	}
	return fmt.Errorf("unknown policy command %q (want test, check or fmt)", args[0])
}

func printProblems(w io.Writer, err error) error {
	var ce *policy.CompileError
	if !errors.As(err, &ce) {
		return err
	}
	for _, p := range ce.Problems {
		fmt.Fprintf(w, "%s.rego:%d:%d: %s (%s)\n", p.Module, p.Line, p.Column, p.Chinese, p.Message)
	}
	return fmt.Errorf("%d policy problems", len(ce.Problems))
}

func printParamProblems(w io.Writer, err error) error {
	var ce *compliance.Error
	problems, ok := []policy.ParamProblem(nil), false
	if errors.As(err, &ce) {
		problems, ok = ce.Details.([]policy.ParamProblem)
	}
	if !ok {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(w, "params.json:%s: %s\n", p.Path, p.Message)
	}
	return fmt.Errorf("%d parameter problems", len(problems))
}

// formatModules rewrites in dir the modules whose source is not formatted.
// A module the formatter cannot format faithfully is named and left as it
// is; the others are formatted all the same.
func formatModules(modules []policy.Module, dir string, stdout io.Writer) error {
	changed, left := 0, 0
	for _, m := range modules {
		out, err := policy.Format(m)
		if err != nil {
			fmt.Fprintf(stdout, "left %s.rego as it is: %v\n", m.Name, err)
			left++
			continue
		}
		if out != m.Source {
			if err := os.WriteFile(filepath.Join(dir, m.Name+".rego"), []byte(out), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", m.Name, err)
			}
			fmt.Fprintf(stdout, "formatted %s.rego\n", m.Name)
			changed++
		}
	}
	fmt.Fprintf(stdout, "%d of %d modules reformatted\n", changed, len(modules))
	if left > 0 {
		return fmt.Errorf("modules left unformatted: %d", left)
	}
	return nil
}

// runPolicyTests runs the modules' tests and prints one line per test.
func runPolicyTests(ctx context.Context, engine *policy.Engine, modules []policy.Module, stdout io.Writer) error {
	results, err := engine.RunTests(ctx, modules)
	if err != nil {
		return printProblems(stdout, err)
	}
	failed := 0
	for _, r := range results {
		status := "PASS"
		if !r.Passed {
			status, failed = "FAIL", failed+1
		}
		fmt.Fprintf(stdout, "%s %s.%s (%s:%d) %v\n", status, r.Module, r.Name, r.Module, r.Line, r.Duration)
		if r.Error != "" {
			fmt.Fprintf(stdout, "    %s\n", r.Error)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d policy tests failed", failed)
	}
	return nil
}
