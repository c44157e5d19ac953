// Package live runs the live side of sessions: for each open session a broadcaster paced on the
// clock feeds a room. It implements the scheduler's Launcher and hands rooms to the API.
package live

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"hearth/broadcaster"
	"hearth/clock"
	"hearth/media"
	"hearth/room"
	"hearth/session"
	"hearth/show"
)

// Config tunes live sessions.
type Config struct {
	OpusBitrate    int
	OpusComplexity int
	Room           room.Config
	// Ambience, if set, is a seamless 48 kHz stereo loop played quietly before a session starts.
	Ambience []float32
	// Shows, if set, shows collage sessions' photos.
	Shows Shows
}

// Library opens media for playback.
type Library interface {
	Open(ctx context.Context, id string) (*media.Source, error)
}

// Hub owns every live session's broadcaster and room.
type Hub struct {
	api   *webrtc.API
	lib   Library
	clock clock.Clock
	cfg   Config
	log   *slog.Logger
	ctx   context.Context // parent of every live session; ends at shutdown

	mu    sync.Mutex
	lives map[string]*Live
	wg    sync.WaitGroup

	// Tests' windows on the pacing loops, set before any session starts: every audio frame as
	// the room gets it, and every video frame with the show position it shows.
	onAudio func(broadcaster.Frame)
	onVideo func(due time.Time, pos time.Duration, c show.Caption)
}

// Live is one running session.
type Live struct {
	ID     string
	Room   *room.Room
	bc     *broadcaster.Broadcaster
	sess   atomic.Pointer[session.Session]
	cancel context.CancelFunc
	done   chan struct{}
	// video is the collage picture, nil for sessions without one.
	video *videoState
}

// NewHub returns a hub. ctx bounds the lifetime of every live session it starts.
func NewHub(ctx context.Context, api *webrtc.API, lib Library, clk clock.Clock, cfg Config, log *slog.Logger) *Hub {
	return &Hub{api: api, lib: lib, clock: clk, cfg: cfg, log: log, ctx: ctx, lives: make(map[string]*Live)}
}

// Start implements session.Launcher.
func (h *Hub) Start(s *session.Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.lives[s.ID]; ok {
		return
	}
	listenEnc, err := media.NewOpusEncoder(h.cfg.OpusBitrate, h.cfg.OpusComplexity)
	if err != nil {
		h.log.Error("cannot start session: opus", "session", s.ID, "err", err)
		return
	}
	memberEnc, err := media.NewOpusEncoder(h.cfg.OpusBitrate, h.cfg.OpusComplexity)
	if err != nil {
		h.log.Error("cannot start session: opus", "session", s.ID, "err", err)
		return
	}
	rcfg := h.cfg.Room
	rcfg.DuckingOff = !s.Ducking
	rm, err := room.New(s.ID, h.api, listenEnc, memberEnc, rcfg, h.log)
	if err != nil {
		h.log.Error("cannot start session: room", "session", s.ID, "err", err)
		return
	}
	ctx, cancel := context.WithCancel(h.ctx)
	l := &Live{ID: s.ID, Room: rm, cancel: cancel, done: make(chan struct{})}
	if s.Collage && h.cfg.Shows != nil {
		l.video = &videoState{origin: h.clock.Now()}
		if err := rm.EnableVideo(l.video.keyframe); err != nil {
			h.log.Error("collage video", "session", s.ID, "err", err)
			l.video = nil
		}
	}
	bc := broadcaster.New(s.Playlist, timeline{s}, opener{h.lib}, &sink{r: rm, l: l, ambience: h.cfg.Ambience, trace: h.onAudio}, h.clock, h.log.With("session", s.ID))
	l.bc = bc
	l.sess.Store(s)
	rm.SetNowPlaying(func() any { return h.nowPlaying(l) })
	h.lives[s.ID] = l
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer close(l.done)
		bc.Run(ctx)
	}()
	if l.video != nil {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.runVideo(ctx, l, s)
		}()
	}
	if len(s.Segments) > 0 {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.followSegments(ctx, l)
		}()
	}
	h.log.Info("live session started", "session", s.ID)
}

