package compliance

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of what one stored column holds. MySQL's TEXT holds 65,535 bytes,
// where SQLite takes any length: a value past it would be refused on one
// database and stored on the other, so it is refused on both, before it is
// stored.
const (
	// MaxTextBytes bounds free text stored in a TEXT column.
	MaxTextBytes = 65535
	// MaxJSONBytes bounds a list or document stored as JSON in a TEXT
	// column, leaving room for the store's own encoding of it.
	MaxJSONBytes = 65000
)

// MaxAmount bounds a discretion amount (一万亿元): beyond any fine or fee,
// and exact in a float64.
const MaxAmount = 1e12

// cleanText reports whether s is valid UTF-8 without control characters.
// Multi-line text may hold line breaks and tabs; one line holds neither, nor
// the Unicode line and paragraph separators.
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			return false
		}
	}
	return true
}

// checkChars records in v that free text s of field (named name in the
// message) holds what text may not.
func checkChars(v *Validation, field, name, s string, multiline bool) {
	switch {
	case cleanText(s, multiline):
	case multiline:
		v.Add(field, "%s不能包含控制字符（换行和制表符除外）", name)
	default:
		v.Add(field, "%s不能包含控制字符或换行", name)
	}
}

// checkRequiredLine records in v that one-line text s of field (named name
// in the character message) is blank or longer than most characters, with
// the message format and args, or holds what text may not.
func checkRequiredLine(v *Validation, field, name, s string, most int, format string, args ...any) {
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); n == 0 || n > most {
		v.Add(field, format, args...)
	}
	checkChars(v, field, name, s, false)
}

// jsonSize is the length of v encoded as the store encodes JSON columns
// (encoding/json, which escapes <, > and & as six bytes each).
func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return MaxJSONBytes + 1 // not storable either
	}
	return len(b)
}

// CheckNote validates a free-text note of at most limit characters, such as
// a revision's or an approval's, with a ClassInvalid invalid_note error.
func CheckNote(note string, limit int) error {
	var v Validation
	if utf8.RuneCountInString(note) > limit {
		v.Add("note", "说明不超过 %d 字", limit)
	}
	checkChars(&v, "note", "说明", note, true)
	return v.Err("invalid_note", "说明不合法")
}
