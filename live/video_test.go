package live

import (
	"context"
	"errors"
	"image"
	"image/color"
	"log/slog"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hearth/broadcaster"
	"hearth/clock"
	"hearth/media"
	"hearth/playlist"
	"hearth/room"
	"hearth/session"
	"hearth/show"
)

// beepSong is the fixture: 14 s of silence with an 880 Hz beep at exactly 7.000 s.
type beepSong struct{}

func (beepSong) Open(context.Context, string) (*media.Source, error) {
	return media.OpenFile(filepath.Join("..", "assets", "testdata", "beep7s_14s.mp3"), "beep7s_14s.mp3")
}

// twoPhotos is a show of a red and a blue photo, drawn live (there is no recording).
type twoPhotos struct{ cfg show.Config }

func (p twoPhotos) Load(_ context.Context, _ string, total time.Duration) (*show.Show, error) {
	solid := func(c color.RGBA) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, 64, 36))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
		}
		return img
	}
	return show.New(p.cfg, []show.Photo{
		{Ref: "red", Image: solid(color.RGBA{220, 30, 30, 255}), Caption: "At the lake"},
		{Ref: "blue", Image: solid(color.RGBA{30, 50, 220, 255}), Caption: "The garden", Name: "Ana"},
	}, total)
}

func (twoPhotos) Open(string, *show.Show) (*show.Recording, error) { return nil, errors.New("none") }

// TestPictureAndSoundShareTheClock plays a collage on a fake clock, with a pause in the middle,
// and checks that the second photo takes the screen in the video frame due at the same instant as
// the audio frame in which the song's beep (placed at the photo's planned moment, 7.0 s) sounds:
// both follow the broadcaster's clock and the one timeline, so with RTP timestamps taken from the
// same due times the sender reports let a browser present them together.
func TestPictureAndSoundShareTheClock(t *testing.T) {
	api, closer, err := room.NewAPI(room.NetConfig{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closer()
	t0 := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := show.DefaultConfig()
	cfg.Width, cfg.Height, cfg.Bitrate = 320, 180, 300_000
	h := NewHub(ctx, api, beepSong{}, clk, Config{OpusBitrate: 64000, OpusComplexity: 5, Shows: twoPhotos{cfg}},
		slog.New(slog.DiscardHandler))
	defer h.Close()

	var mu sync.Mutex
	var beep time.Time // when the first beep sample is due
	var change time.Time
	var captions []show.Caption
	h.onAudio = func(f broadcaster.Frame) {
		mu.Lock()
		defer mu.Unlock()
		if !beep.IsZero() {
			return
		}
		for i := 0; i < len(f.PCM); i += 2 {
			if math.Abs(float64(f.PCM[i])) > 0.05 {
				beep = f.Due.Add(time.Duration(i/2) * time.Second / 48000)
				return
			}
		}
	}
	h.onVideo = func(due time.Time, pos time.Duration, c show.Caption) {
		mu.Lock()
		defer mu.Unlock()
		if c.Slide == 1 && change.IsZero() {
			change = due
		}
		if len(captions) == 0 || captions[len(captions)-1] != c {
			captions = append(captions, c)
		}
	}

	start := t0.Add(time.Second)
	frames := int64(617400) * 48000 / 44100
	s := &session.Session{ID: "memorial", Title: "For Grandma", StartsAt: start, Collage: true,
		Playlist: playlist.Playlist{Items: []playlist.Item{{MediaID: "beep", Title: "Beep", Frames: frames}}},
		// The host pauses for two seconds in the middle of the first photo.
		Events: []session.Event{
			{At: start.Add(3 * time.Second), Action: session.ActionPause},
			{At: start.Add(5 * time.Second), Action: session.ActionResume},
		}}
	h.Start(s)
	// The broadcaster and the video pacer both sleep on the clock; step it 5 ms at a time.
	for clk.Now().Before(start.Add(10 * time.Second)) {
		if !clk.WaitForSleepers(2, 10*time.Second) {
			t.Fatal("the pacing loops never slept")
		}
		clk.Advance(5 * time.Millisecond)
	}

	mu.Lock()
	defer mu.Unlock()
	if beep.IsZero() || change.IsZero() {
		t.Fatalf("beep at %v, photo change at %v: one never came", beep, change)
	}
	planned := start.Add(9 * time.Second) // 7 s of song plus the 2 s pause
	t.Logf("beep due %v after the start, second photo %v after (planned %v)", beep.Sub(start), change.Sub(start), planned.Sub(start))
	// The broadcaster lets playback drift up to two frames from the timeline before it seeks (the
	// fade-out of a pause reads one frame ahead), so the beep may be up to 40 ms off.
	if d := beep.Sub(planned); d < -45*time.Millisecond || d > 45*time.Millisecond {
		t.Errorf("the beep is due %v from its planned time", d)
	}
	if d := change.Sub(beep); d < -150*time.Millisecond || d > 150*time.Millisecond {
		t.Errorf("the second photo comes %v from the beep; want within 150 ms", d)
	}
	// Captions: dark, the first photo's, then the second's with who shared it.
	want := []show.Caption{{Slide: -1}, {Text: "At the lake", Slide: 0}, {Text: "The garden", Name: "Ana", Slide: 1}}
	if len(captions) != len(want) {
		t.Fatalf("captions %+v, want %+v", captions, want)
	}
	for i := range want {
		if captions[i] != want[i] {
			t.Errorf("caption %d: %+v, want %+v", i, captions[i], want[i])
		}
	}
}
