package httpapi_test

import (
	"strings"
	"testing"

	"powercheck/internal/apitest"
)

// TestPathAndQueryValues checks that path parameters and filters that no
// code, date or filter can be are refused alike on both databases: MySQL
// would otherwise find "ZJJ-2026-0001 " as "ZJJ-2026-0001".
func TestPathAndQueryValues(t *testing.T) {
	eachDistrict(t, func(t *testing.T, s *apitest.Server, tok map[string]string) {
		s.Must(201, "POST", "/api/v1/steps", tok[apitest.ZJJClerk],
			apitest.FirstStep("C1-accept", "ZJJ-2026-0001", "XK-001", "accept", "2026-03-02T09:30:00+08:00"))
		sup := tok[apitest.SupervisionToken]
		s.Must(200, "GET", "/api/v1/cases/ZJJ-2026-0001", sup, nil)
		s.Must(200, "GET", "/api/v1/warnings?department=ZJJ", sup, nil)

		for _, tt := range []struct{ name, path string }{
			{"case number with a trailing space", "/api/v1/cases/ZJJ-2026-0001%20"},
			{"case number with a leading tab", "/api/v1/cases/%09ZJJ-2026-0001"},
			{"department filter with a trailing space", "/api/v1/warnings?department=ZJJ%20"},
			{"case filter with a trailing space", "/api/v1/warnings?case_no=ZJJ-2026-0001%20"},
			{"department of the ledger with a newline", "/api/v1/ledgers/patrols?department=ZJJ%0A"},
			{"department of the statistics with a trailing space", "/api/v1/stats/warnings?department=ZJJ%20"},
			{"control character in a filter", "/api/v1/warnings?rule=deadline%01"},
			{"invalid UTF-8 in a filter", "/api/v1/warnings?rule=%FF%FE"},
			{"invalid UTF-8 in a path", "/api/v1/power-items/%FF"},
			{"an oversized filter", "/api/v1/warnings?rule=" + strings.Repeat("a", 3000)},
			{"an oversized path parameter", "/api/v1/cases/" + strings.Repeat("C", 3000)},
			{"a padded parameter name", "/api/v1/warnings?%20department=ZJJ"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := s.Do("GET", tt.path, sup, nil)
				apitest.WantCode(t, r, 400, "invalid_parameter")
				if !strings.Contains(string(r.Body), "参数") {
					t.Errorf("message %s: want a Chinese message naming the parameter", r.Body)
				}
			})
		}
		// A change through a padded path is refused before it runs.
		apitest.WantCode(t, s.Do("PATCH", "/api/v1/accounts/zjj-clerk%20", apitest.AdminToken, map[string]any{"disabled": true}), 400, "invalid_parameter")
		s.Must(200, "GET", "/api/v1/me", tok[apitest.ZJJClerk], nil)
	})
}
