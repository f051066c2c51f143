package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

// TestBodyFields walks every route that takes a JSON body. Into each field
// of a valid body it puts injection strings, values over the field's limit,
// wrong JSON types, control characters, invalid UTF-8, out-of-range numbers
// and malformed dates, and says what the API must answer. A refused request
// must leave every table's row count (the audit log's included) and the
// route's own listings as they were. Free text that is accepted must be
// shown back verbatim and change nothing but the rows the route writes.
//
// The routes are walked in groups, each on a server and database of its
// own, in parallel: within a group they take turns, as a route's requests
// must be the only ones that change the row counts. The test itself is not
// parallel: its groups, the longest walk of the package, run first, among
// themselves, and leave no long tail after the parallel tests.
func TestBodyFields(t *testing.T) {
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			for _, group := range bodyGroups(bodyRoutes()) {
				t.Run(group.name, func(t *testing.T) {
					t.Parallel()
					start := time.Now()
					dsn := d.DSN(t)
					s := startServer(t, dsn, stillBackground("--recheck-interval", "1h")...)
					e := newBodyEnv(t, s, dsn)
					for _, rt := range group.routes {
						t.Run(rt.name, func(t *testing.T) { e.walk(t, rt, group.part) })
					}
					e.intact(t)
					t.Logf("%d requests in %v", e.requests, time.Since(start).Round(time.Millisecond))
				})
			}
		})
	}
}

// bodyGroup is routes walked one after the other on one server, each
// with the part of its cases that the group takes.
type bodyGroup struct {
	name   string
	routes []bodyRoute
	part   part
}

// part is the n-th of of equal shares of a route's cases.
type part struct{ n, of int }

// has tells whether the part takes the route's k-th case (0: the valid body).
func (p part) has(k int) bool { return k%p.of == p.n }

// publishParts is how many servers share the cases of a policy publish.
const publishParts = 4

// bodyGroups splits routes, in their order, into groups of about equal
// time: a policy publish compiles and tests a module set, so the cases of
// publishing are shared by several groups, and still take about as long as
// the other routes together.
func bodyGroups(routes []bodyRoute) []bodyGroup {
	var publish []bodyGroup
	rest := []bodyGroup{{name: "policies and items", part: part{0, 1}}, {name: "others", part: part{0, 1}}}
	for n := range publishParts {
		publish = append(publish, bodyGroup{name: fmt.Sprintf("publish %d of %d", n+1, publishParts), part: part{n, publishParts}})
	}
	for _, rt := range routes {
		switch {
		case rt.name == "policy publish":
			for i := range publish {
				publish[i].routes = append(publish[i].routes, rt)
			}
		case strings.HasPrefix(rt.name, "policy ") || strings.HasPrefix(rt.name, "item ") || rt.name == "power items":
			rest[0].routes = append(rest[0].routes, rt)
		default:
			rest[1].routes = append(rest[1].routes, rt)
		}
	}
	return append(publish, rest...)
}

// pathCase is a bad path parameter of a route.
type pathCase struct {
	label, path string
	want        answer
}

// bodyRoute is one route that takes a body.
type bodyRoute struct {
	name   string
	method string
	as     string // the key of the caller's token in bodyEnv.tok
	// target prepares what the n-th accepted request of the route acts on
	// and returns its path and a valid body (nil: the route takes none).
	target func(t *testing.T, e *bodyEnv, n int) (string, map[string]any)
	fields []bodyField
	// optionalBody: an empty body is accepted.
	optionalBody bool
	// writes lists the tables an accepted request may change, besides
	// the audit log.
	writes []string
	// watch shows what a refused request must leave as it is, besides the
	// row counts.
	watch func(t *testing.T, e *bodyEnv, path string) string
	// show shows the stored values of an accepted request.
	show func(t *testing.T, e *bodyEnv, path string, body map[string]any) string
	// accepted learns from an accepted answer.
	accepted func(t *testing.T, e *bodyEnv, r apitest.Response)
	paths    []pathCase
}

// fieldDetail is one entry of a validation error's details.
type fieldDetail struct {
	Field string `json:"field"`
}

