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
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// auditPeekBytes is how much of a response body is kept to read the id of
// what a change created; the digest covers the whole body whatever its size.
const auditPeekBytes = 64 << 10

// audit records every change made through the API: a request other than
// GET or HEAD that was answered 2xx. The entry says what was asked (the
// request body's digest), what was answered (the response body's digest),
// never headers, so never the token, and the stored state of the objects
// the route touches (the route table's subjects) read just before the handler runs (for
// a step, as the handler reads them: route.beforeAsRead) and as the change committed
// them (see compliance.AuditEntry). The followed objects the change wrote besides
// (the warnings a step raised, say) are noted as the store writes them
// (TrackWrites) and recorded with their state after it.
//
// Each transaction of the change writes the change's audit intent (what
// the entry will say, and the keys of the objects written) before it
// commits (see compliance.AuditIntent). The entry is queued after the
// change was committed, removing the intent in the same transaction (the
// sequencer chains it, see compliance.AuditSequencer): if writing it fails,
// or the node stops before, the change stands (the caller may have its
// answer) and the sequencer completes the entry from the intent later. When
// the state before cannot be read, the change is refused: it could not be
// recorded as the log promises. So is a change whose objects' turn (see
// subjectLocks) does not come within the wait: changes to one object take
// turns on every node, so that each entry's before is the last one's after.
func (s *Server) audit(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Next()
		return
	}
	ch := readChange(c)
	if ch.readBefore {
		unlock, ok := s.stateBefore(c, ch)
		if !ok {
			return
		}
		defer unlock()
	}
	s.watchAnswer(c, ch)

	c.Next()

	c.Writer = ch.answer.ResponseWriter
	s.recordChange(c, ch)
}

// auditedChange is what the audit learns of one change on its way through.
type auditedChange struct {
	route    string // "METHOD /api/v1/path"
	rt       *route
	req      auditRequest
	reqHash  [sha256.Size]byte
	subjects []compliance.AuditSubject
	// readBefore: the route names subjects and the body could be read, so
	// their state before the change was read.
	readBefore bool
	before     string
	answer     *digestWriter
	written    compliance.Written
}

// readChange reads the request's body, leaving it to be read again by
// the handler (with the read's error, if any, at its end).
func readChange(c *gin.Context) *auditedChange {
	body, readErr := io.ReadAll(c.Request.Body) // already limited by limitBody
	c.Request.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
	rt := routeOf(c)
	return &auditedChange{route: c.Request.Method + " " + c.FullPath(), rt: rt,
		req: auditRequest{c: c, body: topLevelFields(body)}, reqHash: sha256.Sum256(body),
		readBefore: rt.subjects != nil && readErr == nil}
}

// stateBefore waits for the change's subjects' turn and reads their state.
// When either fails it answers the request and returns false: the change
// is refused.
func (s *Server) stateBefore(c *gin.Context, ch *auditedChange) (unlock func(), ok bool) {
	ch.subjects = ch.rt.subjects(ch.req)
	unlock, err := s.subjectLocks.lock(c.Request.Context(), ch.subjects)
	if err != nil {
		fail(c, s.subjectLocks.lockFailure(ch.subjects, err))
		c.Abort()
		return nil, false
	}
	if ch.rt.beforeAsRead {
		return unlock, true // the store notes it as the handler reads (subjectsAfter)
	}
	if ch.before, err = s.auditLog.StateDigest(c.Request.Context(), ch.subjects); err != nil {
		unlock()
		s.log.ErrorContext(c.Request.Context(), "audit: state before a change not read; change refused",
			"error", err, "action", ch.route, "subjects", compliance.FormatSubjects(ch.subjects))
		fail(c, beforeFailure(err))
		c.Abort()
		return nil, false
	}
	return unlock, true
}

// beforeFailure is the answer to a change whose subjects' state could not
// be read: a database that is down says so (database_unavailable, as every
// other request gets while it is down); anything else is the audit's.
func beforeFailure(err error) error {
	if compliance.ClassOf(err) == compliance.ClassUnavailable {
		return err
	}
	return compliance.Errorf(compliance.ClassUnavailable, "audit_unavailable", "审计日志暂不可用，未作任何更改，请稍后重试")
}

// watchAnswer digests the answer as it goes out and notes the followed
// objects the change writes; each transaction of the change writes its
// audit intent (see compliance.AuditIntent).
func (s *Server) watchAnswer(c *gin.Context, ch *auditedChange) {
	ch.answer = &digestWriter{ResponseWriter: c.Writer, h: sha256.New(), peek: &cappedBuffer{max: auditPeekBytes}}
	c.Writer = ch.answer
	a := account(c)
	in := compliance.AuditIntent{Actor: a.Username, Role: a.Role, IP: c.ClientIP(), Action: ch.route,
		Target: auditTarget(c, ch.req.body), RequestDigest: hex.EncodeToString(ch.reqHash[:]), Subjects: ch.subjects,
		BeforeDigest: ch.before, BeforeAsRead: ch.readBefore && ch.rt.beforeAsRead}
	if ch.rt.secret {
		in.RequestDigest = ""
	}
	tracked, written := s.auditLog.TrackChange(c.Request.Context(), in)
	ch.written = written
	c.Request = c.Request.WithContext(tracked)
}

