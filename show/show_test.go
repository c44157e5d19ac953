package show

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/collage"
	"hearth/internal/vpxdec"
)

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return img
}

// smallConfig keeps the tests quick: a small picture, keyframes every 2 s (60 frames).
func smallConfig() Config {
	c := DefaultConfig()
	c.Width, c.Height, c.Bitrate = 320, 180, 300_000
	return c
}

var (
	red  = color.RGBA{220, 30, 30, 255}
	blue = color.RGBA{30, 50, 220, 255}
)

func testShow(t *testing.T, total time.Duration) *Show {
	t.Helper()
	s, err := New(smallConfig(), []Photo{
		{Ref: "a", Image: solid(64, 36, red), Caption: "Grandma at the lake, 1972", Name: "Ana"},
		{Ref: "b", Image: solid(64, 36, blue), Caption: "", Name: ""},
	}, total)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// psnr compares a decoded picture's luma with the show's own drawing of the frame.
func psnr(t *testing.T, s *Show, n int64, pic vpxdec.Picture) float64 {
	t.Helper()
	want := make([]byte, s.frameSize())
	if err := s.render(want, n); err != nil {
		t.Fatal(err)
	}
	y := pic.Y()
	var se float64
	for i := range y {
		d := float64(y[i]) - float64(want[i])
		se += d * d
	}
	mse := se / float64(len(y))
	if mse == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/mse)
}

func record(t *testing.T, s *Show) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "show.ivf")
	var calls int
	var last int64
	if err := Record(context.Background(), s, path, func(done, total int64) {
		calls++
		if done < last || total != s.Frames() {
			t.Errorf("progress %d/%d after %d", done, total, last)
		}
		last = done
	}); err != nil {
		t.Fatal(err)
	}
	if last != s.Frames() || calls < 50 {
		t.Errorf("progress ended at %d of %d after %d calls", last, s.Frames(), calls)
	}
	return path
}

// TestRecordingPlaysBack records a show and decodes it all: every frame is there, keyframes
// come every two seconds, and the pictures are what the renderer draws.
func TestRecordingPlaysBack(t *testing.T) {
	s := testShow(t, 10*time.Second)
	rec, err := OpenRecording(record(t, s), s)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if rec.Len() != s.Frames() {
		t.Fatalf("%d frames recorded, show has %d", rec.Len(), s.Frames())
	}
	for n := int64(0); n < rec.Len(); n++ {
		if want := n%60 == 0; rec.IsKey(n) != want {
			t.Errorf("frame %d keyframe %v, want %v", n, rec.IsKey(n), want)
		}
	}
	dec, err := vpxdec.New()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var buf []byte
	for n := int64(0); n < rec.Len(); n++ {
		if buf, err = rec.Frame(buf[:0], n); err != nil {
			t.Fatal(err)
		}
		pic, err := dec.Decode(buf)
		if err != nil {
			t.Fatalf("frame %d: %v", n, err)
		}
		if n%30 == 15 {
			if p := psnr(t, s, n, pic); p < 30 {
				t.Errorf("frame %d: %.1f dB against the drawing", n, p)
			}
		}
	}
}

// TestPlayerBridgesKeyframes plays a recording to a viewer who arrives mid-way through a group of
// pictures: the player draws a keyframe for them and draws on until the recording's next keyframe,
// then reads again. Both the new viewer and one watching from the start decode every frame.
func TestPlayerBridgesKeyframes(t *testing.T) {
	s := testShow(t, 10*time.Second)
	rec, err := OpenRecording(record(t, s), s)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlayer(s, rec)
	defer p.Close()
	early, _ := vpxdec.New()
	defer early.Close()
	late, _ := vpxdec.New()
	defer late.Close()
	for n := int64(0); n < 200; n++ {
		if n == 70 {
			p.RequestKeyframe()
		}
		drawnBefore, _ := p.Stats()
		frame, key, err := p.Frame(n)
		if err != nil {
			t.Fatal(err)
		}
		drawn, _ := p.Stats()
		wasDrawn := drawn > drawnBefore
		switch {
		case n == 70 && !(key && wasDrawn):
			t.Fatalf("frame 70: key %v drawn %v, want a drawn keyframe", key, wasDrawn)
		case n > 70 && n < 120 && !wasDrawn:
			t.Fatalf("frame %d read from the recording while bridging to its next keyframe", n)
		case (n < 70 || n >= 120) && wasDrawn:
			t.Fatalf("frame %d drawn though the recording could serve it", n)
		}
		pic, err := early.Decode(frame)
		if err != nil {
			t.Fatalf("viewer from the start, frame %d: %v", n, err)
		}
		if n%20 == 5 {
			if q := psnr(t, s, n, pic); q < 30 {
				t.Errorf("viewer from the start, frame %d: %.1f dB", n, q)
			}
		}
		if n >= 70 {
			pic, err := late.Decode(frame)
			if err != nil {
				t.Fatalf("late viewer, frame %d: %v", n, err)
			}
			if n%20 == 5 {
				if q := psnr(t, s, n, pic); q < 30 {
					t.Errorf("late viewer, frame %d: %.1f dB", n, q)
				}
			}
		}
	}
	drawn, read := p.Stats()
	if drawn != 50 || read != 150 {
		t.Errorf("drawn %d read %d, want 50 and 150", drawn, read)
	}
}

