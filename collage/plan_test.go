package collage

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"
)

func photos(n int) []*image.RGBA {
	out := make([]*image.RGBA, n)
	for i := range out {
		out[i] = solid(4+i, 3, red)
	}
	return out
}

func TestPlanSpreadsPhotosOverTheTotal(t *testing.T) {
	cfg := testConfig()
	for _, c := range []struct {
		name     string
		photos   int
		total    time.Duration
		perPhoto time.Duration
		slides   int // how many slides, photos repeating in order if more than photos
		length   time.Duration
	}{
		{"even spread", 5, 61 * time.Second, 0, 5, 12 * time.Second},
		{"uneven spread", 7, 50 * time.Second, 0, 7, 7 * time.Second},
		{"at MinSlide", 10, 41 * time.Second, 0, 10, 4 * time.Second},
		{"one photo, short song", 1, 5 * time.Second, 0, 1, 4 * time.Second},
		{"few photos come round again", 2, 101 * time.Second, 0, 9, 100 * time.Second / 9},
		{"one photo, long song", 1, 3*time.Minute + time.Second, 0, 15, 12 * time.Second},
		{"fixed per photo", 4, 0, 6 * time.Second, 4, 6 * time.Second},
		{"per photo wins over total", 3, time.Hour, 2 * time.Second, 3, 2 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			imgs := photos(c.photos)
			caps := make([]string, c.photos)
			for i := range caps {
				caps[i] = fmt.Sprintf("photo %d", i)
			}
			slides, err := Plan(imgs, caps, c.total, c.perPhoto, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(slides) != c.slides {
				t.Fatalf("%d slides, want %d", len(slides), c.slides)
			}
			next := cfg.Crossfade // the first fades in from black over the first Crossfade
			for i, s := range slides {
				if s.Image != imgs[i%c.photos] || s.Caption != caps[i%c.photos] {
					t.Errorf("slide %d shows photo %q, want photo %d in order", i, s.Caption, i%c.photos)
				}
				if s.Start != next {
					t.Errorf("slide %d starts at %v, want %v (straight after the previous)", i, s.Start, next)
				}
				if d := s.Length - c.length; d < -1 || d > 1 {
					t.Errorf("slide %d lasts %v, want %v", i, s.Length, c.length)
				}
				if c.perPhoto == 0 && (s.Length < MinSlide || s.Length > MaxSlide) {
					t.Errorf("slide %d lasts %v, outside %v..%v", i, s.Length, MinSlide, MaxSlide)
				}
				next = s.Start + s.Length
			}
			if c.perPhoto == 0 && next != c.total {
				t.Errorf("the last slide ends at %v, want the total %v", next, c.total)
			}
			// Whatever Plan makes, the renderer accepts.
			if _, err := NewRenderer(Config{Width: 16, Height: 8, FPS: 30, Crossfade: cfg.Crossfade, Motion: 1.08}, slides); err != nil {
				t.Fatalf("renderer refuses the plan: %v", err)
			}
		})
	}
}

func TestPlanRejectsWhatCannotBeShown(t *testing.T) {
	cfg := testConfig()
	for _, c := range []struct {
		name     string
		imgs     []*image.RGBA
		captions []string
		total    time.Duration
		perPhoto time.Duration
		cfg      func(*Config)
		want     error
	}{
		{"no photos", nil, nil, time.Minute, 0, nil, ErrNoPhotos},
		{"empty list", []*image.RGBA{}, nil, time.Minute, 0, nil, ErrNoPhotos},
		{"no duration", photos(3), nil, 0, 0, nil, ErrNoDuration},
		{"negative total", photos(3), nil, -time.Minute, 0, nil, ErrNoDuration},
		{"negative per photo", photos(3), nil, 0, -time.Second, nil, ErrNoDuration},
		{"per photo shorter than crossfade", photos(3), nil, 0, 500 * time.Millisecond, nil, ErrNoDuration},
		{"too many photos", photos(20), nil, time.Minute, 0, nil, ErrTooManyPhotos},
		{"total shorter than the fade", photos(1), nil, 500 * time.Millisecond, 0, nil, ErrTooManyPhotos},
		{"nil photo", []*image.RGBA{solid(4, 4, red), nil}, nil, time.Minute, 0, nil, ErrImage},
		{"empty photo", []*image.RGBA{image.NewRGBA(image.Rect(0, 0, 0, 5))}, nil, time.Minute, 0, nil, ErrImage},
		{"too few captions", photos(3), []string{"a"}, time.Minute, 0, nil, ErrCaptions},
		{"odd width", photos(3), nil, time.Minute, 0, func(c *Config) { c.Width = 1279 }, ErrConfig},
		{"crossfade as long as MinSlide", photos(3), nil, time.Minute, 0, func(c *Config) { c.Crossfade = MinSlide }, ErrConfig},
	} {
		t.Run(c.name, func(t *testing.T) {
			cf := cfg
			if c.cfg != nil {
				c.cfg(&cf)
			}
			slides, err := Plan(c.imgs, c.captions, c.total, c.perPhoto, cf)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v (%d slides), want %v", err, len(slides), c.want)
			}
			t.Log(err)
		})
	}
}

func TestPlanSaysHowManyFit(t *testing.T) {
	_, err := Plan(photos(30), nil, time.Minute, 0, testConfig())
	// 59 s after the fade-in holds 14 photos of 4 s.
	if want := "30 photos need at least 2m1s (4s each after a 1s fade-in) but the total is 1m0s; 14 fit"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want it to say %q", err, want)
	}
}
