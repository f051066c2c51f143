package webhook

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/compliance"
)

// Service registers endpoints and answers for their deliveries.
type Service struct {
	reg    Registry
	log    DeliveryLog
	window time.Duration
	now    func() time.Time
}

// NewService returns the registry's service; window is how long a replayed
// delivery is retried (as Config.Window).
func NewService(reg Registry, log DeliveryLog, window time.Duration) *Service {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Service{reg: reg, log: log, window: window, now: time.Now}
}

var validName = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// Limits of an endpoint's fields.
const (
	MinSecret = 16
	maxSecret = 200
	maxURL    = 500
)

// PutWebhookRequest is the body of PUT /api/v1/webhooks/{name}.
type PutWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret may be left out when replacing an endpoint: the stored one is kept.
	Secret string `json:"secret"`
}

// Put creates or replaces the endpoint name and reports whether it was new.
func (s *Service) Put(ctx context.Context, by *compliance.Account, name string, req PutWebhookRequest) (Endpoint, bool, error) {
	var v compliance.Validation
	if !validName.MatchString(name) {
		v.Add("name", "名称须为 1 至 40 个小写字母、数字或连字符")
	}
	old, err := s.reg.Webhook(ctx, name)
	exists := err == nil
	if err != nil && !errors.Is(err, compliance.ErrNotFound) {
		return Endpoint{}, false, err
	}
	s.checkURL(ctx, &v, req.URL)
	events := checkEvents(&v, req.Events)
	secret := req.Secret
	switch n := utf8.RuneCountInString(secret); {
	case n == 0 && exists:
		secret = old.Secret
	case n < MinSecret || n > maxSecret:
		v.Add("secret", "签名密钥须为 %d 至 %d 个字符", MinSecret, maxSecret)
	}
	if err := v.Err("webhook_invalid", "推送地址有误"); err != nil {
		return Endpoint{}, false, err
	}
	e := Endpoint{Name: name, URL: req.URL, Events: events, Secret: secret, UpdatedBy: by.Username,
		UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	created, err := s.reg.SaveWebhook(ctx, e)
	return e, created, err
}

func (s *Service) checkURL(ctx context.Context, v *compliance.Validation, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > maxURL {
		v.Add("url", "须为 http 或 https 地址（不含用户名密码，最长 %d 个字符）", maxURL)
		return
	}
	st, err := s.reg.WebhookSettings(ctx)
	if err != nil {
		v.Add("url", "无法读取允许的推送目标，请稍后重试")
		return
	}
	allow, err := parseAllow(st.Allow)
	if err == nil {
		err = allow.check(ctx, u.Hostname())
	}
	if err != nil {
		v.Add("url", "推送目标 %s 不在允许的范围内", u.Hostname())
	}
}

func checkEvents(v *compliance.Validation, events []string) []string {
	if len(events) == 0 {
		v.Add("events", "至少订阅一种事件（\"*\" 为全部）")
		return nil
	}
	var out []string
	for _, e := range events {
		if e != SubscribeAll && !slices.Contains(compliance.EventNames, e) {
			v.Add("events", "未知的事件“%s”", e)
			continue
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if slices.Contains(out, SubscribeAll) {
		return []string{SubscribeAll}
	}
	return out
}

// List returns every endpoint, by name.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) {
	es, err := s.reg.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(es, func(a, b Endpoint) int { return strings.Compare(a.Name, b.Name) })
	return es, nil
}

// Delete removes an endpoint; its pending deliveries end dead.
func (s *Service) Delete(ctx context.Context, name string) error {
	err := s.reg.DeleteWebhook(ctx, name)
	if errors.Is(err, compliance.ErrNotFound) {
		return compliance.Errorf(compliance.ClassNotFound, "webhook_not_found", "推送地址“%s”不存在", name)
	}
	return err
}

// Settings returns the webhooks' settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	st, err := s.reg.WebhookSettings(ctx)
	if st.Allow == nil {
		st.Allow = []string{}
	}
	return st, err
}

// PutSettings replaces the settings. Endpoints already registered outside
// a new allow-list stay, but their deliveries are refused at dialling.
func (s *Service) PutSettings(ctx context.Context, by *compliance.Account, st Settings) (Settings, error) {
	var v compliance.Validation
	if _, err := parseAllow(st.Allow); err != nil {
		v.Add("allow", "%s", err.Error())
	}
	if err := v.Err("webhook_settings_invalid", "推送设置有误"); err != nil {
		return Settings{}, err
	}
	at := s.now().UTC().Truncate(time.Millisecond)
	out := Settings{Allow: make([]string, 0, len(st.Allow)), UpdatedBy: by.Username, UpdatedAt: &at}
	for _, a := range st.Allow {
		out.Allow = append(out.Allow, strings.ToLower(strings.TrimSpace(a)))
	}
	return out, s.reg.SaveWebhookSettings(ctx, out)
}

// MaxPage bounds a page of the delivery log.
const MaxPage = 100

// Deliveries returns a page of an endpoint's delivery log, newest first,
// and the cursor of the next page (0: none).
func (s *Service) Deliveries(ctx context.Context, name, status string, before int64) ([]Delivery, int64, error) {
	if _, err := s.endpoint(ctx, name); err != nil {
		return nil, 0, err
	}
	switch status {
	case "", StatusPending, StatusDelivered, StatusDead:
	default:
		return nil, 0, compliance.Errorf(compliance.ClassBadRequest, "bad_status", "status 须为 pending、delivered 或 dead")
	}
	ds, err := s.log.Deliveries(ctx, name, status, before, MaxPage+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(ds) > MaxPage {
		ds = ds[:MaxPage]
		next = ds[MaxPage-1].ID
	}
	return ds, next, nil
}

// Replay makes deliveries of the endpoint due again: the ids given, or
// every dead one. It returns how many.
func (s *Service) Replay(ctx context.Context, name string, ids []int64, dead bool) (int, error) {
	if _, err := s.endpoint(ctx, name); err != nil {
		return 0, err
	}
	if len(ids) == 0 && !dead {
		return 0, compliance.Errorf(compliance.ClassInvalid, "replay_empty", "请指定要重新推送的记录，或选择全部失败记录").
			WithDetails([]compliance.FieldError{{Field: "deliveries", Message: "不能为空"}})
	}
	if len(ids) > 1000 {
		return 0, compliance.Errorf(compliance.ClassInvalid, "replay_too_many", "一次最多重新推送 1000 条").
			WithDetails([]compliance.FieldError{{Field: "deliveries", Message: "最多 1000 条"}})
	}
	now := s.now()
	return s.log.ReplayDeliveries(ctx, name, ids, dead, now, now.Add(s.window))
}

func (s *Service) endpoint(ctx context.Context, name string) (Endpoint, error) {
	e, err := s.reg.Webhook(ctx, name)
	if errors.Is(err, compliance.ErrNotFound) {
		return e, compliance.Errorf(compliance.ClassNotFound, "webhook_not_found", "推送地址“%s”不存在", name)
	}
	return e, err
}
