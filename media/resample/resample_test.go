package resample

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// mp3Rates are the rates go-mp3 hands the broadcaster; each goes to 48 kHz.
var mp3Rates = []int{16000, 22050, 24000, 32000, 44100, 48000}

// convert runs src through a fresh converter in one Process call and a Flush.
func convert(t testing.TB, in, out, channels int, src []float32) []float32 {
	t.Helper()
	r, err := New(in, out, channels)
	if err != nil {
		t.Fatalf("New(%d, %d, %d): %v", in, out, channels, err)
	}
	dst := r.Process(nil, src)
	return r.Flush(dst)
}

// tone returns frames of a sine at freq Hz sampled at rate, the same in every
// channel except for a per-channel phase offset so channels cannot be mixed up.
func tone(rate, channels, frames int, freq, amp float64) []float32 {
	s := make([]float32, frames*channels)
	for i := range frames {
		for c := range channels {
			s[i*channels+c] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)+0.3*float64(c)))
		}
	}
	return s
}

// edge is how many output frames at each end are disturbed by the signal
// starting and stopping abruptly: the filter span in output frames plus margin.
func edge(t testing.TB, in, out int) int {
	t.Helper()
	r, err := New(in, out, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r.Taps()*out/in + 16
}

// idealSNR compares channel c of y with the sine tone() would have produced at
// the output rate, at the exact output instants. Any delay, gain error, image
// or alias counts as noise, so this also checks zero-delay alignment.
func idealSNR(y []float32, channels, c, rate, skip int, freq, amp float64) float64 {
	frames := len(y) / channels
	var sig, noise float64
	for k := skip; k < frames-skip; k++ {
		want := amp * math.Sin(2*math.Pi*freq*float64(k)/float64(rate)+0.3*float64(c))
		d := float64(y[k*channels+c]) - want
		sig += want * want
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}

// fit finds the least-squares sinusoid at freq in channel c of y (frames
// skip..end-skip) and returns its amplitude and the RMS of what is left.
func fit(y []float32, channels, c, rate, skip int, freq float64) (amp, resid float64) {
	frames := len(y) / channels
	var ss, sc, cc, ys, yc float64
	for k := skip; k < frames-skip; k++ {
		w := 2 * math.Pi * freq * float64(k) / float64(rate)
		s, co := math.Sin(w), math.Cos(w)
		v := float64(y[k*channels+c])
		ss += s * s
		sc += s * co
		cc += co * co
		ys += v * s
		yc += v * co
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	var e float64
	n := 0
	for k := skip; k < frames-skip; k++ {
		w := 2 * math.Pi * freq * float64(k) / float64(rate)
		d := float64(y[k*channels+c]) - a*math.Sin(w) - b*math.Cos(w)
		e += d * d
		n++
	}
	return math.Hypot(a, b), math.Sqrt(e / float64(n))
}

func TestNewRejectsBadArguments(t *testing.T) {
	tests := []struct {
		name              string
		in, out, channels int
		want              error
	}{
		{"input rate too low", 7999, 48000, 2, ErrRate},
		{"input rate too high", 192001, 48000, 2, ErrRate},
		{"output rate zero", 44100, 0, 2, ErrRate},
		{"output rate negative", 44100, -48000, 2, ErrRate},
		{"no channels", 44100, 48000, 0, ErrChannels},
		{"too many channels", 44100, 48000, 9, ErrChannels},
		{"lowest rates", 8000, 8000, 1, nil},
		{"highest rates", 192000, 192000, 8, nil},
		{"typical", 44100, 48000, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.in, tt.out, tt.channels)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New(%d, %d, %d) error = %v, want %v", tt.in, tt.out, tt.channels, err, tt.want)
			}
			if (r == nil) != (tt.want != nil) {
				t.Fatalf("New(%d, %d, %d) = %v with error %v", tt.in, tt.out, tt.channels, r, err)
			}
		})
	}
}

