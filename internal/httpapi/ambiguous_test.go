package httpapi_test

import (
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

// TestAmbiguousKeysAreRefused: a body whose key appears twice, exactly or
// as a case variant, could be read one way by the handler and another by
// the audit log; it is refused and changes nothing. A lone case variant is
// decoded as the field it matches, and audited as that field.
func TestAmbiguousKeysAreRefused(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {

		r := s.Do("POST", "/api/v1/accounts", apitest.AdminToken,
			`{"username":"decoy","USERNAME":"hidden-admin2","real_name":"某人","role":"admin"}`)
		apitest.WantCode(t, r, 400, "duplicate_key")
		for _, u := range []string{"decoy", "hidden-admin2"} {
			apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/"+u, apitest.AdminToken, map[string]any{"disabled": false}), 404, "account_not_found")
		}

		// The same trick on a step: the audit would name another case.
		body := `{"id":"amb-1","case_no":"ZJJ-AMB-1","CASE_NO":"ZJJ-AMB-2","power_item_code":"XK-001","applicant":"某公司",` +
			`"step_code":"accept","handler":"张三","occurred_at":"2026-03-02T09:30:00+08:00","legal_basis_ids":["LB1"]}`
		apitest.WantCode(t, s.Do("POST", "/api/v1/steps", tok[apitest.ZJJClerk], body), 400, "duplicate_key")
		for _, c := range []string{"ZJJ-AMB-1", "ZJJ-AMB-2"} {
			apitest.WantCode(t, s.Do("GET", "/api/v1/cases/"+c, tok[apitest.ZJJClerk], nil), 404, "case_not_found")
		}

		s.Must(201, "POST", "/api/v1/accounts", apitest.AdminToken, `{"USERNAME":"solo-clerk","real_name":"某人","role":"clerk","department_code":"ZJJ"}`)
		audit := s.Must(200, "GET", "/api/v1/audit?action="+strings.ReplaceAll("POST /api/v1/accounts", " ", "%20")+"&limit=1", apitest.AdminToken, nil)
		if !strings.Contains(string(audit.Body), `"subjects":"account:solo-clerk"`) {
			t.Errorf("the account made from a case-variant key is audited as %s", audit.Body)
		}
	})
}
