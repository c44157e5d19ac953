package session

import (
	"sort"
	"time"

	"hearth/playlist"
)

// Action is a host's control of a live session.
type Action string

// The control actions a host can take. They are stored as events so that the position of a session
// at any instant can be recomputed from scratch, after a restart or on another node.
const (
	ActionPause  Action = "pause"
	ActionResume Action = "resume"
	ActionSkip   Action = "skip"
	ActionSeek   Action = "seek"
	ActionLoop   Action = "loop"
	ActionEnd    Action = "end"
)

// Event is one stored control action.
type Event struct {
	At     time.Time
	Action Action
	// Position is the target offset within the current item, for seek.
	Position time.Duration
	// Loop is the new loop setting, for the loop action.
	Loop bool
}

// Position is where a session's playback stands at an instant.
type Position struct {
	Started bool
	Ended   bool
	Paused  bool
	Index   int
	// Offset is the position within item Index, in 48 kHz frames.
	Offset int64
	// Loop is the loop setting in force (it can be changed by events).
	Loop bool
}

// At computes the playback position at instant t from the start time, the playlist and the stored
// events. It is a pure function: the same inputs give the same answer on any node at any time, which
// is what lets a restarted server resume a live session where it would have been.
//
// Events stamped before start take effect at start, in order. Events are applied in time order;
// events with equal stamps keep their stored order.
func At(start time.Time, pl playlist.Playlist, events []Event, t time.Time) Position {
	pos := Position{Loop: pl.Loop}
	if len(pl.Items) == 0 {
		pos.Ended = true
		return pos
	}
	evs := sortedEvents(events)
	w := walker{pl: pl, pos: pos}
	if t.Before(start) {
		// Before the start nothing plays, but a skip or seek already made shows where it will begin.
		for _, e := range evs {
			if e.At.After(t) {
				break
			}
			w.apply(e)
		}
		w.pos.Started = false
		return w.pos
	}
	w.pos.Started = true
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
		if w.pos.Ended {
			return w.pos
		}
	}
	w.advance(t.Sub(last))
	return w.pos
}

// EndsAt returns when the session will end if no further events arrive, and false if it will not
// end by itself (it loops, or it is paused).
func EndsAt(start time.Time, pl playlist.Playlist, events []Event) (time.Time, bool) {
	evs := sortedEvents(events)
	from := start
	if n := len(evs); n > 0 && evs[n-1].At.After(start) {
		from = evs[n-1].At
	}
	pos := At(start, pl, evs, from)
	if pos.Ended {
		// Find the moment it ended: the end event's stamp or the last item running out.
		return endedAt(start, pl, evs), true
	}
	if pos.Loop || pos.Paused {
		return time.Time{}, false
	}
	w := walker{pl: pl, pos: pos}
	remaining := w.remaining()
	return from.Add(playlist.FramesToDuration(remaining)), true
}

func endedAt(start time.Time, pl playlist.Playlist, evs []Event) time.Time {
	// Walk the events again, stopping at the first instant the position ends.
	w := walker{pl: pl, pos: Position{Loop: pl.Loop, Started: true}}
	last := start
	for _, e := range evs {
		at := e.At
		if at.Before(start) {
			at = start
		}
		if !w.pos.Paused && !w.pos.Loop {
			if r := w.remaining(); last.Add(playlist.FramesToDuration(r)).Before(at) {
				return last.Add(playlist.FramesToDuration(r))
			}
		}
		w.advance(at.Sub(last))
		last = at
		w.apply(e)
		if w.pos.Ended {
			return at
		}
	}
	return last.Add(playlist.FramesToDuration(w.remaining()))
}

func sortedEvents(events []Event) []Event {
	if sort.SliceIsSorted(events, func(i, j int) bool { return events[i].At.Before(events[j].At) }) {
		return events
	}
	evs := append([]Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	return evs
}

// walker moves a position along a playlist.
type walker struct {
	pl  playlist.Playlist
	pos Position
}

func (w *walker) slot(i int) int64 {
	p := w.pl
	p.Loop = w.pos.Loop
	return p.Slot(i)
}

// remaining returns the frames left until the end of the playlist (not looping).
func (w *walker) remaining() int64 {
	if w.pos.Ended {
		return 0
	}
	r := w.slot(w.pos.Index) - w.pos.Offset
	for i := w.pos.Index + 1; i < len(w.pl.Items); i++ {
		r += w.slot(i)
	}
	return r
}

func (w *walker) advance(d time.Duration) {
	if d <= 0 {
		return
	}
	w.advanceFrames(playlist.DurationToFrames(d))
}

func (w *walker) advanceFrames(n int64) {
	if n <= 0 || w.pos.Paused || w.pos.Ended {
		return
	}
	if w.pos.Loop {
		// Whole passes through a looping playlist change nothing: skip them arithmetically so a
		// session looping for days costs the same as one that just started.
		p := w.pl
		p.Loop = true
		if total := p.Total(); total > 0 {
			left := w.slot(w.pos.Index) - w.pos.Offset
			for i := w.pos.Index + 1; i < len(w.pl.Items); i++ {
				left += w.slot(i)
			}
			if n >= left {
				n -= left
				w.pos.Index, w.pos.Offset = 0, 0
				n %= total
			}
		}
	}
	for n > 0 {
		left := w.slot(w.pos.Index) - w.pos.Offset
		if n < left {
			w.pos.Offset += n
			return
		}
		n -= left
		w.next()
		if w.pos.Ended {
			return
		}
	}
}

func (w *walker) next() {
	w.pos.Offset = 0
	w.pos.Index++
	if w.pos.Index >= len(w.pl.Items) {
		if w.pos.Loop {
			w.pos.Index = 0
			return
		}
		w.pos.Index = len(w.pl.Items) - 1
		w.pos.Offset = w.slot(w.pos.Index)
		w.pos.Ended = true
	}
}

func (w *walker) apply(e Event) {
	switch e.Action {
	case ActionPause:
		w.pos.Paused = true
	case ActionResume:
		w.pos.Paused = false
	case ActionSkip:
		w.next()
	case ActionSeek:
		off := playlist.DurationToFrames(e.Position)
		if off < 0 {
			off = 0
		}
		if max := w.slot(w.pos.Index) - 1; off > max {
			off = max
		}
		w.pos.Offset = off
	case ActionLoop:
		w.pos.Loop = e.Loop
	case ActionEnd:
		w.pos.Ended = true
	}
}
