// Package clock lets pacing, scheduling and timeouts take their notion of time as a parameter, so
// tests can drive it deterministically instead of sleeping.
package clock

import (
	"context"
	"time"
)

// Clock is the time source that the broadcaster and the scheduler are built on.
type Clock interface {
	Now() time.Time
	// SleepUntil blocks until the clock reaches t or ctx ends; it returns ctx.Err() in the second case.
	// Pacing is expressed as absolute deadlines so that per-frame jitter never accumulates.
	SleepUntil(ctx context.Context, t time.Time) error
}

// Real is the wall clock.
type Real struct{}

// Now returns the current wall-clock time.
func (Real) Now() time.Time { return time.Now() }

// SleepUntil waits on a timer for the remaining duration until t.
func (Real) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
