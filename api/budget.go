package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// tooMany refuses a client that is over its own budget: 429 and when to come back.
func tooMany(c *gin.Context, retryAfter time.Duration, msg string) {
	c.Header("Retry-After", retrySeconds(retryAfter))
	fail(c, http.StatusTooManyRequests, msg)
}

// busy refuses because the server as a whole is at a bound: 503 and when to come back.
func busy(c *gin.Context, retryAfter time.Duration, msg string) {
	c.Header("Retry-After", retrySeconds(retryAfter))
	fail(c, http.StatusServiceUnavailable, msg)
}

// retrySeconds is a Retry-After value: whole seconds, rounded up, at least 1.
func retrySeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
