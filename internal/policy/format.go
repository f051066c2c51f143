package policy

import (
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// ErrFormatChanges says that OPA's formatter would hand a module back
// changed in meaning or as text that does not parse; Format then leaves it
// as it is.
var ErrFormatChanges = errors.New("the formatter would change the module")

// Format formats a module's source the way `opa fmt` does, and only when
// the formatted source is the same module: OPA's formatter (v1.22) writes
// some valid modules back as text that does not parse — a rule's
// `else := value if condition` becomes `else := value if … == value if
// condition`.
func Format(m Module) (string, error) {
	name := fileName(m.Name)
	out, err := format.Source(name, []byte(m.Source))
	if err != nil {
		return "", fmt.Errorf("format %s: %w", m.Name, err)
	}
	opts := ast.ParserOptions{RegoVersion: ast.RegoV1}
	before, err := ast.ParseModuleWithOpts(name, m.Source, opts)
	if err != nil {
		return "", fmt.Errorf("format %s: %w", m.Name, err)
	}
	after, err := ast.ParseModuleWithOpts(name, string(out), opts)
	if err != nil {
		return "", fmt.Errorf("format %s: %w: its output does not parse: %w", m.Name, ErrFormatChanges, err)
	}
	if !before.Equal(after) {
		return "", fmt.Errorf("format %s: %w: its output is another module", m.Name, ErrFormatChanges)
	}
	return string(out), nil
}
