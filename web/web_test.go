package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var built = fstest.MapFS{
	"index.html":              {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc123.js"></script><link rel="stylesheet" href="/assets/index-def456.css">`)},
	"assets/index-abc123.js":  {Data: bytes.Repeat([]byte("console.log('控制台');\n"), 200)},
	"assets/index-def456.css": {Data: bytes.Repeat([]byte("body{margin:0}\n"), 100)},
	"assets/lazy-789.js":      {Data: bytes.Repeat([]byte("export const x = 1;\n"), 100)},
	"favicon.svg":             {Data: []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")},
}

func get(t *testing.T, c *Console, method, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	return w.Result()
}

func TestConsoleServing(t *testing.T) {
	c := FromFS(built)
	if !c.Built() {
		t.Fatal("a build with index.html is not Built")
	}
	for _, tc := range []struct {
		method, path string
		gzip         bool
		status       int
		wantType     string
		wantCache    string
		wantBody     string
	}{
		{"GET", "/", false, 200, "text/html", "no-cache", "index-abc123.js"},
		{"GET", "/cases/ZJJ-2026-0001", false, 200, "text/html", "no-cache", "index-abc123.js"}, // history-mode fallback
		{"GET", "/assets/index-abc123.js", true, 200, "text/javascript", "public, max-age=31536000, immutable", "控制台"},
		{"GET", "/assets/index-def456.css", false, 200, "text/css", "public, max-age=31536000, immutable", "margin"},
		{"GET", "/favicon.svg", false, 200, "image/svg+xml", "no-cache", "svg"},
		{"GET", "/assets/missing-000.js", false, 404, "text/plain", "", ""}, // never index.html for an asset
		{"GET", "/robots.txt", false, 404, "text/plain", "", ""},
		{"POST", "/", false, 405, "text/plain", "", ""},
		{"HEAD", "/", false, 200, "text/html", "no-cache", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			h := map[string]string{}
			if tc.gzip {
				h["Accept-Encoding"] = "gzip, deflate"
			}
			res := get(t, c, tc.method, tc.path, h)
			if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.wantType) {
				t.Fatalf("%d %q, want %d %q", res.StatusCode, res.Header.Get("Content-Type"), tc.status, tc.wantType)
			}
			if got := res.Header.Get("Cache-Control"); tc.wantCache != "" && got != tc.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tc.wantCache)
			}
			var body io.Reader = res.Body
			if tc.gzip {
				if res.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("not gzipped for a client that accepts it")
				}
				zr, err := gzip.NewReader(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			b, _ := io.ReadAll(body)
			if !strings.Contains(string(b), tc.wantBody) {
				t.Errorf("body %.80q lacks %q", b, tc.wantBody)
			}
			if tc.method == "HEAD" && len(b) != 0 {
				t.Errorf("HEAD answered a body")
			}
		})
	}
}

func TestConsoleHeaders(t *testing.T) {
	c := FromFS(built)
	page := get(t, c, "GET", "/warnings", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if page.Header.Get(h) == "" {
			t.Errorf("the page lacks %s", h)
		}
	}
	if !strings.Contains(page.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("CSP %q allows framing", page.Header.Get("Content-Security-Policy"))
	}
	plain := get(t, c, "GET", "/assets/index-abc123.js", nil)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzipped for a client that did not ask")
	}
	etag := plain.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res := get(t, c, "GET", "/assets/index-abc123.js", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", res.StatusCode)
	}
}

func TestConsoleNotBuilt(t *testing.T) {
	for _, fsys := range []fstest.MapFS{nil, {"placeholder.txt": {Data: []byte("x")}}} {
		c := FromFS(fsys)
		if c.Built() {
			t.Fatal("Built without index.html")
		}
		res := get(t, c, "GET", "/", nil)
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(b), "make run") || !strings.Contains(string(b), "控制台尚未构建") {
			t.Errorf("%d %.200s: want the page that says how to build", res.StatusCode, b)
		}
	}
}

func TestFirstLoadCountsOnlyWhatIndexLoads(t *testing.T) {
	raw, gz := FromFS(built).AssetBytes()
	want := len(built["assets/index-abc123.js"].Data) + len(built["assets/index-def456.css"].Data)
	if raw != want || gz <= 0 || gz >= raw {
		t.Errorf("first load %d raw / %d gzipped, want %d raw and less gzipped (the lazy chunk is not first load)", raw, gz, want)
	}
}

// BenchmarkFirstLoad reports the size of the embedded console's first load
// (the JavaScript and CSS that index.html names), raw and gzipped as served.
func BenchmarkFirstLoad(b *testing.B) {
	c := New()
	if !c.Built() {
		b.Skip("the console is not built into this binary: make web")
	}
	var raw, gz int
	for b.Loop() {
		raw, gz = c.AssetBytes()
	}
	b.ReportMetric(float64(raw)/1024, "KiB-raw")
	b.ReportMetric(float64(gz)/1024, "KiB-gzip")
}
