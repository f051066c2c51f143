package policy

import "github.com/open-policy-agent/opa/v1/ast"

// OPA binds a local variable to the term that defined it and copies the term
// out only when the value is used; its type checker walks a value's type as
// a tree. A variable used twice in the next one's definition (a1 := [a0, a0];
// a2 := [a1, a1]; …), a function that repeats its argument (f(x) := [x, x],
// called as f(f(f(a)))), or rules built the same way, are small as written
// and double at every step when copied or type-checked: forty lines ask for
// 2^40 terms in one uninterruptible call, at evaluation or at compilation.
// expansionProblems bounds, before a module reaches the compiler, how many
// terms any variable, literal, call or rule value can expand to.

// maxExpansion bounds the terms one value of a policy may expand to.
const maxExpansion = MaxCollection

func sat(n int) int { return min(n, maxExpansion+1) }

// formula is how big a function's value is: base terms plus per[i] times
// the size of argument i.
type formula struct {
	base int
	per  []int
}

// expansion holds what is known of every rule and function of a policy set,
// by path (data.compliance.<module>.<name>).
type expansion struct {
	rules map[string]int
	funcs map[string]formula
}

// names resolve the bare and imported names of one module to paths.
type names struct {
	pkg     ast.Ref
	local   map[string]bool   // rule names of the module's package
	imports map[string]string // alias → path
}

// scope holds the expansion of each local variable of one rule.
type scope map[ast.Var]int

// path resolves a ref to the rule or function it names, or "".
func (n *names) path(r ast.Ref) string {
	head, ok := r[0].Value.(ast.Var)
	if !ok {
		return ""
	}
	var full ast.Ref
	switch {
	case head.Equal(ast.DefaultRootDocument.Value):
		full = r
	case n.imports[string(head)] != "":
		base, err := ast.ParseRef(n.imports[string(head)])
		if err != nil {
			return ""
		}
		full = base.Concat(r[1:])
	case n.local[string(head)]:
		full = n.pkg.Append(ast.StringTerm(string(head))).Concat(r[1:])
	default:
		return ""
	}
	return full.GroundPrefix().String()
}

func (x *expansion) size(t *ast.Term, env scope, n *names) int {
	switch v := t.Value.(type) {
	case ast.Var:
		if s, ok := env[v]; ok {
			return s
		}
		return x.ruleSize(ast.Ref{t}, n)
	case ast.Ref:
		if head, ok := v[0].Value.(ast.Var); ok {
			if s, ok := env[head]; ok {
				return s
			}
		}
		return x.ruleSize(v, n)
	case ast.Call:
		return x.call(v[0], v[1:], env, n)
	case *ast.Array:
		s := 1
		for i := 0; i < v.Len(); i++ {
			s = sat(s + x.size(v.Elem(i), env, n))
		}
		return s
	case ast.Object:
		s := 1
		v.Foreach(func(k, e *ast.Term) { s = sat(s + x.size(k, env, n) + x.size(e, env, n)) })
		return s
	case ast.Set:
		s := 1
		v.Foreach(func(e *ast.Term) { s = sat(s + x.size(e, env, n)) })
		return s
	}
	return 1
}

// ruleSize is the size of the rule a ref names (or of a part of it).
func (x *expansion) ruleSize(r ast.Ref, n *names) int {
	p := n.path(r)
	if p == "" {
		return 1
	}
	if s, ok := x.rules[p]; ok {
		return s
	}
	// A ref may name a package or a prefix of many rules: take them all.
	s, found := 0, false
	for path, size := range x.rules {
		if path == p || len(path) > len(p) && path[:len(p)] == p && path[len(p)] == '.' {
			s, found = sat(s+size), true
		}
	}
	if !found {
		return 1
	}
	return s
}

