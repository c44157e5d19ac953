// Package session holds scheduled sessions, their control timeline and the scheduler that opens and
// closes them on time. It declares the storage it needs and the hooks through which live rooms are
// started, updated and stopped, and knows nothing of HTTP or WebRTC.
package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"hearth/playlist"
)

var (
	// ErrNotFound means no session has the given id.
	ErrNotFound = errors.New("session not found")
	// ErrInvalid means a request to create or control a session is malformed.
	ErrInvalid = errors.New("invalid session")
	// ErrEnded means the session has already ended and cannot be controlled or joined.
	ErrEnded = errors.New("session has ended")
	// ErrUnknownMedia means a playlist names media that is not in the library.
	ErrUnknownMedia = errors.New("unknown media")
	// ErrNotOpen means the session's doors are not open yet: it starts later than the doors-open
	// window.
	ErrNotOpen = errors.New("session is not open yet")
	// ErrLive means a change that must be made before the session's room opens came too late.
	ErrLive = errors.New("session is live")
)

// State is a session's lifecycle stage.
type State string

// The lifecycle stages of a session.
const (
	StateScheduled State = "scheduled"
	StateLive      State = "live"
	StateEnded     State = "ended"
)

// Session is one scheduled gathering with its playlist and stored control events.
type Session struct {
	ID       string
	Title    string
	StartsAt time.Time
	Playlist playlist.Playlist
	Events   []Event
	// ListenerToken lets anyone holding the listen link receive the broadcast.
	ListenerToken string
	// MemberToken lets members join with a microphone (and listen).
	MemberToken string
	// Ducking steps the broadcast back while members speak.
	Ducking bool
	// GroupID is the circle the session belongs to ("" for sessions made with the admin token
	// outside any group, such as the demo).
	GroupID string
	// SeriesID and Occurrence tie a session to the occurrence of a recurring series it was made
	// for (Occurrence is the occurrence's original start).
	SeriesID   string
	Occurrence time.Time
	// StopAt, if set, ends the session at that instant whatever is playing: a scheduled gathering
	// ends on time.
	StopAt time.Time
	// Segments is the session's program. Empty means one segment: the playlist, microphones open.
	// Playlist then holds every segment's items in order, so the broadcaster plays one list.
	Segments  []Segment
	CreatedAt time.Time
	// EndedAt is set once the scheduler has closed the session.
	EndedAt time.Time
	// Demo marks the session created on first start, so it is recreated rather than duplicated.
	Demo bool
	// Collage marks a session whose broadcast is its memorial collage: the playlist is the
	// collage's songs and the room also shows its photos.
	Collage bool
	// Memorial is the host's choice that this session gathers a memorial collage: only then do
	// its pages offer the collage, and only then do the collage endpoints answer.
	Memorial bool
	// ContributeToken lets family and friends add photos and songs to the collage (and see it),
	// nothing more: it cannot join, listen or read the session's events.
	ContributeToken string
}

// StateAt returns the lifecycle stage at t.
func (s *Session) StateAt(t time.Time) State {
	if !s.EndedAt.IsZero() {
		return StateEnded
	}
	if t.Before(s.StartsAt) {
		return StateScheduled
	}
	if !s.StopAt.IsZero() && !t.Before(s.StopAt) {
		return StateEnded
	}
	if ProgramAt(s.StartsAt, s.Program(), s.Events, t).Ended {
		return StateEnded
	}
	return StateLive
}

// Program returns the session's segments; a session without a program is one segment.
func (s *Session) Program() []Segment {
	if len(s.Segments) > 0 {
		return s.Segments
	}
	return []Segment{{Name: "Session", Playlist: s.Playlist, Mics: MicsOpen, Ducking: s.Ducking}}
}

// SegmentStart returns the index in Playlist of segment i's first item.
func (s *Session) SegmentStart(i int) int {
	n := 0
	for j := 0; j < i && j < len(s.Segments); j++ {
		n += len(s.Segments[j].Playlist.Items)
	}
	return n
}

// EndsAt returns when the session will end if no further events arrive: the end of its program
// or its stop time, whichever comes first; false if neither will end it (it loops or is paused).
func (s *Session) EndsAt() (time.Time, bool) {
	end, ok := ProgramEndsAt(s.StartsAt, s.Program(), s.Events)
	if !s.StopAt.IsZero() && (!ok || s.StopAt.Before(end)) {
		return s.StopAt, true
	}
	return end, ok
}

// NowPlaying describes the item playing at an instant.
type NowPlaying struct {
	Index    int
	MediaID  string
	Title    string
	Position time.Duration
	Duration time.Duration
	Paused   bool
	// Silent is true in a segment with nothing to play (a sharing circle).
	Silent bool
	// Segment is the program segment, with its name and microphone rule.
	Segment     int
	SegmentName string
	Mics        MicRule
	// SegmentEnds is when the segment ends, if it has a length.
	SegmentEnds time.Time
	// Part is the program part, for sessions with a program (nil otherwise).
	Part *Part
}

// Part is the program part running, as the pages show it: "Sharing circle · 12 min left".
type Part struct {
	Name  string `json:"name"`
	Index int    `json:"index"` // from 0, as "segment"
	Count int    `json:"count"`
	// RemainingMS is how long the part has left (held while paused); null when it runs until its
	// playlist ends.
	RemainingMS *int64 `json:"remaining_ms"`
	Mics        string `json:"mics"`
}

// NowPlayingAt returns what is playing at t, and false before the start and after the end.
func (s *Session) NowPlayingAt(t time.Time) (NowPlaying, bool) {
	if s.StateAt(t) != StateLive {
		return NowPlaying{}, false
	}
	prog := s.Program()
	p := ProgramAt(s.StartsAt, prog, s.Events, t)
	sg := prog[p.Segment]
	np := NowPlaying{Paused: p.Paused, Silent: p.Silent, Segment: p.Segment, SegmentName: sg.Name, Mics: sg.Mics}
	if sg.Length > 0 && !p.Paused {
		np.SegmentEnds = t.Add(sg.Length - p.Elapsed)
	}
	if len(s.Segments) > 0 {
		np.Part = &Part{Name: sg.Name, Index: p.Segment, Count: len(s.Segments), Mics: string(sg.Mics)}
		if sg.Length > 0 {
			left := max(sg.Length-p.Elapsed, 0).Milliseconds()
			np.Part.RemainingMS = &left
		}
	}
	if !p.Silent {
		it := sg.Playlist.Items[p.Item]
		np.Index = s.SegmentStart(p.Segment) + p.Item
		np.MediaID, np.Title = it.MediaID, it.Title
		np.Position, np.Duration = playlist.FramesToDuration(p.Offset), it.Duration()
	}
	return np, true
}

// NewID returns a random, URL-safe identifier with the given number of random bytes.
func NewID(n int) string {
	b := make([]byte, n)
	// Since Go 1.24 crypto/rand.Read never returns an error: it aborts the program instead, so an
	// all-zero id can never be handed out.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
