package mix

import (
	"testing"
)

// runVAD feeds a mono signal to a fresh VAD in 20 ms stereo frames and returns its answer per
// frame.
func runVAD(x []float32) ([]bool, *VAD) {
	v := NewVAD()
	var out []bool
	frame := make([]float32, FrameLen)
	for i := 0; i+FrameSamples <= len(x); i += FrameSamples {
		for j := 0; j < FrameSamples; j++ {
			frame[2*j], frame[2*j+1] = x[i+j], x[i+j]
		}
		out = append(out, v.Update(frame))
	}
	return out, v
}

func count(b []bool) (n int) {
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func concat(parts ...[]float32) []float32 {
	var out []float32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestVADBackground: steady background sound is not speech, however long it lasts.
func TestVADBackground(t *testing.T) {
	const n = 20 * Rate
	for _, tc := range []struct {
		name string
		x    []float32
	}{
		{"digital silence", make([]float32, n)},
		{"white hiss -50 dBFS", whiteNoise(1, -50, n)},
		{"white hiss -45 dBFS", whiteNoise(2, -45, n)},
		{"pink noise -50 dBFS", pinkNoise(3, -50, n)},
		{"fan rumble -35 dBFS", brownNoise(4, -35, n)},
		{"fan rumble + hiss", add(brownNoise(5, -40, n), whiteNoise(6, -52, n))},
		{"50 Hz hum -30 dBFS", hum(50, -30, n)},
		{"60 Hz hum -35 dBFS", hum(60, -35, n)},
		{"hum + hiss", add(hum(50, -35, n), pinkNoise(7, -50, n))},
		// Silence, then hiss switched on: the floor is not stuck down at the silence.
		{"silence then hiss", concat(make([]float32, 2*Rate), whiteNoise(8, -50, n-2*Rate))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, v := runVAD(tc.x)
			if c := count(got); c != 0 {
				t.Errorf("speaking in %d of %d frames (level %.1f dBFS, floor %.1f)", c, len(got), v.Level(), v.floor)
			}
		})
	}
}

// TestVADTone: a loud steady tone in the speech band (what a fake microphone plays in the
// acceptance tests) is speaking from 40 ms in to the end, and stops within the hangover after.
func TestVADTone(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    []float32
	}{
		{"660 Hz -10 dBFS", sine(660, dbfs(-10), 20*Rate)},
		{"660 Hz -10 dBFS over hiss", add(sine(660, dbfs(-10), 20*Rate), whiteNoise(9, -50, 20*Rate))},
		{"440 Hz -30 dBFS", sine(440, dbfs(-30), 20*Rate)},
		{"1 kHz -20 dBFS", sine(1000, dbfs(-20), 20*Rate)},
		// The -10 dBFS tone as Chrome's noise suppression delivers it (measured through
		// getUserMedia with the join page's constraints): -18 dBFS peak in the first second, -24
		// in the second, then -29.5 for good.
		{"660 Hz as Chrome delivers it", chromeTone(22 * Rate)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := concat(tc.x, make([]float32, Rate))
			got, v := runVAD(x)
			tone := len(tc.x) / FrameSamples
			for i := 0; i < tone; i++ {
				if got[i] != (i >= vadOnset-1) {
					t.Fatalf("frame %d (%d ms): speaking=%v", i, i*20, got[i])
				}
			}
			end := tone
			for end < len(got) && got[end] {
				end++
			}
			if hang := (end - tone) * 20; hang < 250 || hang > 350 {
				t.Errorf("speaking stopped %d ms after the tone, want ~300", hang)
			}
			if lvl := v.Level(); lvl > -45 {
				t.Errorf("level %.1f dBFS after 1 s of silence", lvl)
			}
		})
	}
}

