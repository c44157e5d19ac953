package collage

import (
	"bytes"
	"errors"
	"image"
	"math"
	"testing"
	"time"
)

func TestNewRendererRejectsBadInput(t *testing.T) {
	good := solid(16, 9, red)
	one := func(s Slide) []Slide { return []Slide{s} }
	ok := Slide{Image: good, Start: time.Second, Length: 5 * time.Second}
	with := func(f func(*Slide)) []Slide {
		s := ok
		f(&s)
		return one(s)
	}
	short := image.NewRGBA(image.Rect(0, 0, 10, 10))
	short.Pix = short.Pix[:100]
	narrow := image.NewRGBA(image.Rect(0, 0, 10, 10))
	narrow.Stride = 8
	huge := &image.RGBA{Rect: image.Rect(0, 0, 4, 4), Stride: math.MaxInt / 2, Pix: make([]byte, 64)}
	for _, c := range []struct {
		name   string
		cfg    func(*Config)
		slides []Slide
		want   error
	}{
		{"no slides", nil, nil, ErrNoPhotos},
		{"nil image", nil, with(func(s *Slide) { s.Image = nil }), ErrImage},
		{"zero-size image", nil, with(func(s *Slide) { s.Image = image.NewRGBA(image.Rectangle{}) }), ErrImage},
		{"zero-height image", nil, with(func(s *Slide) { s.Image = image.NewRGBA(image.Rect(0, 0, 10, 0)) }), ErrImage},
		{"pixels missing", nil, with(func(s *Slide) { s.Image = short }), ErrImage},
		{"stride too small", nil, with(func(s *Slide) { s.Image = narrow }), ErrImage},
		{"absurd stride", nil, with(func(s *Slide) { s.Image = huge }), ErrImage},
		{"odd width", func(c *Config) { c.Width = 641 }, one(ok), ErrConfig},
		{"odd height", func(c *Config) { c.Height = 361 }, one(ok), ErrConfig},
		{"zero size", func(c *Config) { c.Width, c.Height = 0, 0 }, one(ok), ErrConfig},
		{"negative size", func(c *Config) { c.Width = -2 }, one(ok), ErrConfig},
		{"too large", func(c *Config) { c.Width = 1 << 20 }, one(ok), ErrConfig},
		{"zero fps", func(c *Config) { c.FPS = 0 }, one(ok), ErrConfig},
		{"negative crossfade", func(c *Config) { c.Crossfade = -time.Second }, one(ok), ErrConfig},
		{"crossfade under a frame", func(c *Config) { c.Crossfade = time.Millisecond }, one(ok), ErrConfig},
		{"zero motion", func(c *Config) { c.Motion = 0 }, one(ok), ErrConfig},
		{"NaN motion", func(c *Config) { c.Motion = math.NaN() }, one(ok), ErrConfig},
		{"wild motion", func(c *Config) { c.Motion = 3 }, one(ok), ErrConfig},
		{"zero length", nil, with(func(s *Slide) { s.Length = 0 }), ErrSlides},
		{"shorter than crossfade", nil, with(func(s *Slide) { s.Length = time.Second / 2 }), ErrSlides},
		{"negative start", nil, with(func(s *Slide) { s.Start = -time.Second }), ErrSlides},
		{"overflowing length", nil, with(func(s *Slide) { s.Length = math.MaxInt64 }), ErrSlides},
		{"overlapping", nil, []Slide{ok, {Image: good, Start: 5 * time.Second, Length: 5 * time.Second}}, ErrSlides},
		{"out of order", nil, []Slide{{Image: good, Start: 10 * time.Second, Length: 2 * time.Second}, ok}, ErrSlides},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			r, err := NewRenderer(cfg, c.slides)
			if !errors.Is(err, c.want) || r != nil {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			t.Log(err)
		})
	}
}

func TestSlidesMayLeaveGaps(t *testing.T) {
	// Back to back is what Plan makes; a gap between slides is black, never a panic.
	cfg := testConfig()
	cfg.Width, cfg.Height = 64, 36
	r := mustRenderer(t, cfg, []Slide{
		{Image: solid(8, 8, red), Start: time.Second, Length: 2 * time.Second},
		{Image: solid(8, 8, blue), Start: 10 * time.Second, Length: 2 * time.Second},
	})
	f := mustFrame(t, r, 6*time.Second)
	if got := average(f, 64, 36, image.Rect(0, 0, 64, 36)); got.dist(rgb{}) > 1 {
		t.Fatalf("the gap shows %.0f, want black", got)
	}
	if c, since := r.CaptionAt(6 * time.Second); c != "" || since != 2500*time.Millisecond {
		t.Fatalf("CaptionAt in the gap: %q since %v", c, since)
	}
}

