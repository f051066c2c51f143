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
