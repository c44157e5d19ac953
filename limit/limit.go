// Package limit holds the budgets a stranger can spend on the server: requests per key over time
// (Rate), concurrent holds per key (Slots) and a global bound on expensive work (Gate). Every
// budget keeps a bounded amount of state whatever keys it is fed, so a flood of distinct keys
// (random usernames, spoofed addresses) costs a fixed amount of memory.
package limit

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Rate is a token bucket per key: each key may spend burst requests at once and earns one more
// every `every`. At most maxKeys keys are remembered; the least recently used is forgotten first,
// which can only ever make a forgotten key's bucket full again.
type Rate struct {
	mu      sync.Mutex
	every   time.Duration
	burst   float64
	maxKeys int
	keys    map[string]*list.Element
	lru     list.List // front: most recently used; values are *bucket
}

type bucket struct {
	key    string
	tokens float64
	at     time.Time
}

// NewRate allows burst requests per key at once, refilled one per every; it remembers maxKeys keys.
func NewRate(every time.Duration, burst, maxKeys int) *Rate {
	return &Rate{every: max(every, time.Nanosecond), burst: float64(max(burst, 1)), maxKeys: max(maxKeys, 1),
		keys: make(map[string]*list.Element)}
}

// Allow spends one request for key at now. When the bucket is empty it reports how long until
// the next request would be allowed.
func (r *Rate) Allow(key string, now time.Time) (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b *bucket
	if e, ok := r.keys[key]; ok {
		b = e.Value.(*bucket)
		r.lru.MoveToFront(e)
		if el := now.Sub(b.at); el > 0 {
			b.tokens = min(r.burst, b.tokens+float64(el)/float64(r.every))
			b.at = now
		}
	} else {
		if r.lru.Len() >= r.maxKeys {
			old := r.lru.Back()
			r.lru.Remove(old)
			delete(r.keys, old.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: r.burst, at: now}
		r.keys[key] = r.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(r.every))
	return false, max(wait, time.Millisecond)
}

// Len is the number of keys remembered.
func (r *Rate) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lru.Len()
}

// Slots bounds concurrent holds per key (open event streams, pending peers). A key that holds
// nothing costs nothing; at most maxKeys keys may hold something at once.
type Slots struct {
	mu      sync.Mutex
	perKey  int
	maxKeys int
	held    map[string]int
}

// NewSlots allows perKey concurrent holds per key and maxKeys keys holding at once.
func NewSlots(perKey, maxKeys int) *Slots {
	return &Slots{perKey: max(perKey, 1), maxKeys: max(maxKeys, 1), held: make(map[string]int)}
}

// Take holds one slot of key. release gives it back; calling release again does nothing.
func (s *Slots) Take(key string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.held[key]
	if n >= s.perKey || (n == 0 && len(s.held) >= s.maxKeys) {
		return func() {}, false
	}
	s.held[key] = n + 1
	var once sync.Once
	return func() { once.Do(func() { s.put(key) }) }, true
}

func (s *Slots) put(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.held[key]; n > 1 {
		s.held[key] = n - 1
	} else {
		delete(s.held, key)
	}
}

// Held is the number of slots key holds now.
func (s *Slots) Held(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[key]
}

// Keys is the number of keys holding a slot.
func (s *Slots) Keys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// Gate bounds concurrent expensive work server-wide (password hashing, decoding).
type Gate struct {
	sem chan struct{}
}

// NewGate lets n pieces of work run at once.
func NewGate(n int) *Gate {
	return &Gate{sem: make(chan struct{}, max(n, 1))}
}

// Enter waits up to wait (or until ctx ends) for a place. release gives it back; calling release
// again does nothing.
func (g *Gate) Enter(ctx context.Context, wait time.Duration) (release func(), ok bool) {
	select {
	case g.sem <- struct{}{}:
	default:
		if wait <= 0 {
			return func() {}, false
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case g.sem <- struct{}{}:
		case <-t.C:
			return func() {}, false
		case <-ctx.Done():
			return func() {}, false
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-g.sem }) }, true
}

// InUse is the number of places taken.
func (g *Gate) InUse() int { return len(g.sem) }
