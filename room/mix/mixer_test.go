package mix

import (
	"math"
	"testing"
	"time"
)

// mixAll runs a mixer over whole signals (interleaved stereo) in 20 ms frames and returns the
// output and the limiter's gain after each frame.
func mixAll(m *Mixer, broadcast []float32, members ...[]float32) ([]float32, []float64) {
	n := len(broadcast)
	for _, x := range members {
		n = max(n, len(x))
	}
	n -= n % FrameLen
	out := make([]float32, n)
	var gains []float64
	frames := make([][]float32, len(members))
	for i := 0; i < n; i += FrameLen {
		var b []float32
		if broadcast != nil {
			b = broadcast[i:min(i+FrameLen, len(broadcast))]
		}
		for j, x := range members {
			frames[j] = x[i:min(i+FrameLen, len(x))]
		}
		m.Mix(out[i:i+FrameLen], b, frames)
		gains = append(gains, m.GainDB())
	}
	return out, gains
}

func TestMixerCeiling(t *testing.T) {
	n := 5 * Rate
	for _, tc := range []struct {
		name      string
		broadcast []float32
		members   [][]float32
	}{
		{"two full-scale sines", stereo(sine(440, 1, n)), [][]float32{stereo(sine(554.37, 1, n))}},
		{"full-scale sines, members only", nil, [][]float32{stereo(sine(220, 1, n)), stereo(sine(330, 1, n)), stereo(sine(3000, 1, n))}},
		{"50 members of loud noise", stereo(pinkNoise(1, -10, n)), func() (ms [][]float32) {
			for i := range 50 {
				ms = append(ms, stereo(whiteNoise(uint64(100+i), -6, n)))
			}
			return ms
		}()},
		{"square wave bursts", stereo(squareBursts(n)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, gains := mixAll(NewMixer(), tc.broadcast, tc.members...)
			pk := peak(out)
			for _, v := range out {
				if v != v {
					t.Fatal("NaN in the mix")
				}
			}
			minGain := 0.0
			for _, g := range gains {
				minGain = min(minGain, g)
			}
			t.Logf("peak %.4f (%.2f dBFS), ceiling %.4f; lowest gain %.1f dB; output RMS %.1f dBFS",
				pk, 20*math.Log10(float64(pk)), ceiling, minGain, 20*math.Log10(rms(out)))
			if pk > ceiling {
				t.Errorf("peak %.6f above the ceiling %.6f", pk, ceiling)
			}
			if rms(out) < 0.1 {
				t.Errorf("limited to near silence: RMS %.3f", rms(out))
			}
		})
	}
}

// squareBursts alternates 100 ms of a full-scale square wave with 400 ms of near silence: every
// burst hits the limiter from rest, the hardest case for the attack.
func squareBursts(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if (i/(Rate/10))%5 == 0 {
			if (i/24)%2 == 0 {
				out[i] = 1
			} else {
				out[i] = -1
			}
		} else {
			out[i] = 0.001
		}
	}
	return out
}

// TestMixerUntouched: a member at a normal speaking level with the broadcast at -18 dBFS RMS
// (about -18 LUFS for this broadband material) is not touched: the output is exactly the sum,
// delayed by the look-ahead.
func TestMixerUntouched(t *testing.T) {
	speech := concat(speech48k(t, "speech_male.wav"), speech48k(t, "speech_female.wav"))
	member := normalize(speech, -23)
	n := len(member)
	drone := add(add(sine(110, 1, n), sine(165, 0.7, n)), sine(220, 0.5, n))
	broadcast := add(normalize(drone, -21), pinkNoise(2, -21, n))
	t.Logf("broadcast RMS %.1f dBFS peak %.1f dBFS; member RMS %.1f dBFS peak %.1f dBFS; sum peak %.1f dBFS",
		20*math.Log10(rms(broadcast)), 20*math.Log10(float64(peak(broadcast))),
		20*math.Log10(rms(member)), 20*math.Log10(float64(peak(member))),
		20*math.Log10(float64(peak(add(broadcast, member)))))
	b, m := stereo(broadcast), stereo(member)
	out, gains := mixAll(NewMixer(), b, m)
	for i, g := range gains {
		if g != 0 {
			t.Fatalf("frame %d: limiter gain %.3f dB", i, g)
		}
	}
	sum := add(b, m)
	for i := 2 * LimiterLookahead; i < len(out); i++ {
		if out[i] != sum[i-2*LimiterLookahead] {
			t.Fatalf("sample %d: %v, want %v", i, out[i], sum[i-2*LimiterLookahead])
		}
	}
}