// TestBodyFieldsScan walks the one route whose body is not JSON: the signed
// scan of an explanation, a raw PDF, JPEG or PNG of at most 10 MB whatever
// the server's --max-body. Every refused body leaves every table's row
// count and the explanation as they were; the JSON routes keep their limit.
func TestBodyFieldsScan(t *testing.T) {
	sqlstoretest.EachDSNParallel(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, stillBackground("--recheck-interval", "1h", "--max-body", "65536")...)
		e := newBodyEnv(t, s, dsn)
		s.EnterCurrentYears(t)
		first := calendar.DateOf(time.Now()).Start()
		month := time.Date(first.Year(), first.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		e.post(t, 201, "POST", "/api/v1/reports/monthly/explanations", "deptAdmin",
			map[string]any{"month": month, "text": "本月预警情况说明", "signed_by": "zjj-admin"})
		path := "/api/v1/reports/monthly/explanations/ZJJ/" + month + "/scan"
		report := "/api/v1/reports/monthly?department=ZJJ&month=" + month
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 200<<10)...) // over --max-body
		for _, c := range []struct {
			label string
			body  []byte
			want  answer
		}{
			{"empty", nil, refusal("unsupported_scan_type")},
			{"a JSON body", []byte(`{"scan":"JVBERi0xLjQK"}`), refusal("unsupported_scan_type")},
			{"text named .pdf", []byte("这不是 PDF"), refusal("unsupported_scan_type")},
			{"an injection", []byte(injections[0]), refusal("unsupported_scan_type")},
			{"a GIF", []byte("GIF89a\x01\x00\x01\x00"), refusal("unsupported_scan_type")},
			{"a PDF signature cut short", []byte("%PDF"), refusal("unsupported_scan_type")},
			{"a PNG signature cut short", []byte{0x89, 'P', 'N', 'G', '\r', '\n'}, refusal("unsupported_scan_type")},
			{"invalid UTF-8", []byte("\xff\xfe\x00"), refusal("unsupported_scan_type")},
			{"10 MB and one byte", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 10<<20-8)...), tooLarge},
			{"20 MB", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 20<<20)...), tooLarge},
		} {
			t.Run(c.label, func(t *testing.T) {
				before, shown := e.counts(t), e.get(t, "admin", report)
				r := e.send(t, "PUT", path, e.tok["deptAdmin"], c.body)
				apitest.WantCode(t, r, c.want.status, c.want.code)
				if after := (snapshot{counts: e.counts(t)}); len((snapshot{counts: before}).changes(after)) > 0 {
					t.Errorf("refused upload changed %v", (snapshot{counts: before}).changes(after))
				}
				if now := e.get(t, "admin", report); now != shown {
					t.Errorf("refused upload changed the report: %s", now)
				}
			})
		}
		t.Run("the route's own limit, not --max-body", func(t *testing.T) {
			before := e.counts(t)
			r := e.send(t, "PUT", path, e.tok["deptAdmin"], pdf)
			if r.Status != 201 {
				t.Fatalf("upload of %d bytes: %d %.300s", len(pdf), r.Status, r.Body)
			}
			e.waitAudit(t, before["audit_log"]+1)
			after := e.counts(t)
			for tb, n := range before {
				want := n
				switch tb {
				case "explanation_scans":
					want = n + 1
				case "audit_log", "audit_effects", "audit_head":
					continue
				}
				if after[tb] != want {
					t.Errorf("table %s: %d→%d, want %d", tb, n, after[tb], want)
				}
			}
			if !strings.Contains(e.get(t, "admin", report), `"content_type":"application/pdf"`) {
				t.Errorf("the report does not show the scan")
			}
		})
		t.Run("JSON routes keep --max-body", func(t *testing.T) {
			r := e.send(t, "POST", "/api/v1/patrols", e.tok["inspector"],
				[]byte(js(map[string]any{"at": time.Now().Format(time.RFC3339), "findings": strings.Repeat("x", 70000)})))
			apitest.WantCode(t, r, 413, "payload_too_large")
		})
		e.intact(t)
	})
}
