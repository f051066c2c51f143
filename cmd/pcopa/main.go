//go:build opaserver

// Command pcopa runs OPA's own server (`opa run --server`) on powercheck's
// policies, with the working-day built-ins registered, the shipped rule
// parameters as data.params and a decision rule that is the engine's check
// query: the evaluation-only server that `make bench` measures powercheck
// against, on the same policies and the same input. It also writes the
// decision input of a step, as the engine builds it, for the load tool:
//
//	pcopa -addr 127.0.0.1:8181 -step internal/policy/testdata/decision_step.json -input-out /tmp/input.json
//	pcload -url http://127.0.0.1:8181 -get /v1/data/powercheck/decision/check -post /tmp/input.json
//
// It is built with -tags opaserver (scripts/bench.sh does), so that OPA's
// server and its dependencies stay out of powercheck's own builds and tests.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	opacmd "github.com/open-policy-agent/opa/cmd"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
	"powercheck/internal/policy"
	"powercheck/policies"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8181", "address the OPA server listens on")
	step := flag.String("step", "internal/policy/testdata/decision_step.json", "a step's input (compliance.Input as JSON)")
	inputOut := flag.String("input-out", "", "where to write {\"input\": …}, the step's decision input, for the load tool")
	flag.Parse()
	if err := run(*addr, *step, *inputOut); err != nil {
		fmt.Fprintln(os.Stderr, "pcopa:", err)
		os.Exit(1)
	}
}

func run(addr, step, inputOut string) error {
	modules, err := policy.ReadModules(policies.FS)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "pcopa-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := policy.OPAServerFiles(dir, modules, nil)
	if err != nil {
		return err
	}
	if inputOut != "" {
		if err := writeInput(step, inputOut); err != nil {
			return err
		}
	}
	policy.RegisterBuiltins(calendar.Default())
	opacmd.RootCommand.SetArgs(append([]string{"run", "--server", "--addr", addr, "--log-level", "error"}, files...))
	return opacmd.RootCommand.Execute()
}

// writeInput writes the decision input of the step in path, as the engine
// builds it, to out.
func writeInput(path, out string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var in compliance.Input
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	doc, err := json.Marshal(map[string]any{"input": policy.Document(&in)})
	if err != nil {
		return err
	}
	return os.WriteFile(out, doc, 0o644)
}
