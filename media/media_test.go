package media

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hearth/media/resample"
)

func fixture(name string) string { return filepath.Join("..", "assets", "testdata", name) }

func TestAnalyzeFixtures(t *testing.T) {
	tests := []struct {
		file   string
		format string
		rate   int
		frames int64
		// lufs is what ffmpeg's independent ebur128 filter reports for the file.
		lufs     float64
		channels int
	}{
		{"tone523_44k.mp3", "mp3", 44100, 8 * 48000, -13.1, 2},
		{"tone1k_48k.wav", "wav", 48000, 3 * 48000, -12.0, 2},
		{"tone440_a.mp3", "mp3", 44100, resample.OutputFrames(136710, 44100, 48000), -13.1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(fixture(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			a, err := Analyze(context.Background(), f, tc.file, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if a.Format != tc.format || a.SampleRate != tc.rate || a.Frames != tc.frames || a.Channels != tc.channels {
				t.Fatalf("asset %+v; want %s %d Hz %d frames %d ch", a, tc.format, tc.rate, tc.frames, tc.channels)
			}
			if math.Abs(a.LoudnessLUFS-tc.lufs) > 0.15 {
				t.Errorf("loudness %.2f LUFS, want about %.1f", a.LoudnessLUFS, tc.lufs)
			}
			// The gain reaches -18 LUFS unless the peak ceiling (-1 dBFS) limits it.
			if want := -18 - a.LoudnessLUFS; math.Abs(a.GainDB-want) > 0.01 {
				t.Errorf("gain %.2f dB, want %.2f", a.GainDB, want)
			}
			if tc.format == "mp3" && (a.EncoderDelay != 576 || a.Padding == 0) {
				t.Errorf("LAME tag: delay %d padding %d", a.EncoderDelay, a.Padding)
			}
		})
	}
}

func TestSourceDeliversExactLengthAndSeeks(t *testing.T) {
	s, err := OpenFile(fixture("tone523_44k.mp3"), "tone.mp3")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var all []float32
	buf := make([]float32, 2*700)
	for i := 0; i < 100000; i++ {
		n, err := s.Read(buf)
		all = append(all, buf[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := int64(len(all) / 2); got != s.Frames() || got != 8*48000 {
		t.Fatalf("read %d frames, Frames() = %d, want %d", got, s.Frames(), 8*48000)
	}
	// Seek to 5 s: the next samples equal those read straight through (within resampler edge effects
	// that fade after the filter length).
	if err := s.SeekFrame(5 * 48000); err != nil {
		t.Fatal(err)
	}
	n, err := s.Read(buf)
	if err != nil || n != len(buf) {
		t.Fatalf("read after seek: %d %v", n, err)
	}
	for i := 200; i < n; i++ {
		if d := math.Abs(float64(buf[i] - all[2*5*48000+i])); d > 1e-3 {
			t.Fatalf("sample %d after seek differs by %g", i, d)
		}
	}
}

func TestLibraryImportIsAtomicAndDeduplicated(t *testing.T) {
	dir := t.TempDir()
	st := &memAssets{m: map[string]Asset{}}
	lib, err := NewLibrary(dir, st, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ctx := context.Background()
	a1, err := lib.Import(ctx, bytesReader(b), "My Tone.mp3", "")
	if err != nil {
		t.Fatal(err)
	}
	if a1.Title != "My Tone" || a1.Size != int64(len(b)) {
		t.Fatalf("asset %+v", a1)
	}
	a2, err := lib.Import(ctx, bytesReader(b), "again.mp3", "Other title")
	if err != nil || a2.ID != a1.ID || a2.Title != "My Tone" {
		t.Fatalf("second import: %+v %v", a2, err)
	}
	p, _ := lib.Path(a1.ID)
	if fi, err := os.Stat(p); err != nil || fi.Size() != int64(len(b)) {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	bad, _ := os.ReadFile(fixture("bad_random.mp3"))
	if _, err := lib.Import(ctx, bytesReader(bad), "bad.mp3", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("random bytes: %v", err)
	}
	// A reader that fails mid-upload leaves nothing behind.
	if _, err := lib.Import(ctx, io.MultiReader(bytesReader(b[:1000]), failing{}), "cut.mp3", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("cut upload: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	if len(tmp) != 0 || len(st.m) != 1 {
		t.Fatalf("left behind: %d temp files, %d records", len(tmp), len(st.m))
	}
	small, _ := NewLibrary(t.TempDir(), st, Limits{MaxBytes: 1000})
	if _, err := small.Import(ctx, bytesReader(b), "big.mp3", ""); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	slow, _ := NewLibrary(t.TempDir(), &memAssets{m: map[string]Asset{}}, Limits{Timeout: time.Nanosecond})
	if _, err := slow.Import(ctx, bytesReader(b), "slow.mp3", ""); !errors.Is(err, ErrTimeout) {
		t.Fatalf("validation past its time limit: %v", err)
	}
}

type memAssets struct{ m map[string]Asset }

func (s *memAssets) PutAsset(_ context.Context, a Asset) error { s.m[a.ID] = a; return nil }
func (s *memAssets) Asset(_ context.Context, id string) (Asset, error) {
	a, ok := s.m[id]
	if !ok {
		return a, ErrNotFound
	}
	return a, nil
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
