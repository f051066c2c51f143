package compliance

import (
	"context"
	"sync"
	"time"
)

// recentTTL is how long a recent answer is believed: as long as an accepted
// credential (DefaultCredentialTTL). What another node changes is seen
// within it; what this node changes at once (forget).
const recentTTL = DefaultCredentialTTL

// maxRecent bounds a recent memory: its keys come from what clients send
// (case numbers, item codes).
const maxRecent = 4096

// recent remembers answers read from the store for recentTTL, each from
// when it was asked (on the monotonic clock: the services' clock may stand
// still). A read that was asked before something was forgotten is not kept:
// it may predate the change that made it forgotten. The zero value is
// empty and ready.
type recent[K comparable, V any] struct {
	mu   sync.Mutex
	vals map[K]recentValue[V]
	// gen counts forgets: an answer asked before one is not kept.
	gen uint64
}

type recentValue[V any] struct {
	v     V
	asked time.Time
}

// generation is what put wants of an answer about to be asked.
func (r *recent[K, V]) generation() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen
}

// get returns the answer kept for k while it is believed.
func (r *recent[K, V]) get(k K) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.vals[k]
	if ok && time.Since(e.asked) >= recentTTL {
		delete(r.vals, k)
		var zero V
		return zero, false
	}
	return e.v, ok
}

// put keeps v for k, asked at asked in generation gen, unless something
// was forgotten since.
func (r *recent[K, V]) put(k K, v V, asked time.Time, gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.gen {
		return
	}
	if r.vals == nil || len(r.vals) >= maxRecent {
		r.vals = map[K]recentValue[V]{}
	}
	r.vals[k] = recentValue[V]{v: v, asked: asked}
}

// forget drops what is kept for k: this node just changed it.
func (r *recent[K, V]) forget(k K) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	delete(r.vals, k)
}

// itemForNewCase is itemInForce for a case's first step, believed for
// recentTTL: every new case looks its item up, and items change seldom. A
// version saved or reviewed through this Catalog is seen at once; one
// saved or reviewed on another node within recentTTL. What the catalog
// shows, to the console and the public, is read afresh.
func (s *Catalog) itemForNewCase(ctx context.Context, code string) (PowerItem, error) {
	if it, ok := s.forCases.get(code); ok {
		return it, nil
	}
	asked, gen := time.Now(), s.forCases.generation()
	it, err := s.itemInForce(ctx, code)
	if err == nil {
		s.forCases.put(code, it, asked, gen)
	}
	return it, err
}
