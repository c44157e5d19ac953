// Package show plays a finalized memorial collage: the family's photos laid out over the length of
// their songs, drawn by the collage renderer and encoded to VP8 once for the whole room, either as
// the session goes or ahead of time into a recording that the live session only reads.
//
// Every picture is a function of the show's position, and the position is the songs' position on
// the broadcaster's timeline, so a photo comes in at the same moment of the music for everyone,
// after a pause, a skip or a restart as much as in one unbroken play.
package show

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"sort"
	"time"

	"hearth/collage"
	"hearth/media/vp8"
)

// ErrEmpty is returned for a show without photos or without length.
var ErrEmpty = errors.New("show: nothing to show")

// Config is the picture every collage room sends.
type Config struct {
	Width, Height int
	FPS           int
	// Bitrate is the VP8 target in bits per second.
	Bitrate int
	// Crossfade is how long one photo takes to dissolve into the next.
	Crossfade time.Duration
	// Motion is the zoom of the slow push across each photo (1 is still).
	Motion float64
	// KeyframeInterval is the longest gap between keyframes, live and in recordings.
	KeyframeInterval time.Duration
}

// DefaultConfig is 720p at 30 frames a second: about 1.5 Mbit/s of slowly moving photos, which a
// phone on a mobile network receives and decodes without trouble.
func DefaultConfig() Config {
	return Config{Width: 1280, Height: 720, FPS: 30, Bitrate: 1_500_000, Crossfade: 1500 * time.Millisecond,
		Motion: 1.08, KeyframeInterval: 2 * time.Second}
}

func (c Config) collage() collage.Config {
	return collage.Config{Width: c.Width, Height: c.Height, FPS: c.FPS, Crossfade: c.Crossfade, Motion: c.Motion}
}

func (c Config) vp8() vp8.Config {
	return vp8.Config{Width: c.Width, Height: c.Height, FPS: c.FPS, Bitrate: c.Bitrate, KeyframeInterval: c.KeyframeInterval}
}

// Validate reports a config that cannot be rendered or encoded.
func (c Config) Validate() error {
	if err := c.collage().Validate(); err != nil {
		return err
	}
	return c.vp8().Validate()
}

// Photo is one photo of the collage, upright, with its words.
type Photo struct {
	// Ref names the stored photo; it makes the show's identity, with the layout.
	Ref     string
	Image   *image.RGBA
	Caption string
	// Name is who shared it, if they gave a name.
	Name string
}

// Show is a collage laid out in time and ready to draw.
type Show struct {
	cfg    Config
	slides []collage.Slide
	names  []string
	total  time.Duration
	key    string
	r      *collage.Renderer
	// changes is when each photo takes the screen, kept so that CaptionAt, asked every frame,
	// does not copy it.
	changes []time.Duration
}

// New lays photos out over total (the songs' length on the timeline) and prepares them for
// drawing. The images are not kept; each can be dropped once New returns.
func New(cfg Config, photos []Photo, total time.Duration) (*Show, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(photos) == 0 || total <= 0 {
		return nil, fmt.Errorf("%w: %d photos over %v", ErrEmpty, len(photos), total)
	}
	imgs := make([]*image.RGBA, len(photos))
	caps := make([]string, len(photos))
	byImage := make(map[*image.RGBA]int, len(photos))
	for i, p := range photos {
		imgs[i], caps[i] = p.Image, p.Caption
		byImage[p.Image] = i
	}
	slides, err := collage.Plan(imgs, caps, total, 0, cfg.collage())
	if err != nil {
		return nil, err
	}
	r, err := collage.NewRenderer(cfg.collage(), slides)
	if err != nil {
		return nil, err
	}
	s := &Show{cfg: cfg, slides: slides, total: total, r: r, names: make([]string, len(slides)), changes: r.Changes()}
	h := sha256.New()
	fmt.Fprintf(h, "show v1 %dx%d@%d %d %v %v %v %v\n", cfg.Width, cfg.Height, cfg.FPS, cfg.Bitrate, cfg.Crossfade, cfg.Motion,
		cfg.KeyframeInterval, total)
	for i, sl := range slides {
		p := photos[byImage[sl.Image]]
		s.names[i] = p.Name
		fmt.Fprintf(h, "%s %d %d\n", p.Ref, sl.Start, sl.Length)
		// The show keeps no image: the renderer has prepared its own copy.
		s.slides[i].Image = nil
	}
	s.key = fmt.Sprintf("%x", h.Sum(nil)[:16])
	return s, nil
}

