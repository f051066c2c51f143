package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// HeaderRequestID names the header that carries a request's id, in the
// request (from a trusted proxy) and in every answer.
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds a request id taken from a proxy.
const maxRequestIDLen = 64

// RequestObserver is told of every answered request, for metrics. route is
// the route's pattern ("" when no route matched), never the raw path.
type RequestObserver interface {
	ObserveRequest(method, route string, status int, d time.Duration)
}

type requestIDKey struct{}

// logKey is where observe leaves the server's logger for what logs
// without the server at hand (errorAnswer).
const logKey = "httpapi.log"

// logOf returns the logger of the server that answers c.
func logOf(c *gin.Context) *slog.Logger {
	v, _ := c.Get(logKey)
	if l, ok := v.(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// RequestID returns the id of the request ctx belongs to, "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler wraps h so that every record logged with a request's context
// carries the request's id as request_id.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// proxySet tells the trusted proxies, as gin does for X-Forwarded-For.
type proxySet []netip.Prefix

// newProxySet parses addresses and CIDR ranges; gin has refused a list
// with a bad entry before this runs.
func newProxySet(list []string) proxySet {
	var ps proxySet
	for _, p := range list {
		p = strings.TrimSpace(p)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			ps = append(ps, pfx.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return ps
}

func (ps proxySet) trusts(remote string) bool {
	if len(ps) == 0 {
		return false
	}
	a, err := netip.ParseAddr(remote)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// saneRequestID reports whether id is 1 to 64 characters of [A-Za-z0-9._-]:
// it goes into logs and answers as it is.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// requestID is the id of c's request: the one a trusted proxy gave, else a
// new one.
func (s *Server) requestID(c *gin.Context) string {
	if id := c.GetHeader(HeaderRequestID); id != "" && saneRequestID(id) && s.proxies.trusts(c.RemoteIP()) {
		return id
	}
	return newRequestID()
}

// observe gives each request its id (in the answer, and in the context for
// the log lines written meanwhile), then counts it and writes its access
// log line: the route's pattern, never the URL (a query may carry a public
// case's code), and no header (tokens, cookies).
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := s.requestID(c)
	c.Writer.Header().Set(HeaderRequestID, id)
	ctx := context.WithValue(c.Request.Context(), requestIDKey{}, id)
	c.Request = c.Request.WithContext(ctx)
	c.Set(logKey, s.log)
	c.Next()
	d := time.Since(start)
	status := c.Writer.Status()
	route := c.FullPath()
	if s.requests != nil {
		s.requests.ObserveRequest(c.Request.Method, route, status, d)
	}
	lvl := slog.LevelInfo
	if status >= 500 {
		lvl = slog.LevelWarn
	}
	if !s.log.Enabled(ctx, lvl) {
		return
	}
	size := max(c.Writer.Size(), 0)
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int("bytes", size), slog.String("ip", c.ClientIP()))
	if v, ok := c.Get("account"); ok {
		if a, ok := v.(*compliance.Account); ok && a != nil {
			attrs = append(attrs, slog.String("account", a.Username), slog.String("role", string(a.Role)))
			if a.DepartmentCode != "" {
				attrs = append(attrs, slog.String("department", a.DepartmentCode))
			}
		}
	}
	s.log.LogAttrs(ctx, lvl, "http", attrs...)
}
