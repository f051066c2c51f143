package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"powercheck/internal/httpapi"
)

// The contract: every exchange of the tests with a watched server is
// checked against the OpenAPI description that the server publishes, so
// the description cannot drift from the API. A request is checked when the
// server accepted it (2xx: the description must accept it too); every
// answer on a described route is checked: its status, its content type
// and, for JSON, its body.

// contractBodyLimit is the largest request body kept for checking; larger
// ones are far past every route's limit and answered 413 anyway.
const contractBodyLimit = 2 << 20

var contract = struct {
	mu      sync.Mutex
	watched map[string]testing.TB // server host → the test that started it
}{watched: map[string]testing.TB{}}

// Client is the client of the tests: it has every exchange with a watched
// server checked.
var Client = &http.Client{Transport: ContractTransport(http.DefaultTransport)}

// contractRouter is the router over the described paths, loaded once.
var contractRouter = sync.OnceValues(func() (routers.Router, error) { return loadContract(context.Background()) })

// loadContract loads and validates the served description and makes a
// router over its paths (whatever host the test server has).
func loadContract(ctx context.Context) (routers.Router, error) {
	raw, err := httpapi.OpenAPI()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, err
	}
	doc.Servers = nil
	return legacy.NewRouter(doc)
}

// WatchContract checks every exchange with the server at base against the
// description until t ends.
func WatchContract(t testing.TB, base string) {
	t.Helper()
	if _, err := contractRouter(); err != nil {
		t.Fatalf("openapi: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	contract.mu.Lock()
	contract.watched[u.Host] = t
	contract.mu.Unlock()
	t.Cleanup(func() {
		contract.mu.Lock()
		delete(contract.watched, u.Host)
		contract.mu.Unlock()
	})
}

// contractFailed reports a breach of the contract to the test that watches host.
func contractFailed(host, format string, args ...any) {
	contract.mu.Lock()
	defer contract.mu.Unlock()
	if t, ok := contract.watched[host]; ok {
		t.Errorf("contract: "+format, args...)
	}
}

func watched(host string) bool {
	contract.mu.Lock()
	defer contract.mu.Unlock()
	_, ok := contract.watched[host]
	return ok
}

// ContractTransport returns a transport over next that records each
// exchange with a watched server and has it checked once the answer's body
// is read and closed.
func ContractTransport(next http.RoundTripper) http.RoundTripper {
	return &contractTransport{next: next}
}

type contractTransport struct{ next http.RoundTripper }

func (ct *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !watched(req.URL.Host) || !describedPath(req.URL.Path) {
		return ct.next.RoundTrip(req)
	}
	var reqBody []byte
	kept := true
	if req.Body != nil && req.Body != http.NoBody {
		buf, err := io.ReadAll(io.LimitReader(req.Body, contractBodyLimit+1))
		if err != nil {
			req.Body.Close()
			return nil, err
		}
		orig := req.Body
		req = req.Clone(req.Context())
		if len(buf) > contractBodyLimit {
			kept = false
			req.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(buf), orig), orig}
		} else {
			orig.Close()
			reqBody = buf
			req.Body = io.NopCloser(bytes.NewReader(buf))
		}
	}
	res, err := ct.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	res.Body = &recordedBody{ReadCloser: res.Body, req: req, reqBody: reqBody, reqKept: kept, res: res}
	return res, nil
}

// describedPath reports whether p belongs to the described API (the
// console's pages and /metrics do not).
func describedPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz"
}

type recordedBody struct {
	io.ReadCloser
	req     *http.Request
	reqBody []byte
	reqKept bool
	res     *http.Response

	buf  bytes.Buffer
	eof  bool
	once sync.Once
}

func (b *recordedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.buf.Write(p[:n])
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

func (b *recordedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() {
		if msg := checkExchange(b.req, b.reqBody, b.reqKept, b.res, b.buf.Bytes(), b.eof); msg != "" {
			contractFailed(b.req.URL.Host, "%s", msg)
		}
	})
	return err
}

// checkExchange checks one exchange against the description and returns
// what breaks it, or "".
func checkExchange(req *http.Request, reqBody []byte, reqKept bool, res *http.Response, body []byte, complete bool) string {
	ctx := context.Background()
	router, err := contractRouter()
	if err != nil {
		return err.Error()
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
			return "" // a request of the tests to a route that does not exist
		}
		return fmt.Sprintf("%s %s answered %d but has no operation in the description: %v", req.Method, req.URL.Path, res.StatusCode, err)
	}
	op := fmt.Sprintf("%s %s (%s)", route.Method, route.Path, route.Operation.OperationID)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		reqOpts := *opts
		reqType := mediaType(req.Header.Get("Content-Type"))
		if reqType == "" {
			reqType = "application/json" // the JSON routes read a body without a type as JSON
		}
		rb := route.Operation.RequestBody
		switch {
		case !reqKept:
			reqOpts.ExcludeRequestBody = true
		case len(reqBody) > 0 && rb != nil && rb.Value.Content["application/json"] == nil:
			// Not JSON (a scan): checked by its content type only.
			if rb.Value.Content.Get(reqType) == nil {
				return fmt.Sprintf("%s: status %d: request content type %q is not described", op, res.StatusCode, reqType)
			}
			reqOpts.ExcludeRequestBody = true
		}
		validate := func(body []byte) error {
			vin := *in
			vin.Options = &reqOpts
			vin.Request = req.Clone(ctx)
			vin.Request.Header.Set("Content-Type", reqType)
			vin.Request.Body = io.NopCloser(bytes.NewReader(body))
			vin.Request.GetBody = nil // else the validator reads the body as sent
			return openapi3filter.ValidateRequest(ctx, &vin)
		}
		if err := validate(reqBody); err != nil {
			// The API matches a lone key that differs in case only, as
			// encoding/json does, which a schema cannot say.
			if folded, ok := foldKeys(reqBody); !ok || validate(folded) != nil {
				return fmt.Sprintf("%s: status %d: the accepted request does not match the description: %s", op, res.StatusCode, cut(err.Error()))
			}
		}
	}
	resOpts := *opts
	resType := mediaType(res.Header.Get("Content-Type"))
	if resType != "application/json" || !complete {
		resOpts.ExcludeResponseBody = true
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &resOpts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Sprintf("%s: status %d: the answer does not match the description: %s", op, res.StatusCode, cut(err.Error()))
	}
	// ValidateResponse leaves the content type of a body it does not read unchecked.
	if r := route.Operation.Responses.Status(res.StatusCode); r != nil && len(r.Value.Content) > 0 && len(body) > 0 {
		if r.Value.Content.Get(resType) == nil {
			return fmt.Sprintf("%s: status %d: content type %q is not described", op, res.StatusCode, resType)
		}
	}
	return ""
}

// foldKeys returns the JSON body with its object keys in lower case.
func foldKeys(body []byte) ([]byte, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil, false
	}
	var fold func(any) any
	fold = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, e := range v {
				out[strings.ToLower(k)] = fold(e)
			}
			return out
		case []any:
			for i, e := range v {
				v[i] = fold(e)
			}
		}
		return v
	}
	b, err := json.Marshal(fold(v))
	return b, err == nil
}

func mediaType(v string) string {
	t, _, err := mime.ParseMediaType(v)
	if err != nil {
		return v
	}
	return t
}

func cut(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
