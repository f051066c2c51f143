// Package policy embeds OPA: it compiles the Rego policies in strict mode with
// a restricted set of built-ins plus the working-day built-ins, runs their
// tests, prepares one query per revision and evaluates it for each event.
package policy

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"

	"powercheck/internal/compliance"
)

// Module is one Rego source file.
type Module = compliance.PolicyModule

var moduleNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// MaxModuleBytes bounds the size of one module's source.
const MaxModuleBytes = 256 << 10

// capabilities are the allowed OPA built-ins (sandbox.go) plus ours; no
// remote or local schema references either.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if allowed[b.Name] {
			kept = append(kept, b)
		}
	}
	caps.Builtins = append(kept, builtinDecls()...)
	caps.AllowNet = []string{}
	return caps
}

// Problem is one located error in a policy set.
type Problem struct {
	Module  string `json:"module"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`    // English, from the compiler
	Chinese string `json:"message_zh"` // for the legal affairs office
}

// CompileError lists every problem found in a policy set.
type CompileError struct{ Problems []Problem }

func (e *CompileError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for _, p := range e.Problems {
		parts = append(parts, fmt.Sprintf("%s:%d:%d: %s", p.Module, p.Line, p.Column, p.Message))
	}
	return "policy: " + strings.Join(parts, "; ")
}

func problemsFrom(errs ast.Errors) *CompileError {
	ce := &CompileError{}
	for _, e := range errs {
		p := Problem{Code: e.Code, Message: e.Message}
		if e.Location != nil {
			p.Module, p.Line, p.Column = moduleName(e.Location.File), e.Location.Row, e.Location.Col
		}
		p.Chinese = chinese(p)
		ce.Problems = append(ce.Problems, p)
	}
	return ce
}

func chinese(p Problem) string {
	if name, ok := strings.CutPrefix(p.Message, "undefined function "); ok {
		if _, opa := ast.BuiltinMap[name]; opa && !allowed[name] {
			return "禁止使用的内置函数 " + strings.TrimPrefix(name, "internal.") +
				"（策略只能调用允许清单中的内置函数：不得访问网络、文件、运行环境，不得引入不确定性或无界的内存占用）"
		}
		return "未定义的函数 " + name
	}
	switch p.Code {
	case ast.ParseErr:
		return "语法错误：" + p.Message
	case ast.TypeErr:
		return "类型错误：" + p.Message
	case ast.CompileErr:
		return "编译错误：" + p.Message
	case ast.UnsafeVarErr:
		return "不安全的变量：" + p.Message
	}
	return "策略错误：" + p.Message
}

func fileName(module string) string { return module + ".rego" }

func moduleName(file string) string { return strings.TrimSuffix(path.Base(file), ".rego") }

// ReadModules reads every .rego file of fsys's root folder.
func ReadModules(fsys fs.FS) ([]Module, error) {
	paths, err := fs.Glob(fsys, "*.rego")
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	sort.Strings(paths)
	out := make([]Module, 0, len(paths))
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read policy %s: %w", p, err)
		}
		out = append(out, Module{Name: moduleName(p), Source: string(b)})
	}
	return out, nil
}

// parse parses modules, checking names, sizes and metadata.
func parse(modules []Module) (map[string]*ast.Module, *CompileError) {
	ce := &CompileError{}
	add := func(m string, line int, code, en, zh string) {
		ce.Problems = append(ce.Problems, Problem{Module: m, Line: line, Column: 1, Code: code, Message: en, Chinese: zh})
	}
	opts := ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1}
	parsed := make(map[string]*ast.Module, len(modules))
	for _, m := range modules {
		if !moduleNamePattern.MatchString(m.Name) {
			add(m.Name, 1, "name_error", "a module name is lower-case letters, digits and underscores, starting with a letter",
				"模块名只能由小写字母、数字和下划线组成，并以字母开头")
			continue
		}
		if len(m.Source) > MaxModuleBytes {
			add(m.Name, 1, "size_error", fmt.Sprintf("module is larger than %d bytes", MaxModuleBytes),
				fmt.Sprintf("策略模块超过 %d 字节的上限", MaxModuleBytes))
			continue
		}
		mod, err := ast.ParseModuleWithOpts(fileName(m.Name), m.Source, opts)
		if err != nil {
			if errs, ok := err.(ast.Errors); ok {
				ce.Problems = append(ce.Problems, problemsFrom(errs).Problems...)
			} else {
				add(m.Name, 1, ast.ParseErr, err.Error(), "语法错误："+err.Error())
			}
			continue
		}
		checkPackage(m, mod, add)
		numberProblems(m, mod, add)
		parsed[fileName(m.Name)] = mod
	}
	if len(ce.Problems) > 0 {
		return nil, ce
	}
	if ce := expansionProblems(parsed); ce != nil {
		return nil, ce
	}
	return parsed, nil
}