// call is the size of what a call returns: a function's by its formula, a
// built-in's is computed, so it is one value.
func (x *expansion) call(op *ast.Term, args []*ast.Term, env scope, n *names) int {
	r, ok := op.Value.(ast.Ref)
	if !ok {
		return 1
	}
	f, ok := x.funcs[n.path(r)]
	if !ok {
		return 1
	}
	s := f.base
	for i, p := range f.per {
		if i < len(args) {
			s = sat(s + sat(p*x.size(args[i], env, n)))
		}
	}
	return s
}

// define sets the size of the variables of pattern that have none yet.
func define(pattern *ast.Term, s int, env scope) {
	if pattern == nil {
		return
	}
	ast.WalkVars(pattern, func(v ast.Var) bool {
		if _, ok := env[v]; !ok {
			env[v] = s
		}
		return false
	})
}

// defined reports whether every variable of t has a size.
func defined(t *ast.Term, env scope) bool {
	all := true
	ast.WalkVars(t, func(v ast.Var) bool {
		if _, ok := env[v]; !ok {
			all = false
		}
		return !all
	})
	return all
}

// member defines the variables a `some … in` or member call binds.
func (x *expansion) member(c ast.Call, env scope, n *names) {
	switch name := c[0].String(); {
	case name == "internal.member_2" && len(c) == 3:
		define(c[1], x.size(c[2], env, n), env)
	case name == "internal.member_3" && len(c) == 4:
		define(c[2], x.size(c[3], env, n), env)
	}
}

// body records in env what the expressions of b (and of the comprehensions
// and every-bodies within) define. Variables defined by := are the left
// side; by =, the side not yet known.
func (x *expansion) body(b ast.Body, env scope, n *names) {
	for _, e := range b {
		switch t := e.Terms.(type) {
		case *ast.SomeDecl:
			for _, sym := range t.Symbols {
				if c, ok := sym.Value.(ast.Call); ok {
					x.member(c, env, n)
				}
			}
		case *ast.Every:
			define(t.Key, 1, env)
			define(t.Value, x.size(t.Domain, env, n), env)
			x.body(t.Body, env, n)
		case *ast.Term:
			if c, ok := t.Value.(ast.Call); ok {
				x.member(c, env, n)
			}
		case []*ast.Term:
			switch {
			case e.IsAssignment():
				define(e.Operand(0), x.size(e.Operand(1), env, n), env)
			case e.IsEquality():
				l, r := e.Operand(0), e.Operand(1)
				if defined(r, env) {
					define(l, x.size(r, env, n), env)
				} else {
					define(r, x.size(l, env, n), env)
				}
			default:
				// A call with an output argument: f(x, out).
				if len(t) > 1 {
					if f, ok := x.funcs[n.pathOf(t[0])]; ok && len(t)-1 == len(f.per)+1 {
						define(t[len(t)-1], x.call(t[0], t[1:len(t)-1], env, n), env)
					}
				}
			}
		}
		ast.WalkClosures(e, func(c any) bool {
			switch c := c.(type) {
			case *ast.ArrayComprehension:
				x.body(c.Body, env, n)
			case *ast.SetComprehension:
				x.body(c.Body, env, n)
			case *ast.ObjectComprehension:
				x.body(c.Body, env, n)
			}
			return true
		})
	}
}

func (n *names) pathOf(t *ast.Term) string {
	if r, ok := t.Value.(ast.Ref); ok {
		return n.path(r)
	}
	return ""
}

// headSize is the largest value a rule's definition (or its else branches)
// produces, given sizes for its arguments.
func (x *expansion) headSize(r *ast.Rule, args []int, n *names) (int, scope) {
	env := scope{}
	for i, a := range r.Head.Args {
		define(a, args[i], env)
	}
	s := 0
	for rr := r; rr != nil; rr = rr.Else {
		x.body(rr.Body, env, n)
		for _, t := range []*ast.Term{rr.Head.Value, rr.Head.Key} {
			if t != nil {
				s = max(s, x.size(t, env, n))
			}
		}
	}
	return s, env
}