func TestOutputFrames(t *testing.T) {
	threeHours := int64(3 * 3600 * 44100)
	tests := []struct {
		frames  int64
		in, out int
		want    int64
	}{
		{0, 44100, 48000, 0},
		{-5, 44100, 48000, 0},
		{1, 44100, 48000, 2}, // instants 0 and 147/160 both fall before 1
		{147, 44100, 48000, 160},
		{148, 44100, 48000, 162}, // 161.09 rounds up
		{44100, 44100, 48000, 48000},
		{1152, 44100, 48000, 1254}, // one MP3 frame: 1253.88
		{1, 48000, 16000, 1},
		{2, 48000, 16000, 1},
		{3, 48000, 16000, 1},
		{4, 48000, 16000, 2},
		{1000, 48000, 48000, 1000},
		{threeHours, 44100, 48000, 3 * 3600 * 48000},
		{threeHours + 1, 44100, 48000, 3*3600*48000 + 2},
		{math.MaxInt64, 8000, 192000, math.MaxInt64}, // saturates
		{math.MaxInt64, 192000, 8000, math.MaxInt64/24 + 1},
	}
	for _, tt := range tests {
		if got := OutputFrames(tt.frames, tt.in, tt.out); got != tt.want {
			t.Errorf("OutputFrames(%d, %d, %d) = %d, want %d", tt.frames, tt.in, tt.out, got, tt.want)
		}
	}
}

func TestOutputLengthIsExact(t *testing.T) {
	ratios := []struct{ in, out int }{
		{44100, 48000}, {16000, 48000}, {22050, 48000}, {32000, 48000},
		{96000, 48000}, {48000, 16000}, {8000, 192000}, {192000, 8000},
		{47999, 48000}, {48000, 44101},
	}
	lengths := []int{0, 1, 2, 3, 63, 64, 65, 146, 147, 148, 1023, 1024, 1025, 4097}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 6 {
		lengths = append(lengths, rng.IntN(20000))
	}
	for _, ra := range ratios {
		for _, channels := range []int{1, 2, 3} {
			r, err := New(ra.in, ra.out, channels)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range lengths {
				src := make([]float32, n*channels)
				dst := r.Process(nil, src)
				dst = r.Flush(dst) // Flush also resets r for the next length
				want := OutputFrames(int64(n), ra.in, ra.out) * int64(channels)
				if int64(len(dst)) != want {
					t.Errorf("%d->%d ch=%d: %d input frames gave %d samples, want %d",
						ra.in, ra.out, channels, n, len(dst), want)
				}
			}
		}
	}
}

func TestToneSNR(t *testing.T) {
	type tc struct {
		in, out int
		minDB   float64
	}
	var tests []tc
	for _, in := range mp3Rates {
		tests = append(tests, tc{in, 48000, 90})
	}
	tests = append(tests,
		tc{96000, 48000, 90}, tc{192000, 48000, 90}, tc{48000, 16000, 90},
		tc{44100, 16000, 90}, tc{8000, 48000, 90}, tc{11025, 44100, 90},
		// Ratios too awkward for an exact table use the interpolated one.
		tc{47999, 48000, 85}, tc{48000, 44101, 85}, tc{191999, 8000, 85},
	)
	const freq, amp = 1000, 0.5
	for _, tt := range tests {
		for _, channels := range []int{1, 2} {
			src := tone(tt.in, channels, tt.in, freq, amp) // one second
			y := convert(t, tt.in, tt.out, channels, src)
			skip := edge(t, tt.in, tt.out)
			for c := range channels {
				snr := idealSNR(y, channels, c, tt.out, skip, freq, amp)
				if channels == 2 && c == 0 {
					t.Logf("%6d -> %6d: 1 kHz SNR %.1f dB", tt.in, tt.out, snr)
				}
				if !(snr >= tt.minDB) {
					t.Errorf("%d->%d ch %d/%d: SNR %.1f dB, want >= %.0f", tt.in, tt.out, c, channels, snr, tt.minDB)
				}
			}
		}
	}
}

// passEdge is the top of the band the brief requires to be flat.
func passEdge(in, out int) float64 {
	if in >= 44100 && out >= 44100 {
		return 18000
	}
	return 0.9 * float64(min(in, out)) / 2
}

func TestFrequencyResponseIsFlat(t *testing.T) {
	ratios := []struct{ in, out int }{
		{16000, 48000}, {22050, 48000}, {24000, 48000}, {32000, 48000}, {44100, 48000},
		{96000, 48000}, {48000, 16000}, {47999, 48000},
	}
	const amp, maxDev = 0.5, 0.01 // dB
	for _, ra := range ratios {
		top := passEdge(ra.in, ra.out)
		freqs := []float64{20, 100, 1000, 0.25 * top, 0.5 * top, 0.75 * top, 0.95 * top, top}
		if ra.in >= 44100 && ra.out >= 44100 {
			// The design keeps going flat to 0.9 of the lower Nyquist.
			freqs = append(freqs, 0.9*float64(min(ra.in, ra.out))/2)
		}
		skip := edge(t, ra.in, ra.out)
		worst := 0.0
		for _, f := range freqs {
			y := convert(t, ra.in, ra.out, 1, tone(ra.in, 1, ra.in/2, f, amp))
			got, _ := fit(y, 1, 0, ra.out, skip, f)
			dev := 20 * math.Log10(got/amp)
			worst = max(worst, math.Abs(dev))
			if !(math.Abs(dev) <= maxDev) {
				t.Errorf("%d->%d at %.0f Hz: gain %+.4f dB, want within %.2f dB", ra.in, ra.out, f, dev, maxDev)
			}
		}
		t.Logf("%6d -> %6d: passband to %.0f Hz, worst deviation %.5f dB", ra.in, ra.out, freqs[len(freqs)-1], worst)
	}
}

