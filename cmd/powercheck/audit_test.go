package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/compliance"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// auditItem is an entry as GET /api/v1/audit answers it.
type auditItem struct {
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	Role           string    `json:"role"`
	IP             string    `json:"ip"`
	Action         string    `json:"action"`
	Target         string    `json:"target"`
	RequestDigest  string    `json:"request_digest"`
	ResponseDigest string    `json:"response_digest"`
	Subjects       string    `json:"subjects"`
	BeforeDigest   string    `json:"before_digest"`
	AfterDigest    string    `json:"after_digest"`
	PrevHash       string    `json:"prev_hash"`
	Hash           string    `json:"hash"`
}

type auditPage struct {
	Items      []auditItem `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// awaitAudit reads GET /api/v1/audit?query as admin until an entry matches
// or within has passed: an entry is written just after its answer. It
// returns the entries last read and the first that matched, if any.
func awaitAudit(t *testing.T, s *server, query string, within time.Duration, match func(auditItem) bool) ([]auditItem, *auditItem) {
	t.Helper()
	path := "/api/v1/audit"
	if query != "" {
		path += "?" + query
	}
	deadline := time.Now().Add(within)
	for {
		var page auditPage
		s.Must(200, "GET", path, apitest.AdminToken, nil).Decode(t, &page)
		if i := slices.IndexFunc(page.Items, match); i >= 0 {
			return page.Items, &page.Items[i]
		}
		if time.Now().After(deadline) {
			return page.Items, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// storedAuditRow reads the audit_log table directly, as an intruder would.
type storedAuditRow struct {
	Seq            int64
	LoggedAt       time.Time
	Actor          string
	Role           string
	IP             string
	Action         string
	Target         string
	RequestDigest  string
	ResponseDigest string
	Subjects       string
	BeforeDigest   string
	AfterDigest    string
	EffectsDigest  string
	PrevHash       string
	Hash           string
}

func auditRows(t *testing.T, st *sqlstore.Store) []storedAuditRow {
	t.Helper()
	var rows []storedAuditRow
	if err := st.DB().Table("audit_log").Order("seq").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// waitAuditRows waits for the table to hold want rows: an entry is written
// after its answer, which a client may read first when it is long.
func waitAuditRows(t *testing.T, st *sqlstore.Store, want int) []storedAuditRow {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rows := auditRows(t, st)
		if len(rows) == want || time.Now().After(deadline) {
			if len(rows) != want {
				t.Fatalf("audit_log holds %d rows, want %d", len(rows), want)
			}
			return rows
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// verifyAudit runs `powercheck audit verify --db dsn`.
func verifyAudit(dsn string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"audit", "verify", "--db", dsn}, &out, io.Discard)
	return out.String(), err
}

// auditChanges are the changes TestAuditLog's district makes: the first
// administrator, then 10 through the API.
const auditChanges = 11

func TestAuditLog(t *testing.T) {
	t.Parallel()
	sqlstoretest.EachDSN(t, func(t *testing.T, dsn string) {
		s, tok := startDistrict(t, dsn) // 2 departments, 5 accounts, 2 items
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk],
			apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		const changes = auditChanges

		st := sqlstoretest.Open(t, dsn)
		waitAuditRows(t, st, changes)

		t.Run("reads and refused requests add no entry", func(t *testing.T) {
			auditIgnoresReads(t, s, st, tok)
		})

		t.Run("lists changes newest first with who, role, address and what", func(t *testing.T) {
			auditListing(t, s, tok)
		})

		t.Run("pages with an opaque cursor", func(t *testing.T) {
			auditPaging(t, s)
		})

		t.Run("only admin and supervision read it", func(t *testing.T) {
			for _, token := range []string{tok[apitest.ZJJClerk], tok[apitest.ZJJAdmin], tok[apitest.LegalToken]} {
				s.Must(403, "GET", "/api/v1/audit", token, nil)
			}
		})

		t.Run("no token is stored", func(t *testing.T) {
			auditHoldsNoToken(t, st, tok)
		})

		t.Run("verify passes on the untouched log", func(t *testing.T) {
			out, err := verifyAudit(dsn)
			if err != nil || !strings.Contains(out, fmt.Sprintf("audit log intact: %d entries", changes)) {
				t.Fatalf("verify: %q, %v; want intact with %d entries", out, err, changes)
			}
		})

		original := auditRows(t, st)
		restore := func(t *testing.T) {
			t.Helper()
			db := st.DB()
			if err := db.Exec("DELETE FROM audit_log").Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Table("audit_log").Create(&original).Error; err != nil {
				t.Fatal(err)
			}
			if out, err := verifyAudit(dsn); err != nil {
				t.Fatalf("after restoring: %q, %v", out, err)
			}
		}
		for _, tc := range auditTamperCases {
			t.Run("verify names the entry after "+tc.name, func(t *testing.T) {
				defer restore(t)
				tamperAndVerify(t, st, dsn, tc.tamper, tc.want)
			})
		}

		t.Run("verify names the entry after an altered entry's hash was recomputed", func(t *testing.T) {
			defer restore(t)
			relinkAltered(t, st, dsn, original)
		})

		t.Run("new changes chain onto the restored log", func(t *testing.T) {
			s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "JYJ", "name": "区教育局"})
			waitAuditRows(t, st, changes+1)
			if out, err := verifyAudit(dsn); err != nil || !strings.Contains(out, fmt.Sprintf("intact: %d entries", changes+1)) {
				t.Errorf("verify: %q, %v", out, err)
			}
		})
	})
}

// auditTamperCases are changes made behind the server's back, each with
// the finding verify must name.
var auditTamperCases = []struct {
	name   string
	tamper []string
	want   string
}{
	{"an altered actor", []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 4"},
		"entry 4: hash mismatch (altered)"},
	{"a deleted middle entry", []string{"DELETE FROM audit_log WHERE seq = 5"},
		"entry 5: missing (deleted, or entries reordered)"},
	{"two entries' actions swapped", []string{
		"UPDATE audit_log SET action = 'x' WHERE seq = 3",
		"UPDATE audit_log SET action = 'POST /api/v1/departments' WHERE seq = 8",
		"UPDATE audit_log SET action = 'PUT /api/v1/power-items/:code' WHERE seq = 3"},
		"entry 3: hash mismatch (altered)"},
	{"two whole entries swapped", []string{
		"UPDATE audit_log SET seq = 0 WHERE seq = 6",
		"UPDATE audit_log SET seq = 6 WHERE seq = 7",
		"UPDATE audit_log SET seq = 7 WHERE seq = 0"},
		"entry 6: hash mismatch (altered)"},
	{"an entry's state digest rewritten", []string{
		"UPDATE audit_log SET before_digest = '" + strings.Repeat("0", 64) + "' WHERE seq = 7"},
		"entry 7: hash mismatch (altered)"},
	{"an entry whose link was rewritten", []string{
		"UPDATE audit_log SET prev_hash = '" + strings.Repeat("0", 64) + "' WHERE seq = 9"},
		"entry 9: hash mismatch (altered)"},
	{"the last entry deleted", []string{fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", auditChanges)},
		fmt.Sprintf("entry %d: missing", auditChanges)},
}

// auditHoldsNoToken checks that no token, nor a Bearer header, is stored in
// the log.
func auditHoldsNoToken(t *testing.T, st *sqlstore.Store, tok map[string]string) {
	var all strings.Builder
	for _, r := range auditRows(t, st) {
		fmt.Fprintf(&all, "%+v\n", r)
	}
	secrets := []string{apitest.AdminToken, "Bearer"}
	for _, v := range tok {
		secrets = append(secrets, v)
	}
	for _, secret := range secrets {
		if strings.Contains(all.String(), secret) {
			t.Errorf("audit_log contains %q", secret)
		}
	}
}

// auditPaging reads the log 3 entries at a time with its opaque cursor and
// checks that bad queries are refused.
func auditPaging(t *testing.T, s *server) {
	var seqs []int64
	path := "/api/v1/audit?limit=3"
	for range auditChanges {
		var page auditPage
		s.Must(200, "GET", path, apitest.AdminToken, nil).Decode(t, &page)
		for _, e := range page.Items {
			seqs = append(seqs, e.Seq)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/audit?limit=3&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	if len(seqs) != auditChanges || seqs[0] != auditChanges || seqs[auditChanges-1] != 1 {
		t.Errorf("paged seqs %v, want %d down to 1", seqs, auditChanges)
	}
	s.Must(400, "GET", "/api/v1/audit?cursor=bogus", apitest.AdminToken, nil)
	s.Must(400, "GET", "/api/v1/audit?limit=0", apitest.AdminToken, nil)
	s.Must(400, "GET", "/api/v1/audit?from=yesterday", apitest.AdminToken, nil)
}

// auditListing checks the log's entries, newest first, with who, role,
// address and what, and its filters.
func auditListing(t *testing.T, s *server, tok map[string]string) {
	var page auditPage
	s.Must(200, "GET", "/api/v1/audit", tok[apitest.SupervisionToken], nil).Decode(t, &page)
	if len(page.Items) != auditChanges || page.NextCursor != nil {
		t.Fatalf("%d items, next_cursor %v; want %d and none", len(page.Items), page.NextCursor, auditChanges)
	}
	for i, e := range page.Items {
		if e.Seq != int64(auditChanges-i) {
			t.Fatalf("item %d has seq %d, want %d (newest first)", i, e.Seq, auditChanges-i)
		}
		if e.Seq == 1 {
			continue // the system's entry, checked below
		}
		if e.IP != "127.0.0.1" || e.At.IsZero() || len(e.RequestDigest) != 64 || len(e.ResponseDigest) != 64 || len(e.Hash) != 64 {
			t.Errorf("entry %+v: want ip 127.0.0.1, a time and 64-hex digests", e)
		}
	}
	newest := page.Items[0]
	if newest.Actor != "zjj-clerk" || newest.Role != "clerk" || newest.Action != "POST /api/v1/steps" ||
		!strings.Contains(newest.Target, "id=C1-accept") || !strings.Contains(newest.Target, "case_no=ZJJ-2026-0001") {
		t.Errorf("step entry = %+v", newest)
	}
	oldest := page.Items[auditChanges-1]
	if oldest.Actor != "system" || oldest.Role != "system" || oldest.Action != "SYSTEM bootstrap" || oldest.IP != "" ||
		oldest.Subjects != "account:admin" || oldest.BeforeDigest != "" || len(oldest.AfterDigest) != 64 || oldest.PrevHash != "" {
		t.Errorf("first entry = %+v, want the system's creation of admin", oldest)
	}
	firstAPI := page.Items[auditChanges-2]
	if firstAPI.Actor != "admin" || firstAPI.Role != "admin" || firstAPI.Action != "POST /api/v1/departments" || firstAPI.Target != "code=ZJJ" ||
		firstAPI.PrevHash != oldest.Hash {
		t.Errorf("first API entry = %+v", firstAPI)
	}
	actions := map[string]int{}
	for _, e := range page.Items {
		actions[e.Action]++
	}
	want := map[string]int{"SYSTEM bootstrap": 1, "POST /api/v1/departments": 2, "POST /api/v1/accounts": 5, "PUT /api/v1/power-items/:code": 2, "POST /api/v1/steps": 1}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("actions %v, want %v", actions, want)
	}

	s.Must(200, "GET", "/api/v1/audit?actor=legal", apitest.AdminToken, nil).Decode(t, &page)
	if len(page.Items) != 2 || !strings.HasPrefix(page.Items[0].Target, "code=CF-001") || !strings.HasPrefix(page.Items[1].Target, "code=XK-001") {
		t.Errorf("actor=legal: %+v", page.Items)
	}
	s.Must(200, "GET", "/api/v1/audit?action="+url.QueryEscape("POST /api/v1/accounts"), apitest.AdminToken, nil).Decode(t, &page)
	if len(page.Items) != 5 {
		t.Errorf("action filter: %d items, want 5", len(page.Items))
	}
	s.Must(200, "GET", "/api/v1/audit?from=2000-01-01&to=2000-12-31", apitest.AdminToken, nil).Decode(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("a year with no auditChanges: %d items", len(page.Items))
	}
}

// relinkAltered alters an entry and recomputes its hash; verify must name
// the next entry, which no longer links to it.
func relinkAltered(t *testing.T, st *sqlstore.Store, dsn string, original []storedAuditRow) {
	r := original[4]
	e := compliance.AuditEntry{Seq: r.Seq, At: r.LoggedAt, Actor: "mallory", Role: compliance.Role(r.Role), IP: r.IP,
		Action: r.Action, Target: r.Target, RequestDigest: r.RequestDigest, ResponseDigest: r.ResponseDigest,
		Subjects: r.Subjects, BeforeDigest: r.BeforeDigest, AfterDigest: r.AfterDigest, EffectsDigest: r.EffectsDigest, PrevHash: r.PrevHash}
	if err := st.DB().Exec("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = ?", e.Actor, compliance.AuditHash(e), r.Seq).Error; err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("entry %d: does not link to entry %d", r.Seq+1, r.Seq)
	if out, err := verifyAudit(dsn); err == nil || !strings.Contains(out, want) {
		t.Errorf("verify: out %q, err %v; want a failure naming %q", out, err, want)
	}
}

// auditIgnoresReads makes reads and refused requests and checks that they
// add no entry.
func auditIgnoresReads(t *testing.T, s *server, st *sqlstore.Store, tok map[string]string) {
	s.Must(200, "GET", "/api/v1/departments", apitest.AdminToken, nil)
	s.Must(200, "GET", "/api/v1/audit", apitest.AdminToken, nil)
	s.Must(409, "POST", "/api/v1/departments", apitest.AdminToken, map[string]string{"code": "ZJJ", "name": "重复"})
	s.Must(400, "POST", "/api/v1/departments", apitest.AdminToken, "{not json")
	s.Must(403, "POST", "/api/v1/departments", tok[apitest.ZJJClerk], map[string]string{"code": "X1", "name": "越权"})
	s.Must(401, "POST", "/api/v1/departments", "wrong-token", map[string]string{"code": "X2", "name": "无令牌"})
	s.Must(422, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step("C1-bogus", "ZJJ-2026-0001", "no-such-step", "2026-03-03T09:30:00+08:00"))
	time.Sleep(100 * time.Millisecond) // an entry would be written right after its answer
	waitAuditRows(t, st, auditChanges)
}

// tamperAndVerify runs the tampering statements and checks that verify fails
// naming want.
func tamperAndVerify(t *testing.T, st *sqlstore.Store, dsn string, tamper []string, want string) {
	execAll(t, st, tamper...)
	out, err := verifyAudit(dsn)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(out, want) {
		t.Errorf("verify: out %q, err %v; want a failure naming %q", out, err, want)
	}
}
