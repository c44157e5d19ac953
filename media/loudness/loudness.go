// Package loudness measures integrated loudness as ITU-R BS.1770-4 and EBU
// R128 define it, so the broadcaster can bring every item to one target level
// before encoding.
//
// The meter is streaming: it K-weights samples as they arrive, sums them into
// 100 ms hops and keeps, for each 400 ms gating block (75% overlap) that
// passes the absolute gate, a single float. A three-hour file therefore costs
// under a megabyte, and silence costs nothing.
package loudness

import (
	"errors"
	"fmt"
	"math"
)

// Limits accepted by NewMeter.
const (
	MinRate     = 8000
	MaxRate     = 192000
	MaxChannels = 2
)

var (
	// ErrRate reports a sample rate outside MinRate..MaxRate.
	ErrRate = errors.New("loudness: sample rate out of range")
	// ErrChannels reports a channel count other than 1 or 2.
	ErrChannels = errors.New("loudness: channel count out of range")
)

const (
	// offset is the constant in L = -0.691 + 10 log10(sum of mean squares)
	// that makes a 1 kHz sine read its RMS level after K-weighting.
	offset = -0.691
	// absoluteGate drops blocks of near-silence (LUFS).
	absoluteGate = -70.0
	// relativeGate drops blocks this far below the level of the blocks that
	// passed the absolute gate (LU).
	relativeGate = -10.0
	// hopsPerBlock 100 ms hops make one 400 ms block.
	hopsPerBlock = 4
)

// Meter accumulates one stream's loudness. It is not safe for concurrent use.
//
// Mono is measured as BS.1770 defines it: one channel, weight 1.0. A mono
// signal therefore reads about 3 LU lower than the same signal duplicated on
// both channels of a stereo stream. Audio that will be played as mono on two
// speakers should be metered as stereo (go-mp3 already delivers stereo).
type Meter struct {
	rate, channels int
	shelf, hp      biquad
	state          [MaxChannels]filterState

	// The current hop: its sample count so far, target length and the sum
	// over channels of squared K-weighted samples.
	hop      int64 // index of the current hop
	hopFill  int
	hopLen   int
	hopPower float64
	// The last hopsPerBlock finished hops, as ring buffers.
	ringPower [hopsPerBlock]float64
	ringLen   [hopsPerBlock]int

	// gated holds the mean-square power of every block above the absolute
	// gate; it is the only state that grows with the length of the stream.
	gated []float64

	peak    float64
	pending [MaxChannels]float32
	npend   int
}

// filterState is the memory of both K-weighting stages for one channel, in
// transposed direct form II.
type filterState struct {
	s1, s2 float64 // shelf
	h1, h2 float64 // high-pass
}

// NewMeter returns a meter for interleaved audio at rate with channels
// channels. The K-weighting filters are designed for rate itself.
func NewMeter(rate, channels int) (*Meter, error) {
	if rate < MinRate || rate > MaxRate {
		return nil, fmt.Errorf("%w: %d Hz, want %d..%d", ErrRate, rate, MinRate, MaxRate)
	}
	if channels < 1 || channels > MaxChannels {
		return nil, fmt.Errorf("%w: %d, want 1..%d", ErrChannels, channels, MaxChannels)
	}
	m := &Meter{rate: rate, channels: channels}
	m.shelf, m.hp = kWeighting(rate)
	m.Reset()
	return m, nil
}

// Reset forgets everything measured so the meter can start on a new stream.
func (m *Meter) Reset() {
	m.state = [MaxChannels]filterState{}
	m.hop = 0
	m.hopFill = 0
	m.hopLen = m.hopLength(0)
	m.hopPower = 0
	m.gated = m.gated[:0]
	m.peak = 0
	m.npend = 0
}

// hopLength is the length of hop j. Hop boundaries fall at floor(j*rate/10) so
// that rates which are not a multiple of 10 Hz (11025) still average exactly
// 100 ms per hop instead of drifting.
func (m *Meter) hopLength(j int64) int {
	r := int64(m.rate)
	return int((j+1)*r/10 - j*r/10)
}

// Write adds interleaved samples to the measurement. A trailing partial frame
// is kept until the next Write completes it.
func (m *Meter) Write(interleaved []float32) {
	ch := m.channels
	if m.npend > 0 {
		for m.npend < ch && len(interleaved) > 0 {
			m.pending[m.npend] = interleaved[0]
			m.npend++
			interleaved = interleaved[1:]
		}
		if m.npend < ch {
			return
		}
		m.npend = 0
		m.write(m.pending[:ch])
	}
	whole := len(interleaved) / ch * ch
	m.write(interleaved[:whole])
	for _, v := range interleaved[whole:] {
		m.pending[m.npend] = v
		m.npend++
	}
}

