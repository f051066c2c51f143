package policy

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// guards check the arguments of the built-ins whose one call can produce far
// more than it was given, before the call allocates.
var guards = map[string]func([]*ast.Term) error{
	"numbers.range": func(a []*ast.Term) error {
		return rangeWithin(a[0], a[1], ast.IntNumberTerm(1))
	},
	"numbers.range_step": func(a []*ast.Term) error {
		return rangeWithin(a[0], a[1], a[2])
	},
	"concat": func(a []*ast.Term) error {
		sep, _ := a[0].Value.(ast.String)
		total := 0
		var err error
		each(a[1].Value, func(t *ast.Term) bool {
			if s, ok := t.Value.(ast.String); ok {
				total += len(s) + len(sep)
			}
			if total > MaxValueBytes {
				err = fmt.Errorf("would join more than %d bytes", MaxValueBytes)
				return false
			}
			return true
		})
		return err
	},
	"replace": func(a []*ast.Term) error {
		return replaceWithin(a[0], a[2], 0)
	},
	"strings.replace_n": func(a []*ast.Term) error {
		longest := 0
		if obj, ok := a[0].Value.(ast.Object); ok {
			obj.Foreach(func(_, v *ast.Term) {
				if s, ok := v.Value.(ast.String); ok {
					longest = max(longest, len(s))
				}
			})
		}
		s, _ := a[1].Value.(ast.String)
		if (len(s)+1)*longest+len(s) > MaxValueBytes {
			return fmt.Errorf("could produce more than %d bytes", MaxValueBytes)
		}
		return nil
	},
	"regex.replace": func(a []*ast.Term) error {
		// Each $n in the replacement may repeat the whole subject.
		r, _ := a[2].Value.(ast.String)
		s, _ := a[0].Value.(ast.String)
		return replaceWithin(a[0], a[2], strings.Count(string(r), "$")*len(s))
	},
	"sprintf": func(a []*ast.Term) error {
		f, _ := a[0].Value.(ast.String)
		if err := formatWithin(string(f)); err != nil {
			return err
		}
		return textWithin(a[1])
	},
	"json.marshal":              func(a []*ast.Term) error { return textWithin(a[0]) },
	"json.marshal_with_options": func(a []*ast.Term) error { return textWithin(a[0]) },
	"urlquery.encode_object":    func(a []*ast.Term) error { return textWithin(a[0]) },
	"array.flatten":             func(a []*ast.Term) error { return textWithin(a[0]) },
	"walk":                      func(a []*ast.Term) error { return textWithin(a[0]) },
	"product": func(a []*ast.Term) error {
		digits := 0
		each(a[0].Value, func(t *ast.Term) bool {
			if n, ok := t.Value.(ast.Number); ok {
				digits += len(n)
			}
			return digits <= 2*MaxNumberDigits
		})
		if digits > 2*MaxNumberDigits {
			return fmt.Errorf("would multiply numbers of more than %d digits in all", 2*MaxNumberDigits)
		}
		return nil
	},
	"json.patch": func(a []*ast.Term) error {
		if arr, ok := a[1].Value.(*ast.Array); ok && arr.Len() > maxPatchOps {
			return fmt.Errorf("has %d operations, more than %d", arr.Len(), maxPatchOps)
		}
		return nil
	},
}

// each calls f for the elements of an array or set until f says stop.
func each(v ast.Value, f func(*ast.Term) bool) {
	switch v := v.(type) {
	case *ast.Array:
		for i := 0; i < v.Len(); i++ {
			if !f(v.Elem(i)) {
				return
			}
		}
	case ast.Set:
		_ = v.Iter(func(t *ast.Term) error {
			if !f(t) {
				return ErrSandbox
			}
			return nil
		})
	}
}

func rangeWithin(from, to, step *ast.Term) error {
	a, ok1 := from.Value.(ast.Number)
	b, ok2 := to.Value.(ast.Number)
	s, ok3 := step.Value.(ast.Number)
	if !ok1 || !ok2 || !ok3 {
		return nil // the built-in reports the type error itself
	}
	for _, n := range []ast.Number{a, b, s} {
		if err := checkNumber(n); err != nil {
			return err
		}
	}
	fa, _ := new(big.Float).SetString(string(a))
	fb, _ := new(big.Float).SetString(string(b))
	fs, _ := new(big.Float).SetString(string(s))
	if fa == nil || fb == nil || fs == nil || fs.Sign() <= 0 {
		return nil
	}
	span := new(big.Float).Sub(fb, fa)
	span.Abs(span).Quo(span, fs)
	if span.Cmp(big.NewFloat(MaxCollection)) >= 0 {
		return fmt.Errorf("would produce more than %d numbers", MaxCollection)
	}
	return nil
}

// replaceWithin bounds a replacement's worst case: the new text inserted at
// every position of the subject, plus extra bytes in all (what regex group
// references can copy: matches do not overlap, so each $n adds at most the
// subject once).
func replaceWithin(subject, with *ast.Term, extra int) error {
	s, _ := subject.Value.(ast.String)
	w, _ := with.Value.(ast.String)
	if len(w) == 0 && extra == 0 {
		return nil
	}
	if len(w) > MaxValueBytes || (len(s)+1)*len(w)+extra+len(s) > MaxValueBytes {
		return fmt.Errorf("could produce more than %d bytes", MaxValueBytes)
	}
	return nil
}

// formatWithin refuses widths and precisions that would pad a value to any
// length, and widths taken from the arguments (*).
func formatWithin(f string) error {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		n := 0
	verb:
		for i++; i < len(f); i++ {
			switch c := f[i]; {
			case c == '*':
				return errors.New("a width or precision from the arguments (*) is not allowed")
			case c >= '0' && c <= '9':
				if n = n*10 + int(c-'0'); n > maxFormatWidth {
					return fmt.Errorf("a width or precision larger than %d", maxFormatWidth)
				}
			case strings.IndexByte(".-+# []", c) >= 0:
				n = 0
			default:
				break verb
			}
		}
	}
	return nil
}

// textWithin bounds the text a value would serialise to, walking at most
// MaxValueBytes worth of it: a value that shares its parts ([a, a] nested
// deep) is small in memory and enormous as text.
func textWithin(t *ast.Term) error {
	budget := MaxValueBytes
	var walk func(v ast.Value) bool
	walk = func(v ast.Value) bool {
		budget--
		switch v := v.(type) {
		case ast.String:
			budget -= len(v) + 2
		case ast.Number:
			budget -= len(v)
		case *ast.Array:
			for i := 0; i < v.Len() && budget >= 0; i++ {
				if !walk(v.Elem(i).Value) {
					return false
				}
			}
		case ast.Set:
			_ = v.Iter(func(e *ast.Term) error {
				if !walk(e.Value) {
					return ErrSandbox
				}
				return nil
			})
		case ast.Object:
			_ = v.Iter(func(k, e *ast.Term) error {
				if !walk(k.Value) || !walk(e.Value) {
					return ErrSandbox
				}
				return nil
			})
		}
		return budget >= 0
	}
	if !walk(t.Value) {
		return fmt.Errorf("would write more than %d bytes", MaxValueBytes)
	}
	return nil
}
