package mix

import (
	"math"
	"testing"
	"time"
)

// duckTrace runs a ducker over frames of constant 1.0 and returns its gain in dB per sample frame.
func duckTrace(d *Ducker, frames int, active bool) []float64 {
	var out []float64
	f := make([]float32, FrameLen)
	for range frames {
		for i := range f {
			f[i] = 1
		}
		d.Apply(f, active)
		for i := 0; i < len(f); i += 2 {
			if f[i] != f[i+1] {
				panic("channels differ")
			}
			out = append(out, 20*math.Log10(float64(f[i])))
		}
	}
	return out
}

// timeTo returns how long the trace takes to come within tol dB of target.
func timeTo(trace []float64, target, tol float64) time.Duration {
	for i, g := range trace {
		if math.Abs(g-target) <= tol {
			return time.Duration(i+1) * time.Second / Rate
		}
	}
	return -1
}

// maxGainStep returns the largest change of gain between neighbouring samples, in dB.
func maxGainStep(trace []float64) float64 {
	m := 0.0
	for i := 1; i < len(trace); i++ {
		m = max(m, math.Abs(trace[i]-trace[i-1]))
	}
	return m
}

func TestDuckerDefaults(t *testing.T) {
	d := NewDucker(DuckConfig{})
	down := duckTrace(d, 25, true) // 500 ms of speech
	at50 := down[50*Rate/1000-1]
	if at50 > DefaultDuckDepth+1 {
		t.Errorf("after 50 ms active the gain is %.2f dB, want within 1 dB of %.0f", at50, DefaultDuckDepth)
	}
	if g := d.GainDB(); g > -10 {
		t.Errorf("steady ducking %.2f dB, want at least 10 dB down", g)
	}
	attack90 := timeTo(down, DefaultDuckDepth, 0.1*12)
	attack95 := timeTo(down, DefaultDuckDepth, 0.05*12)
	up := duckTrace(d, 100, false) // 2 s after
	release95 := timeTo(up, 0, 0.05*12)
	release90 := timeTo(up, 0, 0.1*12)
	t.Logf("attack: 90%% in %v, 95%% in %v; release: 90%% in %v, 95%% in %v; largest per-sample step %.4f dB down, %.4f dB up",
		attack90, attack95, release90, release95, maxGainStep(down), maxGainStep(up))
	if attack95 < 48*time.Millisecond || attack95 > 52*time.Millisecond {
		t.Errorf("95%% attack took %v, want 50ms", attack95)
	}
	if release95 < 780*time.Millisecond || release95 > 820*time.Millisecond {
		t.Errorf("95%% release took %v, want 800ms", release95)
	}
	// No zipper noise: the gain moves in tiny steps, every sample.
	if s := maxGainStep(down); s > 0.02 {
		t.Errorf("attack moves %.4f dB in one sample", s)
	}
	if s := maxGainStep(up); s > duckSettle*1.01 { // the snap to 0 dB at the end is the largest
		t.Errorf("release moves %.4f dB in one sample", s)
	}
	if g := d.GainDB(); g != 0 {
		t.Errorf("gain %.6f dB after release, want exactly 0 (settled)", g)
	}
}

func TestDuckerConfig(t *testing.T) {
	d := NewDucker(DuckConfig{Depth: 20, Attack: 10 * time.Millisecond, Release: 100 * time.Millisecond})
	down := duckTrace(d, 10, true)
	if got := timeTo(down, -20, 1); got < 9*time.Millisecond || got > 11*time.Millisecond {
		t.Errorf("attack to -19 dB took %v, want ~10ms", got)
	}
	if g := d.GainDB(); math.Abs(g+20) > 0.01 {
		t.Errorf("depth %.2f, want -20 (a positive depth is taken as negative)", g)
	}
}

func TestDuckerDisabled(t *testing.T) {
	d := NewDucker(DuckConfig{})
	duckTrace(d, 10, true)
	d.SetEnabled(false)
	trace := duckTrace(d, 100, true) // still "active", but ducking is off
	if trace[0] > -11 {
		t.Errorf("disabling jumped the gain to %.2f dB; it should glide", trace[0])
	}
	if g := d.GainDB(); g != 0 {
		t.Errorf("disabled: gain %.2f dB after 2 s, want 0", g)
	}
	if s := maxGainStep(trace); s > duckSettle*1.01 {
		t.Errorf("glide moves %.4f dB in one sample", s)
	}
	d.SetEnabled(true)
	duckTrace(d, 10, true)
	if g := d.GainDB(); g > -11.9 {
		t.Errorf("re-enabled: %.2f dB", g)
	}
}

// TestDuckerTone: ducking a tone leaves no steps in the waveform.
func TestDuckerTone(t *testing.T) {
	d := NewDucker(DuckConfig{})
	x := stereo(sine(1000, dbfs(-6), 2*Rate))
	natural := maxStep(left(x))
	for i := 0; i+FrameLen <= len(x); i += FrameLen {
		d.Apply(x[i:i+FrameLen], (i/FrameLen)%25 < 12) // 240 ms on, 260 ms off
	}
	if s := maxStep(left(x)); s > natural*1.01 {
		t.Errorf("max step %.4f, tone's own %.4f", s, natural)
	}
}
