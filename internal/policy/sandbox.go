package policy

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// The sandbox. A policy is code written by the legal affairs office and run
// inside the service on every step, sweep, dry run and test. The evaluation
// time limit interrupts Rego between built-in calls, not inside one, and
// nothing interrupts an allocation: one call such as a shift by 2^40 bits or
// a range of 10^12 numbers ends the process. So policies may call only the
// built-ins listed here, every such call is checked before it runs where its
// result could outgrow its arguments, and every result that could be larger
// than the call's arguments is checked for size.
// A check that fails halts the evaluation with an error: the step is stored
// unchecked and the failure is shown, as with any failing evaluation.

// Limits on what one built-in call may take or produce.
const (
	// MaxValueBytes bounds a string a built-in produces, and the text a
	// serialising built-in (json.marshal, sprintf, …) may write.
	MaxValueBytes = 4 << 20
	// MaxCollection bounds the elements of an array, set or object a
	// built-in produces.
	MaxCollection = 100_000
	// MaxNumberDigits bounds a number's decimal digits (and magnitude: at
	// most 10^40). Money, days and nanosecond timestamps fit many times over.
	MaxNumberDigits = 40
	// maxFormatWidth bounds a width or precision in a sprintf format.
	maxFormatWidth = 1000
	// maxPatchOps bounds the operations of one json.patch.
	maxPatchOps = 1000
)

// allowed are the OPA built-ins a policy may call: comparison, arithmetic,
// aggregates, strings, regular expressions (RE2, linear), objects, arrays,
// sets, encodings, time, and hashes. Left out are those that reach the
// network or the runtime, depend on anything but their input, read files or
// keys (JSON-schema references, JWT, x509), expand without bound (bit shifts,
// CIDR expansion, YAML aliases, path enumeration) or parse other languages.
var allowed = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`
		eq assign equal neq lt lte gt gte and or
		plus minus mul div rem abs round ceil floor
		count sum product max min sort
		intersection union set_diff
		array.concat array.flatten array.reverse array.slice
		is_array is_boolean is_null is_number is_object is_set is_string type_name to_number
		concat contains endswith startswith format_int indexof indexof_n lower upper replace split sprintf
		strings.any_prefix_match strings.any_suffix_match strings.count strings.replace_n strings.reverse strings.split_n
		substring trim trim_left trim_prefix trim_right trim_space trim_suffix
		regex.match re_match regex.find_n regex.find_all_string_submatch_n regex.is_valid regex.split regex.replace regex.template_match
		glob.match glob.quote_meta
		object.filter object.get object.keys object.remove object.subset object.union object.union_n
		json.filter json.remove json.patch json.is_valid json.marshal json.marshal_with_options json.unmarshal
		base64.decode base64.encode base64.is_valid base64url.decode base64url.encode base64url.encode_no_pad
		hex.decode hex.encode urlquery.decode urlquery.decode_object urlquery.encode urlquery.encode_object
		uri.is_valid uri.parse
		numbers.range numbers.range_step units.parse units.parse_bytes semver.compare semver.is_valid
		bits.and bits.or bits.xor bits.negate bits.rsh
		time.add_date time.clock time.date time.diff time.format time.parse_duration_ns time.parse_ns time.parse_rfc3339_ns time.weekday
		crypto.md5 crypto.sha1 crypto.sha256 crypto.hmac.md5 crypto.hmac.sha1 crypto.hmac.sha256 crypto.hmac.sha512 crypto.hmac.equal
		net.cidr_contains net.cidr_intersects net.cidr_is_valid
		graph.reachable walk
		internal.member_2 internal.member_3 internal.template_string internal.test_case
		rego.metadata.rule rego.metadata.chain
	`) {
		allowed[name] = true
	}
	// Wrap each allowed built-in once for the process: the wrappers are
	// what OPA calls, in evaluation and in the test runner alike.
	for name := range allowed {
		f := topdown.GetBuiltin(name)
		if f == nil {
			continue // not a function of this OPA version (or not a call: assign, eq, and, or)
		}
		if guards[name] == nil && (answersBoolean(name) || answersWithin[name]) {
			continue // the result cannot outgrow anything: the wrapper would only cost time
		}
		topdown.RegisterBuiltinFunc(name, guarded(name, f, guards[name]))
	}
}

