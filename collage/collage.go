// Package collage turns a family's photos into the frames of one shared slideshow: slow pan and
// zoom, soft crossfades, and photos of another shape (portraits above all) shown whole over a
// blurred, darkened fill made from the same photo. Every frame is a pure function of its instant,
// so that every member who joins sees the same picture at the same moment, in step with the songs,
// and a pacer can render frame n for its absolute deadline without replaying the ones before it.
//
// The work is split so that the per-frame path stays cheap: NewRenderer prepares each photo once
// (area-averaged downscaling in linear light, BT.601 conversion, the blurred fill at a quarter of
// the output's resolution), and Frame only samples those prepared planes bilinearly, in fixed
// point, straight into the I420 frame.
package collage

import (
	"errors"
	"fmt"
	"image"
	"math"
	"time"
)

// Sentinel errors, wrapped with details by the functions that return them.
var (
	// ErrConfig is returned for a Config that cannot be rendered.
	ErrConfig = errors.New("collage: invalid config")
	// ErrNoPhotos is returned when there is nothing to show.
	ErrNoPhotos = errors.New("collage: no photos")
	// ErrNoDuration is returned by Plan when neither a total nor a per-photo duration is given.
	ErrNoDuration = errors.New("collage: no duration")
	// ErrTooManyPhotos is returned by Plan when the photos do not fit the total at MinSlide each.
	ErrTooManyPhotos = errors.New("collage: too many photos for the duration")
	// ErrImage is returned for a nil, empty or malformed image.
	ErrImage = errors.New("collage: bad image")
	// ErrCaptions is returned by Plan when captions do not match the photos one for one.
	ErrCaptions = errors.New("collage: captions do not match photos")
	// ErrSlides is returned by NewRenderer for slides whose timing cannot be shown.
	ErrSlides = errors.New("collage: bad slide timing")
	// ErrBuffer is returned by Frame when dst cannot hold a frame.
	ErrBuffer = errors.New("collage: frame buffer too small")
)

// Plan's bounds on how long a photo stays when the photos are spread over a total. Shorter than
// MinSlide and a photo is gone before anyone has taken it in; longer than MaxSlide and the show
// stands still, so a few photos spread over long songs come round again instead.
const (
	MinSlide = 4 * time.Second
	MaxSlide = 12 * time.Second
)

// Limits that keep a Config within what the package is built for and its memory bounded.
const (
	maxWidth  = 3840
	maxHeight = 2160
	maxFPS    = 120
	maxMotion = 1.5
	maxFade   = time.Minute
)

// Slide is one photo's place in the show.
type Slide struct {
	// Image is the photo, upright, of any size and shape. NewRenderer reads it once and does not
	// keep it.
	Image   *image.RGBA
	Caption string
	// Start is when the slide is fully in; its crossfade begins Crossfade before.
	Start time.Duration
	// Length is how long it stays from Start; the next slide's crossfade happens within it, so a
	// following slide starts at Start+Length at the earliest.
	Length time.Duration
}

// Config describes the video and the motion in it. It is passed by value.
type Config struct {
	// Width and Height are the frame size in pixels; both must be even for I420.
	Width, Height int
	// FPS is the frame rate the show is paced at. Frame itself takes any instant; FPS bounds the
	// crossfade to at least one frame.
	FPS int
	// Crossfade is how long one slide takes to dissolve into the next; 0 cuts.
	Crossfade time.Duration
	// Motion is the zoom a slide reaches at the far end of its slow push, e.g. 1.08; 1 is still.
	Motion float64
}

// Validate reports whether the config can be rendered.
func (c Config) Validate() error {
	switch {
	case c.Width <= 0 || c.Height <= 0 || c.Width > maxWidth || c.Height > maxHeight:
		return fmt.Errorf("%w: size %dx%d is outside 2x2..%dx%d", ErrConfig, c.Width, c.Height, maxWidth, maxHeight)
	case c.Width%2 != 0 || c.Height%2 != 0:
		return fmt.Errorf("%w: size %dx%d must be even in both dimensions for I420", ErrConfig, c.Width, c.Height)
	case c.FPS <= 0 || c.FPS > maxFPS:
		return fmt.Errorf("%w: fps %d is outside 1..%d", ErrConfig, c.FPS, maxFPS)
	case c.Crossfade < 0 || c.Crossfade > maxFade:
		return fmt.Errorf("%w: crossfade %v is outside 0..%v", ErrConfig, c.Crossfade, maxFade)
	case c.Crossfade > 0 && c.Crossfade < time.Second/time.Duration(c.FPS):
		return fmt.Errorf("%w: crossfade %v is shorter than one frame at %d fps", ErrConfig, c.Crossfade, c.FPS)
	case math.IsNaN(c.Motion) || c.Motion < 1 || c.Motion > maxMotion:
		return fmt.Errorf("%w: motion %v is outside 1..%v (1 is still)", ErrConfig, c.Motion, maxMotion)
	}
	return nil
}

// FrameSize is the length of one tightly packed I420 frame: Y, then U and V at half resolution.
func (c Config) FrameSize() int { return c.Width*c.Height + 2*(c.Width/2)*(c.Height/2) }

// checkImage reports whether img can be read safely: present, non-empty, and with pixels for its
// whole rectangle. Decoders always produce such images, but a hand-built one may lie.
func checkImage(img *image.RGBA) error {
	if img == nil {
		return fmt.Errorf("%w: nil", ErrImage)
	}
	b := img.Rect
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return fmt.Errorf("%w: empty (%dx%d)", ErrImage, b.Dx(), b.Dy())
	}
	if b.Dx() > 1<<16 || b.Dy() > 1<<16 {
		return fmt.Errorf("%w: %dx%d is larger than 65536 on a side", ErrImage, b.Dx(), b.Dy())
	}
	if img.Stride < 4*b.Dx() {
		return fmt.Errorf("%w: stride %d is less than 4*%d", ErrImage, img.Stride, b.Dx())
	}
	if b.Dy() > 1 && img.Stride > len(img.Pix) {
		return fmt.Errorf("%w: stride %d exceeds the %d bytes of pixels", ErrImage, img.Stride, len(img.Pix))
	}
	if need := (b.Dy()-1)*img.Stride + 4*b.Dx(); len(img.Pix) < need {
		return fmt.Errorf("%w: %d bytes of pixels for %dx%d, need %d", ErrImage, len(img.Pix), b.Dx(), b.Dy(), need)
	}
	return nil
}