// checkPackage enforces the module contract: package compliance.<name>, and a
// METADATA block with a title and a level on every rule that adds warnings.
func checkPackage(m Module, mod *ast.Module, add func(m string, line int, code, en, zh string)) {
	want := "data.compliance." + m.Name
	if got := mod.Package.Path.String(); got != want {
		add(m.Name, mod.Package.Location.Row, "package_error",
			fmt.Sprintf("module %s must declare package %s, not %s", m.Name, strings.TrimPrefix(want, "data."), strings.TrimPrefix(got, "data.")),
			fmt.Sprintf("模块 %s 的包名应为 %s", m.Name, strings.TrimPrefix(want, "data.")))
		return
	}
	if m.IsTest() {
		return
	}
	for _, r := range mod.Rules {
		if r.Head.Name.String() != "warnings" && r.Head.Ref().String() != "warnings" {
			continue
		}
		a := ruleAnnotation(r)
		line := r.Location.Row
		switch {
		case a == nil || strings.TrimSpace(a.Title) == "":
			add(m.Name, line, "metadata_error", "a rule that adds warnings needs a METADATA block with a title",
				"产生预警的规则必须带有 METADATA 注释，并写明 title")
		case !validLevel(a.Custom["level"]):
			add(m.Name, line, "metadata_error", "METADATA custom.level must be prewarning or alarm",
				"METADATA 中的 custom.level 必须为 prewarning（预警）或 alarm（报警）")
		}
	}
}

func validLevel(v any) bool { return v == "prewarning" || v == "alarm" }

// compiler returns a strict compiler with the restricted capabilities.
// parseAndCompile parses modules and compiles them strictly: it returns the
// parsed modules and their compiler, or the problems found, located.
func parseAndCompile(modules []Module) (map[string]*ast.Module, *ast.Compiler, error) {
	parsed, ce := parse(modules)
	if ce != nil {
		return nil, nil, ce
	}
	c := newCompiler()
	if c.Compile(parsed); c.Failed() {
		return nil, nil, problemsFrom(c.Errors)
	}
	return parsed, c, nil
}

func newCompiler() *ast.Compiler {
	return ast.NewCompiler().
		WithStrict(true).
		WithCapabilities(capabilities()).
		WithEnablePrintStatements(true) // so that print is checked against the capabilities, not erased
}

// viewQuery collects what packages say about a case's time, for people.
const viewQuery = `x = {
	"deadlines": [d | some d in data.compliance[_].deadlines],
	"suspensions": [s | some s in data.compliance.deadline.suspensions],
	"extensions": [e | some e in data.compliance.deadline.extensions],
}`

// prepared are the queries of one compiled revision: one per event for the
// checks ("" asks every family), and the time view.
type prepared struct {
	checks   map[string]*eventQuery
	view     rego.PreparedEvalQuery
	builtins map[string]*topdown.Builtin
}

// compileSet compiles the non-test modules and prepares the queries.
func compileSet(ctx context.Context, cal calendarFunc, modules []Module, data storage.Store) (*ast.Compiler, prepared, error) {
	var prod []Module
	for _, m := range modules {
		if !m.IsTest() {
			prod = append(prod, m)
		}
	}
	c, err := compileModules(prod)
	if err != nil {
		return nil, prepared{}, err
	}
	var p prepared
	if p.checks, err = compileChecks(c); err != nil {
		return nil, p, err
	}
	p.builtins = topdownBuiltins(cal)
	opts := append([]func(*rego.Rego){rego.Compiler(c), rego.Store(data), rego.Query(viewQuery), rego.StrictBuiltinErrors(false)}, builtinOptions(cal)...)
	if p.view, err = rego.New(opts...).PrepareForEval(ctx); err != nil {
		return nil, p, fmt.Errorf("prepare policy query: %w", err)
	}
	return c, p, nil
}

// ruleAnnotation returns the METADATA block written directly above r.
func ruleAnnotation(r *ast.Rule) *ast.Annotations {
	for _, a := range r.Annotations {
		if a.Scope == "rule" {
			return a
		}
	}
	return nil
}
