package compliance_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"powercheck/internal/compliance"
)

// reader counts the reads a cache makes; each returns the account named
// after the key.
type reader struct {
	mu    sync.Mutex
	reads map[string]int
	fail  error
}

func (r *reader) read(key, username string) func() (compliance.Account, any, error) {
	return func() (compliance.Account, any, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.reads == nil {
			r.reads = map[string]int{}
		}
		r.reads[key]++
		if r.fail != nil {
			return compliance.Account{}, nil, r.fail
		}
		return compliance.Account{Username: username}, "detail of " + key, nil
	}
}

func (r *reader) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads[key]
}

var cacheStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newCache returns a cache of size entries with a TTL of two seconds, and
// the clock it reads, set at cacheStart.
func newCache(size int) (*compliance.CredentialCache, *time.Time) {
	now := cacheStart
	return compliance.NewCredentialCache(2*time.Second, size, func() time.Time { return now }), &now
}

// An accepted credential is read once within the TTL, again after it.
func TestCredentialCacheTTL(t *testing.T) {
	c, now := newCache(10)
	var r reader
	for range 3 {
		a, detail, err := c.Load("token:x", r.read("token:x", "zjj-clerk"))
		if err != nil || a.Username != "zjj-clerk" || detail != "detail of token:x" {
			t.Fatalf("Load = %+v, %v, %v; want zjj-clerk and its detail", a, detail, err)
		}
	}
	if got := r.count("token:x"); got != 1 {
		t.Errorf("reads within the TTL: %d, want 1", got)
	}
	*now = now.Add(2*time.Second - time.Millisecond)
	c.Load("token:x", r.read("token:x", "zjj-clerk"))
	if got := r.count("token:x"); got != 1 {
		t.Errorf("reads just before the TTL ran out: %d, want 1", got)
	}
	*now = now.Add(time.Millisecond)
	c.Load("token:x", r.read("token:x", "zjj-clerk"))
	if got := r.count("token:x"); got != 2 {
		t.Errorf("reads once the TTL ran out: %d, want 2", got)
	}
}

// A refused credential is never remembered.
func TestCredentialCacheRefused(t *testing.T) {
	c, _ := newCache(10)
	r := reader{fail: compliance.ErrNotFound}
	for range 3 {
		if _, _, err := c.Load("token:new", r.read("token:new", "zjj-clerk")); !errors.Is(err, compliance.ErrNotFound) {
			t.Fatalf("Load: %v, want ErrNotFound", err)
		}
	}
	r.fail = nil
	if a, _, err := c.Load("token:new", r.read("token:new", "zjj-clerk")); err != nil || a.Username != "zjj-clerk" {
		t.Fatalf("Load once the token exists: %+v, %v", a, err)
	}
	if got, n := r.count("token:new"), c.Len(); got != 4 || n != 1 {
		t.Errorf("reads %d, remembered %d; want every one of the 4 lookups read and only the accepted one remembered", got, n)
	}
}

// The cache holds at most its size, dropping the least recently used.
func TestCredentialCacheSize(t *testing.T) {
	c, _ := newCache(3)
	var r reader
	for i := range 3 {
		k := fmt.Sprintf("token:%d", i)
		c.Load(k, r.read(k, "u"))
	}
	c.Load("token:0", r.read("token:0", "u")) // used: token:1 is now the least recent
	for i := 3; i < 10; i++ {
		k := fmt.Sprintf("token:%d", i)
		c.Load(k, r.read(k, "u"))
		if n := c.Len(); n > 3 {
			t.Fatalf("after %d keys: %d remembered, want at most 3", i+1, n)
		}
		if i == 3 {
			c.Load("token:0", r.read("token:0", "u"))
			c.Load("token:1", r.read("token:1", "u"))
			if r.count("token:0") != 1 || r.count("token:1") != 2 {
				t.Errorf("reads of token:0 %d, token:1 %d; want token:1 dropped, token:0 kept", r.count("token:0"), r.count("token:1"))
			}
		}
	}
	if n := c.Len(); n != 3 {
		t.Errorf("remembered %d, want 3", n)
	}
}

// Forgetting an account drops its credentials only.
func TestCredentialCacheForgetAccount(t *testing.T) {
	c, _ := newCache(10)
	var r reader
	load := func(key, user string) { c.Load(key, r.read(key, user)) }
	load("token:a", "zjj-clerk")
	load("session:a1", "zjj-clerk")
	load("token:b", "scj-clerk")
	c.ForgetAccount("zjj-clerk")
	load("token:a", "zjj-clerk")
	load("session:a1", "zjj-clerk")
	load("token:b", "scj-clerk")
	if r.count("token:a") != 2 || r.count("session:a1") != 2 || r.count("token:b") != 1 {
		t.Errorf("reads %v: want zjj-clerk's token and session read again, scj-clerk's token not", r.reads)
	}
	c.Forget("token:b")
	load("token:b", "scj-clerk")
	if r.count("token:b") != 2 {
		t.Errorf("reads of a forgotten key: %d, want 2", r.count("token:b"))
	}
}

// A read that a forget overtook is not remembered.
func TestCredentialCacheForgetOvertakes(t *testing.T) {
	c, _ := newCache(10)
	var r reader
	stale := r.read("token:a", "zjj-clerk")
	// The account is disabled while its lookup is under way: what the
	// lookup read may predate the change.
	_, _, err := c.Load("token:a", func() (compliance.Account, any, error) {
		c.ForgetAccount("zjj-clerk")
		return stale()
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Load("token:a", r.read("token:a", "zjj-clerk"))
	if got := r.count("token:a"); got != 2 {
		t.Errorf("reads: %d, want 2 (the first read forgotten)", got)
	}
}

// A nil cache reads every time.
func TestCredentialCacheNil(t *testing.T) {
	var c *compliance.CredentialCache
	var r reader
	for range 3 {
		c.Load("token:x", r.read("token:x", "u"))
	}
	c.Forget("token:x")
	c.ForgetAccount("u")
	if got := r.count("token:x"); got != 3 || c.Len() != 0 {
		t.Errorf("reads %d, remembered %d; want 3 and 0", got, c.Len())
	}
}

// The cache is safe for concurrent loads and forgets, and stays within its size.
func TestCredentialCacheConcurrent(t *testing.T) {
	c := compliance.NewCredentialCache(time.Minute, 50, nil)
	var r reader
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				user := fmt.Sprintf("user%d", (g*500+i)%70)
				key := "token:" + user
				a, _, err := c.Load(key, r.read(key, user))
				if err != nil || a.Username != user {
					errs <- fmt.Errorf("Load(%s) = %+v, %v", key, a, err)
					return
				}
				if i%50 == 0 {
					c.ForgetAccount(user)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.Len(); n > 50 {
		t.Errorf("remembered %d, want at most 50", n)
	}
}
