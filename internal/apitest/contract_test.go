package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a test whose contract failures are kept, not reported.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

// TestContractReportsBreaches proves that the checker catches an answer the
// description does not allow and lets a described one through.
func TestContractReportsBreaches(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"ok"}`)
		case "/api/v1/undescribed":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{}`)
		case "/readyz":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "ready")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tests := []struct {
		path string
		want string // part of the failure, "" for none
	}{
		{"/healthz", ""},
		{"/api/v1/nowhere", ""}, // 404: a route that does not exist
		{"/api/v1/undescribed", "has no operation in the description"},
		{"/readyz", `content type "text/plain" is not described`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := &recorder{TB: t}
			WatchContract(rec, srv.URL)
			(&Server{T: t, Base: srv.URL}).Do("GET", tt.path, "", nil)
			switch {
			case tt.want == "" && len(rec.failed) > 0:
				t.Errorf("failures %q, want none", rec.failed)
			case tt.want != "" && (len(rec.failed) != 1 || !strings.Contains(rec.failed[0], tt.want)):
				t.Errorf("failures %q, want one with %q", rec.failed, tt.want)
			}
		})
	}
}
