package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// bindJSON decodes the request body strictly into v: one JSON value, no
// unknown fields, valid UTF-8, within the body limit.
func bindJSON(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeStrict(body, v)
}

// bindOptionalJSON is bindJSON for a route whose body may be left out: an
// empty body leaves v as it is. Anything else must decode strictly, so
// that a field the route does not take is refused, not ignored.
func bindOptionalJSON(c *gin.Context, v any) error {
	body, err := readBody(c)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return decodeStrict(body, v)
}

// noBody admits a request to a route that takes no body only when its body
// is empty or {}: a field sent to it is refused, not silently ignored.
func noBody(c *gin.Context) {
	if err := bindOptionalJSON(c, &struct{}{}); err != nil {
		fail(c, err)
		return
	}
	c.Next()
}

func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, compliance.Errorf(compliance.ClassTooLarge, "payload_too_large", "请求体超过 %d 字节的上限", tooLarge.Limit)
		}
		return nil, badRequest("malformed_body", "无法读取请求体")
	}
	return body, nil
}

func decodeStrict(body []byte, v any) error {
	// encoding/json would put U+FFFD in place of invalid UTF-8 and of an
	// unpaired surrogate escape, storing something the caller never sent.
	if !utf8.Valid(body) {
		return badRequest("malformed_json", "请求体不是合法的 UTF-8 编码")
	}
	if loneSurrogate(body) {
		return badRequest("malformed_json", "请求体含有不成对的 UTF-16 代理项转义（\\uD800–\\uDFFF）")
	}
	if key, ok := ambiguousKey(body); ok {
		return badRequest("duplicate_key", "请求体中的字段 %q 出现了不止一次（字段名不区分大小写）", key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("malformed_json", "请求体不是合法的 JSON：%s", describeJSONError(err))
	}
	if dec.More() {
		return badRequest("malformed_json", "请求体只能包含一个 JSON 对象")
	}
	return nil
}

// ambiguousKey returns a key that appears twice in one object of a JSON
// text, exactly or as a case variant. encoding/json matches field names
// case-insensitively and keeps the last, while other readers of the same
// body (the audit log) would see the first: a body that could mean two
// things is refused. Malformed JSON is left to the decoder.
func ambiguousKey(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		atKey  bool // in an object, the next token is a key
	}
	var stack []*frame
	for {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.atKey {
			if k, ok := t.(string); ok {
				f := foldKey(k)
				if top.keys[f] {
					return k, true
				}
				top.keys[f] = true
				top.atKey = false
				continue
			}
		}
		switch t {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, atKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: in an object, a key comes next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].atKey = true
		}
		if len(stack) == 0 {
			return "", false
		}
	}
}

// foldKey maps a key to one form for all its case variants: each rune to the
// lower case of the smallest rune that Unicode simple case folding makes it
// equal to (so K, k and the Kelvin sign all become k, as encoding/json
// matches them).
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return unicode.ToLower(least)
	}, k)
}

// loneSurrogate reports whether a JSON text escapes half of a UTF-16
// surrogate pair without the other half. Outside strings a backslash is a
// syntax error anyway, so every backslash is taken to start an escape.
func loneSurrogate(b []byte) bool {
	// unit returns the code unit of a \uXXXX escape at b[i:], or -1.
	unit := func(i int) int {
		if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
			return -1
		}
		n := 0
		for _, c := range b[i+2 : i+6] {
			switch {
			case c >= '0' && c <= '9':
				n = n<<4 | int(c-'0')
			case c >= 'a' && c <= 'f':
				n = n<<4 | int(c-'a'+10)
			case c >= 'A' && c <= 'F':
				n = n<<4 | int(c-'A'+10)
			default:
				return -1
			}
		}
		return n
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		u := unit(i)
		switch {
		case u >= 0xD800 && u <= 0xDBFF:
			if low := unit(i + 6); low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11 // past the pair
		case u >= 0xDC00 && u <= 0xDFFF:
			return true
		default:
			i++ // past the escaped character
		}
	}
	return false
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("第 %d 字节处语法错误", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("字段 %s 的类型应为 %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "未知字段 " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF):
		return "请求体为空"
	}
	return "格式错误"
}

// limitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, answered as 413.
// limitBodies limits every request's body to max, or to the route's own
// limit in own ("METHOD path").
func limitBodies(max int64, own map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := max
		if n, ok := own[c.Request.Method+" "+c.FullPath()]; ok {
			limit = n
		}
		limitBody(limit)(c)
	}
}

func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			fail(c, compliance.Errorf(compliance.ClassTooLarge, "payload_too_large", "请求体超过 %d 字节的上限", max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}