func TestFrameRejectsShortBuffer(t *testing.T) {
	cfg := testConfig()
	cfg.Width, cfg.Height = 64, 36
	r := mustRenderer(t, cfg, []Slide{{Image: solid(8, 8, red), Start: time.Second, Length: 2 * time.Second}})
	for _, n := range []int{0, 64 * 36, cfg.FrameSize() - 1} {
		if err := r.Frame(make([]byte, n), time.Second); !errors.Is(err, ErrBuffer) {
			t.Errorf("%d bytes: got %v, want %v", n, err, ErrBuffer)
		}
	}
	if err := r.Frame(nil, time.Second); !errors.Is(err, ErrBuffer) {
		t.Errorf("nil buffer: got %v", err)
	}
	// A larger buffer is fine; only the frame's bytes are written.
	big := make([]byte, cfg.FrameSize()+10)
	big[len(big)-1] = 7
	if err := r.Frame(big, 2*time.Second); err != nil || big[len(big)-1] != 7 {
		t.Errorf("larger buffer: %v, tail %d", err, big[len(big)-1])
	}
}

// FuzzFrame renders photos of arbitrary shapes at arbitrary instants and sizes, checking that
// nothing panics and every luma value stays in BT.601's limited range.
func FuzzFrame(f *testing.F) {
	f.Add(uint16(5), uint16(7), uint8(16), uint8(9), int64(1500), 1.08)
	f.Add(uint16(1), uint16(1), uint8(1), uint8(1), int64(0), 1.0)
	f.Add(uint16(3000), uint16(2), uint8(2), uint8(40), int64(-5), 1.5)
	f.Fuzz(func(t *testing.T, w, h uint16, fw, fh uint8, ms int64, motion float64) {
		img := photo(int(w%3000)+1, int(h%3000)+1)
		cfg := Config{Width: 2 * (int(fw%64) + 1), Height: 2 * (int(fh%64) + 1), FPS: 25, Crossfade: time.Second, Motion: motion}
		r, err := NewRenderer(cfg, []Slide{
			{Image: img, Start: time.Second, Length: 3 * time.Second},
			{Image: img, Start: 4 * time.Second, Length: 3 * time.Second},
		})
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatal(err)
			}
			return
		}
		buf := make([]byte, cfg.FrameSize())
		if err := r.Frame(buf, time.Duration(ms%10000)*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		for _, v := range buf[:cfg.Width*cfg.Height] {
			if v < 16 || v > 235 {
				t.Fatalf("luma %d outside limited range", v)
			}
		}
	})
}

func TestShrinkKeepsTheFrames(t *testing.T) {
	cfg := testConfig()
	for _, size := range []image.Point{{2000, 1125}, {1800, 1200}, {1600, 1200}, {1200, 1600}, {3000, 700}} {
		img := photo(size.X, size.Y)
		small, err := Shrink(img, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if b := small.Rect.Size(); b.X >= size.X || b.Y >= size.Y || b.X*b.Y > 1383*922 {
			t.Errorf("%v shrinks to %v", size, b)
		}
		a := mustRenderer(t, cfg, []Slide{{Image: img, Start: time.Second, Length: 4 * time.Second}})
		b := mustRenderer(t, cfg, []Slide{{Image: small, Start: time.Second, Length: 4 * time.Second}})
		for _, at := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 4500 * time.Millisecond} {
			if !bytes.Equal(mustFrame(t, a, at), mustFrame(t, b, at)) {
				t.Fatalf("%v at %v: the shrunk photo renders differently", size, at)
			}
		}
	}
	// A photo already small enough comes back as it is.
	small := photo(320, 180)
	if got, err := Shrink(small, cfg); err != nil || got != small {
		t.Fatalf("small photo: %v, same=%v", err, got == small)
	}
	if _, err := Shrink(nil, cfg); !errors.Is(err, ErrImage) {
		t.Fatalf("nil photo: %v", err)
	}
}

func TestSRGBRoundTripIsExact(t *testing.T) {
	p := newPreparer(testConfig())
	for v := range 256 {
		if got := p.srgb(p.toLinear[v], 1); int(got) != v {
			t.Errorf("%d -> linear -> %d", v, got)
		}
	}
}
