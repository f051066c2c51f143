package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// auditPeekBytes is how much of a request body is kept to name the target
// of a change; the digest covers the whole body whatever its size.
const auditPeekBytes = 64 << 10

// audit records every change made through the API: a request other than
// GET or HEAD that was answered 2xx. It runs after the handler, so the
// entry says what was asked (the request body's digest) and what was
// answered (the response body's digest), never headers, so never the token.
//
// The entry is written after the change was committed, in a transaction of
// its own: if writing it fails, the change stands (the caller has its
// answer, and a change cannot be undone here), and the entry is logged as an
// error with every field so that an operator can restore it. Refusing the
// change instead would need the entry inside every store transaction.
func (s *Server) audit(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	reqHash, resHash := sha256.New(), sha256.New()
	peek := &cappedBuffer{max: auditPeekBytes}
	body := c.Request.Body // already limited by limitBody
	c.Request.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(body, io.MultiWriter(reqHash, peek)), body}
	w := &digestWriter{ResponseWriter: c.Writer, h: resHash}
	c.Writer = w

	c.Next()

	c.Writer = w.ResponseWriter
	if status := c.Writer.Status(); status < 200 || status > 299 {
		return
	}
	// A handler may stop reading before the end; the digest covers all that
	// was sent (within the body limit).
	_, _ = io.Copy(io.Discard, c.Request.Body)
	a := account(c)
	e := compliance.AuditEntry{
		Actor:          a.Username,
		Role:           a.Role,
		IP:             c.ClientIP(),
		Action:         c.Request.Method + " " + c.FullPath(),
		Target:         auditTarget(c, peek),
		RequestDigest:  hex.EncodeToString(reqHash.Sum(nil)),
		ResponseDigest: hex.EncodeToString(resHash.Sum(nil)),
	}
	// The change is committed: record it even if the client has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 15*time.Second)
	defer cancel()
	if _, err := s.svc.RecordAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit entry not recorded; the change it describes was committed",
			"error", err, "actor", e.Actor, "role", e.Role, "ip", e.IP, "action", e.Action, "target", e.Target,
			"request_digest", e.RequestDigest, "response_digest", e.ResponseDigest, "status", c.Writer.Status())
	}
}

// auditTarget names what a change touched: the route's parameters, then
// the identifying fields of a JSON request body, when it has them.
func auditTarget(c *gin.Context, peek *cappedBuffer) string {
	var b bytes.Buffer
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + v)
	}
	for _, p := range c.Params {
		add(p.Key, p.Value)
	}
	if peek.overflow || peek.Len() == 0 {
		return b.String()
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(peek.Bytes(), &fields) != nil {
		return b.String()
	}
	for _, k := range []string{"id", "case_no", "step_code", "code", "username", "department_code", "module", "revision", "action"} {
		raw, ok := fields[k]
		if !ok || c.Param(k) != "" {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		switch v := v.(type) {
		case string:
			add(k, v)
		case float64:
			add(k, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	return b.String()
}

// cappedBuffer keeps the first max bytes written to it and drops the rest,
// noting that it did; it never fails a write.
type cappedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// digestWriter hashes the response body on its way to the client.
type digestWriter struct {
	gin.ResponseWriter
	h hash.Hash
}

func (w *digestWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.h.Write(p[:n])
	return n, err
}

func (w *digestWriter) WriteString(s string) (int, error) {
	n, err := w.ResponseWriter.WriteString(s)
	w.h.Write([]byte(s[:n]))
	return n, err
}

// auditFilter reads the filters of GET /api/v1/audit.
func auditFilter(c *gin.Context) (compliance.AuditFilter, error) {
	f := compliance.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action")}
	if len(f.Actor) > 64 {
		return f, badRequest("invalid_filter", "actor 过长")
	}
	if len(f.Action) > 128 {
		return f, badRequest("invalid_filter", "action 过长")
	}
	p, err := readPage(c)
	if err != nil {
		return f, err
	}
	f.From, f.To, f.Limit, f.BeforeSeq = p.from, p.to, p.limit, p.cursor
	return f, nil
}

// listAudit answers GET /api/v1/audit: entries newest first, a page at a
// time → {items, next_cursor}.
func (s *Server) listAudit(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := s.svc.ListAudit(c.Request.Context(), account(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	writePage(c, items, f.Limit, func(e compliance.AuditEntry) int64 { return e.Seq })
}