// answersWithin are the built-ins, called on nearly every step, whose
// result is never larger than their arguments: a count or an index (a
// number no larger than a collection), a time in nanoseconds (an int64), a
// type's name, or a part of an argument (object.get's value or its default).
var answersWithin = map[string]bool{
	"count": true, "indexof": true, "type_name": true, "object.get": true,
	"time.parse_rfc3339_ns": true, "time.parse_ns": true,
}

// ErrSandbox marks a built-in call refused or cut by the sandbox.
var ErrSandbox = errors.New("policy sandbox")

// refuse halts the evaluation: a sandbox refusal is never an undefined
// expression that a policy could step around.
func refuse(name, format string, args ...any) error {
	return topdown.Halt{Err: fmt.Errorf("%w: %s: %s", ErrSandbox, name, fmt.Sprintf(format, args...))}
}

// guarded wraps a built-in with its argument check and the result check.
func guarded(name string, f topdown.BuiltinFunc, pre func([]*ast.Term) error) topdown.BuiltinFunc {
	return func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
		if pre != nil {
			if err := pre(args); err != nil {
				return refuse(name, "%v", err)
			}
		}
		return f(bctx, args, func(out *ast.Term) error {
			if err := checkResult(out.Value); err != nil {
				return refuse(name, "result %v", err)
			}
			return iter(out)
		})
	}
}

// checkResult bounds one result at its top level, in constant time: a
// result's parts were themselves results or arguments, and were checked.
func checkResult(v ast.Value) error {
	switch v := v.(type) {
	case ast.String:
		if len(v) > MaxValueBytes {
			return fmt.Errorf("is a string of %d bytes, more than %d", len(v), MaxValueBytes)
		}
	case ast.Number:
		return checkNumber(v)
	case *ast.Array:
		return checkLen(v.Len())
	case ast.Set:
		return checkLen(v.Len())
	case ast.Object:
		return checkLen(v.Len())
	}
	return nil
}

func checkLen(n int) error {
	if n > MaxCollection {
		return fmt.Errorf("has %d elements, more than %d", n, MaxCollection)
	}
	return nil
}

// checkNumber accepts a number of at most MaxNumberDigits digits before its
// decimal point (after applying any exponent).
func checkNumber(n ast.Number) error {
	s := string(n)
	if len(s) <= MaxNumberDigits && !strings.ContainsAny(s, "eE") {
		return nil
	}
	if len(s) > 4*MaxNumberDigits {
		return fmt.Errorf("is a number written with %d characters", len(s))
	}
	f, ok := new(big.Float).SetString(s)
	if !ok {
		return fmt.Errorf("is not a number: %q", s)
	}
	if f.Sign() != 0 && f.MantExp(nil) > maxNumberBits {
		return fmt.Errorf("is a number larger than 10^%d", MaxNumberDigits)
	}
	return nil
}

// maxNumberBits is the binary exponent of 10^MaxNumberDigits.
const maxNumberBits = 133

// numberProblems finds number literals beyond the sandbox's bounds in a
// module's source: a policy that cannot run is refused when saved.
func numberProblems(m Module, mod *ast.Module, add func(m string, line int, code, en, zh string)) {
	ast.WalkTerms(mod, func(t *ast.Term) bool {
		if n, ok := t.Value.(ast.Number); ok {
			if err := checkNumber(n); err != nil {
				line := 1
				if t.Location != nil {
					line = t.Location.Row
				}
				add(m.Name, line, "number_error", fmt.Sprintf("number literal %s", err),
					fmt.Sprintf("数字超出允许范围（最多 %d 位整数）", MaxNumberDigits))
			}
		}
		return false
	})
}
