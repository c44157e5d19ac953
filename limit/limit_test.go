package limit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestRateRefillsAndForgetsOldestKeys(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	r := NewRate(time.Second, 3, 100)
	for i := range 3 {
		if ok, _ := r.Allow("a", t0); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := r.Allow("a", t0)
	if ok || wait != time.Second {
		t.Fatalf("fourth request: ok=%v wait=%v, want refused with 1s to wait", ok, wait)
	}
	if ok, _ := r.Allow("b", t0); !ok {
		t.Fatal("another key shares a's bucket")
	}
	if ok, _ := r.Allow("a", t0.Add(999*time.Millisecond)); ok {
		t.Fatal("allowed before a token was earned")
	}
	if ok, _ := r.Allow("a", t0.Add(2*time.Second)); !ok {
		t.Fatal("refused after a token was earned")
	}
	// A flood of distinct keys keeps the state bounded.
	for i := range 10_000 {
		r.Allow(fmt.Sprint("k", i), t0)
	}
	if n := r.Len(); n != 100 {
		t.Fatalf("remembers %d keys, want 100", n)
	}
}

func TestRateClockGoingBackDoesNotMint(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	r := NewRate(time.Second, 1, 10)
	r.Allow("a", t0)
	if ok, _ := r.Allow("a", t0.Add(-time.Hour)); ok {
		t.Fatal("a clock step backwards refilled the bucket")
	}
}

func TestSlotsPerKeyAndKeyBound(t *testing.T) {
	s := NewSlots(2, 2)
	r1, ok1 := s.Take("a")
	_, ok2 := s.Take("a")
	_, ok3 := s.Take("a")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("per-key bound: %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := s.Take("b"); !ok {
		t.Fatal("second key refused")
	}
	if _, ok := s.Take("c"); ok {
		t.Fatal("third key taken past maxKeys")
	}
	r1()
	r1() // idempotent
	if got := s.Held("a"); got != 1 {
		t.Fatalf("a holds %d after one release (called twice), want 1", got)
	}
	if _, ok := s.Take("a"); !ok {
		t.Fatal("released slot not reusable")
	}
}

func TestSlotsReleaseForgetsKey(t *testing.T) {
	s := NewSlots(1, 1)
	rel, _ := s.Take("a")
	rel()
	if s.Keys() != 0 {
		t.Fatalf("%d keys held after release", s.Keys())
	}
	if _, ok := s.Take("b"); !ok {
		t.Fatal("a released key still counts against maxKeys")
	}
}

func TestGateBoundsConcurrency(t *testing.T) {
	g := NewGate(2)
	ctx := context.Background()
	var mu sync.Mutex
	peak, cur := 0, 0
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, ok := g.Enter(ctx, time.Minute)
			if !ok {
				t.Error("refused within a minute's wait")
				return
			}
			mu.Lock()
			cur++
			peak = max(peak, cur)
			mu.Unlock()
			time.Sleep(time.Millisecond) // hold the place long enough for others to contend
			mu.Lock()
			cur--
			mu.Unlock()
			rel()
			rel()
		}()
	}
	wg.Wait()
	if peak > 2 {
		t.Fatalf("%d ran at once through a gate of 2", peak)
	}
	if g.InUse() != 0 {
		t.Fatalf("%d places still taken", g.InUse())
	}
}

func TestGateRefusesWhenFullAndNoWait(t *testing.T) {
	g := NewGate(1)
	rel, _ := g.Enter(context.Background(), 0)
	if _, ok := g.Enter(context.Background(), 0); ok {
		t.Fatal("entered a full gate")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := g.Enter(ctx, time.Hour); ok {
		t.Fatal("entered a full gate with a cancelled context")
	}
	rel()
	if _, ok := g.Enter(context.Background(), 0); !ok {
		t.Fatal("refused after release")
	}
}
