package compliance

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of the credential cache that serve runs with.
const (
	// DefaultCredentialTTL is how long an accepted credential is believed
	// without reading its account again: how late a change made on another
	// node sharing the database may take effect here.
	DefaultCredentialTTL = 2 * time.Second
	// DefaultCredentialEntries bounds the credentials remembered at once.
	DefaultCredentialEntries = 10000
)

// CredentialCache remembers for a moment which account a credential (a
// bearer token's hash, a console session's) stood for, so that a busy
// client's requests do not each read the account. Every entry lives at
// most its TTL, counted from before the read it holds, so a change made on
// another node takes effect here within the TTL; a change made through this
// node's services forgets the entries it affects once it is stored. Only
// accepted credentials are remembered: a token that has just been created
// is never refused from the cache. A nil *CredentialCache remembers
// nothing; it is safe for concurrent use.
type CredentialCache struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu sync.Mutex
	// forgets counts the calls to Forget and ForgetAccount: a read that a
	// forget overtook may hold what the forget was about, so Load keeps it
	// only if the count did not move while it read.
	forgets uint64
	entries map[string]*list.Element // of *credential
	recent  *list.List               // front: the most recently used
}

type credential struct {
	key      string
	username string
	account  Account
	detail   any
	expires  time.Time
}

// NewCredentialCache returns a cache whose entries live ttl and of which it
// keeps at most size, dropping the least recently used; now is its clock
// (nil: the wall clock).
func NewCredentialCache(ttl time.Duration, size int, now func() time.Time) *CredentialCache {
	if now == nil {
		now = time.Now
	}
	return &CredentialCache{ttl: ttl, size: max(size, 1), now: now,
		entries: map[string]*list.Element{}, recent: list.New()}
}

// Load returns the account and detail (what else the credential carries,
// e.g. a session) remembered under key or, when there are none, reads them
// with read and remembers them if read succeeds.
func (c *CredentialCache) Load(key string, read func() (Account, any, error)) (Account, any, error) {
	if c == nil {
		return read()
	}
	c.mu.Lock()
	start := c.now()
	if e, ok := c.entries[key]; ok {
		cr := e.Value.(*credential)
		if start.Before(cr.expires) {
			c.recent.MoveToFront(e)
			c.mu.Unlock()
			return cr.account, cr.detail, nil
		}
		c.drop(e)
	}
	forgets := c.forgets
	c.mu.Unlock()

	a, detail, err := read()
	if err != nil {
		return a, detail, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.forgets == forgets {
		c.put(&credential{key: key, username: a.Username, account: a, detail: detail, expires: start.Add(c.ttl)})
	}
	return a, detail, nil
}

// Forget drops what is remembered under key.
func (c *CredentialCache) Forget(key string) {
	c.forget(func() {
		if e, ok := c.entries[key]; ok {
			c.drop(e)
		}
	})
}

// ForgetAccount drops every credential of the account username: its token
// and its sessions.
func (c *CredentialCache) ForgetAccount(username string) {
	c.forget(func() {
		// A scan: forgetting is rare (an administrator's change), reading
		// is not.
		for _, e := range c.entries {
			if e.Value.(*credential).username == username {
				c.drop(e)
			}
		}
	})
}

// forget runs drop under the lock and counts it (see Load).
func (c *CredentialCache) forget(drop func()) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.forgets++
	drop()
}

// Len returns the number of credentials remembered, expired ones included
// until they are dropped.
func (c *CredentialCache) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *CredentialCache) put(cr *credential) {
	if e, ok := c.entries[cr.key]; ok {
		c.drop(e)
	}
	for len(c.entries) >= c.size {
		c.drop(c.recent.Back())
	}
	c.entries[cr.key] = c.recent.PushFront(cr)
}

func (c *CredentialCache) drop(e *list.Element) {
	c.recent.Remove(e)
	delete(c.entries, e.Value.(*credential).key)
}
