package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DecisionPackage is the package of the module OPAServerFiles writes; its
// rule check is the engine's check query, so that an OPA server answers
// POST /v1/data/powercheck/decision/check as the engine answers a step.
const DecisionPackage = "powercheck.decision"

// OPAServerFiles writes into dir what `opa run --server` needs to evaluate
// a step as the engine does: modules (their tests left out), data.params
// from params (the shipped parameters when empty) and the decision module.
// It returns the files written, for `opa run`'s arguments. The server must
// also have the working-day built-ins registered (RegisterBuiltins).
func OPAServerFiles(dir string, modules []Module, params []byte) ([]string, error) {
	var files []string
	write := func(name string, b []byte) error {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("OPA server files: %w", err)
		}
		files = append(files, p)
		return nil
	}
	for _, m := range modules {
		if m.IsTest() {
			continue
		}
		if err := write(m.Name+".rego", []byte(m.Source)); err != nil {
			return nil, err
		}
	}
	v, err := decodeParams(effectiveParams(params))
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(map[string]any{"params": v})
	if err != nil {
		return nil, fmt.Errorf("OPA server files: params: %w", err)
	}
	if err := write("data.json", data); err != nil {
		return nil, err
	}
	decision := "package " + DecisionPackage + "\n\ncheck := " + strings.TrimPrefix(checkQuery, "x = ") + "\n"
	if err := write("decision.rego", []byte(decision)); err != nil {
		return nil, err
	}
	return files, nil
}
