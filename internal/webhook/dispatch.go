package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"powercheck/internal/compliance"
)

// Defaults of the dispatcher's configuration.
const (
	DefaultBase    = 10 * time.Second
	DefaultCap     = time.Hour
	DefaultWindow  = 24 * time.Hour
	DefaultTimeout = 10 * time.Second
)

// Config configures a dispatcher.
type Config struct {
	// Node names this dispatcher in leases (a host name, say).
	Node string
	// Base and Cap bound the back-off: before retry n a delivery waits a
	// random time up to min(Cap, Base·2ⁿ⁻¹) ("full jitter").
	Base, Cap time.Duration
	// Window is how long after its event a delivery is retried before it
	// is given up as dead.
	Window time.Duration
	// Timeout bounds one attempt.
	Timeout time.Duration
	// Batch is how many deliveries one claim takes; Workers how many are
	// sent at once.
	Batch, Workers int
}

func (c *Config) defaults() {
	if c.Base <= 0 {
		c.Base = DefaultBase
	}
	if c.Cap <= 0 {
		c.Cap = DefaultCap
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Node == "" {
		c.Node = "node"
	}
}

// Dispatcher routes the outbox's events to deliveries and sends them. Any
// number of dispatchers may run on one database: a delivery is sent by the
// one that holds its lease.
type Dispatcher struct {
	q      Queue
	cfg    Config
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
}

// NewDispatcher returns a dispatcher over q.
func NewDispatcher(q Queue, cfg Config, log *slog.Logger) *Dispatcher {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	tr := &http.Transport{DialContext: dialAllowed(dialer), MaxIdleConnsPerHost: cfg.Workers,
		IdleConnTimeout: time.Minute, TLSHandshakeTimeout: cfg.Timeout}
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout,
		// A redirect would lead past the allow-list's check of the
		// registered target: the receiver's answer is taken as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Dispatcher{q: q, cfg: cfg, client: client, log: log, now: time.Now}
}

// FanOut routes every event not yet routed and returns how many it routed.
func (d *Dispatcher) FanOut(ctx context.Context) (int, error) {
	hooks, err := d.q.Webhooks(ctx)
	if err != nil {
		return 0, fmt.Errorf("fan out: %w", err)
	}
	route := func(e compliance.Event) ([]string, time.Time) {
		var names []string
		for _, h := range hooks {
			if h.Wants(e.Name) {
				names = append(names, h.Name)
			}
		}
		return names, e.At.Add(d.cfg.Window)
	}
	total := 0
	for ctx.Err() == nil {
		n, err := d.q.RouteHookEvents(ctx, 200, route)
		total += n
		if err != nil {
			return total, fmt.Errorf("fan out: %w", err)
		}
		if n < 200 {
			break
		}
	}
	return total, nil
}

// Dispatch sends the due deliveries until none is left and returns how
// many attempts it made.
func (d *Dispatcher) Dispatch(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := d.dispatchBatch(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

func (d *Dispatcher) dispatchBatch(ctx context.Context) (int, error) {
	token := d.cfg.Node + "/" + randomHex(6)
	now := d.now()
	claims, err := d.q.ClaimDeliveries(ctx, token, now, now.Add(d.lease()), d.cfg.Batch)
	if err != nil || len(claims) == 0 {
		return 0, wrapErr("claim deliveries", err)
	}
	hooks, err := d.q.Webhooks(ctx)
	if err != nil {
		return 0, fmt.Errorf("dispatch: %w", err)
	}
	byName := make(map[string]Endpoint, len(hooks))
	for _, h := range hooks {
		byName[h.Name] = h
	}
	st, err := d.q.WebhookSettings(ctx)
	if err != nil {
		return 0, fmt.Errorf("dispatch: %w", err)
	}
	allow, err := parseAllow(st.Allow)
	if err != nil {
		return 0, fmt.Errorf("dispatch: allow-list: %w", err)
	}
	results := make([]Result, len(claims))
	work := make(chan int)
	var wg sync.WaitGroup
	stopRenewing := d.renew(ctx, token)
	defer stopRenewing()
	for range min(d.cfg.Workers, len(claims)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				h, ok := byName[claims[i].Delivery.Webhook]
				results[i] = d.attempt(ctx, h, ok, allow, claims[i])
			}
		}()
	}
	for i := range claims {
		work <- i
	}
	close(work)
	wg.Wait()
	// Recorded even when ctx ended meanwhile: what was sent is known.
	if err := d.q.FinishDeliveries(context.WithoutCancel(ctx), token, results); err != nil {
		return 0, fmt.Errorf("dispatch: %w", err)
	}
	return len(claims), nil
}

// lease is how long a claim holds without renewal: an attempt up to the
// timeout and a margin. The dispatcher renews it while it works through the
// batch (renew), so no other node takes a delivery this one may still be
// sending, and a node that dies leaves its claims for at most a lease, not
// for the whole batch's time.
func (d *Dispatcher) lease() time.Duration {
	return 2*d.cfg.Timeout + 10*time.Second
}

// renew renews the lease of token's claims every third of a lease until the
// returned stop is called.
func (d *Dispatcher) renew(ctx context.Context, token string) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(d.lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := d.q.RenewClaims(ctx, token, d.now().Add(d.lease())); err != nil {
					// The claims run out at their lease; another node may then
					// send them again (deliveries are at least once).
					d.log.WarnContext(ctx, "webhook claims not renewed", "token", token, "error", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}

// attempt sends one delivery and decides what becomes of it.
func (d *Dispatcher) attempt(ctx context.Context, h Endpoint, exists bool, allow allowList, c Claim) Result {
	start := d.now()
	a := Attempt{At: start.UTC()}
	if exists {
		a.Status, a.Error = d.send(ctx, h, allow, c.Event)
	} else {
		a.Error = "推送地址已删除"
	}
	a.DurationMS = d.now().Sub(start).Milliseconds()
	r := Result{ID: c.Delivery.ID, Attempt: a}
	switch {
	case a.Status >= 200 && a.Status < 300:
		r.Status = StatusDelivered
	case !exists:
		r.Status = StatusDead
	default:
		r.NextAt = d.now().Add(d.backoff(c.Delivery.Attempts + 1))
		r.Status = StatusPending
		if r.NextAt.After(c.Delivery.Deadline) {
			r.Status = StatusDead
		}
	}
	return r
}

// send POSTs the event, signed, and returns the receiver's status code or
// what went wrong.
func (d *Dispatcher) send(ctx context.Context, h Endpoint, allow allowList, e compliance.Event) (int, string) {
	body, err := json.Marshal(e)
	if err != nil {
		return 0, "事件无法编码"
	}
	ts := strconv.FormatInt(d.now().Unix(), 10)
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, allowKey{}, allow), d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "推送地址无效"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "powercheck-webhook/1")
	req.Header.Set("X-Powercheck-Event", e.Name)
	req.Header.Set("X-Powercheck-Delivery", e.ID)
	req.Header.Set("X-Powercheck-Timestamp", ts)
	req.Header.Set("X-Powercheck-Signature", "sha256="+Sign(h.Secret, ts, body))
	resp, err := d.client.Do(req)
	if err != nil {
		if errors.Is(err, errNotAllowed) {
			return 0, "推送目标不在允许的范围内"
		}
		return 0, truncate(err.Error(), 400)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

// Sign returns the hex HMAC-SHA256 of timestamp + "." + body under secret:
// the X-Powercheck-Signature after "sha256=".
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// backoff returns the wait before attempt n+1 after n failed ones: full
// jitter, so that deliveries failed together do not retry together.
func (d *Dispatcher) backoff(n int) time.Duration {
	ceil := d.cfg.Cap
	if n < 40 {
		if b := d.cfg.Base << (n - 1); b > 0 && b < ceil {
			ceil = b
		}
	}
	r, err := rand.Int(rand.Reader, big.NewInt(int64(ceil)+1))
	if err != nil {
		return ceil
	}
	return time.Duration(r.Int64())
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
