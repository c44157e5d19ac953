package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Fake is a manually advanced clock for tests. Sleepers wake when Advance or Set moves the time to
// or past their deadline.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
}

type waiter struct {
	at time.Time
	ch chan struct{}
}

// NewFake returns a fake clock reading t.
func NewFake(t time.Time) *Fake {
	return &Fake{now: t}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// SleepUntil blocks until the fake time reaches t or ctx ends.
func (f *Fake) SleepUntil(ctx context.Context, t time.Time) error {
	f.mu.Lock()
	if !f.now.Before(t) {
		f.mu.Unlock()
		return ctx.Err()
	}
	w := &waiter{at: t, ch: make(chan struct{})}
	f.waiters = append(f.waiters, w)
	f.mu.Unlock()
	select {
	case <-ctx.Done():
		f.mu.Lock()
		for i, x := range f.waiters {
			if x == w {
				f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
				break
			}
		}
		f.mu.Unlock()
		return ctx.Err()
	case <-w.ch:
		return nil
	}
}

// WaitForSleepers blocks until at least n goroutines are sleeping on the clock, so a test can let a
// paced loop reach its next deadline before advancing time. It gives up after timeout.
func (f *Fake) WaitForSleepers(n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		f.mu.Lock()
		k := len(f.waiters)
		f.mu.Unlock()
		if k >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// Advance moves the clock forward by d and wakes every sleeper whose deadline has passed, earliest
// first.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.wakeLocked()
	f.mu.Unlock()
}

// Set moves the clock to t (which may not be earlier than now).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.After(f.now) {
		f.now = t
	}
	f.wakeLocked()
	f.mu.Unlock()
}

func (f *Fake) wakeLocked() {
	sort.Slice(f.waiters, func(i, j int) bool { return f.waiters[i].at.Before(f.waiters[j].at) })
	keep := f.waiters[:0]
	for _, w := range f.waiters {
		if !f.now.Before(w.at) {
			close(w.ch)
		} else {
			keep = append(keep, w)
		}
	}
	f.waiters = keep
}
