package auth

import (
	"sync"
	"time"
)

// Throttle slows password guessing: after a few failures for the same key (username and client
// address), further attempts are refused until a lockout that doubles with each failure passes.
// A success clears the key.
type Throttle struct {
	mu      sync.Mutex
	entries map[string]*attempts
	free    int           // failures allowed before lockouts start
	base    time.Duration // first lockout
	max     time.Duration // longest lockout
}

type attempts struct {
	failures int
	until    time.Time
	last     time.Time
}

// NewThrottle allows free failures per key, then locks out for base, 2*base, ... up to max.
func NewThrottle(free int, base, max time.Duration) *Throttle {
	return &Throttle{entries: make(map[string]*attempts), free: free, base: base, max: max}
}

// Allow reports whether an attempt for key may proceed now, and if not, how long to wait.
func (t *Throttle) Allow(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.entries[key]
	if a == nil || !now.Before(a.until) {
		return true, 0
	}
	return false, a.until.Sub(now)
}

// Fail records a failed attempt.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gc(now)
	a := t.entries[key]
	if a == nil {
		a = &attempts{}
		t.entries[key] = a
	}
	a.failures++
	a.last = now
	if a.failures > t.free {
		d := t.base << min(a.failures-t.free-1, 20)
		if d > t.max || d <= 0 {
			d = t.max
		}
		a.until = now.Add(d)
	}
}

// Succeed clears a key after a successful sign-in.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// gc drops keys idle for a day, so the map cannot grow without bound.
func (t *Throttle) gc(now time.Time) {
	if len(t.entries) < 10000 {
		return
	}
	for k, a := range t.entries {
		if now.Sub(a.last) > 24*time.Hour {
			delete(t.entries, k)
		}
	}
}