// recordChange records the entry of a change that was answered.
func (s *Server) recordChange(c *gin.Context, ch *auditedChange) {
	// The change is committed: record it even if the client has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 15*time.Second)
	defer cancel()
	objects, err := ch.written(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "audit: objects a change wrote not read; recorded without them", "error", err, "action", ch.route)
	}
	// A refused change is not recorded, unless it stored something before
	// it failed (a sweep whose first batches were committed, say).
	succeeded := c.Writer.Status() >= 200 && c.Writer.Status() <= 299
	if !succeeded && len(objects) == 0 {
		if err := s.auditLog.DropChange(ctx); err != nil {
			s.log.ErrorContext(ctx, "audit: intent of a refused change not removed; recovery will record it", "error", err, "action", ch.route)
		}
		return
	}
	a := account(c)
	e := compliance.AuditEntry{
		Actor:          a.Username,
		Role:           a.Role,
		IP:             c.ClientIP(),
		Action:         ch.route,
		Target:         auditTarget(c, ch.req.body),
		RequestDigest:  hex.EncodeToString(ch.reqHash[:]),
		ResponseDigest: hex.EncodeToString(ch.answer.h.Sum(nil)),
		Effects:        compliance.WrittenEffects(objects),
	}
	if ch.rt.secret {
		e.RequestDigest = ""
	}
	if ch.rt.subjects != nil && succeeded {
		s.subjectsAfter(ctx, ch, &e)
	}
	if _, err := s.auditLog.RecordAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit entry not recorded; the change it describes was committed",
			"error", err, "actor", e.Actor, "role", e.Role, "ip", e.IP, "action", e.Action, "target", e.Target,
			"request_digest", e.RequestDigest, "response_digest", e.ResponseDigest, "subjects", e.Subjects,
			"before_digest", e.BeforeDigest, "after_digest", e.AfterDigest, "effects", len(e.Effects), "status", c.Writer.Status())
	}
}

// subjectsAfter sets the subjects of a change that succeeded in e, with
// their state before and after it.
func (s *Server) subjectsAfter(ctx context.Context, ch *auditedChange, e *compliance.AuditEntry) {
	// Resolved again: what a change created is named by its answer.
	ch.req.resp = topLevelFields(ch.answer.peek.Bytes())
	after := ch.rt.subjects(ch.req)
	e.Subjects = compliance.FormatSubjects(after)
	e.BeforeDigest = ch.before
	var err error
	if e.AfterDigest, err = s.auditLog.StateDigest(ctx, after); err != nil {
		s.log.ErrorContext(ctx, "audit: state after a change not read; recorded without it", "error", err,
			"action", ch.route, "subjects", e.Subjects)
	}
	switch {
	case !ch.readBefore:
		// The body could not be read, so the state before was not: the
		// entry says nothing of it.
	case ch.rt.beforeAsRead:
		// As the change's committed intent says ("" if it could not say);
		// a change that committed nothing (a replay) left its subjects as
		// they are after it.
		var committed bool
		if e.BeforeDigest, committed = s.auditLog.ChangeBefore(ctx); !committed {
			e.BeforeDigest = e.AfterDigest
		}
	case !slices.Equal(ch.subjects, after):
		// The change created what its answer names: nothing of it was
		// stored before.
		e.BeforeDigest = compliance.AbsentStateDigest(after)
	}
}

// errReader answers err once the body it follows is read; nil means EOF.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// auditTarget names what a change touched: the route's parameters, then
// the identifying fields of a JSON request body, when it has them.
func auditTarget(c *gin.Context, body map[string]string) string {
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
	for _, k := range []string{"id", "case_no", "step_code", "code", "username", "department_code", "module", "revision", "action"} {
		if c.Param(k) == "" {
			add(k, body[k])
		}
	}
	return b.String()
}

// topLevelFields reads the string and number members of a JSON object, as
// text, up to where the data ends or stops being JSON: a response kept only
// in part still yields the members before the cut. Nested values are
// skipped: scanned as raw JSON, not decoded, since a batch's steps are
// most of its body.
func topLevelFields(data []byte) map[string]string {
	out := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return out
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out
		}
		addField(out, key, raw)
	}
	return out
}

// addField adds a member to topLevelFields' out when it is a string or a
// number, keyed as the decoder matches keys (case-insensitively): bodies
// with two variants of one key are refused before any handler.
func addField(out map[string]string, key string, raw json.RawMessage) {
	switch {
	case len(raw) == 0:
	case raw[0] == '"':
		var v string
		if json.Unmarshal(raw, &v) == nil {
			out[foldKey(key)] = v
		}
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		out[foldKey(key)] = string(raw) // a number's text, as written
	}
}

// cappedBuffer keeps the first max bytes written to it and drops the rest;
// it never fails a write.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// digestWriter hashes the response body on its way to the client and keeps
// its beginning.
type digestWriter struct {
	gin.ResponseWriter
	h    hash.Hash
	peek *cappedBuffer
}

func (w *digestWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.h.Write(p[:n])
	w.peek.Write(p[:n])
	return n, err
}

func (w *digestWriter) WriteString(s string) (int, error) {
	n, err := w.ResponseWriter.WriteString(s)
	w.h.Write([]byte(s[:n]))
	w.peek.Write([]byte(s[:n]))
	return n, err
}

// auditAPI reads the audit log and verifies its chain.
type auditAPI struct {
	auditLog *compliance.Audit
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

// list answers GET /api/v1/audit: entries newest first, a page at a
// time → {items, next_cursor}.
func (h *auditAPI) list(c *gin.Context) {
	f, err := auditFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, err := h.auditLog.ListAudit(c.Request.Context(), account(c), f)
	respondPage(c, items, err, f.Limit, func(e compliance.AuditEntry) int64 { return e.Seq })
}

// verify answers GET /api/v1/audit/verify: whether the log's chain and
// checkpoints hold.
func (h *auditAPI) verify(c *gin.Context) {
	v, err := h.auditLog.VerifyAuditLog(c.Request.Context(), account(c))
	respond(c, http.StatusOK, v, err)
}