// write processes whole frames, a hop at a time.
func (m *Meter) write(s []float32) {
	ch := m.channels
	for len(s) > 0 {
		n := min(len(s)/ch, m.hopLen-m.hopFill)
		part := s[:n*ch]
		s = s[n*ch:]
		for _, v := range part {
			if a := math.Abs(float64(v)); a > m.peak {
				m.peak = a
			}
		}
		if ch == 1 {
			m.hopPower += m.filter(&m.state[0], part, 1)
		} else {
			m.hopPower += m.filter(&m.state[0], part, 2)
			m.hopPower += m.filter(&m.state[1], part[1:], 2)
		}
		m.hopFill += n
		if m.hopFill == m.hopLen {
			m.endHop()
		}
	}
}

// filter K-weights every stride-th sample of s through st and returns the sum
// of the squared results. The state is float64 because the 38 Hz high-pass
// has poles close to the unit circle.
func (m *Meter) filter(st *filterState, s []float32, stride int) float64 {
	sh, hp := m.shelf, m.hp
	s1, s2, h1, h2 := st.s1, st.s2, st.h1, st.h2
	sum := 0.0
	for i := 0; i < len(s); i += stride {
		x := float64(s[i])
		if x-x != 0 {
			// NaN or Inf would poison the filter state for the rest of the
			// stream; a broken sample counts as silence instead.
			x = 0
		}
		y := sh.b0*x + s1
		s1 = sh.b1*x - sh.a1*y + s2
		s2 = sh.b2*x - sh.a2*y
		z := hp.b0*y + h1
		h1 = hp.b1*y - hp.a1*z + h2
		h2 = hp.b2*y - hp.a2*z
		sum += z * z
	}
	st.s1, st.s2, st.h1, st.h2 = s1, s2, h1, h2
	return sum
}

// endHop closes the current hop and, once four hops exist, the block made of
// the last four.
func (m *Meter) endHop() {
	i := int(m.hop % hopsPerBlock)
	m.ringPower[i] = m.hopPower
	m.ringLen[i] = m.hopLen
	m.hop++
	m.hopFill = 0
	m.hopPower = 0
	m.hopLen = m.hopLength(m.hop)
	if m.hop < hopsPerBlock {
		return
	}
	var power float64
	var n int
	for j := range hopsPerBlock {
		power += m.ringPower[j]
		n += m.ringLen[j]
	}
	// All channel weights are 1.0, so the weighted sum of per-channel mean
	// squares is the summed power over the block length.
	z := power / float64(n)
	if level(z) > absoluteGate {
		m.gated = append(m.gated, z)
	}
}

// level converts a weighted mean square to LUFS.
func level(z float64) float64 { return offset + 10*math.Log10(z) }

// Integrated returns the gated loudness of everything written so far, in LUFS,
// or -Inf when no complete 400 ms block passes the gates. It costs one pass
// over the stored blocks.
func (m *Meter) Integrated() float64 {
	if len(m.gated) == 0 {
		return math.Inf(-1)
	}
	var sum float64
	for _, z := range m.gated {
		sum += z
	}
	threshold := level(sum/float64(len(m.gated))) + relativeGate
	sum = 0
	n := 0
	for _, z := range m.gated {
		if level(z) > threshold {
			sum += z
			n++
		}
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return level(sum / float64(n))
}

// SamplePeak returns the largest absolute sample value written so far
// (linear, 1.0 is full scale). It is the peak of the samples, not the true
// inter-sample peak.
func (m *Meter) SamplePeak() float64 { return m.peak }

// Gain returns the gain in dB that brings integrated loudness to target LUFS
// without letting the sample peak exceed ceilingDBFS (e.g. -1). Quiet items
// with loud peaks are therefore left below target rather than clipped. It is
// 0 for silent or unmeasurable input (loudness -Inf or NaN, peak not positive
// and finite), so such items are passed through untouched.
func Gain(target, integrated, peak, ceilingDBFS float64) float64 {
	if math.IsInf(integrated, 0) || math.IsNaN(integrated) || !(peak > 0) || math.IsInf(peak, 1) {
		return 0
	}
	gain := target - integrated
	if headroom := ceilingDBFS - 20*math.Log10(peak); gain > headroom {
		gain = headroom
	}
	if math.IsNaN(gain) {
		return 0
	}
	return gain
}