// TestMixerLatency: the output lags by exactly the look-ahead.
func TestMixerLatency(t *testing.T) {
	in := make([]float32, 2*FrameLen)
	in[2*500] = 0.5
	out, _ := mixAll(NewMixer(), in)
	for i := 0; i < len(out); i += 2 {
		want := float32(0)
		if i/2 == 500+LimiterLookahead {
			want = 0.5
		}
		if out[i] != want {
			t.Fatalf("frame %d: %v, want %v", i/2, out[i], want)
		}
	}
	t.Logf("limiter latency %d frames = %v", LimiterLookahead, time.Duration(LimiterLookahead)*time.Second/Rate)
}

// TestMixerRelease measures how the limiter lets go after a loud passage: no pumping on the quiet
// music after it beyond ~150 ms, and the attack is a ramp, not a step.
func TestMixerRelease(t *testing.T) {
	loud := sine(440, dbfs(10), Rate/2) // ten members' worth: 11 dB over the ceiling
	quiet := sine(440, dbfs(-20), Rate)
	in := stereo(concat(loud, quiet))
	m := NewMixer()
	out := make([]float32, len(in))
	// Per-sample gain: out / in (delayed), on the loud sine's non-tiny samples.
	frame := make([]float32, 2)
	var gains []float64
	for i := 0; i < len(in); i += 2 {
		copy(frame, in[i:i+2])
		m.Mix(frame, frame, nil)
		copy(out[i:], frame)
		gains = append(gains, m.gain)
	}
	// Release: from the end of the loud part (as it leaves the delay line) to within 0.5 dB.
	end := len(loud) + LimiterLookahead
	var rel time.Duration
	for i := end; i < len(gains); i++ {
		if 20*math.Log10(gains[i]) > -0.5 {
			rel = time.Duration(i-end) * time.Second / Rate
			break
		}
	}
	maxStepDB, maxStep, lowest := 0.0, 0.0, 1.0
	for i := 1; i < len(gains); i++ {
		maxStepDB = max(maxStepDB, math.Abs(20*math.Log10(gains[i]/gains[i-1])))
		maxStep = max(maxStep, math.Abs(gains[i]-gains[i-1]))
		lowest = min(lowest, gains[i])
	}
	t.Logf("limited the +10 dBFS sine by %.2f dB; back within 0.5 dB of unity %v after it ended; largest per-sample gain step %.3f dB",
		20*math.Log10(gains[len(loud)]), rel, maxStepDB)
	if rel < 80*time.Millisecond || rel > 250*time.Millisecond {
		t.Errorf("release took %v, want 100-200 ms", rel)
	}
	// The attack is a linear ramp over the look-ahead window: never a larger step than that.
	if ramp := (1 - lowest) / (LimiterLookahead + 1); maxStep > ramp*1.0001 {
		t.Errorf("gain steps by %.4f in one sample, more than a %d-sample ramp (%.4f)", maxStep, LimiterLookahead+1, ramp)
	}
	if p := peak(out); p > ceiling {
		t.Errorf("peak %v above the ceiling", p)
	}
}

// TestMixerBadInput: NaN and infinite samples and short slices do not poison or crash the mix.
func TestMixerBadInput(t *testing.T) {
	m := NewMixer()
	bad := make([]float32, FrameLen)
	for i := range bad {
		switch i % 3 {
		case 0:
			bad[i] = float32(math.NaN())
		case 1:
			bad[i] = float32(math.Inf(1))
		default:
			bad[i] = 0.1
		}
	}
	out := make([]float32, FrameLen)
	for range 10 {
		m.Mix(out, bad, [][]float32{nil, bad[:7], make([]float32, 3*FrameLen)})
		for _, v := range out {
			if v != v || v > ceiling || v < -ceiling {
				t.Fatalf("sample %v", v)
			}
		}
	}
	m.Mix(out[:5], nil, nil) // odd length: no panic
}