// Update implements session.Launcher.
func (h *Hub) Update(s *session.Session) {
	h.mu.Lock()
	l := h.lives[s.ID]
	h.mu.Unlock()
	if l != nil {
		l.sess.Store(s)
		l.bc.SetTimeline(timeline{s})
		l.Room.NotifyState()
	}
}

// followSegments applies each program segment's rules to the room as the segment begins:
// microphones muted for a meditation, open for sharing, ducking as the segment says.
func (h *Hub) followSegments(ctx context.Context, l *Live) {
	applied := -1
	for {
		s := l.sess.Load()
		now := h.clock.Now()
		if !now.Before(s.StartsAt) {
			p := session.ProgramAt(s.StartsAt, s.Segments, s.Events, now)
			if !p.Ended && p.Segment != applied {
				sg := s.Segments[p.Segment]
				st := l.Room.Settings()
				st.MicsLocked = sg.Mics == session.MicsMuted
				st.Ducking = sg.Ducking
				l.Room.Configure(st)
				h.log.Info("segment", "session", s.ID, "segment", p.Segment, "name", sg.Name, "mics", sg.Mics)
				applied = p.Segment
			}
		}
		if err := h.clock.SleepUntil(ctx, now.Add(100*time.Millisecond)); err != nil {
			return
		}
	}
}

// nowPlayingJSON is what the room tells members and listeners about the current item.
type nowPlayingJSON struct {
	Index       int    `json:"index"`
	Title       string `json:"title"`
	PositionMS  int64  `json:"position_ms"`
	DurationMS  int64  `json:"duration_ms"`
	Paused      bool   `json:"paused"`
	Silent      bool   `json:"silent,omitempty"`
	Segment     int    `json:"segment"`
	SegmentName string `json:"segment_name"`
	Mics        string `json:"mics"`
	// Part is the program part (contract 6), absent for sessions without a program.
	Part *session.Part `json:"part,omitempty"`
}

func (h *Hub) nowPlaying(l *Live) any {
	np, ok := l.sess.Load().NowPlayingAt(h.clock.Now())
	if !ok {
		return nil
	}
	return nowPlayingJSON{Index: np.Index, Title: np.Title, PositionMS: np.Position.Milliseconds(),
		DurationMS: np.Duration.Milliseconds(), Paused: np.Paused, Silent: np.Silent, Segment: np.Segment,
		SegmentName: np.SegmentName, Mics: string(np.Mics), Part: np.Part}
}

// Stop implements session.Launcher.
func (h *Hub) Stop(id string, ended bool) {
	h.mu.Lock()
	l := h.lives[id]
	delete(h.lives, id)
	h.mu.Unlock()
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
	if ended {
		l.Room.End()
	} else {
		l.Room.Close()
	}
	st := l.bc.Stats()
	drawn, read := l.VideoStats()
	h.log.Info("live session stopped", "session", id, "frames", st.Frames, "skipped", st.Skipped, "seeks", st.Seeks,
		"video_drawn", drawn, "video_read", read)
}

// Room returns the room of a live session.
func (h *Hub) Room(id string) (*room.Room, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.lives[id]
	if !ok {
		return nil, false
	}
	return l.Room, true
}

// Members returns the number of members in a session's room (0 if not live).
func (h *Hub) Members(id string) int {
	if r, ok := h.Room(id); ok {
		return r.Members()
	}
	return 0
}

// Listeners returns the number of listeners in a session's room (0 if not live).
func (h *Hub) Listeners(id string) int {
	if r, ok := h.Room(id); ok {
		return r.Listeners()
	}
	return 0
}

// Close stops every live session and waits for them.
func (h *Hub) Close() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.lives))
	for id := range h.lives {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.Stop(id, false)
	}
	h.wg.Wait()
}

// timeline adapts a session's stored events to the broadcaster's view of time.
type timeline struct{ s *session.Session }

