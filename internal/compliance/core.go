package compliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"powercheck/internal/calendar"
)

// Lookup reads departments and item versions: the reads every service
// makes, answered from Core's caches when it can.
type Lookup interface {
	Department(ctx context.Context, code string) (Department, error)
	// Item returns one version of an item; version 0 means the latest.
	Item(ctx context.Context, code string, version int) (PowerItem, error)
}

// CoreConfig is what a Core is built from. Only Lookup is required.
type CoreConfig struct {
	Lookup Lookup
	// Eval evaluates the policies; nil for services that never evaluate.
	Eval Evaluator
	// Now is the clock; nil: the wall clock.
	Now func() time.Time
	// Log is the logger; nil: slog.Default().
	Log *slog.Logger
	// Calendar holds the calendar in force; nil: a holder of
	// calendar.Default() nobody else sees.
	Calendar CalendarHolder
	// Params gives the rule parameters in force; nil: DefaultRuleParams.
	Params ParamsSource
	// Observer is told of evaluations, stored warnings, unchecked steps
	// and sweeps; nil: nobody is told.
	Observer Observer
	// Credentials remembers accepted bearer tokens and sessions for a
	// moment; nil: every request reads its account.
	Credentials *CredentialCache
}

// Core is what the services share: the clock, the logger, the evaluator,
// the calendar and rule parameters in force, the observer and the caches
// of departments, item versions and accepted credentials. It is built
// once, by NewCore, and shared by pointer.
type Core struct {
	lookup   Lookup
	eval     Evaluator
	now      func() time.Time
	log      *slog.Logger
	calendar CalendarHolder
	params   ParamsSource // nil: the parameters shipped with the default policies
	observer Observer     // nil: nobody is told
	// credentials remembers accepted credentials; nil: nothing is.
	credentials *CredentialCache

	// Item versions never change once stored, so they are cached for good.
	items sync.Map // itemKey → *PowerItem
	depts sync.Map // code → Department
	// noDepts are codes recently found to be no department's.
	noDepts recent[string, struct{}]
}

type itemKey struct {
	code    string
	version int
}

// NewCore returns the shared core described by cfg.
func NewCore(cfg CoreConfig) *Core {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	// Stored times keep milliseconds (MySQL's DATETIME(3)); answers must
	// show what is stored.
	clock := now
	now = func() time.Time { return clock().Truncate(time.Millisecond) }
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	cal := cfg.Calendar
	if cal == nil {
		cal = newCalendarBox(calendar.Default())
	}
	eval := cfg.Eval
	if cfg.Observer != nil && eval != nil {
		eval = observedEvaluator{Evaluator: eval, o: cfg.Observer}
	}
	return &Core{lookup: cfg.Lookup, eval: eval, now: now, log: log, calendar: cal,
		params: cfg.Params, observer: cfg.Observer, credentials: cfg.Credentials}
}

// Credentials returns the cache of accepted credentials the services
// share (nil: none), for the session service to remember sessions in.
func (s *Core) Credentials() *CredentialCache { return s.credentials }

// Now returns the services' current time.
func (s *Core) Now() time.Time { return s.now() }

// item returns one version of an item, from the cache when it can.
func (s *Core) item(ctx context.Context, code string, version int) (*PowerItem, error) {
	if v, ok := s.items.Load(itemKey{code, version}); ok {
		return v.(*PowerItem), nil
	}
	it, err := s.lookup.Item(ctx, code, version)
	if err != nil {
		return nil, err
	}
	s.items.Store(itemKey{code, it.Version}, &it)
	return &it, nil
}

func (s *Core) department(ctx context.Context, code string) (Department, error) {
	if v, ok := s.depts.Load(code); ok {
		return v.(Department), nil
	}
	d, err := s.lookup.Department(ctx, code)
	if err != nil {
		return Department{}, err
	}
	s.depts.Store(code, d)
	return d, nil
}

// isDepartment reports whether code is a department's. A code found to be
// none is believed none for recentTTL: a new case's number is checked
// against every department code it begins with (checkCaseNo), and those
// codes repeat from case to case. A department created through this Core
// is seen at once; one created on another node within recentTTL.
func (s *Core) isDepartment(ctx context.Context, code string) (bool, error) {
	if _, absent := s.noDepts.get(code); absent {
		return false, nil
	}
	asked, gen := time.Now(), s.noDepts.generation()
	_, err := s.department(ctx, code)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		s.noDepts.put(code, struct{}{}, asked, gen)
		return false, nil
	}
	return false, err
}

// calendarBox is a CalendarHolder of its own, for a Core configured
// without one.
type calendarBox struct {
	cal atomic.Pointer[calendar.Calendar]
}

func newCalendarBox(c *calendar.Calendar) *calendarBox {
	b := &calendarBox{}
	b.cal.Store(c)
	return b
}

func (b *calendarBox) Calendar() *calendar.Calendar     { return b.cal.Load() }
func (b *calendarBox) SetCalendar(c *calendar.Calendar) { b.cal.Store(c) }

// heldTo returns the version of the item that case c is checked against,
// and its department.
func (s *Core) heldTo(ctx context.Context, c Case) (*PowerItem, Department, error) {
	item, err := s.item(ctx, c.ItemCode, c.ItemVersion)
	if err != nil {
		return nil, Department{}, fmt.Errorf("item %s version %d of case %s: %w", c.ItemCode, c.ItemVersion, c.CaseNo, err)
	}
	dept, err := s.department(ctx, c.DepartmentCode)
	if err != nil {
		return nil, Department{}, fmt.Errorf("department %s of case %s: %w", c.DepartmentCode, c.CaseNo, err)
	}
	return item, dept, nil
}
