package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

func TestFailBoundsTheMessage(t *testing.T) {
	t.Parallel()
	gin.SetMode(gin.ReleaseMode)
	for _, tt := range []struct {
		name    string
		message string
		want    string
	}{
		{"short message kept", "未知字段 \"x\"", "未知字段 \"x\""},
		{"at the bound kept", strings.Repeat("字", maxMessageRunes), strings.Repeat("字", maxMessageRunes)},
		{"an echoed field name cut", "未知字段 " + strings.Repeat("a", 1<<20), "未知字段 " + strings.Repeat("a", maxMessageRunes-6) + "…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
			fail(c, compliance.Errorf(compliance.ClassBadRequest, "malformed_json", "%s", tt.message))
			var body errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if w.Code != http.StatusBadRequest || body.Error.Code != "malformed_json" || body.Error.Message != tt.want {
				t.Errorf("status %d, code %s, message of %d runes; want 400, malformed_json, %d runes",
					w.Code, body.Error.Code, utf8.RuneCountInString(body.Error.Message), utf8.RuneCountInString(tt.want))
			}
		})
	}
}
