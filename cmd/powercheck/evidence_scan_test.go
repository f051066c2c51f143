package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"powercheck/internal/apitest"
)

// scanFiles are scans of each allowed type, each a few kilobytes of noise
// after the type's signature.
func scanFiles(t *testing.T) map[string][]byte {
	t.Helper()
	noise := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string][]byte{
		"application/pdf": append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), append(noise(4000), "\n%%EOF\n"...)...),
		"image/jpeg":      append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, noise(5000)...),
		"image/png":       append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, noise(3000)...),
	}
}

// upload sends data as a scan, with the headers a browser might set.
func upload(t *testing.T, s *server, path, token string, data []byte, header map[string]string) apitest.Response {
	t.Helper()
	req, err := http.NewRequest("PUT", s.Base+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apitest.Response{Status: res.StatusCode, Body: b}
}

// scanPath is the path of a monthly explanation's scan.
func scanPath(dept, m string) string {
	return "/api/v1/reports/monthly/explanations/" + dept + "/" + m + "/scan"
}

const scanRouteForTest = "PUT /api/v1/reports/monthly/explanations/:department/:month/scan"

// scanRoundTrip uploads data as month m's scan and checks that the report
// shows it, each reader downloads it as uploaded and its audit entry
// digests it.
func scanRoundTrip(t *testing.T, s *server, tok map[string]string, m, typ string, data []byte) {
	admin := tok[apitest.ZJJAdmin]
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	// The declared type and name say nothing: the content does.
	r := upload(t, s, scanPath("ZJJ", m), admin, data, map[string]string{"Content-Type": "application/octet-stream"})
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var e explanationAnswer
	r.Decode(t, &e)
	if e.Scan == nil || e.Scan.ContentType != typ || e.Scan.SHA256 != want || e.Scan.Size != int64(len(data)) || e.Scan.UploadedBy != "zjj-admin" {
		t.Fatalf("explanation = %+v, want a %s scan of %d bytes, sha256 %s", e, typ, len(data), want)
	}
	var rep struct{ Explanation explanationAnswer }
	s.Must(200, "GET", "/api/v1/reports/monthly?department=ZJJ&month="+m, tok[apitest.SupervisionToken], nil).Decode(t, &rep)
	if rep.Explanation.Scan == nil || rep.Explanation.Scan.SHA256 != want {
		t.Errorf("report's explanation = %+v, want the scan", rep.Explanation)
	}
	for _, who := range []string{admin, tok[apitest.ZJJClerk], tok[apitest.SupervisionToken], apitest.AdminToken} {
		req, _ := http.NewRequest("GET", s.Base+scanPath("ZJJ", m), nil)
		req.Header.Set("Authorization", "Bearer "+who)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, data) || res.Header.Get("Content-Type") != typ ||
			res.Header.Get("X-Content-SHA256") != want || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %d %s %q, %d bytes; want the %d bytes uploaded", res.StatusCode, res.Header.Get("Content-Type"),
				res.Header.Get("Content-Disposition"), len(got), len(data))
		}
	}
	// The audit entry of the upload digests the scan itself.
	if items, e := awaitAudit(t, s, "limit=200&action="+url.QueryEscape(scanRouteForTest), 5*time.Second, func(e auditItem) bool {
		return e.RequestDigest == want && strings.Contains(e.Target, "month="+m)
	}); e == nil {
		t.Fatalf("no audit entry of the upload with digest %s: %+v", want, items)
	}
}

// signerChecks checks that only an active dept_admin of ZJJ signs month m's
// explanation as an account.
func signerChecks(t *testing.T, s *server, admin, m string) {
	for _, who := range []string{"zjj-clerk", "scj-admin", "zjj-former", "nobody", "supervision"} {
		r := explainMonth(s, admin, m, who)
		apitest.WantCode(t, r, 422, "invalid_signer")
	}
	var e explanationAnswer
	r := explainMonth(s, admin, m, "zjj-leader")
	if r.Status != 201 {
		t.Fatalf("signed by zjj-leader: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &e)
	if e.SignedBy != "zjj-leader" || e.SignedByKind != "account" || e.SignerRealName != "测试zjj-leader" || e.Scan != nil {
		t.Errorf("explanation = %+v, want signed by the account zjj-leader, no scan", e)
	}
}

// scanScoped checks who may upload and read a scan (png): m1 has one, m4
// none.
func scanScoped(t *testing.T, s *server, tok map[string]string, m1, m4 string, png []byte) {
	admin := tok[apitest.ZJJAdmin]
	scj := s.AddAccount(t, "scj-admin2", "dept_admin", "SCJ")
	apitest.WantCode(t, upload(t, s, scanPath("ZJJ", m4), scj, png, nil), 403, "other_department")
	apitest.WantCode(t, upload(t, s, scanPath("ZJJ", m4), tok[apitest.ZJJClerk], png, nil), 403, "forbidden")
	s.Must(403, "GET", scanPath("ZJJ", m1), tok[apitest.SCJClerk], nil)
	s.Must(403, "GET", scanPath("ZJJ", m1), tok[apitest.LegalToken], nil)
	apitest.WantCode(t, s.Do("GET", scanPath("ZJJ", m4), admin, nil), 404, "scan_not_found")
	apitest.WantCode(t, s.Do("GET", scanPath("ZJJ", "2026-13"), admin, nil), 422, "invalid_month")
	// Nothing of the refused uploads was kept.
	var rep struct{ Explanation explanationAnswer }
	s.Must(200, "GET", fmt.Sprintf("/api/v1/reports/monthly?department=ZJJ&month=%s", m4), admin, nil).Decode(t, &rep)
	if rep.Explanation.Scan != nil {
		t.Errorf("explanation of %s has a scan after refused uploads: %+v", m4, rep.Explanation.Scan)
	}
}

// explainMonth posts ZJJ's explanation of month m as admin, signed by signer.
func explainMonth(s *server, admin, m, signer string) apitest.Response {
	return s.Do("POST", "/api/v1/reports/monthly/explanations", admin,
		map[string]any{"department_code": "ZJJ", "month": m, "text": "本月预警情况说明", "signed_by": signer})
}