// Fits reports whether n photos can be shown over total, each for at least collage.MinSlide, and
// if not says how much music they need or how many fit.
func Fits(cfg Config, n int, total time.Duration) error {
	if n == 0 {
		return fmt.Errorf("%w: no photos", ErrEmpty)
	}
	need := cfg.Crossfade + time.Duration(n)*collage.MinSlide
	if total >= need {
		return nil
	}
	fit := 0
	if total > cfg.Crossfade {
		fit = int((total - cfg.Crossfade) / collage.MinSlide)
	}
	return fmt.Errorf("%w: %d photos need at least %s of songs (%s each), but the songs last %s; add songs or keep %d photos",
		collage.ErrTooManyPhotos, n, roundUp(need), collage.MinSlide, roundUp(total), fit)
}

func roundUp(d time.Duration) time.Duration { return (d + time.Second - 1).Truncate(time.Second) }

// Config returns the show's picture settings.
func (s *Show) Config() Config { return s.cfg }

// Key identifies the show's pictures: two shows with the same key draw the same frames, so a
// recording made for one plays for the other. Captions are not part of it; they are sent as text.
func (s *Show) Key() string { return s.key }

// Length is how long the show runs.
func (s *Show) Length() time.Duration { return s.total }

// Frames is the number of frames in the show.
func (s *Show) Frames() int64 { return s.FrameAt(s.total) + 1 }

// FrameAt is the index of the frame showing at position pos of the show.
func (s *Show) FrameAt(pos time.Duration) int64 {
	if pos < 0 {
		return 0
	}
	return int64(pos) * int64(s.cfg.FPS) / int64(time.Second)
}

// FrameTime is the position of frame n.
func (s *Show) FrameTime(n int64) time.Duration {
	return time.Duration(n * int64(time.Second) / int64(s.cfg.FPS))
}

// Caption is what a photo says and who shared it.
type Caption struct {
	Text, Name string
	// Slide is the index of the photo on screen, -1 when the screen is dark.
	Slide int
}

// CaptionAt returns the caption of the photo that holds the screen at pos: the photo that has
// passed the middle of its crossfade in, until the middle of its crossfade out.
func (s *Show) CaptionAt(pos time.Duration) Caption {
	changes := s.changes
	i := sort.Search(len(changes), func(k int) bool { return changes[k] > pos }) - 1
	if i < 0 || (i == len(changes)-1 && pos >= s.slides[i].Start+s.slides[i].Length-s.cfg.Crossfade/2) {
		return Caption{Slide: -1}
	}
	return Caption{Text: s.slides[i].Caption, Name: s.names[i], Slide: i}
}

// Changes returns the positions at which each photo takes the screen.
func (s *Show) Changes() []time.Duration { return s.r.Changes() }

// Render draws frame n into dst (Config's I420 frame size).
func (s *Show) render(dst []byte, n int64) error { return s.r.Frame(dst, s.FrameTime(n)) }

// frameSize is the length of one I420 picture.
func (s *Show) frameSize() int { return s.cfg.collage().FrameSize() }

// Loader gets a session's collage photos, decoded and upright.
type Loader interface {
	// Photos returns the collage's photos in order, each shrunk to the show's size as it is
	// decoded (collage.Shrink), so a large collage never holds full-size images at once.
	Photos(ctx context.Context, sessionID string, cfg Config) ([]Photo, error)
}

// Load builds the show of a session's collage over total.
func Load(ctx context.Context, l Loader, sessionID string, cfg Config, total time.Duration) (*Show, error) {
	photos, err := l.Photos(ctx, sessionID, cfg)
	if err != nil {
		return nil, err
	}
	return New(cfg, photos, total)
}

// Shrink reduces a decoded photo to what the show needs of it.
func Shrink(img *image.RGBA, cfg Config) (*image.RGBA, error) {
	return collage.Shrink(img, cfg.collage())
}
