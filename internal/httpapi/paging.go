package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"powercheck/internal/calendar"
	"powercheck/internal/compliance"
)

// page holds the parameters every cursor listing takes: a period (from, to),
// a page size (limit, default 50) and where to continue (cursor).
type page struct {
	from, to time.Time
	limit    int
	cursor   int64 // 0: from the start
}

// readPage reads the parameters of a listing whose cursor is an id (or a
// sequence number).
func readPage(c *gin.Context) (page, error) {
	p, err := readPeriod(c)
	if err != nil {
		return p, err
	}
	if cur := c.Query("cursor"); cur != "" {
		if p.cursor, err = decodeCursor(cur); err != nil {
			return p, badRequest("invalid_cursor", "cursor 无效")
		}
	}
	return p, nil
}

// readPeriod reads the period and the page size of a listing, leaving its
// cursor to the caller.
func readPeriod(c *gin.Context) (page, error) {
	p := page{limit: 50}
	var err error
	if p.from, err = parseBound(c.Query("from"), false); err != nil {
		return p, badRequest("invalid_filter", "from 须为 YYYY-MM-DD 或 RFC 3339 时间")
	}
	if p.to, err = parseBound(c.Query("to"), true); err != nil {
		return p, badRequest("invalid_filter", "to 须为 YYYY-MM-DD 或 RFC 3339 时间")
	}
	if l := c.Query("limit"); l != "" {
		if p.limit, err = strconv.Atoi(l); err != nil || p.limit < 1 || p.limit > compliance.MaxPageSize {
			return p, badRequest("invalid_limit", "limit 须为 1–%d 之间的整数", compliance.MaxPageSize)
		}
	}
	return p, nil
}

// periodRequest is a body that names a period: {from, to}.
type periodRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// parseBound reads a date (a whole day in Asia/Shanghai; an upper bound
// includes that day) or a timestamp.
func parseBound(s string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) == len(time.DateOnly) {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return time.Time{}, err
		}
		if upper {
			return d.End(), nil
		}
		return d.Start(), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// A cursor is opaque to clients: base64url of "w1:<id>" for listings in id
// (or sequence) order, or of "w2:<created_at in Unix ns>:<id>" for warning
// lists with a time window, which run in recording-time order.
const (
	cursorPrefix     = "w1:"
	timeCursorPrefix = "w2:"
)

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, strconv.ErrSyntax
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0, strconv.ErrSyntax
	}
	return id, nil
}

// encodeTimeCursor keeps created_at to the nanosecond: the keyset compares
// it for equality with the stored value.
func encodeTimeCursor(k compliance.WarningKey) string {
	return encodeKeyCursor(timeCursorPrefix, formatUnixNano(k.CreatedAt), strconv.FormatInt(k.ID, 10))
}

func decodeTimeCursor(s string) (compliance.WarningKey, error) {
	ns, id, err := decodeKeyCursor(s, timeCursorPrefix)
	if err != nil {
		return compliance.WarningKey{}, err
	}
	t, err1 := parseUnixNano(ns)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return compliance.WarningKey{}, strconv.ErrSyntax
	}
	return compliance.WarningKey{CreatedAt: t, ID: n}, nil
}

// encodeKeyCursor makes the opaque cursor of a listing ordered by a
// two-part key: base64url of prefix, first, ":" and second. prefix names
// the listing and the cursor's version ("c1:", "w2:").
func encodeKeyCursor(prefix, first, second string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + first + ":" + second))
}

// decodeKeyCursor splits a cursor of encodeKeyCursor made with prefix into
// its parts; the second may hold colons. The parts are the caller's to
// parse.
func decodeKeyCursor(s, prefix string) (first, second string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", err
	}
	rest, ok := strings.CutPrefix(string(b), prefix)
	if !ok {
		return "", "", strconv.ErrSyntax
	}
	if first, second, ok = strings.Cut(rest, ":"); !ok {
		return "", "", strconv.ErrSyntax
	}
	return first, second, nil
}

// formatUnixNano and parseUnixNano write an instant into a cursor and read
// it back, to the nanosecond, in UTC.
func formatUnixNano(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func parseUnixNano(s string) (time.Time, error) {
	ns, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, ns).UTC(), nil
}

// respondPage answers one page of a listing in id (or sequence) order →
// {items, next_cursor}, or err when reading it failed (see respond); a full
// page gets a cursor that continues after its last item.
func respondPage[T any](c *gin.Context, items []T, err error, limit int, key func(T) int64) {
	respondCursorPage(c, items, err, limit, func(v T) string { return encodeCursor(key(v)) })
}

// respondCursorPage is respondPage with the cursor of the last item made by
// cursor.
func respondCursorPage[T any](c *gin.Context, items []T, err error, limit int, cursor func(T) string) {
	if err != nil {
		fail(c, err)
		return
	}
	var next *string
	if len(items) == limit && limit > 0 {
		cur := cursor(items[len(items)-1])
		next = &cur
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": next})
}

// readLimit reads the page size of a listing whose rows are large (a
// case's steps, item versions): def when absent, at most most.
func readLimit(c *gin.Context, def, most int) (int, error) {
	l := c.Query("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > most {
		return 0, badRequest("invalid_limit", "limit 须为 1–%d 之间的整数", most)
	}
	return n, nil
}

// queryFlag reads the two-valued query parameter name: true for on, false
// for off or when it is absent; any other value is refused.
func queryFlag(c *gin.Context, name, on, off string) (bool, error) {
	switch c.Query(name) {
	case "", off:
		return false, nil
	case on:
		return true, nil
	}
	return false, badRequest("invalid_filter", "%s 须为 %s 或 %s", name, on, off)
}

// readSmallPage reads the page size (see readLimit) and the id cursor of a
// listing whose rows are large.
func readSmallPage(c *gin.Context, def, most int) (limit int, cursor int64, err error) {
	if limit, err = readLimit(c, def, most); err != nil {
		return 0, 0, err
	}
	if cur := c.Query("cursor"); cur != "" {
		if cursor, err = decodeCursor(cur); err != nil {
			return 0, 0, badRequest("invalid_cursor", "cursor 无效")
		}
	}
	return limit, cursor, nil
}
