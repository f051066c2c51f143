package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// slotFile is the lock file of a SQLite database: byte i is locked while a
// subject of slot i is. The locks are open-file-description locks: they
// belong to this open file, so that two stores of one process on one
// database exclude each other as two processes do, and the kernel drops
// them when the file is closed or its process dies. The goroutines of one
// store share its open file, so they take turns on a slot in local first.
type slotFile struct {
	f     *os.File
	mu    sync.Mutex
	local map[int64]chan struct{}
}

func openSlotFile(path string) (*slotFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &slotFile{f: f, local: map[int64]chan struct{}{}}, nil
}

func (f *slotFile) close() error { return f.f.Close() }

func (f *slotFile) turn(slot int64) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, ok := f.local[slot]
	if !ok {
		ch = make(chan struct{}, 1)
		f.local[slot] = ch
	}
	return ch
}

func (f *slotFile) fcntl(slot int64, typ int16) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: slot, Len: 1}
	return unix.FcntlFlock(f.f.Fd(), unix.F_OFD_SETLK, &lk)
}

// lock takes slots, in order. Another process's lock is waited for by
// trying again, every 10 ms at most: the kernel's waiting lock cannot be
// given up when the wait runs out.
func (f *slotFile) lock(ctx context.Context, slots []int64, wait time.Duration) (func(), error) {
	var held []int64
	release := func() {
		for _, s := range slices.Backward(held) {
			_ = f.fcntl(s, unix.F_UNLCK)
			<-f.turn(s)
		}
	}
	for _, s := range slots {
		turn := f.turn(s)
		select {
		case turn <- struct{}{}:
		case <-ctx.Done():
			release()
			return nil, lockErr(ctx, []string{fmt.Sprint("slot ", s)}, wait)
		}
		for pause := time.Millisecond; ; pause = min(2*pause, 10*time.Millisecond) {
			err := f.fcntl(s, unix.F_WRLCK)
			if err == nil {
				break
			}
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) {
				<-turn
				release()
				return nil, fmt.Errorf("subject lock: slot %d: %w", s, err)
			}
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				<-turn
				release()
				return nil, lockErr(ctx, []string{fmt.Sprint("slot ", s)}, wait)
			}
		}
		held = append(held, s)
	}
	return release, nil
}
