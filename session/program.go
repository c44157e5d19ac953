package session

import (
	"fmt"
	"math"
	"strings"
	"time"

	"hearth/playlist"
)

// MicRule says what members' microphones may do during a segment.
type MicRule string

// The microphone rules of a segment.
const (
	MicsOpen  MicRule = "open"
	MicsMuted MicRule = "muted"
)

// ActionNext moves a session to its next segment early.
const ActionNext Action = "next"

// MaxSegments bounds a program.
const MaxSegments = 50

// Segment is one part of a session's program: arrival music, a guided meditation with microphones
// muted, a sharing circle with no broadcast, a closing bell.
type Segment struct {
	Name     string
	Playlist playlist.Playlist
	// Length is how long the segment lasts; 0 means until its playlist ends.
	Length  time.Duration
	Mics    MicRule
	Ducking bool
}

// ValidateProgram checks a program can run: every segment has a way to end.
func ValidateProgram(segs []Segment) error {
	if len(segs) == 0 {
		return fmt.Errorf("%w: a program needs at least one segment", ErrInvalid)
	}
	if len(segs) > MaxSegments {
		return fmt.Errorf("%w: at most %d segments", ErrInvalid, MaxSegments)
	}
	for i, sg := range segs {
		name := strings.TrimSpace(sg.Name)
		if name == "" || len(name) > 100 {
			return fmt.Errorf("%w: segment %d needs a name of 1 to 100 characters", ErrInvalid, i+1)
		}
		if sg.Mics != MicsOpen && sg.Mics != MicsMuted {
			return fmt.Errorf("%w: segment %q: mics must be \"open\" or \"muted\"", ErrInvalid, name)
		}
		if sg.Length < 0 || sg.Length > 12*time.Hour {
			return fmt.Errorf("%w: segment %q: length must be between 0 and 12 hours", ErrInvalid, name)
		}
		if sg.Length == 0 {
			if len(sg.Playlist.Items) == 0 {
				return fmt.Errorf("%w: segment %q has neither a length nor a playlist to end it", ErrInvalid, name)
			}
			if sg.Playlist.Loop {
				return fmt.Errorf("%w: segment %q loops its playlist, so it needs a length", ErrInvalid, name)
			}
		}
		if len(sg.Playlist.Items) > 0 {
			if err := sg.Playlist.Validate(); err != nil {
				return fmt.Errorf("%w: segment %q: %w", ErrInvalid, name, err)
			}
		}
	}
	return nil
}

// ProgramPosition is where a program stands at an instant.
type ProgramPosition struct {
	Started, Ended, Paused bool
	Segment                int
	// Elapsed is how far into the segment the program is (paused time excluded).
	Elapsed time.Duration
	// Item and Offset locate playback inside the segment's playlist; Silent means the segment has
	// no playlist or its playlist has finished before the segment's length.
	Item   int
	Offset int64
	Silent bool
	Loop   bool
}

// progWalker moves a position through a program.
type progWalker struct {
	segs    []Segment
	seg     int
	elapsed int64 // frames into the segment
	pl      walker
	done    bool // the segment's playlist has finished (or there is none)
	paused  bool
	ended   bool
}

func (w *progWalker) enter(i int) {
	w.seg, w.elapsed = i, 0
	if i >= len(w.segs) {
		w.seg = len(w.segs) - 1
		w.ended = true
		return
	}
	pl := w.segs[i].Playlist
	w.pl = walker{pl: pl, pos: Position{Loop: pl.Loop, Started: true}}
	w.done = len(pl.Items) == 0
}

// segmentLeft is how many frames remain in the current segment; -1 when only its playlist ends it.
func (w *progWalker) segmentLeft() int64 {
	sg := w.segs[w.seg]
	if sg.Length > 0 {
		return playlist.DurationToFrames(sg.Length) - w.elapsed
	}
	if w.pl.pos.Loop {
		return math.MaxInt64 / 4 // a looping playlist with no length runs until ended or moved on
	}
	return w.pl.remaining()
}

