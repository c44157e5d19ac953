package collage

import (
	"fmt"
	"image"
	"time"
)

// Plan lays the photos out in time, in order, keeping each photo's caption.
//
// With perPhoto > 0 every photo stays exactly perPhoto and total is ignored. Otherwise the photos
// are spread evenly over total (e.g. the songs' length): the first fades in from black at 0 and
// the last has faded to black at total. Each photo then stays between MinSlide and MaxSlide; when
// there are too few photos to fill the total at MaxSlide they come round again in the same order,
// and when there are too many to give each MinSlide Plan fails with ErrTooManyPhotos, saying how
// many fit, rather than rush them or run past the music.
//
// captions may be nil (no captions) or hold one caption per photo.
func Plan(images []*image.RGBA, captions []string, total time.Duration, perPhoto time.Duration, cfg Config) ([]Slide, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return nil, ErrNoPhotos
	}
	if captions != nil && len(captions) != len(images) {
		return nil, fmt.Errorf("%w: %d captions for %d photos", ErrCaptions, len(captions), len(images))
	}
	for i, img := range images {
		if err := checkImage(img); err != nil {
			return nil, fmt.Errorf("photo %d: %w", i, err)
		}
	}
	if total < 0 || perPhoto < 0 {
		return nil, fmt.Errorf("%w: total %v and per-photo %v may not be negative", ErrNoDuration, total, perPhoto)
	}
	if total == 0 && perPhoto == 0 {
		return nil, fmt.Errorf("%w: give the total length or a per-photo length", ErrNoDuration)
	}
	fade := cfg.Crossfade
	caption := func(i int) string {
		if captions == nil {
			return ""
		}
		return captions[i]
	}

	if perPhoto > 0 {
		if perPhoto < fade {
			return nil, fmt.Errorf("%w: per-photo %v is shorter than the %v crossfade", ErrNoDuration, perPhoto, fade)
		}
		slides := make([]Slide, len(images))
		for i, img := range images {
			slides[i] = Slide{Image: img, Caption: caption(i), Start: fade + time.Duration(i)*perPhoto, Length: perPhoto}
		}
		return slides, nil
	}

	if fade >= MinSlide {
		return nil, fmt.Errorf("%w: crossfade %v must be shorter than MinSlide %v", ErrConfig, fade, MinSlide)
	}
	// The first slide's fade-in from black takes the first Crossfade; the slides share the rest.
	span := total - fade
	n := int64(len(images))
	if span <= 0 || span/time.Duration(n) < MinSlide {
		fit := int64(0)
		if span > 0 {
			fit = int64(span / MinSlide)
		}
		return nil, fmt.Errorf("%w: %d photos need at least %v (%v each after a %v fade-in) but the total is %v; %d fit",
			ErrTooManyPhotos, n, fade+time.Duration(n)*MinSlide, MinSlide, fade, total, fit)
	}
	if span/time.Duration(n) > MaxSlide {
		// Round up so no slide exceeds MaxSlide; as MaxSlide >= 2*MinSlide, none falls below MinSlide.
		n = int64((span + MaxSlide - 1) / MaxSlide)
	}
	slides := make([]Slide, n)
	base, rem := int64(span)/n, int64(span)%n
	at := func(i int64) time.Duration {
		// Exact integer spreading: start i is i/n of the way, so the lengths differ by at most 1 ns
		// and the last slide ends exactly at total. Splitting off the remainder keeps the product
		// below n*n, which cannot overflow for any n that leaves each slide MinSlide.
		return fade + time.Duration(base*i+rem*i/n)
	}
	for i := int64(0); i < n; i++ {
		k := int(i % int64(len(images)))
		slides[i] = Slide{Image: images[k], Caption: caption(k), Start: at(i), Length: at(i+1) - at(i)}
	}
	return slides, nil
}
