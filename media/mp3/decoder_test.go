package mp3

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	gomp3 "github.com/hajimehoshi/go-mp3"
)

var rates = []int{16000, 22050, 24000, 32000, 44100, 48000}

// TestGapless is the empirical check of the trimming offsets: lame encodes 20011 samples of
// silence-then-noise at every rate, and the decoder must return exactly 20011 samples with the
// noise onset where it was.
func TestGapless(t *testing.T) {
	for _, rate := range rates {
		ref := loadWAV(t, fmt.Sprintf("ref_%d.wav", rate))
		kinds := []string{"cbr", "vbr"}
		if rate == 22050 || rate == 44100 {
			kinds = append(kinds, "ffmpeg")
		}
		for _, kind := range kinds {
			name := fmt.Sprintf("gapless_%d_%s.mp3", rate, kind)
			t.Run(name, func(t *testing.T) {
				d := openBytes(t, fixture(t, name))
				in := d.Info()
				if d.SampleRate() != rate || !in.HasGaplessInfo {
					t.Fatalf("rate %d, gapless info %v; want %d with a LAME tag", d.SampleRate(), in.HasGaplessInfo, rate)
				}
				if d.Length() != int64(len(ref)) {
					t.Fatalf("Length() = %d, want %d", d.Length(), len(ref))
				}
				st := readAll(t, d, 4096)
				left := channel(st, 0)
				if len(left) != len(ref) {
					t.Fatalf("decoded %d frames, want %d", len(left), len(ref))
				}
				lag, c := bestLag(ref, left, 64)
				if lag < -1 || lag > 1 || c < 0.4 {
					t.Fatalf("onset off by %d samples (correlation %.2f)", lag, c)
				}
				if !equal(left, channel(st, 1)) {
					t.Fatal("mono file decoded to different channels")
				}
				t.Logf("%s: delay %d + decoder %d, padding %d, lag %d, correlation %.2f",
					name, in.EncoderDelay, decoderDelay, in.Padding, lag, c)
			})
		}
	}
}

