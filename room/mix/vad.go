package mix

import "math"

// VAD tuning. Levels are dBFS of the band-passed signal's RMS (a full-scale sine reads -3 dBFS).
const (
	// vadMargin is how far above the noise floor a frame must be to count as voice.
	vadMargin = 9.0
	// vadFloorCap is the highest the noise floor may go. Background noise worth ignoring is quieter
	// than this; anything steady and louder (a tone, music held to a microphone) counts as
	// speaking, and keeps counting however long it lasts. It is set so that the threshold stays at
	// or below -39 dBFS: Chrome's noise suppression takes a steady -10 dBFS tone from a fake
	// microphone down to about -32.5 dBFS RMS within 3 s (measured with Chromium 156 and the
	// join page's constraints), and that must still be speech.
	vadFloorCap = -48.0
	// vadAbsMin is the quietest a frame may be and still count as voice, whatever the floor.
	vadAbsMin = -60.0
	// vadSilent marks frames too quiet to say anything about the room (digital silence while a
	// stream is starting, muted, or in DTX): they leave the floor alone.
	vadSilent = -90.0
	// vadFloorRise is how fast the floor follows a louder background, in dB per 20 ms frame
	// (1.5 dB/s). It falls halfway to a quieter frame at once.
	vadFloorRise = 0.03
	// vadOnset is the frames above threshold in a row that start speech (40 ms); vadHangover the
	// frames below it that end speech (300 ms).
	vadOnset    = 2
	vadHangover = 15
)

// biquad is a second-order IIR section (Direct Form I, float64 state).
type biquad struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

// newBiquad returns an RBJ-cookbook Butterworth (Q = 1/sqrt 2) high-pass or low-pass at f Hz.
func newBiquad(f float64, highPass bool) biquad {
	w := 2 * math.Pi * f / Rate
	cos := math.Cos(w)
	alpha := math.Sin(w) / math.Sqrt2 // sin(w) / 2Q with Q = 1/sqrt 2
	a0 := 1 + alpha
	var b0, b1, b2 float64
	if highPass {
		b0, b1, b2 = (1+cos)/2, -(1 + cos), (1+cos)/2
	} else {
		b0, b1, b2 = (1-cos)/2, 1-cos, (1-cos)/2
	}
	return biquad{b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: -2 * cos / a0, a2: (1 - alpha) / a0}
}

func (f *biquad) step(x float64) float64 {
	y := f.b0*x + f.b1*f.x1 + f.b2*f.x2 - f.a1*f.y1 - f.a2*f.y2
	f.x2, f.x1 = f.x1, x
	f.y2, f.y1 = f.y1, y
	return y
}

// VAD decides, frame by frame, whether a member is speaking.
//
// The rule: band-pass the frame to the speech band (200-4000 Hz, second-order Butterworth each
// side) and take its RMS level in dBFS. A noise floor follows the quiet frames (down fast, up at
// 1.5 dB/s) but never above -48 dBFS. A frame is voiced when it is 9 dB above the floor and above
// -60 dBFS. Two voiced frames in a row (40 ms) start speech; 15 unvoiced ones (300 ms) end it.
// Steady background is learnt as floor and ignored while its speech-band level stays below about
// -40 dBFS (white hiss at -45 dBFS reads -52 here, a -35 dBFS fan rumble -43); anything steady
// and louder counts as speech however long it lasts, because the floor cannot climb to it.
//
// A VAD is for one goroutine (the mixer's).
type VAD struct {
	hp, lp   biquad
	floor    float64
	power    float64 // smoothed band power, for Level
	run      int     // voiced frames in a row
	hang     int     // unvoiced frames left before speech ends
	speaking bool
}

// NewVAD returns a detector that starts not speaking, with the floor at its cap until it hears the
// room.
func NewVAD() *VAD {
	return &VAD{hp: newBiquad(200, true), lp: newBiquad(4000, false), floor: vadFloorCap}
}

// Update takes one 20 ms frame of a member's decoded audio (interleaved stereo, 1920 floats; a
// frame of 960 is taken as mono) and reports whether they are speaking.
func (v *VAD) Update(frame []float32) bool {
	stereo := len(frame) == FrameLen
	var sum float64
	n := 0
	if stereo {
		for i := 0; i+1 < len(frame); i += 2 {
			x := v.lp.step(v.hp.step(float64(frame[i]+frame[i+1]) / 2))
			sum += x * x
			n++
		}
	} else {
		for _, s := range frame {
			x := v.lp.step(v.hp.step(float64(s)))
			sum += x * x
			n++
		}
	}
	if n == 0 {
		return v.speaking
	}
	p := sum / float64(n)
	if p != p || math.IsInf(p, 0) { // a non-finite sample: reset the filters, skip the frame
		v.hp.x1, v.hp.x2, v.hp.y1, v.hp.y2 = 0, 0, 0, 0
		v.lp.x1, v.lp.x2, v.lp.y1, v.lp.y2 = 0, 0, 0, 0
		return v.speaking
	}
	// Level meter: fast up, ~100 ms down.
	if p > v.power {
		v.power += 0.6 * (p - v.power)
	} else {
		v.power += 0.2 * (p - v.power)
	}
	e := 10 * math.Log10(p+1e-20)

	if e > vadSilent {
		if e < v.floor {
			v.floor += 0.5 * (e - v.floor)
		} else {
			v.floor += min(e-v.floor, vadFloorRise)
		}
		v.floor = min(v.floor, vadFloorCap)
	}
	voiced := e > v.floor+vadMargin && e > vadAbsMin
	if voiced {
		v.run++
		if v.run >= vadOnset {
			v.speaking = true
			v.hang = vadHangover
		}
	} else {
		v.run = 0
		if v.speaking {
			v.hang--
			if v.hang <= 0 {
				v.speaking = false
			}
		}
	}
	return v.speaking
}

// Level returns the smoothed speech-band level in dBFS (RMS; a full-scale sine reads -3 dBFS), at
// least -120.
func (v *VAD) Level() float64 {
	return max(10*math.Log10(v.power+1e-20), -120)
}