func (t timeline) At(at time.Time) broadcaster.Cue {
	if !t.s.StopAt.IsZero() && !at.Before(t.s.StopAt) {
		return broadcaster.Cue{Ended: true}
	}
	if len(t.s.Segments) > 0 {
		p := session.ProgramAt(t.s.StartsAt, t.s.Segments, t.s.Events, at)
		return broadcaster.Cue{
			Playing: p.Started && !p.Paused && !p.Ended && !p.Silent,
			Ended:   p.Ended,
			Index:   t.s.SegmentStart(p.Segment) + p.Item,
			Offset:  p.Offset,
			Loop:    p.Loop,
		}
	}
	p := session.At(t.s.StartsAt, t.s.Playlist, t.s.Events, at)
	return broadcaster.Cue{
		Playing: p.Started && !p.Paused && !p.Ended,
		Ended:   p.Ended,
		Index:   p.Index,
		Offset:  p.Offset,
		Loop:    p.Loop,
	}
}

// segmentOf returns the program segment that owns flat playlist index i.
func (t timeline) segmentOf(i int) (start, end int, loop bool) {
	n := 0
	for _, sg := range t.s.Segments {
		k := len(sg.Playlist.Items)
		if i < n+k {
			return n, n + k, sg.Playlist.Loop
		}
		n += k
	}
	return n, n, false
}

// Next implements broadcaster.Sequencer: inside a program an item is followed by the next item of
// its own segment (or its first, when the segment loops); at a segment's end nothing follows
// until the timeline moves on.
func (t timeline) Next(i int, loop bool) (int, bool) {
	if len(t.s.Segments) == 0 {
		if i+1 < len(t.s.Playlist.Items) {
			return i + 1, true
		}
		return 0, loop
	}
	start, end, segLoop := t.segmentOf(i)
	if i+1 < end {
		return i + 1, true
	}
	if segLoop && loop && end > start {
		return start, true
	}
	return 0, false
}

type opener struct{ lib Library }

func (o opener) Open(ctx context.Context, id string) (broadcaster.Source, error) {
	src, err := o.lib.Open(ctx, id)
	if err != nil {
		// A nil *media.Source inside a non-nil interface would look like an open source.
		return nil, err
	}
	return src, nil
}

// sink hands the broadcaster's frames to the room, filling the silence before the start with the
// waiting ambience.
type sink struct {
	r        *room.Room
	l        *Live
	ambience []float32
	pos      int // next frame of the ambience loop
	trace    func(broadcaster.Frame)
}

// ambienceFade is how long the ambience takes to fade in after the doors open and to fade out
// before the start, so the session itself begins from silence.
const ambienceFade = 3 * time.Second

func (s *sink) WriteFrame(f broadcaster.Frame) {
	if f.Silent && len(s.ambience) >= 2*broadcaster.FrameSamples {
		if start := s.l.sess.Load().StartsAt; f.Due.Before(start) {
			s.fillAmbience(f.PCM, start.Sub(f.Due))
		}
	}
	if s.trace != nil {
		s.trace(f)
	}
	s.r.WriteAudio(f.Seq, f.PCM)
}

func (s *sink) fillAmbience(pcm []float32, untilStart time.Duration) {
	frames := len(s.ambience) / 2
	played := time.Duration(s.pos) * time.Second / 48000
	for i := 0; i < len(pcm)/2; i++ {
		g := float32(1)
		if left := untilStart - time.Duration(i)*time.Second/48000; left < ambienceFade {
			g = float32(max(left, 0)) / float32(ambienceFade)
		}
		if in := played + time.Duration(i)*time.Second/48000; s.pos < frames && in < ambienceFade {
			g = min(g, float32(in)/float32(ambienceFade))
		}
		k := (s.pos + i) % frames
		pcm[2*i] = s.ambience[2*k] * g
		pcm[2*i+1] = s.ambience[2*k+1] * g
	}
	s.pos += len(pcm) / 2
}
