package policy

import (
	"context"
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/compliance"
)

// EvaluateDocumentAllFamilies evaluates doc asking every family, whatever
// its event: the oracle compares modules on inputs whose event they do not
// handle.
func (e *Engine) EvaluateDocumentAllFamilies(ctx context.Context, doc map[string]any) (compliance.Evaluation, error) {
	c := e.active.Load()
	if c == nil {
		return compliance.Evaluation{}, ErrNoPolicies
	}
	val, err := ast.InterfaceToValue(doc)
	if err != nil {
		return compliance.Evaluation{}, err
	}
	o, ok := val.(ast.Object)
	if !ok {
		return compliance.Evaluation{}, errors.New("not an object")
	}
	return c.evaluate(ctx, e.timeout, "", withFacts(e.Calendar(), o))
}
