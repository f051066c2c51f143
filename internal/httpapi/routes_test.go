package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"powercheck/internal/compliance"
)

// TestRouteTableComplete enumerates the route table: every route names an
// action of compliance's table, every change its audit subjects or why it
// has none, and no route is declared twice. New refuses a table that is not.
func TestRouteTableComplete(t *testing.T) {
	t.Parallel()
	table := apiRoutes()
	if len(table) == 0 {
		t.Fatal("empty route table")
	}
	if err := checkRoutes(table); err != nil {
		t.Fatal(err)
	}
	for _, r := range table {
		if !strings.HasPrefix(r.path, "/") {
			t.Errorf("%s: path %q is not under %s/", r.key(), r.path, apiPrefix)
		}
	}
}

// TestCheckRoutesRefuses shows that an incomplete entry cannot reach a
// running server.
func TestCheckRoutesRefuses(t *testing.T) {
	t.Parallel()
	h := func(*gin.Context) {}
	subjects := param(compliance.SubjectItem, "code")
	for _, tt := range []struct {
		name  string
		table []route
		want  string
	}{
		{"a change without audit subjects", []route{change(http.MethodPut, "/x/:code", compliance.ActSaveItem, nil, h)},
			"must name its audit subjects"},
		{"a change with both", []route{{method: http.MethodPost, path: "/x", action: compliance.ActRunJobs, subjects: subjects, noSubjects: "bulk", handlers: []gin.HandlerFunc{h}}},
			"audit subjects and a reason"},
		{"a read with audit subjects", []route{{method: http.MethodGet, path: "/x", action: compliance.ActReadCases, subjects: subjects, handlers: []gin.HandlerFunc{h}}},
			"a read has no audit subjects"},
		{"no action", []route{read("/x", "", h)}, "is not in compliance's authorization table"},
		{"an unknown action", []route{read("/x", "no_such_action", h)}, "is not in compliance's authorization table"},
		{"no handler", []route{read("/x", compliance.ActReadCases)}, "no handler"},
		{"declared twice", []route{read("/x", compliance.ActReadCases, h), read("/x", compliance.ActReadCases, h)}, "declared twice"},
		{"an open route with an action", []route{{method: http.MethodGet, path: "/x", open: true, action: compliance.ActReadCases, handlers: []gin.HandlerFunc{h}}},
			"an open route takes no action"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRoutes(tt.table)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("checkRoutes = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// TestNewServesTheTable: every route of the table is registered, and
// Permissions lists every one but the open routes.
func TestNewServesTheTable(t *testing.T) {
	t.Parallel()
	h, err := New(Services{}, nil, nil, nil, Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, ri := range h.(*gin.Engine).Routes() {
		served[ri.Method+" "+ri.Path] = true
	}
	perms := Permissions()
	for _, r := range apiRoutes() {
		if !served[r.key()] {
			t.Errorf("%s is in the table but not served", r.key())
		}
		if _, ok := perms[r.key()]; ok == r.open {
			t.Errorf("%s: in Permissions %v, open %v", r.key(), ok, r.open)
		}
	}
	if got, want := len(Routes(h)), len(perms); got != want {
		t.Errorf("Routes lists %d routes, Permissions %d", got, want)
	}
}
