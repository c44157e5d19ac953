package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"hearth/clock"
	"hearth/playlist"
)

// Store persists sessions and their control events. The store package implements it.
type Store interface {
	CreateSession(ctx context.Context, s *Session) error
	Session(ctx context.Context, id string) (*Session, error)
	// OpenSessions returns every session that has not been marked ended.
	OpenSessions(ctx context.Context) ([]*Session, error)
	AppendEvent(ctx context.Context, id string, e Event) error
	MarkEnded(ctx context.Context, id string, at time.Time) error
	SetDucking(ctx context.Context, id string, on bool) error
	// SetCollage makes the session play its finalized collage: pl replaces its playlist and
	// program; with pl empty it stops being a collage session and keeps its playlist.
	SetCollage(ctx context.Context, id string, pl playlist.Playlist) error
	// SetMemorial turns a session's memorial collage on or off.
	SetMemorial(ctx context.Context, id string, on bool) error
}

// MediaItem is what the manager needs to know about a media file to put it in a playlist.
type MediaItem struct {
	ID     string
	Title  string
	Frames int64
	GainDB float64
}

// Library looks up media for playlists.
type Library interface {
	MediaItem(ctx context.Context, id string) (MediaItem, error)
}

// Launcher runs the live side of sessions: rooms and broadcasters. Calls must not block for long;
// the scheduler calls them from its loop.
type Launcher interface {
	// Start opens the live room of a session (doors open before the start, with silence).
	Start(s *Session)
	// Update hands a running room the session with new control events.
	Update(s *Session)
	// Stop closes the live room of a session. ended says whether the session is over (and everyone
	// is told so) or the room merely closes, e.g. for a restart, and clients should reconnect.
	Stop(id string, ended bool)
}

// Config tunes the manager.
type Config struct {
	// DoorsOpen is how long before the start a room accepts listeners, who hear silence until then.
	DoorsOpen time.Duration
	// Tick bounds how late the scheduler notices a start or an end.
	Tick time.Duration
}

// Manager creates and controls sessions and runs the scheduler that opens and closes their rooms.
type Manager struct {
	store  Store
	series SeriesStore
	lib    Library
	launch Launcher
	clock  clock.Clock
	cfg    Config
	log    *slog.Logger

	wake chan struct{}

	lastMaterialize time.Time

	// startMu makes marking a room running and starting it one step (open).
	startMu sync.Mutex
	mu      sync.Mutex
	running map[string]bool
	// ctl serialises control actions so that events get strictly increasing stamps.
	ctl sync.Mutex
}

// NewManager returns a manager; call Run to start its scheduler.
func NewManager(store Store, lib Library, launch Launcher, clk clock.Clock, cfg Config, log *slog.Logger) *Manager {
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	return &Manager{
		store: store, lib: lib, launch: launch, clock: clk, cfg: cfg, log: log,
		wake:    make(chan struct{}, 1),
		running: make(map[string]bool),
	}
}

// CreateRequest is what a host gives to schedule a session.
type CreateRequest struct {
	Title     string
	StartsAt  time.Time
	MediaIDs  []string
	Loop      bool
	Crossfade time.Duration
	Demo      bool
	// NoDucking keeps the broadcast at full level while members speak.
	NoDucking bool
	// GroupID puts the session in a circle.
	GroupID string
	// Segments, if given, make the session a program; MediaIDs and Loop are then unused.
	Segments []SegmentRequest
	// Memorial makes the session gather a memorial collage.
	Memorial bool
}

// SegmentRequest describes one segment of a new program.
type SegmentRequest struct {
	Name     string
	MediaIDs []string
	Loop     bool
	Length   time.Duration
	Mics     MicRule
	Ducking  bool
}

// items resolves media ids into playlist items.
func (m *Manager) items(ctx context.Context, ids []string) ([]playlist.Item, error) {
	var out []playlist.Item
	for _, id := range ids {
		mi, err := m.lib.MediaItem(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownMedia, id)
		}
		out = append(out, playlist.Item{MediaID: mi.ID, Title: mi.Title, Frames: mi.Frames, GainDB: mi.GainDB})
	}
	return out, nil
}

