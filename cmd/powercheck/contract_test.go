package main

import (
	"bytes"
	"net/http"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"powercheck/internal/apitest"
	"powercheck/internal/httpapi"
)

// TestMain has every exchange of the end-to-end tests with a server of
// startServer checked against the OpenAPI description (apitest's
// contract), whichever client a test uses.
func TestMain(m *testing.M) {
	http.DefaultTransport = apitest.ContractTransport(http.DefaultTransport)
	shareBootstrapToken()
	os.Exit(m.Run())
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// TestOpenAPICoversEveryRoute proves that every route the server registers
// has an operation in the description and every operation a route.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	h, err := httpapi.New(httpapi.Services{}, nil, nil, nil, httpapi.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	var routes, ops []string
	for _, ri := range h.(*gin.Engine).Routes() {
		routes = append(routes, ri.Method+" "+ginParam.ReplaceAllString(ri.Path, "{$1}"))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	for _, r := range routes {
		if !slices.Contains(ops, r) {
			t.Errorf("route %s has no operation in the description", r)
		}
	}
	for _, o := range ops {
		if !slices.Contains(routes, o) {
			t.Errorf("operation %s has no route", o)
		}
	}
}

// TestOpenAPIServed proves that the description and its page are served
// without an account, and that the description is what the tests check.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	s := startServer(t, "sqlite:"+t.TempDir()+"/pc.db")
	r := s.Must(200, "GET", "/api/v1/openapi.json", "", nil)
	want, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Body, want) {
		t.Errorf("served description differs from the embedded one")
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.OpenAPI; got != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", got)
	}
	page := s.Must(200, "GET", "/api/v1/docs", "", nil)
	for _, want := range []string{"/api/v1/steps", "/api/public/v1/items", "提交环节记录"} {
		if !bytes.Contains(page.Body, []byte(want)) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	if bytes.Contains(page.Body, []byte("<script")) {
		t.Errorf("docs page carries a script")
	}
}
