package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/gorm/clause"
)

// subjectLeaseRow is a subject lock held on a Galera cluster, where
// GET_LOCK holds on one node only: a row per held subject, taken by an
// autocommit insert (of two nodes' inserts of one name, certification lets
// one commit) and released by deleting it. Until bounds it if its holder
// dies; a live holder pushes it on while it holds the lock.
type subjectLeaseRow struct {
	Name   string    `gorm:"primaryKey;size:64"` // hex SHA-256 of the subject's name
	Holder string    `gorm:"size:32;not null"`
	Until  time.Time `gorm:"not null"`
}

func (subjectLeaseRow) TableName() string { return "subject_leases" }

// leaseTTL is how long a subject lease lasts unless renewed; it is renewed
// every leaseTTL/3 while held, so only a dead holder's lease runs out.
const leaseTTL = 15 * time.Second

// lockLeases takes the lease rows of names (sorted: one order everywhere)
// for one holder, waiting with backoff until ctx ends.
func (l *SubjectLocks) lockLeases(ctx context.Context, names []string, wait time.Duration) (func(), error) {
	holder := randomToken() // this holding's own name
	keys := make([]string, len(names))
	for i, n := range names {
		sum := sha256.Sum256([]byte(n))
		keys[i] = hex.EncodeToString(sum[:])
	}
	var held atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	release := func() {
		close(stop)
		<-done
		// Released whatever the caller's context: a lease left behind
		// stalls the subject until it runs out.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// By holder alone, which is this holding's own name: a lease whose
		// insert committed but answered an error is released too.
		if err := retry(rctx, func() error {
			return l.gdb.WithContext(rctx).Where("holder = ?", holder).Delete(&subjectLeaseRow{}).Error
		}); err != nil {
			slog.WarnContext(rctx, "subject locks: leases not released; they run out on their own", "holder", holder,
				"ttl", leaseTTL, "error", err)
		}
	}
	go l.renewLeases(keys, &held, holder, stop, done)
	for _, k := range keys {
		if err := l.takeLease(ctx, k, holder); err != nil {
			release()
			if ctx.Err() != nil {
				return nil, lockErr(ctx, names, wait)
			}
			return nil, err
		}
		held.Add(1)
	}
	return release, nil
}

// takeLease waits until holder has the lease of key, or ctx ends.
func (l *SubjectLocks) takeLease(ctx context.Context, key, holder string) error {
	for attempt := 0; ; attempt++ {
		ok, err := l.tryLease(ctx, key, holder)
		if err != nil && !retryable(err) {
			return wrap(err, "subject lock")
		}
		if ok {
			return nil
		}
		if !pause(ctx, 2<<min(attempt, 6)) {
			return ctx.Err()
		}
	}
}

// tryLease takes the lease of key once: a run-out lease is taken over by
// an update, a free one by an insert. Each is one autocommit statement, so
// that on Galera certification decides between two nodes taking it.
func (l *SubjectLocks) tryLease(ctx context.Context, key, holder string) (bool, error) {
	db := l.gdb.WithContext(ctx)
	now := time.Now().UTC()
	res := db.Model(&subjectLeaseRow{}).Where("name = ? AND until < ?", key, now).
		Updates(map[string]any{"holder": holder, "until": now.Add(leaseTTL)})
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	res = db.Clauses(clause.Insert{Modifier: "IGNORE"}).Create(&subjectLeaseRow{Name: key, Holder: holder, Until: now.Add(leaseTTL)})
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// renewLeases pushes the held leases on every leaseTTL/3 until stop.
func (l *SubjectLocks) renewLeases(keys []string, held *atomic.Int64, holder string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(leaseTTL / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		n := held.Load()
		ctx, cancel := context.WithTimeout(context.Background(), leaseTTL/3)
		if err := retry(ctx, func() error {
			return l.gdb.WithContext(ctx).Model(&subjectLeaseRow{}).Where("name IN ? AND holder = ?", keys[:n], holder).
				Update("until", time.Now().UTC().Add(leaseTTL)).Error
		}); err != nil {
			// The change goes on; if it outlasts the lease, another node may
			// take the subject meanwhile. Said, so that an operator sees it.
			slog.WarnContext(ctx, "subject locks: leases not renewed", "holder", holder, "ttl", leaseTTL, "error", err)
		}
		cancel()
	}
}

// randomToken is 128 random bits in hex: a name no other holder or change
// has.
func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