// program builds and validates a program, and the flat playlist the broadcaster plays.
func (m *Manager) program(ctx context.Context, reqs []SegmentRequest) (playlist.Playlist, []Segment, error) {
	var flat playlist.Playlist
	segs := make([]Segment, 0, len(reqs))
	for _, r := range reqs {
		items, err := m.items(ctx, r.MediaIDs)
		if err != nil {
			return flat, nil, err
		}
		segs = append(segs, Segment{Name: strings.TrimSpace(r.Name), Playlist: playlist.Playlist{Loop: r.Loop, Items: items},
			Length: r.Length, Mics: r.Mics, Ducking: r.Ducking})
		flat.Items = append(flat.Items, items...)
	}
	if len(flat.Items) > playlist.MaxItems {
		return flat, nil, fmt.Errorf("%w: at most %d playlist items in all", ErrInvalid, playlist.MaxItems)
	}
	if err := ValidateProgram(segs); err != nil {
		return flat, nil, err
	}
	// Segments share the flat list's storage, as they do when loaded back.
	n := 0
	for i := range segs {
		k := len(segs[i].Playlist.Items)
		if k > 0 {
			segs[i].Playlist.Items = flat.Items[n : n+k]
		}
		n += k
	}
	return flat, segs, nil
}

// SetSeriesStore enables recurring series.
func (m *Manager) SetSeriesStore(s SeriesStore) { m.series = s }

// Create validates the request, resolves the media and stores the new session.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (*Session, error) {
	return m.create(ctx, req, nil)
}

