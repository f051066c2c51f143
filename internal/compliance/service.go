package compliance

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Service is the checker: it keeps the catalog, takes the steps of cases,
// has each one evaluated by the policies and stores what they find.
type Service struct {
	store Store
	eval  Evaluator
	now   func() time.Time
	log   *slog.Logger

	// Item versions never change once stored, so they are cached for good.
	items sync.Map // itemKey → *PowerItem
	depts sync.Map // code → Department

	calendar CalendarHolder // nil: the calendar is not managed through the service
	params   ParamsSource   // nil: the parameters shipped with the default policies

	settings settingsCache // the district's names

	auditKey []byte // seals audit entries; nil: plain hashes
	// auditCheckpoint reads the newest checkpoint kept outside the
	// database; nil: none is kept.
	auditCheckpoint CheckpointSource

	// recheckRevision is the policy revision of the last re-check round;
	// when another one is active, failed steps are re-checked at once.
	recheckRevision atomic.Int64

	queryCodeKey atomic.Pointer[[]byte] // see queryKey

	observer Observer // nil: nobody is told (see UseObserver)
}

type itemKey struct {
	code    string
	version int
}

// NewService returns a service over store and eval. now may be nil (the wall clock).
func NewService(store Store, eval Evaluator, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	// Stored times keep milliseconds (MySQL's DATETIME(3)); answers must
	// show what is stored.
	clock := now
	now = func() time.Time { return clock().Truncate(time.Millisecond) }
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, eval: eval, now: now, log: log}
}

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.now() }

// item returns one version of an item, from the cache when it can.
func (s *Service) item(ctx context.Context, code string, version int) (*PowerItem, error) {
	if v, ok := s.items.Load(itemKey{code, version}); ok {
		return v.(*PowerItem), nil
	}
	it, err := s.store.Item(ctx, code, version)
	if err != nil {
		return nil, err
	}
	s.items.Store(itemKey{code, it.Version}, &it)
	return &it, nil
}

func (s *Service) department(ctx context.Context, code string) (Department, error) {
	if v, ok := s.depts.Load(code); ok {
		return v.(Department), nil
	}
	d, err := s.store.Department(ctx, code)
	if err != nil {
		return Department{}, err
	}
	s.depts.Store(code, d)
	return d, nil
}
