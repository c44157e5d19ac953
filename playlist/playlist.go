// Package playlist holds the pure data a broadcaster plays: items with their exact lengths and
// loudness gains. It knows nothing about decoding or time; lengths are counted in 48 kHz frames so
// that positions computed from them are exact and never drift.
package playlist

import (
	"errors"
	"fmt"
	"time"
)

// Rate is the sample rate every item is played at, in frames per second.
const Rate = 48000

// MaxItems bounds a playlist so that a hostile request cannot make the timeline walk unbounded lists.
const MaxItems = 500

var (
	// ErrEmpty means a playlist has no items.
	ErrEmpty = errors.New("playlist is empty")
	// ErrInvalid means an item or setting is out of range.
	ErrInvalid = errors.New("invalid playlist")
)

// Item is one media file in a playlist.
type Item struct {
	MediaID string
	Title   string
	// Frames is the item's length at 48 kHz after gapless trimming.
	Frames int64
	// GainDB brings the item to the house loudness target.
	GainDB float64
}

// Duration returns the item's length as a duration.
func (it Item) Duration() time.Duration { return FramesToDuration(it.Frames) }

// Playlist is an ordered list of items, optionally looping, optionally crossfading between items.
type Playlist struct {
	Items []Item
	Loop  bool
	// Crossfade is how many frames of each item overlap the start of the next; 0 means a gapless
	// butt join.
	Crossfade int64
}

// Validate reports whether the playlist can be played.
func (p Playlist) Validate() error {
	if len(p.Items) == 0 {
		return ErrEmpty
	}
	if len(p.Items) > MaxItems {
		return fmt.Errorf("%w: %d items, at most %d", ErrInvalid, len(p.Items), MaxItems)
	}
	if p.Crossfade < 0 || p.Crossfade > 10*Rate {
		return fmt.Errorf("%w: crossfade must be between 0 and 10 s", ErrInvalid)
	}
	for i, it := range p.Items {
		if it.Frames <= 0 {
			return fmt.Errorf("%w: item %d has no audio", ErrInvalid, i)
		}
		if p.Crossfade > 0 && it.Frames < 2*p.Crossfade+Rate/10 {
			return fmt.Errorf("%w: item %d (%s) is too short for a %s crossfade", ErrInvalid, i, it.Title, FramesToDuration(p.Crossfade))
		}
	}
	return nil
}

// Slot returns how many frames item i owns on the timeline before the next item takes over: its
// length less the crossfade into the next item. The last item of a playlist that does not loop keeps
// its whole length.
func (p Playlist) Slot(i int) int64 {
	n := p.Items[i].Frames
	if p.Crossfade > 0 && (i < len(p.Items)-1 || p.Loop) {
		n -= p.Crossfade
	}
	return n
}

// Total returns the frames one pass through the playlist takes.
func (p Playlist) Total() int64 {
	var t int64
	for i := range p.Items {
		t += p.Slot(i)
	}
	return t
}

// FramesToDuration converts 48 kHz frames to a duration.
func FramesToDuration(frames int64) time.Duration {
	return time.Duration(frames) * time.Second / Rate
}

// DurationToFrames converts a duration to 48 kHz frames, rounding down.
func DurationToFrames(d time.Duration) int64 {
	// Split to avoid overflow for long durations: whole seconds, then the remainder.
	sec := int64(d / time.Second)
	rem := int64(d % time.Second)
	return sec*Rate + rem*Rate/int64(time.Second)
}
