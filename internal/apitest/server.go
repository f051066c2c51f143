package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// AdminToken is the bootstrap admin's token of every served API of the
// tests; 32+ characters, as serve refuses a shorter one outside demo mode.
const AdminToken = "test-admin-token-0123456789abcdef"

// Server is a served API that the tests call.
type Server struct {
	T    testing.TB
	Base string // the API's URL, without a trailing slash
}

// Response is an answer of the API.
type Response struct {
	Status int
	Body   []byte
}

// Decode decodes the JSON body into v, failing the test when it cannot.
func (r Response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

var requestIDField = regexp.MustCompile(`,"request_id":"[^"]*"`)

// WithoutRequestID is an answer's body without an error body's request id,
// which is new on every answer.
func WithoutRequestID(body string) string { return requestIDField.ReplaceAllString(body, "") }

// WithoutRequestID is the body without an error body's request id.
func (r Response) WithoutRequestID() string { return WithoutRequestID(string(r.Body)) }

// ErrorBody is the body of an error answer.
type ErrorBody struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// ErrorCode returns the error code of an error answer; an error answer
// without a message fails the test.
func (r Response) ErrorCode(t *testing.T) string {
	t.Helper()
	var e ErrorBody
	r.Decode(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error answer without a message: %s", r.Body)
	}
	return e.Error.Code
}

// WantCode fails the test unless r is an error answer of that status and code.
func WantCode(t *testing.T, r Response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if got := r.ErrorCode(t); got != code {
		t.Errorf("code = %s, want %s (%s)", got, code, r.Body)
	}
}

// OpenXLSX opens an answer's body as a workbook, closed when the test ends.
func OpenXLSX(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// XLSXSheet opens an answer's body as a workbook that holds the one sheet
// named sheet, and returns the workbook and that sheet's rows.
func XLSXSheet(t *testing.T, body []byte, sheet string) (*excelize.File, [][]string) {
	t.Helper()
	f := OpenXLSX(t, body)
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{sheet}) {
		t.Fatalf("sheets = %v, want %s", sheets, sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return f, rows
}

// Do calls the API as the account of token ("" for none); body is nil, a
// string, bytes, or a value sent as JSON.
func (s *Server) Do(method, path, token string, body any) Response {
	s.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.T.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.Base+path, rd)
	if err != nil {
		s.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	return s.Send(req)
}

// Send sends a request made by the test and reads the answer.
func (s *Server) Send(req *http.Request) Response {
	s.T.Helper()
	res, err := Client.Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.T.Fatal(err)
	}
	return Response{Status: res.StatusCode, Body: b}
}

// Must performs a request and fails the test unless it answers want.
func (s *Server) Must(want int, method, path, token string, body any) Response {
	s.T.Helper()
	r := s.Do(method, path, token, body)
	if r.Status != want {
		s.T.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Get reads path as the account of token ("" for none) and decodes the
// answer; it fails the test unless path answers 200.
func Get[T any](t *testing.T, s *Server, token, path string) T {
	t.Helper()
	var v T
	s.Must(200, "GET", path, token, nil).Decode(t, &v)
	return v
}

// EnterCurrentYears enters, as plain weekends-only schedules, this year and
// next year when the shipped calendar lacks them, so that tests about "now"
// keep working after the shipped years.
func (s *Server) EnterCurrentYears(t *testing.T) {
	t.Helper()
	this := time.Now().Year()
	for y := this; y <= this+1; y++ {
		path := "/api/v1/calendar/" + strconv.Itoa(y)
		if s.Do("GET", path, AdminToken, nil).Status == http.StatusNotFound {
			s.Must(200, "PUT", path, AdminToken, map[string]any{"source": "测试", "holidays": []string{}, "workdays": []string{}})
		}
	}
}

// AddAccount creates an account through the API as the admin and returns
// its token; dept is "" for an account of no department.
func (s *Server) AddAccount(t *testing.T, user, role, dept string) string {
	t.Helper()
	body := map[string]any{"username": user, "real_name": "测试" + user, "role": role}
	if dept != "" {
		body["department_code"] = dept
	}
	var out struct {
		Token string `json:"token"`
	}
	s.Must(201, "POST", "/api/v1/accounts", AdminToken, body).Decode(t, &out)
	return out.Token
}
