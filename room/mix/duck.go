package mix

import (
	"math"
	"sync/atomic"
	"time"
)

// Ducking defaults.
const (
	DefaultDuckDepth   = -12.0
	DefaultDuckAttack  = 50 * time.Millisecond
	DefaultDuckRelease = 800 * time.Millisecond
)

// duckSettle is how close, in dB, the gain must come to its target to snap to it and stop
// computing per-sample gains: a 0.01 dB step is far below audibility.
const duckSettle = 0.01

// DuckConfig shapes the ducking of the broadcast under the members' voices.
type DuckConfig struct {
	// Depth is the gain while someone speaks, in dB (negative). 0 means DefaultDuckDepth; a
	// positive value is taken as its negative.
	Depth float64
	// Attack and Release are the times to move 95% of the way down to Depth and back up to 0 dB.
	// 0 (or negative) means the defaults, 50 ms and 800 ms.
	Attack, Release time.Duration
}

// Ducker lowers a signal smoothly while a condition holds.
//
// The gain moves as a one-pole filter in the dB domain, updated every sample: each sample it
// closes the same fraction of the distance to its target, so a change of level sounds even from
// start to end (an exponential in dB) and nothing steps. The fraction is set so 95% of the way
// takes Attack going down and Release coming up (three time constants).
//
// Apply is for one goroutine (the mixer's); SetEnabled and GainDB may be called from any.
type Ducker struct {
	depth           float64
	attack, release float64 // per-sample fraction of the distance closed
	gain            float64 // dB, owned by Apply
	enabled         atomic.Bool
	published       atomic.Uint64 // gain's bits, for GainDB
}

// NewDucker returns an enabled ducker at 0 dB.
func NewDucker(cfg DuckConfig) *Ducker {
	depth := cfg.Depth
	switch {
	case depth == 0 || depth != depth:
		depth = DefaultDuckDepth
	case depth > 0:
		depth = -depth
	}
	depth = max(depth, -96)
	if cfg.Attack <= 0 {
		cfg.Attack = DefaultDuckAttack
	}
	if cfg.Release <= 0 {
		cfg.Release = DefaultDuckRelease
	}
	d := &Ducker{depth: depth, attack: onePole(cfg.Attack), release: onePole(cfg.Release)}
	d.enabled.Store(true)
	return d
}

// onePole returns the per-sample coefficient of a one-pole filter that covers 95% of a step in t.
func onePole(t time.Duration) float64 {
	tau := t.Seconds() / math.Log(20) // e^(-t/tau) = 5%
	return 1 - math.Exp(-1/(tau*Rate))
}

// Apply scales frame (interleaved stereo; both channels of a sample frame get the same gain) in
// place by the ducking gain, moving it toward Depth while active (and enabled), toward 0 dB
// otherwise.
func (d *Ducker) Apply(frame []float32, active bool) {
	target := 0.0
	if active && d.enabled.Load() {
		target = d.depth
	}
	g := d.gain
	if math.Abs(g-target) < duckSettle {
		g = target
		if g != 0 {
			k := float32(dbToGain(g))
			for i := range frame {
				frame[i] *= k
			}
		}
	} else {
		c := d.release
		if target < g {
			c = d.attack
		}
		for i := 0; i < len(frame); i += 2 {
			g += c * (target - g)
			k := float32(dbToGain(g))
			frame[i] *= k
			if i+1 < len(frame) {
				frame[i+1] *= k
			}
		}
		if math.Abs(g-target) < duckSettle {
			g = target
		}
	}
	d.gain = g
	d.published.Store(math.Float64bits(g))
}

// GainDB returns the gain applied at the end of the last frame, in dB.
func (d *Ducker) GainDB() float64 { return math.Float64frombits(d.published.Load()) }

// SetEnabled switches ducking on or off. Off, the gain glides back to 0 dB (at the release rate)
// whatever Apply is told.
func (d *Ducker) SetEnabled(on bool) { d.enabled.Store(on) }

func dbToGain(db float64) float64 { return math.Exp(db * (math.Ln10 / 20)) }
