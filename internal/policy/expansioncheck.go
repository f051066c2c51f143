package policy

import (
	"fmt"
	"slices"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

// expansionProblems finds every expression or rule value of the parsed
// modules that could expand beyond maxExpansion terms.
func expansionProblems(parsed map[string]*ast.Module) *CompileError {
	all := policyRules(parsed)
	x := &expansion{rules: map[string]int{}, funcs: map[string]formula{}}
	x.measure(all)
	ce := &CompileError{}
	for _, ri := range all {
		at := x.tooLarge(ri)
		if at == nil {
			continue
		}
		ce.Problems = append(ce.Problems, Problem{
			Module: moduleName(at.File), Line: at.Row, Column: at.Col, Code: "expansion_error",
			Message: fmt.Sprintf("a value here may expand to more than %d terms (a variable, argument or rule repeated in nested values)", maxExpansion),
			Chinese: fmt.Sprintf("此处的值展开后可能超过 %d 个元素（同一变量、参数或规则在嵌套的数据结构中被重复引用）", maxExpansion),
		})
	}
	if len(ce.Problems) == 0 {
		return nil
	}
	return ce
}

// policyRule is a rule of a policy set with the names of its module and
// the path it defines.
type policyRule struct {
	r    *ast.Rule
	n    *names
	path string
}

// policyRules lists the rules of the parsed modules, in the order of the
// modules' files.
func policyRules(parsed map[string]*ast.Module) []policyRule {
	files := make([]string, 0, len(parsed))
	for f := range parsed {
		files = append(files, f)
	}
	sort.Strings(files)
	var all []policyRule
	for _, f := range files {
		mod := parsed[f]
		n := moduleNames(mod)
		for _, r := range mod.Rules {
			all = append(all, policyRule{r, n, mod.Package.Path.Extend(r.Head.Ref().GroundPrefix()).String()})
		}
	}
	return all
}

// moduleNames are the names that mod's rules can use unqualified: its own
// rules and its imports.
func moduleNames(mod *ast.Module) *names {
	n := &names{pkg: mod.Package.Path, local: map[string]bool{}, imports: map[string]string{}}
	for _, r := range mod.Rules {
		n.local[r.Head.Ref()[0].String()] = true
	}
	for _, imp := range mod.Imports {
		if p, ok := imp.Path.Value.(ast.Ref); ok {
			alias := string(imp.Alias)
			if last, ok := p[len(p)-1].Value.(ast.String); ok && alias == "" {
				alias = string(last)
			}
			if alias != "" {
				n.imports[alias] = p.String()
			}
		}
	}
	return n
}

// measure sizes every rule and function of all. Rules and functions refer
// to one another (never in a cycle in a valid policy; a cycle only
// saturates): measure until nothing changes.
func (x *expansion) measure(all []policyRule) {
	for range 64 {
		rules := map[string]int{}
		funcs := map[string]formula{}
		for _, ri := range all {
			if len(ri.r.Head.Args) == 0 {
				s, _ := x.headSize(ri.r, nil, ri.n)
				rules[ri.path] = sat(rules[ri.path] + s)
				continue
			}
			f := x.funcFormula(ri)
			if old, ok := funcs[ri.path]; ok {
				f.base = max(f.base, old.base)
				for i := range min(len(f.per), len(old.per)) {
					f.per[i] = max(f.per[i], old.per[i])
				}
			}
			funcs[ri.path] = f
		}
		changed := false
		for p, s := range rules {
			if x.rules[p] != s {
				changed = true
			}
		}
		for p, f := range funcs {
			if old, ok := x.funcs[p]; !ok || old.base != f.base || !slices.Equal(old.per, f.per) {
				changed = true
			}
		}
		x.rules, x.funcs = rules, funcs
		if !changed {
			return
		}
	}
}

// funcFormula is the size of one definition of a function: its value with
// every argument of size one, and what each argument adds per term.
func (x *expansion) funcFormula(ri policyRule) formula {
	k := len(ri.r.Head.Args)
	ones := make([]int, k)
	base, _ := x.headSize(ri.r, ones, ri.n)
	f := formula{base: base, per: make([]int, k)}
	for i := range k {
		one := make([]int, k)
		one[i] = 1
		s, _ := x.headSize(ri.r, one, ri.n)
		f.per[i] = max(0, s-base)
	}
	return f
}

// tooLarge is where a definition of ri, its arguments of size one, first
// holds a value that may expand beyond maxExpansion terms; nil when none
// does.
func (x *expansion) tooLarge(ri policyRule) *ast.Location {
	args := make([]int, len(ri.r.Head.Args))
	for i := range args {
		args[i] = 1
	}
	_, env := x.headSize(ri.r, args, ri.n)
	big := func(t *ast.Term) bool { return x.size(t, env, ri.n) > maxExpansion }
	for rr := ri.r; rr != nil; rr = rr.Else {
		for _, e := range rr.Body {
			found := false
			ast.WalkTerms(e, func(t *ast.Term) bool {
				found = found || big(t)
				return found
			})
			if found {
				return e.Location
			}
		}
		for _, t := range []*ast.Term{rr.Head.Value, rr.Head.Key} {
			if t != nil && big(t) {
				return rr.Head.Location
			}
		}
	}
	return nil
}
