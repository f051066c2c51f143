package compliance

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Settings are the district's names: the district and its four offices, as
// documents, bulletins, the console and messages name them. Policies read
// them as input.settings.
type Settings struct {
	DistrictName string      `json:"district_name"`
	Offices      OfficeNames `json:"offices"`
}

// OfficeNames names the offices that run the supervision.
type OfficeNames struct {
	Egov        string `json:"egov"`        // 电子政务办：runs the platform
	Legal       string `json:"legal"`       // 法制办（司法局）：keeps the catalogue and the policies
	Oversight   string `json:"oversight"`   // 政管办：oversees the government services
	Supervision string `json:"supervision"` // 监察：supervises and holds to account
}

// DefaultSettings are the names until an administrator sets them.
var DefaultSettings = Settings{DistrictName: "仁和区", Offices: OfficeNames{
	Egov: "区电子政务办", Legal: "区司法局", Oversight: "区政务服务管理办公室", Supervision: "区监察委员会"}}

// SettingsState is the settings with who changed them last (nobody: the defaults).
type SettingsState struct {
	Settings
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// SettingsStore keeps the settings.
type SettingsStore interface {
	// Settings returns the stored settings; ErrNotFound when none are stored.
	Settings(ctx context.Context) (SettingsState, error)
	SaveSettings(ctx context.Context, st SettingsState) error
}

// SubjectSettings is the audit subject of the settings (key "district").
const SubjectSettings = "settings"

// SettingsKey is the key of the one settings object.
const SettingsKey = "district"

// MaxSettingsName bounds a name, in characters.
const MaxSettingsName = 50

// settingsTTL is how long a node trusts its copy of the settings: a change
// made on another node shows here within it.
const settingsTTL = 10 * time.Second

// settingsCache is a node's copy of the settings.
type settingsCache struct {
	mu     sync.Mutex
	state  *SettingsState
	loaded time.Time
	sink   func(Settings)
}

// RefreshSettings reads the settings from the store into this node's copy.
func (s *Accounts) RefreshSettings(ctx context.Context) (SettingsState, error) {
	st := s.store
	got, err := st.Settings(ctx)
	switch {
	case errors.Is(err, ErrNotFound):
		got = SettingsState{Settings: DefaultSettings}
	case err != nil:
		return SettingsState{}, err
	}
	s.keepSettings(got)
	return got, nil
}

func (s *Accounts) keepSettings(got SettingsState) {
	c := &s.settings
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := c.state == nil || !reflect.DeepEqual(c.state.Settings, got.Settings)
	c.state, c.loaded = &got, time.Now()
	if changed && c.sink != nil {
		c.sink(got.Settings)
	}
}

// DistrictSettings returns the settings in force, from this node's copy
// when it is fresh; the defaults when the store cannot be read and no copy
// was ever read.
func (s *Accounts) DistrictSettings(ctx context.Context) SettingsState {
	c := &s.settings
	c.mu.Lock()
	st, fresh := c.state, c.state != nil && time.Since(c.loaded) < settingsTTL
	c.mu.Unlock()
	if fresh {
		return *st
	}
	got, err := s.RefreshSettings(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "read settings", "error", err)
		if st != nil {
			return *st
		}
		return SettingsState{Settings: DefaultSettings}
	}
	return got
}

// PutSettings validates and stores the settings; administrators only.
func (s *Accounts) PutSettings(ctx context.Context, who *Account, in Settings) (SettingsState, error) {
	if err := Authorize(who, ActConfigure, ""); err != nil {
		return SettingsState{}, err
	}
	var v Validation
	name := func(field, label, val string) {
		switch n := utf8.RuneCountInString(val); {
		case n == 0:
			v.Add(field, "%s必填", label)
		case n > MaxSettingsName:
			v.Add(field, "%s不能超过 %d 个字", label, MaxSettingsName)
		case val != strings.TrimSpace(val):
			v.Add(field, "%s首尾不能有空白", label)
		default:
			checkChars(&v, field, label, val, false)
		}
	}
	name("district_name", "行政区名称", in.DistrictName)
	name("offices.egov", "电子政务办名称", in.Offices.Egov)
	name("offices.legal", "法制办（司法局）名称", in.Offices.Legal)
	name("offices.oversight", "政管办名称", in.Offices.Oversight)
	name("offices.supervision", "监察机关名称", in.Offices.Supervision)
	if err := v.Err("invalid_settings", "区县设置不合法"); err != nil {
		return SettingsState{}, err
	}
	st := s.store
	at := s.now().UTC()
	state := SettingsState{Settings: in, UpdatedBy: who.Username, UpdatedAt: &at}
	if err := st.SaveSettings(ctx, state); err != nil {
		return SettingsState{}, err
	}
	s.keepSettings(state)
	return state, nil
}
