package httpapi

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// maxParamBytes bounds one path parameter or query value; every filter the
// API knows is far shorter.
const maxParamBytes = 2048

// checkParams refuses path parameters and query values that no code, date
// or filter can be: invalid UTF-8, control characters, leading or trailing
// white space, or over maxParamBytes. White space matters beyond
// tidiness: MySQL compares "ZJJ " equal to "ZJJ" where SQLite does not, so
// such a value would select different rows on the two databases.
func checkParams(c *gin.Context) {
	for _, p := range c.Params {
		if msg := badParam(p.Value); msg != "" {
			fail(c, badRequest("invalid_parameter", "路径参数 %s %s", p.Key, msg))
			c.Abort()
			return
		}
	}
	for key, values := range c.Request.URL.Query() {
		if badParam(key) != "" {
			fail(c, badRequest("invalid_parameter", "查询参数名不合法"))
			c.Abort()
			return
		}
		for _, v := range values {
			if msg := badParam(v); msg != "" {
				fail(c, badRequest("invalid_parameter", "查询参数 %s %s", key, msg))
				c.Abort()
				return
			}
		}
	}
	c.Next()
}

// idParam reads path parameter name as the id of a stored object, a
// positive integer; anything else names nothing, and notFound is returned.
func idParam(c *gin.Context, name string, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// badParam says what is wrong with v, or "" when nothing is.
func badParam(v string) string {
	switch {
	case len(v) > maxParamBytes:
		return "过长"
	case !utf8.ValidString(v):
		return "不是合法的 UTF-8 文本"
	case strings.TrimSpace(v) != v:
		return "首尾不能有空白字符"
	case strings.ContainsFunc(v, unicode.IsControl):
		return "不能包含控制字符"
	}
	return ""
}