func (w *progWalker) advance(d time.Duration) {
	if d <= 0 || w.paused || w.ended {
		return
	}
	n := playlist.DurationToFrames(d)
	for n > 0 && !w.ended {
		left := w.segmentLeft()
		take := min(n, left)
		if !w.done {
			w.pl.advanceFrames(take)
			if w.pl.pos.Ended {
				w.done = true
			}
		}
		w.elapsed += take
		n -= take
		if take >= left {
			w.enter(w.seg + 1)
		}
	}
}

func (w *progWalker) apply(e Event) {
	switch e.Action {
	case ActionPause:
		w.paused = true
	case ActionResume:
		w.paused = false
	case ActionNext:
		w.enter(w.seg + 1)
	case ActionEnd:
		w.ended = true
	case ActionSkip, ActionSeek, ActionLoop:
		if len(w.segs[w.seg].Playlist.Items) > 0 && !w.done {
			w.pl.apply(e)
			if w.pl.pos.Ended {
				// Skipping past the segment's last item ends the playlist part of the segment;
				// a segment that lasts only as long as its playlist ends with it.
				w.done = true
				if w.segs[w.seg].Length == 0 {
					w.enter(w.seg + 1)
				}
			}
		}
	}
}

func (w *progWalker) position(started bool) ProgramPosition {
	p := ProgramPosition{Started: started, Ended: w.ended, Paused: w.paused, Segment: w.seg,
		Elapsed: playlist.FramesToDuration(w.elapsed), Silent: w.done}
	if !w.done {
		p.Item, p.Offset, p.Loop = w.pl.pos.Index, w.pl.pos.Offset, w.pl.pos.Loop
	}
	return p
}

// ProgramAt computes the position of a program at instant t from its start and the stored events.
// Like At it is a pure function, so a restarted server resumes the right segment at the right
// place.
func ProgramAt(start time.Time, segs []Segment, events []Event, t time.Time) ProgramPosition {
	if len(segs) == 0 {
		return ProgramPosition{Ended: true}
	}
	evs := sortedEvents(events)
	w := progWalker{segs: segs}
	w.enter(0)
	if t.Before(start) {
		for _, e := range evs {
			if e.At.After(t) {
				break
			}
			w.apply(e)
		}
		return w.position(false)
	}
	last := start
	for _, e := range evs {
		if e.At.After(t) {
			break
		}
		at := e.At
		if at.Before(start) {
			at = start
		}
		w.advance(at.Sub(last))
		last = at
		w.apply(e)
		if w.ended {
			return w.position(true)
		}
	}
	w.advance(t.Sub(last))
	return w.position(true)
}

// ProgramEndsAt returns when a program will end if no further events arrive, and false if it will
// not end by itself (paused, or a looping playlist with no length).
func ProgramEndsAt(start time.Time, segs []Segment, events []Event) (time.Time, bool) {
	evs := sortedEvents(events)
	w := progWalker{segs: segs}
	w.enter(0)
	last := start
	for _, e := range evs {
		at := e.At
		if at.Before(start) {
			at = start
		}
		// An end reached before this event happened then.
		if !w.paused && !w.ended {
			if left, ok := w.framesToEnd(); ok && last.Add(playlist.FramesToDuration(left)).Before(at) {
				return last.Add(playlist.FramesToDuration(left)), true
			}
		}
		w.advance(at.Sub(last))
		last = at
		w.apply(e)
		if w.ended {
			return at, true
		}
	}
	if w.paused {
		return time.Time{}, false
	}
	left, ok := w.framesToEnd()
	if !ok {
		return time.Time{}, false
	}
	return last.Add(playlist.FramesToDuration(left)), true
}

// framesToEnd is how many frames remain until the program's end, false if it loops forever.
func (w *progWalker) framesToEnd() (int64, bool) {
	if w.ended {
		return 0, true
	}
	left := w.segmentLeft()
	if left >= math.MaxInt64/8 {
		return 0, false
	}
	for i := w.seg + 1; i < len(w.segs); i++ {
		sg := w.segs[i]
		switch {
		case sg.Length > 0:
			left += playlist.DurationToFrames(sg.Length)
		case sg.Playlist.Loop:
			return 0, false
		default:
			left += sg.Playlist.Total()
		}
	}
	return left, true
}