// TestPlayerSeeks jumps ahead (a host's skip): the first frame after the jump is a keyframe, and
// repeating a frame sends nothing unless a keyframe is wanted.
func TestPlayerSeeks(t *testing.T) {
	s := testShow(t, 10*time.Second)
	for _, withRec := range []bool{false, true} {
		var rec *Recording
		if withRec {
			var err error
			if rec, err = OpenRecording(record(t, s), s); err != nil {
				t.Fatal(err)
			}
		}
		p := NewPlayer(s, rec)
		dec, _ := vpxdec.New()
		for _, n := range []int64{0, 1, 2, 200, 201, 201, 90, 91} {
			frame, key, err := p.Frame(n)
			if err != nil {
				t.Fatal(err)
			}
			if n == 201 && frame == nil {
				continue // the repeat
			}
			if frame == nil {
				t.Fatalf("recording %v: frame %d: nothing", withRec, n)
			}
			if wantKey := n == 0 || n == 200 || n == 90; key != wantKey {
				t.Errorf("recording %v: frame %d keyframe %v, want %v", withRec, n, key, wantKey)
			}
			if _, err := dec.Decode(frame); err != nil {
				t.Fatalf("recording %v: frame %d: %v", withRec, n, err)
			}
		}
		if f, _, _ := p.Frame(91); f != nil {
			t.Errorf("a repeated frame was sent again")
		}
		p.RequestKeyframe()
		if f, key, _ := p.Frame(91); f == nil || !key {
			t.Errorf("a keyframe asked for while the picture stands still did not come")
		}
		if f, _, _ := p.Frame(s.Frames()); f != nil {
			t.Errorf("a frame past the end was sent")
		}
		dec.Close()
		p.Close()
	}
}

// TestBadRecordings turns away recordings that are cut short, made for another show, or empty.
func TestBadRecordings(t *testing.T) {
	s := testShow(t, 10*time.Second)
	path := record(t, s)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := testShow(t, 12*time.Second)
	damaged := append([]byte(nil), data...)
	damaged[ivfHeaderSize+4] = 7 // the first frame's pts
	for name, p := range map[string]string{
		"cut short":    write("short.ivf", data[:len(data)/2]),
		"empty":        write("empty.ivf", nil),
		"damaged":      write("damaged.ivf", damaged),
		"header only":  write("header.ivf", data[:ivfHeaderSize]),
		"another show": path,
	} {
		sh := s
		if name == "another show" {
			sh = other
		}
		if _, err := OpenRecording(p, sh); !errors.Is(err, ErrRecording) {
			t.Errorf("%s: %v, want ErrRecording", name, err)
		}
	}
	if _, err := OpenRecording(filepath.Join(dir, "missing.ivf"), s); err == nil {
		t.Error("a missing recording opened")
	}
}

// TestCaptions follows the captions through the show: each photo's words from the middle of its
// crossfade in, none before the first or after the last has gone.
func TestCaptions(t *testing.T) {
	s := testShow(t, 10*time.Second)
	ch := s.Changes()
	if len(ch) != 2 {
		t.Fatalf("changes %v", ch)
	}
	cases := []struct {
		at   time.Duration
		want Caption
	}{
		{0, Caption{Slide: -1}},
		{ch[0], Caption{Text: "Grandma at the lake, 1972", Name: "Ana", Slide: 0}},
		{ch[1] - time.Millisecond, Caption{Text: "Grandma at the lake, 1972", Name: "Ana", Slide: 0}},
		{ch[1], Caption{Slide: 1}},
		{10 * time.Second, Caption{Slide: -1}},
	}
	for _, c := range cases {
		if got := s.CaptionAt(c.at); got != c.want {
			t.Errorf("at %v: %+v, want %+v", c.at, got, c.want)
		}
	}
}

func TestFits(t *testing.T) {
	cfg := smallConfig()
	if err := Fits(cfg, 10, 10*collage.MinSlide+cfg.Crossfade); err != nil {
		t.Errorf("10 photos at the minimum: %v", err)
	}
	err := Fits(cfg, 10, 30*time.Second)
	if !errors.Is(err, collage.ErrTooManyPhotos) {
		t.Fatalf("10 photos over 30 s: %v", err)
	}
	if want := "keep 7 photos"; !strings.Contains(err.Error(), want) {
		t.Errorf("%q does not say %q", err, want)
	}
	if _, err := New(cfg, nil, time.Minute); !errors.Is(err, ErrEmpty) {
		t.Errorf("no photos: %v", err)
	}
}
