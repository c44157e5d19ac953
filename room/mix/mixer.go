package mix

import (
	"math"
	"time"
)

// Limiter tuning.
const (
	// CeilingDB is the highest peak the mix may reach, in dBFS. The dB of headroom left above it is
	// for the Opus encoder, whose output can overshoot its input's peaks slightly.
	CeilingDB = -1.0
	// LimiterLookahead is the limiter's look-ahead in sample frames (2 ms): the mix comes out this
	// much later than it goes in, always, so the gain can be brought down smoothly before a peak
	// rather than at it.
	LimiterLookahead = 96
	// limiterRelease is the time the limiter's gain takes to come 95% of the way back to 1.
	limiterRelease = 150 * time.Millisecond
	// limiterSnap is how close to 1 the gain must come to count as 1 again.
	limiterSnap = 1e-6
)

// ceiling is CeilingDB as a linear amplitude.
var ceiling = float32(math.Pow(10, CeilingDB/20))

// Mixer sums the broadcast and the members' frames into the room's one track.
//
// The sum is taken in float32, where nothing clips however many members talk at once; a peak
// limiter then keeps the result at or below the ceiling (-1 dBFS). Below the ceiling the limiter's
// gain is exactly 1 and the mix passes untouched, only delayed by the look-ahead, so normal levels
// never pump.
//
// The limiter is stereo-linked and works on peaks with a guarantee: for each sample frame it works
// out the gain that would put that frame at the ceiling, takes the minimum over the look-ahead
// window (2 ms), lets the gain recover toward 1 (95% in 150 ms, one-pole), and smooths the result
// with a moving average as long as the window. Every gain averaged for a peak is at most the gain
// that peak needs, so the peak comes out at or below the ceiling, and the gain falls along a 2 ms
// ramp instead of jumping. A hard clamp at the ceiling after it only ever catches rounding.
//
// A Mixer is for one goroutine (the mixer's tick).
type Mixer struct {
	// Delay line of LimiterLookahead stereo sample frames.
	delay    [2 * LimiterLookahead]float32
	delayPos int
	// Sliding minimum of the needed gains over the last LimiterLookahead+1 frames: a monotonic
	// queue of (frame index, gain), in a ring.
	minQ          [LimiterLookahead + 1]gainAt
	minHead, minN int
	// Moving average of the released gain over the last LimiterLookahead+1 frames.
	box    [LimiterLookahead + 1]float64
	boxSum float64
	boxPos int
	env    float64 // released gain of the last frame
	ones   int     // frames in a row with env exactly 1
	rel    float64 // release coefficient per frame
	n      int64   // frames processed
	gain   float64 // gain applied to the last frame
}

type gainAt struct {
	n int64
	g float64
}

// NewMixer returns a mixer whose limiter is at rest (gain 1).
func NewMixer() *Mixer {
	m := &Mixer{env: 1, ones: LimiterLookahead + 1, rel: onePole(limiterRelease), gain: 1}
	for i := range m.box {
		m.box[i] = 1
	}
	m.boxSum = LimiterLookahead + 1
	return m
}

// Mix writes into out (interleaved stereo, 1920 floats) the sum of broadcast (nil for none) and
// every frame in members, through the limiter. Slices shorter than out contribute what they have;
// non-finite samples count as silence. The output lags the input by LimiterLookahead frames.
func (m *Mixer) Mix(out, broadcast []float32, members [][]float32) {
	n := copy(out, broadcast)
	clear(out[n:])
	for _, f := range members {
		f = f[:min(len(f), len(out))]
		o := out[:len(f)]
		for i, v := range f {
			o[i] += v
		}
	}
	m.limit(out)
}

// limit runs the limiter over frame in place.
func (m *Mixer) limit(frame []float32) {
	if len(frame)%2 == 1 {
		frame[len(frame)-1] = 0
		frame = frame[:len(frame)-1]
	}
	// (Plain comparisons: the max builtin's NaN rules make it several times slower here.)
	var peak float32
	for i, v := range frame {
		a := v
		if a < 0 {
			a = -a
		}
		if !(a <= math.MaxFloat32) { // NaN or infinite
			frame[i] = 0
			continue
		}
		if a > peak {
			peak = a
		}
	}
	if peak <= ceiling && m.ones > LimiterLookahead {
		m.passThrough(frame)
		return
	}
	const window = LimiterLookahead + 1
	for i := 0; i < len(frame); i += 2 {
		l, r := frame[i], frame[i+1]
		p := max(abs32(l), abs32(r)) // finite, so max's NaN rules do not matter
		need := 1.0
		if p > ceiling {
			need = float64(ceiling) / float64(p)
		}
		// Sliding minimum over [n-LimiterLookahead, n]: drop the expired front, then every
		// entry the new one undercuts.
		if m.minN > 0 && m.minQ[m.minHead].n < m.n-LimiterLookahead {
			m.minHead = (m.minHead + 1) % window
			m.minN--
		}
		for m.minN > 0 && m.minQ[(m.minHead+m.minN-1)%window].g >= need {
			m.minN--
		}
		m.minQ[(m.minHead+m.minN)%window] = gainAt{m.n, need}
		m.minN++
		low := m.minQ[m.minHead].g
		// Release toward 1, never above what the window needs.
		e := m.env + (1-m.env)*m.rel
		if e > 1-limiterSnap {
			e = 1
		}
		e = min(e, low)
		m.env = e
		if e == 1 {
			m.ones++
		} else {
			m.ones = 0
		}
		m.boxSum += e - m.box[m.boxPos]
		m.box[m.boxPos] = e
		m.boxPos = (m.boxPos + 1) % window
		g := m.boxSum / window
		if m.ones > LimiterLookahead {
			g = 1
			m.boxSum = window // drop accumulated rounding
		}
		m.gain = g
		// Out goes the frame from LimiterLookahead ago, in comes this one.
		d := m.delay[2*m.delayPos : 2*m.delayPos+2]
		ol, or := float32(float64(d[0])*g), float32(float64(d[1])*g)
		d[0], d[1] = l, r
		m.delayPos = (m.delayPos + 1) % LimiterLookahead
		frame[i] = clamp(ol, ceiling)
		frame[i+1] = clamp(or, ceiling)
		m.n++
	}
}

// passThrough delays frame by the look-ahead at gain 1: the limiter's state while at rest on
// quiet input is all ones, so only the delay line and the frame count move.
func (m *Mixer) passThrough(frame []float32) {
	for i := 0; i < len(frame); i += 2 {
		d := m.delay[2*m.delayPos : 2*m.delayPos+2]
		frame[i], frame[i+1], d[0], d[1] = d[0], d[1], frame[i], frame[i+1]
		m.delayPos = (m.delayPos + 1) % LimiterLookahead
	}
	frames := int64(len(frame) / 2)
	m.n += frames
	// The sliding minimum holds a single 1 for the newest frame.
	m.minHead, m.minN = 0, 1
	m.minQ[0] = gainAt{m.n - 1, 1}
	m.gain = 1
}

// GainDB returns the limiter's gain on the last sample frame mixed, in dB (0 when not limiting).
func (m *Mixer) GainDB() float64 { return 20 * math.Log10(m.gain) }

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// clamp limits v to [-c, c].
func clamp(v, c float32) float32 {
	if v > c {
		return c
	}
	if v < -c {
		return -c
	}
	return v
}
