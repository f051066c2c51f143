package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"powercheck/internal/compliance"
	"powercheck/policies"
)

// ParamsDraft is the name under which a draft of the rule parameters is
// kept among the module drafts. No module can be named so.
const ParamsDraft = compliance.ParamsDraft

// MaxParamsBytes bounds a parameters document.
const MaxParamsBytes = 64 << 10

// ParamProblem is one place where a parameters document breaks its schema.
type ParamProblem struct {
	Path    string `json:"path"`    // JSON Pointer into the document: /patrol/per_workday
	Field   string `json:"field"`   // the same as dotted keys: patrol.per_workday
	Message string `json:"message"` // for the legal affairs office
}

type shippedParams struct {
	doc    []byte // canonical
	source []byte // the schema as shipped
	schema *jsonschema.Schema
}

// shipped reads the parameters and their schema from the default policies.
var shipped = sync.OnceValues(func() (shippedParams, error) {
	var sp shippedParams
	src, err := fs.ReadFile(policies.FS, "params.schema.json")
	if err != nil {
		return sp, fmt.Errorf("params schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		return sp, fmt.Errorf("params schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource("params.schema.json", doc); err != nil {
		return sp, fmt.Errorf("params schema: %w", err)
	}
	if sp.schema, err = c.Compile("params.schema.json"); err != nil {
		return sp, fmt.Errorf("params schema: %w", err)
	}
	sp.source = src
	raw, err := fs.ReadFile(policies.FS, "params.json")
	if err != nil {
		return sp, fmt.Errorf("default params: %w", err)
	}
	if sp.doc, err = validateParams(sp.schema, raw); err != nil {
		return sp, fmt.Errorf("default params: %w", err)
	}
	return sp, nil
})

// noLoader refuses every schema reference: the schema is self-contained.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("params schema: no references allowed (%s)", url)
}

func mustShipped() shippedParams {
	sp, err := shipped()
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return sp
}

// DefaultParams returns the rule parameters shipped with the default
// policies, as canonical JSON.
func DefaultParams() []byte { return mustShipped().doc }

// ParamsSchema returns the JSON Schema of the rule parameters.
func ParamsSchema() []byte { return mustShipped().source }

// effectiveParams are a revision's parameters: the shipped ones for a
// revision stored before revisions carried parameters.
func effectiveParams(p []byte) []byte {
	if len(bytes.TrimSpace(p)) == 0 {
		return DefaultParams()
	}
	return p
}

// ValidateParams checks doc against the schema and the rules the schema
// cannot say, and returns it as canonical JSON (compact, keys sorted). A
// document that fails is a 422 whose details list each problem's path.
func ValidateParams(doc []byte) ([]byte, error) {
	sp, err := shipped()
	if err != nil {
		return nil, err
	}
	return validateParams(sp.schema, doc)
}

func validateParams(sch *jsonschema.Schema, doc []byte) ([]byte, error) {
	if len(doc) > MaxParamsBytes {
		return nil, paramsInvalid([]ParamProblem{{Path: "", Field: "", Message: fmt.Sprintf("参数文档超过 %d 字节的上限", MaxParamsBytes)}})
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, paramsInvalid([]ParamProblem{{Message: "参数文档不是合法的 JSON：" + err.Error()}})
	}
	var problems []ParamProblem
	if err := sch.Validate(inst); err != nil {
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			return nil, fmt.Errorf("validate params: %w", err)
		}
		problems = leafProblems(ve, problems)
	}
	if len(problems) == 0 {
		problems = crossProblems(inst)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Path < problems[j].Path })
		return nil, paramsInvalid(slices.Compact(problems))
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, paramsInvalid([]ParamProblem{{Message: "参数文档不是合法的 JSON：" + err.Error()}})
	}
	return json.Marshal(v)
}

func paramsInvalid(problems []ParamProblem) error {
	msg := "规则参数未通过校验"
	if len(problems) > 0 {
		p := problems[0]
		where := "（文档根）"
		if p.Field != "" {
			where = p.Field + "："
		}
		if p.Field == "" {
			msg += "：" + p.Message
		} else {
			msg += "：" + where + p.Message
		}
		if len(problems) > 1 {
			msg += fmt.Sprintf("（共 %d 处）", len(problems))
		}
	}
	return (&compliance.Error{Class: compliance.ClassInvalid, Code: "params_invalid", Message: msg}).WithDetails(problems)
}

// leafProblems flattens a validation error to its innermost causes.
func leafProblems(ve *jsonschema.ValidationError, out []ParamProblem) []ParamProblem {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			out = leafProblems(c, out)
		}
		return out
	}
	loc := ve.InstanceLocation
	if r, ok := ve.ErrorKind.(*kind.Required); ok && len(r.Missing) > 0 {
		for _, m := range r.Missing {
			out = append(out, problemAt(append(slices.Clone(loc), m), "必填项缺失"))
		}
		return out
	}
	if a, ok := ve.ErrorKind.(*kind.AdditionalProperties); ok {
		for _, p := range a.Properties {
			out = append(out, problemAt(append(slices.Clone(loc), p), "未知的参数（本节不允许其他字段）"))
		}
		return out
	}
	return append(out, problemAt(loc, kindMessage(ve.ErrorKind)))
}

