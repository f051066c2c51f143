package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
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
			w := failed(compliance.Errorf(compliance.ClassBadRequest, "malformed_json", "%s", tt.message), nil)
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

// TestFailLogsToTheServersLogger: an error that is not the caller's fault
// is logged, with its text, by the logger of the server that answered, so
// that a node's log (a test's too) says why a request got a 500.
func TestFailLogsToTheServersLogger(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		err    error
		status int
		logged bool
	}{
		{"an internal error", errors.New("insert step: the disk is full"), http.StatusInternalServerError, true},
		{"the caller's mistake", compliance.Errorf(compliance.ClassInvalid, "invalid_step", "环节记录不合法"), http.StatusUnprocessableEntity, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := failed(tt.err, slog.New(slog.NewTextHandler(&buf, nil)))
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			logged := strings.Contains(buf.String(), "request failed") && strings.Contains(buf.String(), tt.err.Error())
			if logged != tt.logged {
				t.Errorf("logged %v, want %v: %q", logged, tt.logged, buf.String())
			}
			if strings.Contains(w.Body.String(), "disk") {
				t.Errorf("the error's text reached the caller: %s", w.Body.String())
			}
		})
	}
}

// failed is the answer fail gives err in a request of a server that logs
// to log (none: the default logger).
func failed(err error, log *slog.Logger) *httptest.ResponseRecorder {
	gin.SetMode(gin.ReleaseMode)
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
	if log != nil {
		c.Set(logKey, log)
	}
	fail(c, err)
	return w
}
