package httpapi_test

import (
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

// TestDraftsAndRangesAreNotForEveryone: unpublished policy drafts are the
// legal affairs office's (and the admin's) to read, departments' IP ranges
// the admin's; every other account sees the modules in force and the
// departments' names.
func TestDraftsAndRangesAreNotForEveryone(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		s.Must(201, "POST", "/api/v1/departments", apitest.AdminToken, map[string]any{"code": "HBJ", "name": "区生态环境局",
			"allowed_cidrs": []string{"10.77.0.0/16"}})
		s.Must(200, "PUT", "/api/v1/policies/custom", tok[apitest.LegalToken], apitest.MarkerModule("草稿标记"))

		for _, tc := range []struct {
			who        string
			token      string
			seesDrafts bool
			seesRanges bool
		}{
			{"legal", tok[apitest.LegalToken], true, false},
			{"admin", apitest.AdminToken, true, true},
			{"clerk", tok[apitest.ZJJClerk], false, false},
			{"supervision", tok[apitest.SupervisionToken], false, false},
		} {
			t.Run(tc.who, func(t *testing.T) {
				pol := string(s.Must(200, "GET", "/api/v1/policies", tc.token, nil).Body)
				if got := strings.Contains(pol, "草稿标记"); got != tc.seesDrafts {
					t.Errorf("sees the draft: %v, want %v", got, tc.seesDrafts)
				}
				if !strings.Contains(pol, `"module":"deadline"`) {
					t.Errorf("the modules in force are not listed: %.300s", pol)
				}
				deps := string(s.Must(200, "GET", "/api/v1/departments", tc.token, nil).Body)
				if got := strings.Contains(deps, "10.77.0.0/16"); got != tc.seesRanges {
					t.Errorf("sees IP ranges: %v, want %v", got, tc.seesRanges)
				}
				if !strings.Contains(deps, "区生态环境局") {
					t.Errorf("department names are not listed: %.300s", deps)
				}
			})
		}
	})
}