func problemAt(loc []string, msg string) ParamProblem {
	esc := make([]string, len(loc))
	for i, s := range loc {
		esc[i] = strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
	}
	p := ParamProblem{Field: strings.Join(loc, "."), Message: msg}
	if len(loc) > 0 {
		p.Path = "/" + strings.Join(esc, "/")
	}
	return p
}

var typeNames = map[string]string{"object": "对象", "integer": "整数", "number": "数值", "string": "字符串",
	"boolean": "布尔值", "array": "数组", "null": "null"}

func typeName(t string) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return t
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(2)
}

// kindMessage says in Chinese what a schema keyword found wrong.
func kindMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeName(w)
		}
		return fmt.Sprintf("应为%s，实为%s", strings.Join(want, "或"), typeName(k.Got))
	case *kind.Minimum:
		return fmt.Sprintf("不能小于 %s（实为 %s）", ratText(k.Want), ratText(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("不能大于 %s（实为 %s）", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("须大于 %s（实为 %s）", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("须小于 %s（实为 %s）", ratText(k.Want), ratText(k.Got))
	case *kind.Enum:
		return "取值不在允许的范围内"
	case *kind.Const:
		return "取值与规定不符"
	case *kind.MinLength:
		return fmt.Sprintf("长度不能少于 %d", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("长度不能超过 %d", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("至少 %d 项", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("至多 %d 项", k.Want)
	case *kind.FalseSchema:
		return "不允许出现该项"
	}
	return "不符合参数规范：" + fmt.Sprint(k)
}

// crossProblems checks what the schema cannot say: relations between numbers.
func crossProblems(inst any) []ParamProblem {
	num := func(section, key string) (float64, bool) {
		m, _ := inst.(map[string]any)
		s, _ := m[section].(map[string]any)
		n, ok := s[key].(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil
	}
	var out []ParamProblem
	late, ok1 := num("sync", "late_after_days")
	very, ok2 := num("sync", "very_late_after_days")
	if ok1 && ok2 && very < late {
		out = append(out, problemAt([]string{"sync", "very_late_after_days"},
			fmt.Sprintf("不能小于 sync.late_after_days（%v）", late)))
	}
	return out
}

// decodeParams reads a canonical parameters document.
func decodeParams(doc []byte) (map[string]any, error) {
	var v map[string]any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return v, nil
}

// paramsStore returns the store data.params is read from: one per compiled
// revision, built once, so that evaluations read it as it is.
func paramsStore(doc []byte) (storage.Store, compliance.RuleParams, error) {
	v, err := decodeParams(effectiveParams(doc))
	if err != nil {
		return nil, compliance.RuleParams{}, err
	}
	val, err := ast.InterfaceToValue(map[string]any{"params": v})
	if err != nil {
		return nil, compliance.RuleParams{}, fmt.Errorf("params: %w", err)
	}
	obj, ok := val.(ast.Object)
	if !ok {
		return nil, compliance.RuleParams{}, fmt.Errorf("params: not an object")
	}
	return inmem.NewFromASTObject(obj), ruleParams(v), nil
}

// ruleParams picks the numbers the service counts with itself.
func ruleParams(v map[string]any) compliance.RuleParams {
	intAt := func(section, key string) int {
		s, _ := v[section].(map[string]any)
		n, _ := s[key].(json.Number)
		i, err := n.Int64()
		if err != nil {
			return 0
		}
		return int(i)
	}
	return compliance.RuleParams{PatrolsPerWorkday: intAt("patrol", "per_workday"), PatrolEntryHours: intAt("patrol", "entry_window_hours"),
		ExplanationDueDay: intAt("report", "explanation_due_day")}
}

// paramChanges lists the parameters that differ between two documents, as
// dotted paths with their values, in path order.
func paramChanges(from, to []byte) []compliance.ParamChange {
	a, _ := decodeParams(effectiveParams(from))
	b, _ := decodeParams(effectiveParams(to))
	var out []compliance.ParamChange
	walkChanges("", a, b, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func walkChanges(prefix string, a, b any, out *[]compliance.ParamChange) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walkChanges(p, am[k], bm[k], out)
		}
		return
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		*out = append(*out, compliance.ParamChange{Path: prefix, From: a, To: b})
	}
}

// changedPaths lists the paths of paramChanges.
func changedPaths(from, to []byte) []string {
	var out []string
	for _, c := range paramChanges(from, to) {
		out = append(out, c.Path)
	}
	return out
}
