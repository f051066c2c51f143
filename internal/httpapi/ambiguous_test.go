package httpapi_test

import (
	"strings"
	"testing"
)

// TestAmbiguousKeysAreRefused: a body whose key appears twice, exactly or
// as a case variant, could be read one way by the handler and another by
// the audit log; it is refused and changes nothing. A lone case variant is
// decoded as the field it matches, and audited as that field.
func TestAmbiguousKeysAreRefused(t *testing.T) {
	t.Parallel()
	eachDriver(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn)
		tok := setupDistrict(t, s)

		r := s.do("POST", "/api/v1/accounts", adminToken,
			`{"username":"decoy","USERNAME":"hidden-admin2","real_name":"某人","role":"admin"}`)
		wantCode(t, r, 400, "duplicate_key")
		for _, u := range []string{"decoy", "hidden-admin2"} {
			wantCode(t, s.do("PATCH", "/api/v1/accounts/"+u, adminToken, map[string]any{"disabled": false}), 404, "account_not_found")
		}

		// The same trick on a step: the audit would name another case.
		body := `{"id":"amb-1","case_no":"ZJJ-AMB-1","CASE_NO":"ZJJ-AMB-2","power_item_code":"XK-001","applicant":"某公司",` +
			`"step_code":"accept","handler":"张三","occurred_at":"2026-03-02T09:30:00+08:00","legal_basis_ids":["LB1"]}`
		wantCode(t, s.do("POST", "/api/v1/steps", tok[zjjClerk], body), 400, "duplicate_key")
		for _, c := range []string{"ZJJ-AMB-1", "ZJJ-AMB-2"} {
			wantCode(t, s.do("GET", "/api/v1/cases/"+c, tok[zjjClerk], nil), 404, "case_not_found")
		}

		s.must(201, "POST", "/api/v1/accounts", adminToken, `{"USERNAME":"solo-clerk","real_name":"某人","role":"clerk","department_code":"ZJJ"}`)
		audit := s.must(200, "GET", "/api/v1/audit?action="+strings.ReplaceAll("POST /api/v1/accounts", " ", "%20")+"&limit=1", adminToken, nil)
		if !strings.Contains(string(audit.Body), `"subjects":"account:solo-clerk"`) {
			t.Errorf("the account made from a case-variant key is audited as %s", audit.Body)
		}
	})
}