// TestGoMP3Offset documents what go-mp3 does with a LAME file on its own: the Info frame decodes
// as one frame of silence, followed by the encoder delay and the 529-sample decoder delay.
func TestGoMP3Offset(t *testing.T) {
	for _, rate := range []int{16000, 24000, 32000, 44100, 48000} { // 22.05 kHz: see TestGoMP3PaddingBug
		name := fmt.Sprintf("gapless_%d_vbr.mp3", rate)
		in, err := Probe(bytes.NewReader(fixture(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		raw := goMP3Decode(t, fixture(t, name))
		lag, _ := bestLag(loadWAV(t, fmt.Sprintf("ref_%d.wav", rate)), channel(raw, 0), 3000)
		want := in.SamplesPerFrame + in.EncoderDelay + decoderDelay
		if lag != want {
			t.Errorf("%s: go-mp3 output lags by %d, want %d", name, lag, want)
		}
		t.Logf("%s: go-mp3 alone lags %d = %d (Info frame) + %d (encoder) + %d (decoder)",
			name, lag, in.SamplesPerFrame, in.EncoderDelay, decoderDelay)
	}
}

// TestNoLameTag: without a LAME tag only the decoder delay is trimmed, so LAME's own 576-sample
// delay stays at the start.
func TestNoLameTag(t *testing.T) {
	d := openBytes(t, fixture(t, "gapless_44100_notag.mp3"))
	in := d.Info()
	if in.HasGaplessInfo {
		t.Fatal("HasGaplessInfo for a file without a LAME tag")
	}
	if want := in.Frames*1152 - decoderDelay; d.Length() != want {
		t.Fatalf("Length() = %d, want %d", d.Length(), want)
	}
	lag, _ := bestLag(loadWAV(t, "ref_44100.wav"), channel(readAll(t, d, 4096), 0), 1000)
	if lag != 576 {
		t.Fatalf("lag %d, want LAME's encoder delay of 576", lag)
	}
}

// TestTones checks every sample rate, mono and stereo, CBR and VBR: the right tone on the right
// channel at the right level, about one second long.
func TestTones(t *testing.T) {
	for _, rate := range rates {
		for _, ch := range []string{"mono", "stereo"} {
			for _, kind := range []string{"cbr", "vbr"} {
				name := fmt.Sprintf("tone_%d_%s_%s.mp3", rate, ch, kind)
				t.Run(name, func(t *testing.T) {
					d := openBytes(t, fixture(t, name))
					if d.SampleRate() != rate {
						t.Fatalf("SampleRate() = %d", d.SampleRate())
					}
					// Files with a LAME tag are exactly 1 s; others keep the encoder delay.
					if l := d.Length(); l < int64(rate) || l > int64(rate)+2*1152 ||
						d.Info().HasGaplessInfo && l != int64(rate) {
						t.Fatalf("Length() = %d for 1 s at %d Hz", l, rate)
					}
					st := readAll(t, d, 1000)
					want := [2]float64{440, 440}
					if ch == "stereo" {
						want[1] = 660
					}
					for c := range 2 {
						x := channel(st, c)
						if share := toneShare(x, want[c], rate); share < 0.95 {
							t.Errorf("channel %d: %.0f Hz holds %.3f of the power", c, want[c], share)
						}
						if r := rms(x); math.Abs(r-0.5/math.Sqrt2) > 0.05 {
							t.Errorf("channel %d: RMS %.3f, want about 0.354", c, r)
						}
					}
				})
			}
		}
	}
}

// TestGoMP3PaddingBug shows why repack.go exists: go-mp3 alone decodes a 22.05 kHz file with
// padded frames to noise. If this fails, go-mp3 has fixed its MPEG-2 frame size.
func TestGoMP3PaddingBug(t *testing.T) {
	b := fixture(t, "tone_22050_mono_cbr.mp3") // 32 kbps: 104- and 105-byte frames
	direct := toneShare(channel(goMP3Decode(t, b), 0), 440, 22050)
	ours := toneShare(channel(readAll(t, openBytes(t, b), 4096), 0), 440, 22050)
	if direct > 0.5 || ours < 0.95 {
		t.Fatalf("440 Hz share: go-mp3 alone %.3f, through the repacker %.3f", direct, ours)
	}
}

// TestRepackBitExact: where go-mp3 frames the file correctly, the repacked stream decodes to the
// very same samples.
func TestRepackBitExact(t *testing.T) {
	for _, rate := range []int{16000, 24000, 32000, 44100, 48000} {
		for _, name := range []string{
			fmt.Sprintf("tone_%d_stereo_cbr.mp3", rate), fmt.Sprintf("tone_%d_mono_vbr.mp3", rate),
			fmt.Sprintf("gapless_%d_vbr.mp3", rate),
		} {
			b := fixture(t, name)
			in, p, err := probe(bytes.NewReader(b), true)
			if err != nil {
				t.Fatal(err)
			}
			direct := goMP3Decode(t, b)
			if in.xingFrames >= 0 {
				direct = direct[2*in.SamplesPerFrame:] // the Info frame's silence
			}
			dec, err := gomp3.NewDecoder(newPresented(newLayout(p.s, p.table, in.first)))
			if err != nil {
				t.Fatal(err)
			}
			pcm, err := io.ReadAll(dec)
			if err != nil {
				t.Fatal(err)
			}
			if got := pcmFloats(pcm); !equal(got, direct) {
				t.Errorf("%s: repacked stream decodes differently (%d vs %d values)", name, len(got), len(direct))
			}
		}
	}
}

// TestSeekExact: Seek then Read returns the very samples a read from the start gives.
func TestSeekExact(t *testing.T) {
	for _, name := range []string{
		"tone_44100_stereo_vbr.mp3", "tone_22050_stereo_cbr.mp3", "gapless_16000_vbr.mp3",
		"tone_48000_mono_cbr.mp3", "gapless_44100_notag.mp3", "truncated_midframe.mp3",
	} {
		t.Run(name, func(t *testing.T) {
			d := openBytes(t, fixture(t, name))
			full := readAll(t, d, 4096)
			n := d.Length()
			if int64(len(full)) != 2*n {
				t.Fatalf("read %d frames, Length() %d", len(full)/2, n)
			}
			spf := int64(d.Info().SamplesPerFrame)
			pos := []int64{0, 1, spf - 1, spf, spf + 1, 2*spf - 7, 3 * spf, n / 2, n - spf, n - 1, n}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 20 {
				pos = append(pos, rng.Int64N(n+1))
			}
			for _, p := range pos {
				if err := d.Seek(p); err != nil {
					t.Fatalf("Seek(%d): %v", p, err)
				}
				want := full[2*p : 2*min(p+3000, n)]
				buf := make([]float32, max(len(want), 2))
				got, err := d.Read(buf)
				if p == n {
					if got != 0 || !errors.Is(err, io.EOF) {
						t.Fatalf("Read at the end: %d, %v", got, err)
					}
					continue
				}
				if err != nil || !equal(buf[:got], want) {
					t.Fatalf("Seek(%d): read %d values (%v), different from reading from the start", p, got, err)
				}
			}
			for _, p := range []int64{-1, n + 1} {
				if err := d.Seek(p); err == nil {
					t.Errorf("Seek(%d) succeeded", p)
				}
			}
		})
	}
}

// TestReadSizes: the output does not depend on how the caller slices its reads.
func TestReadSizes(t *testing.T) {
	b := fixture(t, "tone_22050_stereo_vbr.mp3")
	want := readAll(t, openBytes(t, b), 8192)
	for _, size := range []int{2, 7, 576, 1153, 100000} {
		if got := readAll(t, openBytes(t, b), size); !equal(got, want) {
			t.Errorf("reading %d values at a time gives different output", size)
		}
	}
	d := openBytes(t, b)
	if n, err := d.Read(make([]float32, 1)); n != 0 || err != nil {
		t.Errorf("Read into 1 value: %d, %v", n, err)
	}
}

// TestTaggedSameAudio: the ID3 tag with its picture changes nothing about the audio.
func TestTaggedSameAudio(t *testing.T) {
	tagged := readAll(t, openBytes(t, fixture(t, "id3_picture.mp3")), 4096)
	plain := readAll(t, openBytes(t, fixture(t, "tone_44100_stereo_cbr.mp3")), 4096)
	if !equal(tagged, plain) {
		t.Fatal("id3_picture.mp3 decodes differently from the same audio without tags")
	}
}

// TestTruncatedPlays: a file cut mid-frame plays everything before the cut.
func TestTruncatedPlays(t *testing.T) {
	d := openBytes(t, fixture(t, "truncated_midframe.mp3"))
	in := d.Info()
	if !in.Truncated || in.Frames != 39 {
		t.Fatalf("Truncated %v, %d frames; want true, 39", in.Truncated, in.Frames)
	}
	if want := 39*1152 - int64(in.EncoderDelay) - decoderDelay; d.Length() != want {
		t.Fatalf("Length() = %d, want %d", d.Length(), want)
	}
	full := readAll(t, openBytes(t, fixture(t, "tone_44100_stereo_cbr.mp3")), 4096)
	got := readAll(t, d, 4096)
	// The last frame before the cut decodes differently only if the next one would have
	// supplied reservoir data, which it cannot; compare up to two frames before the end.
	cmp := len(got) - 2*2*1152
	if !equal(got[:cmp], full[:cmp]) {
		t.Fatal("the truncated file decodes differently from the complete one")
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// goMP3Decode decodes the file with go-mp3 alone.
func goMP3Decode(t testing.TB, b []byte) []float32 {
	t.Helper()
	dec, err := gomp3.NewDecoder(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := io.ReadAll(dec)
	if err != nil {
		t.Fatal(err)
	}
	return pcmFloats(pcm)
}

func pcmFloats(pcm []byte) []float32 {
	out := make([]float32, len(pcm)/2)
	for i := range out {
		out[i] = float32(int16(uint16(pcm[2*i])|uint16(pcm[2*i+1])<<8)) * (1.0 / 32768)
	}
	return out
}

func BenchmarkDecode(b *testing.B) {
	data := fixture(b, "tone_44100_stereo_cbr.mp3")
	buf := make([]float32, 4096)
	var frames int64
	b.ReportAllocs()
	for b.Loop() {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			n, err := d.Read(buf)
			frames += int64(n / 2)
			if err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(frames)/44100/b.Elapsed().Seconds(), "x-realtime")
}

// TestGoMP3PanicRecovered: a damaged frame that makes go-mp3 panic becomes ErrCorrupt.
func TestGoMP3PanicRecovered(t *testing.T) {
	b := fixture(t, "gomp3_panic.mp3")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("go-mp3 no longer panics on gomp3_panic.mp3; find a new example")
			}
		}()
		goMP3Decode(t, b)
	}()
	d := openBytes(t, b)
	buf := make([]float32, 4096)
	for range 1000 {
		_, err := d.Read(buf)
		if errors.Is(err, ErrCorrupt) {
			if _, again := d.Read(buf); !errors.Is(again, ErrCorrupt) {
				t.Fatalf("error not sticky: %v", again)
			}
			if err := d.Seek(0); err != nil {
				t.Fatalf("Seek after the error: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Read: %v, want ErrCorrupt", err)
		}
	}
	t.Fatal("no ErrCorrupt")
}