func TestImagesAreRejected(t *testing.T) {
	// Upsampling makes images of each input tone at multiples of the input
	// rate plus and minus its frequency; whatever is left after the tone
	// itself is removed is image energy (or noise), measured against the input
	// tone. Tones in the transition band (above 0.9 of the input Nyquist) are
	// the hardest case: their nearest image lands just above the Nyquist,
	// right at the stopband edge.
	ups := []struct {
		in    int
		freqs []float64
	}{
		{16000, []float64{1000, 5000, 7200, 7600, 7990}},
		{22050, []float64{3000, 9000, 9922, 10500, 11000}},
		{24000, []float64{2000, 10800, 11500, 11990}},
		{32000, []float64{4000, 14400, 15500, 15990}},
		{44100, []float64{5000, 15000, 18000, 19845, 21000, 22000}},
	}
	const amp, minDB = 0.5, 80
	for _, u := range ups {
		skip := edge(t, u.in, 48000)
		worst := math.Inf(1)
		for _, f := range u.freqs {
			y := convert(t, u.in, 48000, 1, tone(u.in, 1, u.in/2, f, amp))
			_, resid := fit(y, 1, 0, 48000, skip, f)
			db := 20 * math.Log10(amp/math.Sqrt2/resid)
			worst = min(worst, db)
			if !(db >= minDB) {
				t.Errorf("%d->48000 tone %.0f Hz: images %.1f dB below the input, want >= %d", u.in, f, db, minDB)
			}
		}
		t.Logf("%6d -> 48000: images at least %.1f dB down", u.in, worst)
	}
}

func TestAliasesAreRejected(t *testing.T) {
	// Downsampling must remove everything above the output Nyquist rather
	// than fold it back; the output of a stopband tone should be near silence.
	downs := []struct {
		in, out int
		freqs   []float64
	}{
		{96000, 48000, []float64{24000, 24100, 25000, 30000, 47000}},
		{48000, 16000, []float64{8000, 8050, 9000, 15000, 23900}},
		{44100, 16000, []float64{8000, 12000, 21000}},
		{192000, 44100, []float64{22050, 50000, 95000}},
	}
	const amp, minDB = 0.5, 80
	for _, d := range downs {
		skip := edge(t, d.in, d.out)
		worst := math.Inf(1)
		for _, f := range d.freqs {
			y := convert(t, d.in, d.out, 1, tone(d.in, 1, d.in/2, f, amp))
			var e float64
			n := 0
			for k := skip; k < len(y)-skip; k++ {
				e += float64(y[k]) * float64(y[k])
				n++
			}
			db := 20 * math.Log10(amp/math.Sqrt2/math.Sqrt(e/float64(n)))
			worst = min(worst, db)
			if !(db >= minDB) {
				t.Errorf("%d->%d tone %.0f Hz: alias %.1f dB down, want >= %d", d.in, d.out, f, db, minDB)
			}
		}
		t.Logf("%6d -> %6d: aliases at least %.1f dB down", d.in, d.out, worst)
	}
}

func TestStreamingMatchesOneShot(t *testing.T) {
	tests := []struct{ in, out, channels int }{
		{44100, 48000, 2}, {22050, 48000, 1}, {96000, 48000, 2},
		{48000, 16000, 3}, {47999, 48000, 2}, {48000, 48000, 2},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		src := make([]float32, 30000*tt.channels)
		for i := range src {
			src[i] = float32(rng.Float64()*2 - 1)
		}
		want := convert(t, tt.in, tt.out, tt.channels, src)

		r, err := New(tt.in, tt.out, tt.channels)
		if err != nil {
			t.Fatal(err)
		}
		var got []float32
		// Chunks of random sample counts, so frames are split mid-way too.
		for rest := src; len(rest) > 0; {
			n := min(len(rest), rng.IntN(3000))
			got = r.Process(got, rest[:n])
			rest = rest[n:]
		}
		got = r.Flush(got)
		if len(got) != len(want) {
			t.Fatalf("%+v: streamed %d samples, one-shot %d", tt, len(got), len(want))
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6 {
				t.Fatalf("%+v: sample %d streamed %g, one-shot %g", tt, i, got[i], want[i])
			}
		}
	}
}

