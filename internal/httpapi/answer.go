package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// respond answers v with status, or err when the call that made v failed:
// the end of almost every handler.
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

// savedStatus is the status of a PUT or an idempotent POST: 201 when it
// created what it names, 200 when that was there already.
func savedStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// answerBody decodes the request body strictly into a T and answers with
// status what call makes of it, or the error of either: the whole of most
// handlers that take a body. A body type declared for it where the handler
// had an anonymous struct is an alias of that struct: a body that is not an
// object is refused naming T (describeJSONError), and that text stays.
func answerBody[T any](c *gin.Context, status int, call func(req T) (any, error)) {
	var req T
	if err := bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	v, err := call(req)
	respond(c, status, v, err)
}

// answerParam reads a path parameter with parse, which refuses a bad one,
// and answers 200 with what call makes of it, or the error of either.
func answerParam[P any](c *gin.Context, parse func(*gin.Context) (P, error), call func(p P) (any, error)) {
	p, err := parse(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := call(p)
	respond(c, http.StatusOK, v, err)
}

// answerParamBody is answerBody for a route whose path names what the body
// is about: parse reads the parameter before the body is read.
func answerParamBody[P, T any](c *gin.Context, parse func(*gin.Context) (P, error), call func(p P, req T) (any, error)) {
	p, err := parse(c)
	if err != nil {
		fail(c, err)
		return
	}
	answerBody(c, http.StatusOK, func(req T) (any, error) { return call(p, req) })
}
