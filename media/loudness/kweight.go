package loudness

import "math"

// biquad holds normalised second-order section coefficients (a0 == 1).
type biquad struct {
	b0, b1, b2 float64
	a1, a2     float64
}

// The K-weighting curve of BS.1770 is published only as two biquads for
// 48 kHz. They are the bilinear transforms, prewarped at their corner
// frequencies, of two analog sections with the parameters below; keeping the
// analog description lets the meter run at the file's own rate instead of
// resampling first. The values reproduce the 48 kHz table to about 1e-12.
const (
	// Stage 1: a second-order high shelf, about +4 dB above 2 kHz, modelling
	// the acoustic effect of the head.
	shelfFreq = 1681.974450955533 // Hz
	shelfQ    = 0.7071752369554196
	shelfGain = 3.999843853973347 // dB, the gain well above shelfFreq
	// shelfMid shapes the transition: the gain of the band-pass term is
	// Vh^shelfMid, a little under the geometric mean of 1 and Vh.
	shelfMid = 0.4996667741545416

	// Stage 2: a second-order high-pass (the "RLB" curve) that discounts
	// content below about 40 Hz.
	highpassFreq = 38.13547087602444 // Hz
	highpassQ    = 0.5003270373238773
)

// referenceRate is the rate of the coefficient table printed in BS.1770.
const referenceRate = 48000

// biquadNorm is the a0 term of a bilinear-transformed second-order section
// with corner f0 and quality q at rate fs, before normalisation.
func biquadNorm(f0, q, fs float64) float64 {
	k := math.Tan(math.Pi * f0 / fs)
	return 1 + k/q + k*k
}

// kWeighting returns the two K-weighting stages for a sample rate.
func kWeighting(rate int) (shelf, highpass biquad) {
	fs := float64(rate)

	// Bilinear transform of H(s) = (Vh s^2 + Vb (w0/Q) s + w0^2) /
	// (s^2 + (w0/Q) s + w0^2), written with K = tan(pi f0/fs) so that the
	// corner lands on f0 at every rate.
	k := math.Tan(math.Pi * shelfFreq / fs)
	vh := math.Pow(10, shelfGain/20)
	vb := math.Pow(vh, shelfMid)
	a0 := biquadNorm(shelfFreq, shelfQ, fs)
	shelf = biquad{
		b0: (vh + vb*k/shelfQ + k*k) / a0,
		b1: 2 * (k*k - vh) / a0,
		b2: (vh - vb*k/shelfQ + k*k) / a0,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/shelfQ + k*k) / a0,
	}

	// H(s) = s^2 / (s^2 + (w0/Q) s + w0^2). The bilinear transform gives the
	// numerator (1, -2, 1)/a0, but the BS.1770 table prints it as 1, -2, 1:
	// the section scaled by a0 at 48 kHz, about +0.04 dB. The -0.691 constant
	// was calibrated with that scale, so every rate gets the 48 kHz a0. (Using
	// 1, -2, 1 verbatim would read 0.2 dB louder at 8 kHz than at 48 kHz.)
	a0 = biquadNorm(highpassFreq, highpassQ, fs)
	scale := biquadNorm(highpassFreq, highpassQ, referenceRate) / a0
	k = math.Tan(math.Pi * highpassFreq / fs)
	highpass = biquad{
		b0: scale,
		b1: -2 * scale,
		b2: scale,
		a1: 2 * (k*k - 1) / a0,
		a2: (1 - k/highpassQ + k*k) / a0,
	}
	return shelf, highpass
}

// response is the magnitude of a biquad at freq Hz, for tests and for
// documenting the curve.
func (q biquad) response(freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	z1 := complex(math.Cos(w), -math.Sin(w)) // z^-1
	z2 := z1 * z1
	num := complex(q.b0, 0) + complex(q.b1, 0)*z1 + complex(q.b2, 0)*z2
	den := 1 + complex(q.a1, 0)*z1 + complex(q.a2, 0)*z2
	return cabs(num / den)
}

func cabs(c complex128) float64 { return math.Hypot(real(c), imag(c)) }