func TestChannelsAreIndependent(t *testing.T) {
	// A stereo stream must equal its two channels converted as mono.
	for _, ra := range []struct{ in, out int }{{44100, 48000}, {48000, 16000}, {47999, 48000}} {
		src := tone(ra.in, 2, 5000, 440, 0.7)
		for i := 1; i < len(src); i += 2 {
			src[i] = float32(math.Sin(float64(i) * 0.37)) // unrelated content on the right
		}
		stereo := convert(t, ra.in, ra.out, 2, src)
		for c := range 2 {
			mono := make([]float32, len(src)/2)
			for i := range mono {
				mono[i] = src[2*i+c]
			}
			want := convert(t, ra.in, ra.out, 1, mono)
			if len(stereo) != 2*len(want) {
				t.Fatalf("%d->%d: stereo %d samples, mono %d", ra.in, ra.out, len(stereo), len(want))
			}
			for i, w := range want {
				if math.Abs(float64(stereo[2*i+c]-w)) > 1e-6 {
					t.Fatalf("%d->%d channel %d frame %d: stereo %g, mono %g", ra.in, ra.out, c, i, stereo[2*i+c], w)
				}
			}
		}
	}
}

func TestOutputIsFinite(t *testing.T) {
	// Full-scale noise and square waves are the worst case for overshoot.
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, 2*20000)
	for i := range src {
		if i < len(src)/2 {
			src[i] = float32(rng.Float64()*2 - 1)
		} else if (i/200)%2 == 0 {
			src[i] = 1
		} else {
			src[i] = -1
		}
	}
	for _, in := range append([]int{96000, 8000, 47999}, mp3Rates...) {
		y := convert(t, in, 48000, 2, src)
		for i, v := range y {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 2 {
				t.Fatalf("%d->48000: sample %d = %g", in, i, v)
			}
		}
	}
}

func TestEqualRatesPassThrough(t *testing.T) {
	src := tone(48000, 2, 999, 1234, 0.9)
	r, err := New(48000, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Flush(r.Process(nil, src))
	if len(got) != len(src) {
		t.Fatalf("got %d samples, want %d", len(got), len(src))
	}
	for i := range src {
		if got[i] != src[i] {
			t.Fatalf("sample %d = %g, want %g", i, got[i], src[i])
		}
	}
}

func TestResetStartsANewStream(t *testing.T) {
	src := tone(44100, 2, 3000, 1000, 0.5)
	want := convert(t, 44100, 48000, 2, src)
	r, err := New(44100, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	r.Process(nil, tone(44100, 2, 777, 300, 0.9)) // abandoned stream
	r.Process(nil, []float32{0.25})               // with a partial frame
	r.Reset()
	got := r.Flush(r.Process(nil, src))
	if len(got) != len(want) {
		t.Fatalf("after Reset: %d samples, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after Reset: sample %d = %g, want %g", i, got[i], want[i])
		}
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	for _, ra := range []struct{ in, out int }{{44100, 48000}, {48000, 16000}, {47999, 48000}} {
		r, err := New(ra.in, ra.out, 2)
		if err != nil {
			t.Fatal(err)
		}
		src := tone(ra.in, 2, 4410, 1000, 0.5)
		dst := make([]float32, 0, 2*OutputFrames(4410, ra.in, ra.out)+64)
		allocs := testing.AllocsPerRun(20, func() {
			dst = r.Process(dst[:0], src)
		})
		if allocs != 0 {
			t.Errorf("%d->%d: %.1f allocations per Process, want 0", ra.in, ra.out, allocs)
		}
	}
}

func BenchmarkResample44100Stereo(b *testing.B) {
	r, err := New(44100, 48000, 2)
	if err != nil {
		b.Fatal(err)
	}
	// 20 ms of input per call, the size the broadcaster works in.
	const frames = 882
	src := tone(44100, 2, frames, 1000, 0.5)
	dst := make([]float32, 0, 2*OutputFrames(frames, 44100, 48000)+64)
	b.ResetTimer()
	for range b.N {
		dst = r.Process(dst[:0], src)
	}
	audio := time.Duration(b.N) * 20 * time.Millisecond
	b.ReportMetric(audio.Seconds()/b.Elapsed().Seconds(), "x-realtime")
}