func (m *Manager) create(ctx context.Context, req CreateRequest, adjust func(*Session)) (*Session, error) {
	title := strings.TrimSpace(req.Title)
	if title == "" || len(title) > 200 {
		return nil, fmt.Errorf("%w: title must be 1 to 200 characters", ErrInvalid)
	}
	if req.StartsAt.IsZero() {
		return nil, fmt.Errorf("%w: starts_at is required", ErrInvalid)
	}
	var pl playlist.Playlist
	var segs []Segment
	if len(req.Segments) > 0 {
		var err error
		if pl, segs, err = m.program(ctx, req.Segments); err != nil {
			return nil, err
		}
	} else {
		if len(req.MediaIDs) == 0 {
			return nil, fmt.Errorf("%w: the playlist needs at least one media item", ErrInvalid)
		}
		if len(req.MediaIDs) > playlist.MaxItems {
			return nil, fmt.Errorf("%w: at most %d playlist items", ErrInvalid, playlist.MaxItems)
		}
		items, err := m.items(ctx, req.MediaIDs)
		if err != nil {
			return nil, err
		}
		pl = playlist.Playlist{Loop: req.Loop, Crossfade: playlist.DurationToFrames(req.Crossfade), Items: items}
		if err := pl.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	s := &Session{
		ID:            NewID(12),
		Title:         title,
		StartsAt:      req.StartsAt.UTC().Truncate(time.Millisecond),
		Playlist:      pl,
		ListenerToken: NewID(24),
		MemberToken:   NewID(24),
		Ducking:       !req.NoDucking,
		GroupID:       req.GroupID,
		CreatedAt:     m.clock.Now().UTC(),
		Demo:          req.Demo,
		Segments:      segs,
		Memorial:      req.Memorial,
		// Every session has its contribution token, so turning the collage on later needs no
		// new link for anything else.
		ContributeToken: NewID(24),
	}
	if adjust != nil {
		adjust(s)
	}
	if err := m.store.CreateSession(ctx, s); err != nil {
		return nil, err
	}
	m.log.Info("session scheduled", "session", s.ID, "starts_at", s.StartsAt, "items", len(pl.Items), "loop", pl.Loop)
	m.poke()
	return s, nil
}

// Get returns a session.
func (m *Manager) Get(ctx context.Context, id string) (*Session, error) {
	return m.store.Session(ctx, id)
}

// Now returns the manager's clock reading, so callers describe sessions at the same instant the
// scheduler sees.
func (m *Manager) Now() time.Time { return m.clock.Now() }

// MaxEvents bounds the control actions stored for one session.
const MaxEvents = 2000

// ControlRequest is a host's control action.
type ControlRequest struct {
	Action   Action
	Position time.Duration
	Loop     bool
}

// Control stores a control event and hands it to the live room.
func (m *Manager) Control(ctx context.Context, id string, req ControlRequest) (*Session, error) {
	switch req.Action {
	case ActionPause, ActionResume, ActionSkip, ActionLoop, ActionEnd, ActionNext:
	case ActionSeek:
		if req.Position < 0 {
			return nil, fmt.Errorf("%w: position_ms must not be negative", ErrInvalid)
		}
	default:
		return nil, fmt.Errorf("%w: unknown action %q", ErrInvalid, req.Action)
	}
	m.ctl.Lock()
	defer m.ctl.Unlock()
	s, err := m.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	now := m.clock.Now().UTC()
	if s.StateAt(now) == StateEnded {
		return nil, ErrEnded
	}
	// The timeline is recomputed from every event on each 20 ms frame; a bound keeps a runaway
	// client from making that expensive. A real session sees a few dozen.
	if len(s.Events) >= MaxEvents {
		return nil, fmt.Errorf("%w: this session has had %d control actions, the most allowed", ErrInvalid, MaxEvents)
	}
	at := now
	if n := len(s.Events); n > 0 && !at.After(s.Events[n-1].At) {
		at = s.Events[n-1].At.Add(time.Microsecond)
	}
	e := Event{At: at, Action: req.Action, Position: req.Position, Loop: req.Loop}
	if err := m.store.AppendEvent(ctx, id, e); err != nil {
		return nil, err
	}
	s.Events = append(s.Events, e)
	m.log.Info("session control", "session", id, "action", req.Action, "position", req.Position)
	m.mu.Lock()
	live := m.running[id]
	m.mu.Unlock()
	if live {
		m.launch.Update(s)
	}
	m.poke()
	return s, nil
}

// CollageCrossfade is how long one song of a memorial collage takes to fade into the next.
const CollageCrossfade = 3 * time.Second

// CollagePlaylist joins a collage's songs: crossfades of CollageCrossfade, or back to back when
// a song is too short for one. It does not loop.
func CollagePlaylist(songs []playlist.Item) (playlist.Playlist, error) {
	pl := playlist.Playlist{Items: songs, Crossfade: playlist.DurationToFrames(CollageCrossfade)}
	if pl.Validate() != nil {
		pl.Crossfade = 0
	}
	if err := pl.Validate(); err != nil {
		return playlist.Playlist{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return pl, nil
}

// FinalizeCollage makes a session's broadcast its memorial collage: the songs, in order, joined by
// crossfades (or back to back when a song is too short for one), with the photos shown over them.
// The session must not have begun; a room open early is reopened with the collage.
func (m *Manager) FinalizeCollage(ctx context.Context, id string, songIDs []string) (*Session, error) {
	if len(songIDs) == 0 {
		return nil, fmt.Errorf("%w: the collage has no songs", ErrInvalid)
	}
	if len(songIDs) > playlist.MaxItems {
		return nil, fmt.Errorf("%w: at most %d songs", ErrInvalid, playlist.MaxItems)
	}
	m.ctl.Lock()
	defer m.ctl.Unlock()
	s, err := m.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := m.notLive(s); err != nil {
		return nil, err
	}
	items, err := m.items(ctx, songIDs)
	if err != nil {
		return nil, err
	}
	pl, err := CollagePlaylist(items)
	if err != nil {
		return nil, err
	}
	if err := m.store.SetCollage(ctx, id, pl); err != nil {
		return nil, err
	}
	m.log.Info("collage finalized", "session", id, "songs", len(items), "length", playlist.FramesToDuration(pl.Total()))
	m.reopenRoom(id)
	return m.store.Session(ctx, id)
}

// reopenRoom closes a session's room that opened before the start with what it played then; the
// scheduler opens it again at once with the session as it is now. Early arrivals reconnect, as
// after a restart, and hear the same waiting ambience.
func (m *Manager) reopenRoom(id string) {
	m.mu.Lock()
	running := m.running[id]
	m.mu.Unlock()
	if !running {
		return
	}
	// Stop while still marked running, so the scheduler cannot start it meanwhile; then unmark it
	// and wake the scheduler.
	m.launch.Stop(id, false)
	m.mu.Lock()
	delete(m.running, id)
	m.mu.Unlock()
	m.poke()
}

// ReopenCollage stops a session being a collage session until it is finalized again; its
// playlist stays. It is refused once the room is open.
func (m *Manager) ReopenCollage(ctx context.Context, id string) error {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	s, err := m.store.Session(ctx, id)
	if err != nil {
		return err
	}
	if !s.Collage {
		return nil
	}
	if err := m.notLive(s); err != nil {
		return err
	}
	if err := m.store.SetCollage(ctx, id, playlist.Playlist{}); err != nil {
		return err
	}
	m.reopenRoom(id)
	return nil
}

// notLive refuses changes to what a session plays once it has begun or ended. Before the start
// its room may be open (doors open early); reopenRoom then restarts it with the change.
func (m *Manager) notLive(s *Session) error {
	now := m.clock.Now()
	switch {
	case s.StateAt(now) == StateEnded:
		return ErrEnded
	case !now.Before(s.StartsAt):
		return fmt.Errorf("%w: the session has begun; the collage can only change before it starts", ErrLive)
	}
	return nil
}

// Close ends a session's live room at once, e.g. because its group is being deleted.
func (m *Manager) Close(id string) {
	m.mu.Lock()
	running := m.running[id]
	delete(m.running, id)
	m.mu.Unlock()
	if running {
		m.launch.Stop(id, true)
	}
}

// ErrCollageFinal means a change would leave a finalized collage without its memorial session.
var ErrCollageFinal = errors.New("the collage is finalized")

// SetMemorial turns a session's memorial collage on or off. A session whose finalized collage is
// its broadcast stays a memorial until the collage is reopened; an ended session keeps what it was.
func (m *Manager) SetMemorial(ctx context.Context, id string, on bool) (*Session, error) {
	m.ctl.Lock()
	defer m.ctl.Unlock()
	s, err := m.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.Memorial == on {
		return s, nil
	}
	if s.StateAt(m.clock.Now()) == StateEnded {
		return nil, ErrEnded
	}
	if !on && s.Collage {
		return nil, fmt.Errorf("%w: reopen it for contributions before turning the memorial off", ErrCollageFinal)
	}
	if err := m.store.SetMemorial(ctx, id, on); err != nil {
		return nil, err
	}
	return m.store.Session(ctx, id)
}

// SetDucking stores the session's ducking switch, so it survives a restart.
func (m *Manager) SetDucking(ctx context.Context, id string, on bool) error {
	return m.store.SetDucking(ctx, id, on)
}

// EnsureOpen starts the room of a session whose doors are open, if the scheduler has not yet, so
// that a listener arriving early never waits for the next tick. Before the doors open it returns
// ErrNotOpen, so a link opened days ahead does not keep a broadcaster running.
func (m *Manager) EnsureOpen(ctx context.Context, id string) (*Session, error) {
	s, err := m.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	now := m.clock.Now()
	if s.StateAt(now) == StateEnded {
		return s, ErrEnded
	}
	if opens := s.StartsAt.Add(-m.cfg.DoorsOpen); now.Before(opens) {
		return s, fmt.Errorf("%w: doors open at %s", ErrNotOpen, opens.UTC().Format(time.RFC3339))
	}
	if m.open(s) {
		m.log.Info("room opened", "session", id, "early", now.Before(s.StartsAt))
	}
	return s, nil
}

// open starts a session's room unless it is running, and reports whether it started it. Marking
// and starting are one step under startMu: whoever finds the room marked running (EnsureOpen for
// a listener who arrives as the scheduler opens the room) returns only once it is started, so the
// caller's next look finds the room. Without it such a listener was told the session had ended.
func (m *Manager) open(s *Session) bool {
	m.startMu.Lock()
	defer m.startMu.Unlock()
	m.mu.Lock()
	start := !m.running[s.ID]
	m.running[s.ID] = true
	m.mu.Unlock()
	if start {
		m.launch.Start(s)
	}
	return start
}

func (m *Manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run is the scheduler: it opens rooms when doors open, closes them when sessions end, and on start
// resumes every session that was live before a restart. It returns when ctx ends, after stopping the
// rooms it started.
func (m *Manager) Run(ctx context.Context) error {
	for {
		if err := m.tick(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("scheduler tick", "err", err)
		}
		next := m.clock.Now().Add(m.cfg.Tick)
		tctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			select {
			case <-m.wake:
				cancel()
			case <-tctx.Done():
			}
			close(done)
		}()
		err := m.clock.SleepUntil(tctx, next)
		cancel()
		<-done
		if ctx.Err() != nil {
			m.stopAll()
			return nil
		}
		_ = err
	}
}

func (m *Manager) tick(ctx context.Context) error {
	// Series are checked once a minute: occurrences are materialised a week ahead.
	if now := m.clock.Now(); now.Sub(m.lastMaterialize) >= time.Minute {
		m.lastMaterialize = now
		m.materializeAll(ctx, now)
	}
	open, err := m.store.OpenSessions(ctx)
	if err != nil {
		return err
	}
	now := m.clock.Now()
	for _, s := range open {
		state := s.StateAt(now)
		m.mu.Lock()
		running := m.running[s.ID]
		m.mu.Unlock()
		switch {
		case state == StateEnded:
			end, ok := EndsAt(s.StartsAt, s.Playlist, s.Events)
			if !ok || end.After(now) {
				end = now
			}
			if !s.StopAt.IsZero() && s.StopAt.Before(end) {
				end = s.StopAt
			}
			if err := m.store.MarkEnded(ctx, s.ID, end.UTC()); err != nil {
				return err
			}
			m.log.Info("session ended", "session", s.ID, "at", end)
			if running {
				m.mu.Lock()
				delete(m.running, s.ID)
				m.mu.Unlock()
				m.launch.Stop(s.ID, true)
			}
		case !running && !now.Before(s.StartsAt.Add(-m.cfg.DoorsOpen)):
			if m.open(s) {
				m.log.Info("room opened", "session", s.ID, "state", state)
			}
		}
	}
	return nil
}

func (m *Manager) stopAll() {
	m.mu.Lock()
	ids := make([]string, 0, len(m.running))
	for id := range m.running {
		ids = append(ids, id)
	}
	m.running = make(map[string]bool)
	m.mu.Unlock()
	for _, id := range ids {
		// Shutting down is not the end of a session: it resumes when the server is back.
		m.launch.Stop(id, false)
	}
}
