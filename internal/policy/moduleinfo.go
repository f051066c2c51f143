package policy

import (
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"powercheck/internal/compliance"
)

// diff says which modules to has added, changed and removed against from.
func diff(from, to []Module) compliance.RevisionChange {
	old := map[string]string{}
	for _, m := range from {
		old[m.Name] = m.Source
	}
	ch := compliance.RevisionChange{Added: []string{}, Changed: []string{}, Removed: []string{}}
	for _, m := range to {
		src, ok := old[m.Name]
		switch {
		case !ok:
			ch.Added = append(ch.Added, m.Name)
		case src != m.Source:
			ch.Changed = append(ch.Changed, m.Name)
		}
		delete(old, m.Name)
	}
	for name := range old {
		ch.Removed = append(ch.Removed, name)
	}
	slices.Sort(ch.Removed)
	return ch
}

// rulesOf reads the catalogue entries of a module from its METADATA.
func rulesOf(m Module) []RuleInfo {
	if m.IsTest() {
		return nil
	}
	mod, err := ast.ParseModuleWithOpts(fileName(m.Name), m.Source, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return nil
	}
	var out []RuleInfo
	for _, r := range mod.Rules {
		a := ruleAnnotation(r)
		if a == nil || r.Head.Name.String() != "warnings" && r.Head.Ref().String() != "warnings" {
			continue
		}
		info := RuleInfo{Family: m.Name, Title: a.Title, Description: strings.TrimSpace(a.Description),
			Module: m.Name, Line: r.Location.Row, Rules: ruleIDs(r, m.Name)}
		info.Level, _ = a.Custom["level"].(string)
		info.Basis, _ = a.Custom["basis"].(string)
		out = append(out, info)
	}
	return out
}

// ruleIDs finds the literal rule ids a rule raises: string values of "rule"
// keys that name the module's family.
func ruleIDs(r *ast.Rule, family string) []string {
	ids := []string{}
	ast.WalkTerms(r, func(t *ast.Term) bool {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			return false
		}
		if v := obj.Get(ast.StringTerm("rule")); v != nil {
			if s, ok := v.Value.(ast.String); ok && strings.HasPrefix(string(s), family+".") && !slices.Contains(ids, string(s)) {
				ids = append(ids, string(s))
			}
		}
		return false
	})
	slices.Sort(ids)
	return ids
}
