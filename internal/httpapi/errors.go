package httpapi

import (
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// statusOf is the one place where error classes become HTTP statuses.
var statusOf = map[compliance.ErrorClass]int{
	compliance.ClassBadRequest:      http.StatusBadRequest,
	compliance.ClassUnauthenticated: http.StatusUnauthorized,
	compliance.ClassForbidden:       http.StatusForbidden,
	compliance.ClassNotFound:        http.StatusNotFound,
	compliance.ClassConflict:        http.StatusConflict,
	compliance.ClassTooLarge:        http.StatusRequestEntityTooLarge,
	compliance.ClassInvalid:         http.StatusUnprocessableEntity,
	compliance.ClassUnavailable:     http.StatusServiceUnavailable,
	compliance.ClassInternal:        http.StatusInternalServerError,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// abort answers status with an error body and stops the chain. Every error
// body is written here, so that each carries the request's id.
func abort(c *gin.Context, status int, code, message string, details any) {
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: message, Details: details,
		RequestID: c.Writer.Header().Get(HeaderRequestID)}})
}

// fail answers err and stops the chain.
func fail(c *gin.Context, err error) {
	status, body := errorAnswer(c, err)
	c.AbortWithStatusJSON(status, body)
}

// errorAnswer is the status and the body that answer err. Errors that are
// not the caller's fault are logged here, once; their text never reaches
// the caller.
func errorAnswer(c *gin.Context, err error) (int, errorBody) {
	var e *compliance.Error
	if !errors.As(err, &e) {
		e = &compliance.Error{Class: compliance.ClassInternal, Code: "internal", Message: "服务器内部错误", Err: err}
	}
	status := statusOf[e.Class]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		logOf(c).ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method,
			"path", c.FullPath(), "status", status, "error", err)
	}
	return status, errorBody{Error: errorDetail{Code: e.PublicCode(), Message: cutMessage(e.Message), Details: e.Details,
		RequestID: c.Writer.Header().Get(HeaderRequestID)}}
}

// maxMessageRunes bounds an error message: messages may quote what was
// sent (an unknown field's name, an action), which can be as long as the body.
const maxMessageRunes = 500

func cutMessage(m string) string {
	if utf8.RuneCountInString(m) <= maxMessageRunes {
		return m
	}
	return string([]rune(m)[:maxMessageRunes-1]) + "…"
}

func badRequest(code, format string, args ...any) error {
	return compliance.Errorf(compliance.ClassBadRequest, code, format, args...)
}