// TestVADSpeech: real (synthesised) speech is detected, with and without background noise, and
// quiet; the noise before and after it is not.
func TestVADSpeech(t *testing.T) {
	for _, name := range []string{"speech_male.wav", "speech_female.wav"} {
		clean := speech48k(t, name)
		for _, tc := range []struct {
			name  string
			gain  float64
			noise func(n int) []float32
		}{
			{"clean", 0, func(n int) []float32 { return make([]float32, n) }},
			{"in hiss", 0, func(n int) []float32 { return whiteNoise(10, -50, n) }},
			{"quiet, in pink noise", -15, func(n int) []float32 { return pinkNoise(11, -55, n) }},
			{"with hum and fan", -6, func(n int) []float32 { return add(hum(50, -35, n), brownNoise(12, -40, n)) }},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				lead := 3 * Rate
				x := concat(make([]float32, lead), scale(clean, tc.gain), make([]float32, 2*Rate))
				x = add(x, tc.noise(len(x)))
				got, v := runVAD(x)
				first, last := lead/FrameSamples, (lead+len(clean))/FrameSamples
				if c := count(got[:first]); c != 0 {
					t.Errorf("speaking in %d frames of the noise before the speech", c)
				}
				// Frames where the clean speech is within 25 dB of its loudest frame are voiced.
				var loud, caught int
				top := 0.0
				for i := 0; i+FrameSamples <= len(clean); i += FrameSamples {
					top = max(top, rms(clean[i:i+FrameSamples]))
				}
				for i := 0; i+FrameSamples <= len(clean); i += FrameSamples {
					if rms(clean[i:i+FrameSamples]) > top*dB(-25) {
						loud++
						if got[first+i/FrameSamples] {
							caught++
						}
					}
				}
				if frac := float64(caught) / float64(loud); frac < 0.95 {
					t.Errorf("speaking in %d of %d voiced frames (%.0f%%)", caught, loud, 100*frac)
				}
				// Speech starts within 60 ms and ends within 400 ms of the talking.
				onset := first
				for onset < len(got) && !got[onset] {
					onset++
				}
				speechStart := first
				for i := 0; i < len(clean); i += FrameSamples {
					if rms(clean[i:min(i+FrameSamples, len(clean))]) > top*dB(-25) {
						speechStart = first + i/FrameSamples
						break
					}
				}
				// (It may start earlier than this reference, on quieter speech: the noise
				// before the speech was checked above.)
				if d := (onset - speechStart) * 20; d > 60 {
					t.Errorf("onset %d ms after the speech starts", d)
				}
				lastSpeaking := len(got) - 1
				for lastSpeaking > 0 && !got[lastSpeaking] {
					lastSpeaking--
				}
				if d := (lastSpeaking - last) * 20; d > 400 {
					t.Errorf("still speaking %d ms after the speech ends", d)
				}
				t.Logf("%d/%d voiced frames caught, onset +%d ms, level now %.1f dBFS, floor %.1f", caught, loud, (onset-speechStart)*20, v.Level(), v.floor)
			})
		}
	}
}

func dB(db float64) float64 { return float64(dbfs(db)) }

// TestVADRobust: odd frames neither panic nor stick.
func TestVADRobust(t *testing.T) {
	v := NewVAD()
	nan := make([]float32, FrameLen)
	for i := range nan {
		nan[i] = float32(0) / float32(0*len(nan)+0) // NaN
	}
	v.Update(nil)
	v.Update(nan)
	v.Update(make([]float32, 7))
	tone := stereo(sine(660, dbfs(-10), 10*FrameSamples))
	speaking := false
	for i := 0; i < 10; i++ {
		speaking = v.Update(tone[i*FrameLen : (i+1)*FrameLen])
	}
	if !speaking {
		t.Error("a NaN frame broke the detector")
	}
	// Mono frames of 960 work too.
	m := NewVAD()
	mono := sine(660, dbfs(-10), 3*FrameSamples)
	for i := 0; i < 3; i++ {
		speaking = m.Update(mono[i*FrameSamples : (i+1)*FrameSamples])
	}
	if !speaking {
		t.Error("mono frames not detected")
	}
}

// chromeTone is a 660 Hz tone whose level falls the way Chrome's noise suppression brought down a
// steady -10 dBFS tone from a fake microphone, with 100 ms ramps between the steps.
func chromeTone(n int) []float32 {
	x := sine(660, 1, n)
	level := func(i int) float64 {
		switch t := float64(i) / Rate; {
		case t < 1:
			return -18.4
		case t < 1.1:
			return -18.4 - 6*(t-1)/0.1
		case t < 2:
			return -24.4
		case t < 2.1:
			return -24.4 - 5.1*(t-2)/0.1
		default:
			return -29.5
		}
	}
	for i := range x {
		x[i] *= dbfs(level(i))
	}
	return x
}
