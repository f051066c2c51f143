package httpapi

import (
	"testing"

	"powercheck/internal/compliance"
)

// FuzzCursor decodes a client's cursor as each listing does. A cursor
// either is refused or decodes to a key that encodes back to a cursor
// decoding to the same key; nothing panics.
func FuzzCursor(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := decodeCursor(s); err == nil {
			if id <= 0 {
				t.Fatalf("decodeCursor(%q) = %d", s, id)
			}
			if again, err := decodeCursor(encodeCursor(id)); err != nil || again != id {
				t.Fatalf("id cursor %d: round trip gave %d, %v", id, again, err)
			}
		}
		if k, err := decodeTimeCursor(s); err == nil {
			again, err := decodeTimeCursor(encodeTimeCursor(k))
			if err != nil || !again.CreatedAt.Equal(k.CreatedAt) || again.ID != k.ID {
				t.Fatalf("time cursor %+v: round trip gave %+v, %v", k, again, err)
			}
		}
		if k, err := decodeCaseCursor(s); err == nil {
			if k.CaseNo == "" {
				t.Fatalf("decodeCaseCursor(%q): empty case number", s)
			}
			again, err := decodeCaseCursor(encodeCaseCursor(k))
			if err != nil || !again.AcceptedAt.Equal(k.AcceptedAt) || again.CaseNo != k.CaseNo {
				t.Fatalf("case cursor %+v: round trip gave %+v, %v", k, again, err)
			}
		}
		// What the server makes decodes back to what it was made of.
		if s != "" {
			k := compliance.CaseKey{CaseNo: s}
			if got, err := decodeCaseCursor(encodeCaseCursor(k)); err != nil || got.CaseNo != s {
				t.Fatalf("case number %q: round trip gave %q, %v", s, got.CaseNo, err)
			}
		}
	})
}
