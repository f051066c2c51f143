package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"
)

// The API's description: written as YAML, served as JSON, rendered as a
// page. The end-to-end tests hold the API to it.

//go:embed openapi.yaml
var openAPIYAML []byte

var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
})

// OpenAPI returns the OpenAPI 3.1 description of the API as JSON.
func OpenAPI() ([]byte, error) { return openAPIJSON() }

// docsAPI serves the API's description, as JSON and as a page.
type docsAPI struct {
	log *slog.Logger
}

// openAPI answers GET /api/v1/openapi.json.
func (h *docsAPI) openAPI(c *gin.Context) {
	b, err := openAPIJSON()
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// docOperation is one operation as the page lists it.
type docOperation struct {
	Method, Path, Summary, Description string
	Public                             bool
	Parameters                         []docParameter
	Body                               string // the request's media types
	Responses                          []string
}

type docParameter struct{ Name, In, Description string }

type docTag struct {
	Name       string
	Operations []docOperation
}

// docsPage renders the description as a plain page: the operations by
// tag, with their parameters and answers. It needs no script, so it
// works under any Content-Security-Policy and without a network.
var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}} 接口文档</title>
<style>
body{font:14px/1.6 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ddd;margin-top:2em} details{border:1px solid #e4e4e4;border-radius:4px;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer} code{font:13px ui-monospace,monospace} .m{display:inline-block;width:4.5em;font-weight:600}
.get{color:#1d7a3a}.post{color:#1456a0}.put{color:#8a5a00}.patch{color:#6b3fa0}.delete{color:#b3261e}
.pub{font-size:12px;color:#666;margin-left:.5em} table{border-collapse:collapse;margin:.3em 0} td,th{border:1px solid #e4e4e4;padding:.2em .5em;text-align:left}
</style></head><body>
<h1>{{.Title}} 接口文档</h1>
<p>{{.Description}}</p>
<p>机器可读的描述：<a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>（OpenAPI {{.Version}}）</p>
{{range .Tags}}<h2>{{.Name}}</h2>
{{range .Operations}}<details><summary><span class="m {{.Method}}">{{.Method}}</span><code>{{.Path}}</code> — {{.Summary}}{{if .Public}}<span class="pub">无需登录</span>{{end}}</summary>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Parameters}}<table><tr><th>参数</th><th>位置</th><th>说明</th></tr>{{range .Parameters}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<p>请求体：<code>{{.Body}}</code></p>{{end}}
<p>答复：{{range .Responses}}<code>{{.}}</code> {{end}}</p>
</details>{{end}}{{end}}
</body></html>
`))

// page answers GET /api/v1/docs: the description as a page.
func (h *docsAPI) page(c *gin.Context) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"info"`
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Summary     string         `json:"summary"`
			Description string         `json:"description"`
			Tags        []string       `json:"tags"`
			Security    *[]any         `json:"security"`
			Parameters  []docParameter `json:"parameters"`
			RequestBody *struct {
				Content map[string]any `json:"content"`
			} `json:"requestBody"`
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	b, err := openAPIJSON()
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		fail(c, err)
		return
	}
	tags := make([]docTag, len(doc.Tags))
	index := map[string]int{}
	for i, t := range doc.Tags {
		tags[i].Name, index[t.Name] = t.Name, i
	}
	for path, item := range doc.Paths {
		for method, o := range item {
			op := docOperation{Method: method, Path: path, Summary: o.Summary, Description: o.Description,
				Public: o.Security != nil && len(*o.Security) == 0, Parameters: o.Parameters}
			if o.RequestBody != nil {
				op.Body = strings.Join(sortedKeys(o.RequestBody.Content), ", ")
			}
			op.Responses = sortedKeys(o.Responses)
			i, ok := index[firstOr(o.Tags, "")]
			if !ok {
				i = len(tags)
				index[firstOr(o.Tags, "")] = i
				tags = append(tags, docTag{Name: firstOr(o.Tags, "其他")})
			}
			tags[i].Operations = append(tags[i].Operations, op)
		}
	}
	for _, t := range tags {
		slices.SortFunc(t.Operations, func(a, b docOperation) int {
			return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
		})
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	if err := docsPage.Execute(c.Writer, map[string]any{"Title": doc.Info.Title, "Description": doc.Info.Description,
		"Version": doc.OpenAPI, "Tags": tags}); err != nil {
		h.log.ErrorContext(c.Request.Context(), "render the API docs", "error", err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}
