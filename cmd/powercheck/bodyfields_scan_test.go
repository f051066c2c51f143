package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
	"powercheck/internal/calendar"
	"powercheck/internal/sqlstore/sqlstoretest"
)

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
