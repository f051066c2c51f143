package httpapi_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// authenticationRead is a statement that authenticates a request: it reads
// an account by its token, a session, or a session's account.
var authenticationRead = regexp.MustCompile(`(?i)FROM\s+\S*(sessions\S*\s+WHERE\s+token_hash|accounts\S*\s+WHERE\s+(token_hash|id)\s*=)`)

// authenticating counts the statements of texts that authenticate a request.
func authenticating(texts []string) int64 {
	var n int64
	for _, q := range texts {
		if authenticationRead.MatchString(q) {
			n++
		}
	}
	return n
}

// stepsAs returns how the clerk of ZJJ submits a step: with its bearer
// token, or in a console session (with its CSRF token).
func stepsAs(t *testing.T, s *apitest.Server, tok map[string]string, client string) func(body map[string]any) {
	if client == "token" {
		return func(body map[string]any) { s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], body) }
	}
	b := s.FirstSignIn(t, "zjj-clerk", "Initial-Pass-2026", "Chosen-Pass-2026")
	return func(body map[string]any) {
		t.Helper()
		if r, _ := b.Do("POST", "/api/v1/steps", body, true); r.Status != 201 {
			t.Fatalf("POST /api/v1/steps in a session: %d %s", r.Status, r.Body)
		}
	}
}

// A client submitting steps one after another is authenticated from the
// database once, not on every step: the statements that POST /api/v1/steps
// sends, with the credential cache and without it, for a program (bearer
// token) and a person (session).
func TestStepStatements(t *testing.T) {
	t.Parallel()
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			const steps = 10
			for _, client := range []string{"token", "session"} {
				total := map[bool]int64{}
				for _, remembered := range []bool{false, true} {
					// An hour rather than serve's two seconds: on a loaded
					// machine the steps may take longer than that, and a
					// read then is as it should be.
					ttl := time.Duration(-1)
					if remembered {
						ttl = time.Hour
					}
					var count *sqlstoretest.Statements
					s := startServerWith(t, d.DSN(t), wiring{credentialTTL: ttl,
						opened: func(st *sqlstore.Store) { count = sqlstoretest.CountStatements(t, st) }})
					submit := stepsAs(t, s, s.SetupDistrict(t), client)
					// The district's first step reads what every step
					// shares (the item, the department, the credential).
					submit(apitest.FirstStep("warm", "ZJJ-2026-9000", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
					count.Start()
					for i := range steps {
						caseNo := fmt.Sprintf("ZJJ-2026-%04d", i+1)
						submit(apitest.FirstStep(caseNo+"-accept", caseNo, "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
					}
					all, auth := count.Stop().Statements(), authenticating(count.Texts())
					total[remembered] = all
					t.Logf("%s, remembered %v: %d statements for %d steps (%.1f a step), %d of them authenticating",
						client, remembered, all, steps, float64(all)/steps, auth)
					switch {
					case !remembered && auth < steps:
						t.Errorf("%s, not remembered: %d authenticating reads for %d steps, want at least one a step: is the count blind?", client, auth, steps)
					case remembered && auth != 0:
						t.Errorf("%s, remembered: %d authenticating reads for %d steps, want none", client, auth, steps)
					}
				}
				if total[true] >= total[false] {
					t.Errorf("%s: %d statements remembered, %d not: want fewer", client, total[true], total[false])
				}
			}
		})
	}
}

// stepAndCaseRead is the audit's read of a step and its case, in one
// statement (sqlstore's stepAndCaseState).
var stepAndCaseRead = regexp.MustCompile(`pc_state_split.*LEFT JOIN steps`)

// A step's change does not read its step and its case before the handler
// runs: its state before is the case as the service read it to check the
// step (compliance.AuditIntent.BeforeAsRead). A step stored alone is still
// read once after its commit, for the state after.
func TestStepStateBeforeAsRead(t *testing.T) {
	t.Parallel()
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			var count *sqlstoretest.Statements
			s := startServerWith(t, d.DSN(t), wiring{opened: func(st *sqlstore.Store) { count = sqlstoretest.CountStatements(t, st) }})
			tok := s.SetupDistrict(t)
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.FirstStep("C-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
			count.Start()
			s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk], apitest.Step("C-review", "ZJJ-2026-0001", "review", "2026-03-03T09:30:00+08:00"))
			count.Stop()
			reads := 0
			for _, q := range count.Texts() {
				if stepAndCaseRead.MatchString(q) {
					reads++
				}
			}
			if reads != 1 {
				t.Errorf("%d reads of the step and its case for a later step, want 1 (after it):\n%v", reads, count.Texts())
			}
		})
	}
}
