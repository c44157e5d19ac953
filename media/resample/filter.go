package resample

import "math"

// Design parameters shared by every ratio. They are constants rather than
// options because the broadcaster needs one known quality, and a tested one.
const (
	// stopbandDB is the Kaiser design attenuation. 100 dB keeps images and
	// aliases well under the 80 dB requirement, and under 16-bit quantisation
	// noise of the source MP3s, at 132 taps per output sample when upsampling.
	stopbandDB = 100.0

	// passFraction places the passband edge at this fraction of the lower
	// Nyquist frequency; the stopband starts exactly at the lower Nyquist so
	// that nothing above it can fold back into the output. For 44.1 kHz input
	// this keeps the response flat to 19.8 kHz.
	passFraction = 0.9

	// maxTable caps an exact polyphase table (phases*taps float32s, 4 MiB).
	// Every ratio between the common audio rates fits with room to spare; odd
	// rates such as 47999 would need tens of megabytes, so they get a smaller
	// table that is interpolated between phases instead.
	maxTable = 1 << 20

	// phasesPerCycle sets the density of the interpolated table: table rows
	// per cycle of the cutoff frequency. Linear interpolation between rows
	// this dense keeps coefficient error near -100 dB.
	phasesPerCycle = 1024
)

// design is a polyphase filter bank for one reduced ratio.
//
// Row q of coef holds the taps for an output instant a fraction q/rows of an
// input sample after input frame n; tap j multiplies input frame n-(half-1)+j.
// In exact mode rows == up and the phase of an output picks its row directly.
// In interpolated mode rows is smaller than up and slope holds each row's
// difference to the next (row rows being the filter at fraction 1), so an
// output a fraction a of the way between rows q and q+1 uses coef[q]+a*slope[q].
type design struct {
	half   int // taps on each side of the output instant
	taps   int // 2*half
	rows   int // number of phases the table is sampled at
	interp bool
	coef   []float32 // rows * taps
	slope  []float32 // interpolated mode only: coef[q+1]-coef[q]
}

// newDesign builds the filter bank for converting inRate to outRate, which
// reduce to up/down. The prototype is a Kaiser-windowed sinc expressed in input
// sample units, so the same code serves upsampling (cutoff at the input
// Nyquist) and downsampling (cutoff at the output Nyquist, more taps).
func newDesign(inRate, outRate, up int) design {
	lowNyq := float64(min(inRate, outRate)) / 2
	in := float64(inRate)
	// Cutoff in the middle of the transition band, in cycles per input sample.
	fc := (1 + passFraction) / 2 * lowNyq / in
	width := (1 - passFraction) * lowNyq / in

	// Kaiser's estimates for length and shape at the design attenuation.
	length := (stopbandDB - 7.95) / (2.285 * 2 * math.Pi * width)
	beta := 0.1102 * (stopbandDB - 8.7)
	// An even half-width makes the tap count a multiple of four, so the
	// unrolled dot products never run their scalar tail.
	half := int(math.Ceil(length / 2))
	half += half % 2

	d := design{half: half, taps: 2 * half}
	if up*d.taps <= maxTable {
		d.rows = up
		d.coef = make([]float32, up*d.taps)
		for q := range up {
			fillRow(d.coef[q*d.taps:(q+1)*d.taps], float64(q)/float64(up), half, fc, beta)
		}
		return d
	}

	d.interp = true
	d.rows = max(64, int(math.Ceil(phasesPerCycle*2*fc)))
	rows := make([]float32, (d.rows+1)*d.taps)
	for q := range d.rows + 1 {
		fillRow(rows[q*d.taps:(q+1)*d.taps], float64(q)/float64(d.rows), half, fc, beta)
	}
	d.coef = rows[:d.rows*d.taps]
	d.slope = make([]float32, d.rows*d.taps)
	for i := range d.slope {
		d.slope[i] = rows[i+d.taps] - rows[i]
	}
	return d
}

// fillRow writes the taps for an output instant frac input samples after a
// frame. Each row is normalised to a DC gain of exactly one: without that the
// tiny per-phase gain differences of a finite filter would modulate a constant
// signal at the phase period.
func fillRow(row []float32, frac float64, half int, fc, beta float64) {
	// The window's constant denominator I0(beta) cancels in the normalisation.
	vals := make([]float64, len(row))
	sum := 0.0
	for j := range row {
		// Distance from the output instant back to the tap's input frame.
		tau := frac + float64(half-1-j)
		v := sinc(2*fc*tau) * kaiser(tau/float64(half), beta)
		vals[j] = v
		sum += v
	}
	for j, v := range vals {
		row[j] = float32(v / sum)
	}
}

// sinc is the normalised sinc, sin(pi x)/(pi x).
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window over u in [-1, 1], zero outside, left unscaled
// by its peak value I0(beta) because every row is normalised anyway.
func kaiser(u, beta float64) float64 {
	if u <= -1 || u >= 1 {
		return 0
	}
	return besselI0(beta * math.Sqrt(1-u*u))
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// summed from its power series until the terms stop mattering; for the beta
// values used here that takes about 30 terms.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	half := x / 2
	for k := 1; k < 200; k++ {
		f := half / float64(k)
		term *= f * f
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}
