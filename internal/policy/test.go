package policy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"powercheck/internal/calendar"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	Module   string        `json:"module"`
	Name     string        `json:"name"`
	Line     int           `json:"line"`
	Passed   bool          `json:"passed"`
	Skipped  bool          `json:"skipped,omitempty"` // a todo_ test: neither passes nor blocks
	Errored  bool          `json:"errored,omitempty"` // it could not be evaluated (e.g. a built-in failed, the time limit)
	Package  string        `json:"package,omitempty"` // e.g. data.compliance.deadline_test
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// TestTimeout bounds one Rego test.
const TestTimeout = 5 * time.Second

// RunTests compiles modules, tests included, with the same restrictions and
// built-ins as evaluation, and runs every test_ rule. The working-day
// built-ins count with the schedules shipped with powercheck, not with the
// district's stored calendar: a test's result must not change when the
// office enters next year (tests that expect a year to be unknown would
// fail, and block every draft, the day it is entered). Likewise data.params
// holds the parameters shipped with the default policies, whatever the
// district's: a test that depends on another value sets it with
// `with data.params as …`.
func (e *Engine) RunTests(ctx context.Context, modules []Module) ([]TestResult, error) {
	key := moduleSetKey(modules)
	if results, ok := testsPassed.get(key); ok {
		return slices.Clone(results), nil
	}
	results, err := runTests(ctx, modules)
	if err == nil && allPassed(results) {
		testsPassed.put(key, slices.Clone(results))
	}
	return results, err
}

// allPassed reports whether every test passed (a skipped one counts).
func allPassed(results []TestResult) bool {
	for _, r := range results {
		if !r.Passed || r.Errored {
			return false
		}
	}
	return true
}

// runTests compiles and runs the tests of modules; see RunTests.
func runTests(ctx context.Context, modules []Module) ([]TestResult, error) {
	// Compile first with our own compiler so that errors come back located
	// and in the same form as on publish.
	parsed, _, err := parseAndCompile(modules)
	if err != nil {
		return nil, err
	}
	var custom []*tester.Builtin
	decls := builtinDecls()
	shipped := calendar.Default()
	for i, opt := range builtinOptions(func() *calendar.Calendar { return shipped }) {
		custom = append(custom, &tester.Builtin{Decl: decls[i], Func: opt})
	}
	store, _, err := paramsStore(DefaultParams())
	if err != nil {
		return nil, fmt.Errorf("policy tests: %w", err)
	}
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy tests: %w", err)
	}
	defer store.Abort(ctx, txn)
	ch, err := tester.NewRunner().
		SetCompiler(newCompiler()).
		SetStore(store).
		SetModules(parsed).
		AddCustomBuiltins(custom).
		SetTimeout(TestTimeout).
		RunTests(ctx, txn)
	if err != nil {
		if errs, ok := err.(ast.Errors); ok {
			return nil, problemsFrom(errs)
		}
		return nil, fmt.Errorf("policy tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Name: r.Name, Package: r.Package, Passed: r.Pass() || r.Skip, Skipped: r.Skip, Duration: r.Duration}
		if r.Location != nil {
			tr.Module, tr.Line = moduleName(r.Location.File), r.Location.Row
		}
		switch {
		case r.Error != nil:
			tr.Error, tr.Errored = r.Error.Error(), true
		case r.Fail:
			tr.Error = "test failed"
			if r.FailedAt != nil {
				tr.Error = fmt.Sprintf("test failed at line %d: %v", r.FailedAt.Location.Row, r.FailedAt)
			}
		}
		out = append(out, tr)
	}
	return out, nil
}
