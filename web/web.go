// Package web embeds the built console (web/dist/console, made by
// `npm run build`) and serves it: hashed assets with long-lived caching and
// gzip, every other path the single page's index.html. Without a build it
// serves a page that says how to make one.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// file is one built file, kept whole with its gzipped form.
type file struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Console serves the embedded console.
type Console struct {
	files map[string]*file // by path without the leading slash
	index *file
}

// New reads the embedded build once. Built reports whether there was one.
func New() *Console {
	sub, err := fs.Sub(dist, "dist/console")
	if err != nil {
		sub = nil
	}
	return FromFS(sub)
}

// FromFS serves the built console held by fsys (its index.html at the
// root); nil or an empty fsys serves the page that says how to build it.
func FromFS(fsys fs.FS) *Console {
	c := &Console{files: map[string]*file{}}
	sub := fsys
	if sub != nil {
		_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := fs.ReadFile(sub, p)
			if err != nil {
				return nil
			}
			c.files[p] = newFile(p, b)
			return nil
		})
	}
	c.index = c.files["index.html"]
	if c.index == nil {
		c.index = newFile("index.html", []byte(notBuilt))
	}
	return c
}

// Built reports whether a built console is embedded.
func (c *Console) Built() bool { _, ok := c.files["index.html"]; return ok }

// AssetBytes returns the total size of the JavaScript and CSS that the
// first load of the console fetches, raw and gzipped.
func (c *Console) AssetBytes() (raw, gz int) {
	for p, f := range c.files {
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			if bytes.Contains(c.index.body, []byte(path.Base(p))) {
				raw += len(f.body)
				gz += len(f.gz)
			}
		}
	}
	return raw, gz
}

func newFile(p string, b []byte) *file {
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = http.DetectContentType(b)
	}
	f := &file{body: b, contentType: ct, etag: `"` + strconv.FormatUint(fnv(b), 36) + `"`}
	if compressible(ct) && len(b) > 512 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			f.gz = buf.Bytes()
		}
	}
	return f
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "svg")
}

// ServeHTTP serves an asset, or index.html for any other page of the app.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if f, ok := c.files[p]; ok && p != "index.html" {
		if strings.HasPrefix(p, "assets/") {
			// Hashed names: a changed file gets a new name.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		c.write(w, r, f)
		return
	}
	if strings.HasPrefix(p, "assets/") || path.Ext(p) != "" {
		http.NotFound(w, r)
		return
	}
	// A page of the single-page app: its router decides what to show.
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
		"script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	c.write(w, r, c.index)
}

func (c *Console) write(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && match == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// fnv is FNV-1a over b: an ETag, not a security measure.
func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

const notBuilt = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>powercheck</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto; line-height: 1.6">
<h1>控制台尚未构建</h1>
<p>此程序编译时未包含网页控制台。请在源码目录执行 <code>make run</code>（或 <code>make web</code> 后重新
<code>make build</code>），需要 Node.js 20。接口 <code>/api/v1</code> 照常可用。</p>
<p lang="en">The console was not built into this binary. Run <code>make run</code> (or <code>make web</code>,
then <code>make build</code>) with Node.js 20 installed. The API under <code>/api/v1</code> works as usual.</p>
</body></html>
`
