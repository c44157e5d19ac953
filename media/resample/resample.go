// Package resample converts interleaved float32 PCM from one sample rate to
// another with a polyphase Kaiser-windowed sinc filter.
//
// The broadcaster decodes MP3s at whatever rate they were made at and must
// feed Opus at 48 kHz. Items are joined gaplessly and the timeline counts
// samples, so the converter has no delay: output frame k is the input signal
// evaluated at input time k*inRate/outRate, and n input frames always yield
// exactly OutputFrames(n, inRate, outRate) output frames.
package resample

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Limits accepted by New. They cover every rate an MP3 or a WebRTC peer can
// produce and keep the filter tables bounded.
const (
	MinRate     = 8000
	MaxRate     = 192000
	MaxChannels = 8
)

var (
	// ErrRate reports a sample rate outside MinRate..MaxRate.
	ErrRate = errors.New("resample: sample rate out of range")
	// ErrChannels reports a channel count outside 1..MaxChannels.
	ErrChannels = errors.New("resample: channel count out of range")
)

// chunkFrames is how many input frames are deinterleaved at a time. The
// history buffer is sized for one chunk plus the filter span, so Process never
// allocates however large src is.
const chunkFrames = 1024

// Resampler is a streaming converter for one stream. It is not safe for
// concurrent use; each stream owns its own.
type Resampler struct {
	inRate, outRate, channels int

	// The ratio reduced by its gcd: up output frames per down input frames.
	up, down int
	// The input advance per output frame, down/up, split into whole frames
	// and a remainder in units of 1/up.
	stepWhole int64
	stepFrac  int

	passthrough bool
	f           design

	// buf holds recent input, one planar slice per channel, so that each
	// output is a contiguous dot product. buf[c][i] is input frame base+i;
	// frames before 0 are the zeros the signal is assumed to start from.
	buf  [][]float32
	base int64
	end  int64 // one past the newest frame in buf
	real int64 // input frames received from the caller

	// The next output frame k sits at input time n + p/up with n = floor(k*down/up).
	k int64
	n int64
	p int

	// pending keeps a partial frame when src was cut mid-frame.
	pending []float32
	out     []float32 // one output frame, reused
}

// New returns a converter from inRate to outRate for interleaved frames of
// channels channels. The filter table is built here, once, so Process is cheap.
func New(inRate, outRate, channels int) (*Resampler, error) {
	for _, rate := range []int{inRate, outRate} {
		if rate < MinRate || rate > MaxRate {
			return nil, fmt.Errorf("%w: %d Hz, want %d..%d", ErrRate, rate, MinRate, MaxRate)
		}
	}
	if channels < 1 || channels > MaxChannels {
		return nil, fmt.Errorf("%w: %d, want 1..%d", ErrChannels, channels, MaxChannels)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{
		inRate:      inRate,
		outRate:     outRate,
		channels:    channels,
		up:          outRate / g,
		down:        inRate / g,
		passthrough: inRate == outRate,
	}
	if r.passthrough {
		return r, nil
	}
	r.stepWhole = int64(r.down / r.up)
	r.stepFrac = r.down % r.up
	r.f = newDesign(inRate, outRate, r.up)
	capFrames := r.f.taps + chunkFrames
	store := make([]float32, channels*capFrames)
	r.buf = make([][]float32, channels)
	for c := range r.buf {
		r.buf[c] = store[c*capFrames : (c+1)*capFrames : (c+1)*capFrames]
	}
	r.pending = make([]float32, 0, channels)
	r.out = make([]float32, channels)
	r.Reset()
	return r, nil
}

// Taps reports how many input frames each output frame is computed from
// (per channel), which is what the conversion costs. It is 0 for equal rates.
func (r *Resampler) Taps() int { return r.f.taps }

// Reset forgets all input so the converter can start a new stream, as if it
// had just been made by New.
func (r *Resampler) Reset() {
	if r.passthrough {
		return
	}
	h := r.f.half - 1
	for c := range r.buf {
		clear(r.buf[c][:h])
	}
	r.base = -int64(h)
	r.end = 0
	r.real = 0
	r.k, r.n, r.p = 0, 0, 0
	r.pending = r.pending[:0]
}

// Process converts src (interleaved; a trailing partial frame is kept for the
// next call) and appends the output to dst, returning it. Output lags input by
// the filter's half-width until Flush, because each output frame needs input
// from after its own instant.
func (r *Resampler) Process(dst, src []float32) []float32 {
	if r.passthrough {
		return append(dst, src...)
	}
	ch := r.channels
	frames := (len(r.pending) + len(src)) / ch
	dst = r.grow(dst, r.real+int64(frames)-int64(r.f.half))

	if len(r.pending) > 0 {
		need := ch - len(r.pending)
		if len(src) < need {
			r.pending = append(r.pending, src...)
			return dst
		}
		r.pending = append(r.pending, src[:need]...)
		src = src[need:]
		dst = r.feed(dst, r.pending, 1)
		r.pending = r.pending[:0]
	}
	whole := len(src) / ch
	dst = r.feed(dst, src[:whole*ch], whole)
	r.pending = append(r.pending, src[whole*ch:]...)
	r.real += int64(frames)
	return dst
}

// Flush appends the rest of the output, computed as if the input were followed
// by silence, and then resets the converter for a new stream. A partial frame
// left over from Process is dropped. After Flush the stream has produced
// exactly OutputFrames(n, inRate, outRate) frames for its n input frames.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.passthrough {
		return dst
	}
	total := ceilMulDiv(r.real, int64(r.up), int64(r.down))
	dst = r.grow(dst, r.real)
	// Outputs before the end of the input need up to half frames after it.
	for left := r.f.half; left > 0 && r.k < total; {
		m := min(left, chunkFrames)
		dst = r.feed(dst, nil, m)
		left -= m
	}
	r.Reset()
	return dst
}

