package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// bindJSON decodes the request body strictly into v: one JSON value, no
// unknown fields, within the body limit.
func bindJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return compliance.Errorf(compliance.KindTooLarge, "payload_too_large", "请求体超过 %d 字节的上限", tooLarge.Limit)
		}
		return badRequest("malformed_body", "无法读取请求体")
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
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			fail(c, compliance.Errorf(compliance.KindTooLarge, "payload_too_large", "请求体超过 %d 字节的上限", max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}
