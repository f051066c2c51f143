package compliance

import (
	"errors"
	"fmt"
)

// ErrorClass is the class of an error; the HTTP layer maps each class to one status.
type ErrorClass string

// The error classes.
const (
	ClassBadRequest      ErrorClass = "bad_request"       // malformed request
	ClassUnauthenticated ErrorClass = "unauthenticated"   // no or bad credentials
	ClassForbidden       ErrorClass = "forbidden"         // not allowed for this account
	ClassNotFound        ErrorClass = "not_found"         // no such thing
	ClassConflict        ErrorClass = "conflict"          // clashes with what is stored
	ClassTooLarge        ErrorClass = "payload_too_large" // request body over the limit
	ClassInvalid         ErrorClass = "validation_failed" // well-formed but not acceptable
	ClassUnavailable     ErrorClass = "unavailable"       // the database cannot be reached
	ClassInternal        ErrorClass = "internal"          // a defect
)

// Error is an error meant for the caller: a stable code for programs and a
// Chinese message for people.
type Error struct {
	Class   ErrorClass
	Code    string // stable, specific; defaults to the class
	Message string // Simplified Chinese
	Details any
	Err     error // the cause, never shown to callers
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.code(), e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.code(), e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) code() string {
	if e.Code != "" {
		return e.Code
	}
	return string(e.Class)
}

// PublicCode returns the code shown to callers.
func (e *Error) PublicCode() string { return e.code() }

// Errorf builds an Error of class k with code and a formatted Chinese message.
func Errorf(k ErrorClass, code, format string, args ...any) *Error {
	return &Error{Class: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns e with details attached.
func (e *Error) WithDetails(d any) *Error {
	e.Details = d
	return e
}

// ClassOf returns the class of err: that of the first *Error in its chain,
// else ClassInternal.
func ClassOf(err error) ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassInternal
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Class: ClassNotFound, Code: "not_found", Message: "记录不存在"}

// ErrDuplicate is returned by stores when a unique key is already taken.
var ErrDuplicate = &Error{Class: ClassConflict, Code: "duplicate", Message: "记录已存在"}

// ErrCaseChanged is returned by stores when a case is no longer at the
// version a change was based on: another step of it was stored meanwhile.
var ErrCaseChanged = &Error{Class: ClassConflict, Code: "case_changed", Message: "办件已被同时提交的其他环节修改"}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct{ fields []FieldError }

// Add records that field is invalid.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns a ClassInvalid error listing every field, or nil.
func (v *Validation) Err(code, message string) error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := message
	if len(v.fields) == 1 {
		msg = message + "：" + v.fields[0].Message
	}
	return &Error{Class: ClassInvalid, Code: code, Message: msg, Details: v.fields}
}