// grow reserves room in dst for every output whose instant lies before input
// frame usable (the ones computable once input reaches usable+half frames), so
// that the appends in emit never reallocate mid-call.
func (r *Resampler) grow(dst []float32, usable int64) []float32 {
	target := ceilMulDiv(usable, int64(r.up), int64(r.down))
	if target <= r.k {
		return dst
	}
	return slices.Grow(dst, int(target-r.k)*r.channels)
}

// feed appends frames of src (interleaved), or frames of silence when src is
// nil, to the history and emits every output that has become computable.
func (r *Resampler) feed(dst, src []float32, frames int) []float32 {
	ch := r.channels
	for frames > 0 {
		stored := int(r.end - r.base)
		m := min(frames, len(r.buf[0])-stored)
		switch {
		case src == nil:
			for c := range r.buf {
				clear(r.buf[c][stored : stored+m])
			}
		case ch == 1:
			copy(r.buf[0][stored:stored+m], src[:m])
		case ch == 2:
			left, right := r.buf[0][stored:stored+m], r.buf[1][stored:stored+m]
			in := src[:2*m]
			for i := range left {
				left[i] = in[2*i]
				right[i] = in[2*i+1]
			}
		default:
			for c := range r.buf {
				b := r.buf[c][stored : stored+m]
				for i := range b {
					b[i] = src[i*ch+c]
				}
			}
		}
		if src != nil {
			src = src[m*ch:]
		}
		frames -= m
		r.end += int64(m)
		dst = r.emit(dst)
		r.compact()
	}
	return dst
}

// emit appends every output frame whose filter span lies inside the history.
func (r *Resampler) emit(dst []float32) []float32 {
	f := &r.f
	half := int64(f.half)
	for r.n+half < r.end {
		off := int(r.n - (half - 1) - r.base)
		if f.interp {
			// Position among the table rows, kept exact in integers.
			pos := r.p * f.rows
			q := pos / r.up
			a := float32(pos%r.up) / float32(r.up)
			row := f.coef[q*f.taps : (q+1)*f.taps]
			slope := f.slope[q*f.taps : (q+1)*f.taps]
			for c, b := range r.buf {
				x := b[off : off+f.taps]
				r.out[c] = dot(row, x) + a*dot(slope, x)
			}
			dst = append(dst, r.out...)
		} else {
			row := f.coef[r.p*f.taps : (r.p+1)*f.taps]
			switch len(r.buf) {
			case 1:
				dst = append(dst, dot(row, r.buf[0][off:off+f.taps]))
			case 2:
				yl, yr := dot2(row, r.buf[0][off:off+f.taps], r.buf[1][off:off+f.taps])
				dst = append(dst, yl, yr)
			default:
				for c, b := range r.buf {
					r.out[c] = dot(row, b[off:off+f.taps])
				}
				dst = append(dst, r.out...)
			}
		}
		r.k++
		r.n += r.stepWhole
		r.p += r.stepFrac
		if r.p >= r.up {
			r.p -= r.up
			r.n++
		}
	}
	return dst
}

// compact drops history the next output no longer needs, moving the rest to
// the front of each channel's buffer.
func (r *Resampler) compact() {
	keep := min(r.n-int64(r.f.half-1), r.end)
	drop := int(keep - r.base)
	if drop <= 0 {
		return
	}
	stored := int(r.end - r.base)
	for c := range r.buf {
		copy(r.buf[c], r.buf[c][drop:stored])
	}
	r.base = keep
}

// dot is the inner product of a filter row and an equally long input span.
// Four accumulators break the dependency chain.
func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var s0, s1, s2, s3 float32
	for len(c) >= 4 && len(x) >= 4 {
		s0 += c[0] * x[0]
		s1 += c[1] * x[1]
		s2 += c[2] * x[2]
		s3 += c[3] * x[3]
		c, x = c[4:], x[4:]
	}
	for i := range c {
		s0 += c[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot2 is dot for two channels at once, loading each coefficient only once.
func dot2(c, a, b []float32) (float32, float32) {
	a = a[:len(c)]
	b = b[:len(c)]
	var a0, a1, a2, a3, b0, b1, b2, b3 float32
	for len(c) >= 4 && len(a) >= 4 && len(b) >= 4 {
		a0 += c[0] * a[0]
		b0 += c[0] * b[0]
		a1 += c[1] * a[1]
		b1 += c[1] * b[1]
		a2 += c[2] * a[2]
		b2 += c[2] * b[2]
		a3 += c[3] * a[3]
		b3 += c[3] * b[3]
		c, a, b = c[4:], a[4:], b[4:]
	}
	for i := range c {
		a0 += c[i] * a[i]
		b0 += c[i] * b[i]
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

// OutputFrames is the exact number of frames Process and Flush yield for
// inFrames input frames: ceil(inFrames*outRate/inRate), computed in integers so
// that a timeline built on it never drifts. Non-positive arguments give 0.
func OutputFrames(inFrames int64, inRate, outRate int) int64 {
	if inFrames <= 0 || inRate <= 0 || outRate <= 0 {
		return 0
	}
	g := gcd(inRate, outRate)
	return ceilMulDiv(inFrames, int64(outRate/g), int64(inRate/g))
}

// ceilMulDiv returns ceil(x*mul/div) for positive mul and div with a 128-bit
// intermediate, 0 for x <= 0, and saturates at MaxInt64.
func ceilMulDiv(x, mul, div int64) int64 {
	if x <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(x), uint64(mul))
	var carry uint64
	lo, carry = bits.Add64(lo, uint64(div-1), 0)
	hi += carry
	if hi >= uint64(div) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(div))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
