package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"hearth/playlist"
	"hearth/schedule"
)

// Series is a recurring gathering ("every Tuesday at 19:00, Berlin time"). The scheduler turns
// its occurrences into ordinary sessions ahead of time, so links exist before the doors open and
// nothing depends on a process staying up.
type Series struct {
	ID       string
	GroupID  string
	Title    string
	Schedule schedule.Schedule
	MediaIDs []string
	Loop     bool
	Ducking  bool
	Created  time.Time
	// Segments, if any, are the program every occurrence plays (MediaIDs is then empty).
	Segments []SegmentRequest
	// Memorial makes every occurrence gather a memorial collage of its own.
	Memorial bool
}

// SeriesStore persists series. The store package implements it.
type SeriesStore interface {
	CreateSeries(ctx context.Context, s Series) error
	Series(ctx context.Context, id string) (Series, error)
	AllSeries(ctx context.Context) ([]Series, error)
	UpdateSeriesSchedule(ctx context.Context, id string, sc schedule.Schedule) error
	DeleteSeries(ctx context.Context, id string) error
	SessionByOccurrence(ctx context.Context, seriesID string, original time.Time) (*Session, error)
	RescheduleSession(ctx context.Context, id string, start, stop time.Time) error
	DeleteSession(ctx context.Context, id string) error
}

// ErrNoSuchOccurrence means a cancel or move named a time the series has no occurrence at.
var ErrNoSuchOccurrence = errors.New("the series has no occurrence at that time")

// materializeAhead is how far ahead occurrences become sessions: far enough for invite links to
// show "next Tuesday", near enough that editing the series rarely touches existing sessions.
const materializeAhead = 8 * 24 * time.Hour

// SeriesRequest creates a series.
type SeriesRequest struct {
	GroupID  string
	Title    string
	Schedule schedule.Schedule
	MediaIDs []string
	Loop     bool
	Ducking  bool
	Segments []SegmentRequest
	Memorial bool
}

// CreateSeries validates and stores a series, and materialises its first occurrences at once.
func (m *Manager) CreateSeries(ctx context.Context, req SeriesRequest) (Series, error) {
	title := strings.TrimSpace(req.Title)
	if title == "" || len(title) > 200 {
		return Series{}, fmt.Errorf("%w: title must be 1 to 200 characters", ErrInvalid)
	}
	if err := req.Schedule.Validate(); err != nil {
		return Series{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(req.Segments) > 0 {
		if len(req.MediaIDs) > 0 {
			return Series{}, fmt.Errorf("%w: give either a playlist or a program, not both", ErrInvalid)
		}
		// The same checks a one-off program gets, once, so no occurrence fails later.
		if _, _, err := m.program(ctx, req.Segments); err != nil {
			return Series{}, err
		}
	} else {
		if len(req.MediaIDs) == 0 || len(req.MediaIDs) > playlist.MaxItems {
			return Series{}, fmt.Errorf("%w: the playlist needs 1 to %d items", ErrInvalid, playlist.MaxItems)
		}
		for _, id := range req.MediaIDs {
			if _, err := m.lib.MediaItem(ctx, id); err != nil {
				return Series{}, fmt.Errorf("%w: %q", ErrUnknownMedia, id)
			}
		}
	}
	s := Series{ID: NewID(12), GroupID: req.GroupID, Title: title, Schedule: req.Schedule, MediaIDs: req.MediaIDs,
		Loop: req.Loop, Ducking: req.Ducking, Created: m.clock.Now().UTC(), Segments: req.Segments, Memorial: req.Memorial}
	if err := m.series.CreateSeries(ctx, s); err != nil {
		return Series{}, err
	}
	if err := m.materialize(ctx, s, m.clock.Now()); err != nil {
		m.log.Error("materialise series", "series", s.ID, "err", err)
	}
	m.poke()
	return s, nil
}

// materialize makes sure every occurrence of s that has not ended and starts within the horizon
// has its session. It is idempotent: a unique key on (series, occurrence) keeps restarts and races
// from making two.
func (m *Manager) materialize(ctx context.Context, s Series, now time.Time) error {
	occs := s.Schedule.Between(now.Add(-schedule.MaxDuration), now.Add(materializeAhead), 64)
	if next, ok := s.Schedule.Next(now); ok && (len(occs) == 0 || occs[len(occs)-1].Start.Before(next.Start)) {
		occs = append(occs, next) // always know the next one, however far away
	}
	for _, o := range occs {
		if !o.End.After(now) {
			continue
		}
		if _, err := m.series.SessionByOccurrence(ctx, s.ID, o.Original); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		_, err := m.create(ctx, CreateRequest{Title: s.Title, StartsAt: o.Start, MediaIDs: s.MediaIDs, Loop: s.Loop,
			NoDucking: !s.Ducking, GroupID: s.GroupID, Segments: s.Segments, Memorial: s.Memorial}, func(x *Session) {
			x.SeriesID, x.Occurrence, x.StopAt = s.ID, o.Original.UTC(), o.End.UTC()
		})
		if err != nil && !errors.Is(err, ErrExists) {
			return err
		}
	}
	return nil
}

// ErrExists means the occurrence already has its session.
var ErrExists = errors.New("already exists")

func (m *Manager) materializeAll(ctx context.Context, now time.Time) {
	if m.series == nil {
		return
	}
	all, err := m.series.AllSeries(ctx)
	if err != nil {
		m.log.Error("list series", "err", err)
		return
	}
	for _, s := range all {
		if err := m.materialize(ctx, s, now); err != nil {
			m.log.Error("materialise series", "series", s.ID, "err", err)
		}
	}
}

// GetSeries returns a series.
func (m *Manager) GetSeries(ctx context.Context, id string) (Series, error) {
	return m.series.Series(ctx, id)
}

// CancelOccurrence cancels one occurrence: its session, if made and not yet started, is removed;
// a live one is ended.
func (m *Manager) CancelOccurrence(ctx context.Context, id string, original time.Time) (Series, error) {
	s, err := m.series.Series(ctx, id)
	if err != nil {
		return s, err
	}
	if !m.hasOccurrence(s, original) {
		return s, ErrNoSuchOccurrence
	}
	sc, err := s.Schedule.Cancel(original)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := m.series.UpdateSeriesSchedule(ctx, id, sc); err != nil {
		return s, err
	}
	s.Schedule = sc
	if x, err := m.series.SessionByOccurrence(ctx, id, original); err == nil {
		if x.StateAt(m.clock.Now()) == StateScheduled {
			m.Close(x.ID)
			if err := m.series.DeleteSession(ctx, x.ID); err != nil {
				return s, err
			}
		} else if _, err := m.Control(ctx, x.ID, ControlRequest{Action: ActionEnd}); err != nil && !errors.Is(err, ErrEnded) {
			return s, err
		}
	}
	return s, nil
}

// MoveOccurrence moves one occurrence to start at to; a session already made for it and not yet
// started moves with it.
func (m *Manager) MoveOccurrence(ctx context.Context, id string, original, to time.Time) (Series, error) {
	s, err := m.series.Series(ctx, id)
	if err != nil {
		return s, err
	}
	if !m.hasOccurrence(s, original) {
		return s, ErrNoSuchOccurrence
	}
	sc, err := s.Schedule.Move(original, to)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := m.series.UpdateSeriesSchedule(ctx, id, sc); err != nil {
		return s, err
	}
	s.Schedule = sc
	if x, err := m.series.SessionByOccurrence(ctx, id, original); err == nil {
		if x.StateAt(m.clock.Now()) != StateScheduled {
			return s, fmt.Errorf("%w: that occurrence has already started", ErrInvalid)
		}
		m.Close(x.ID)
		if err := m.series.RescheduleSession(ctx, x.ID, to.UTC(), to.Add(s.Schedule.Duration).UTC()); err != nil {
			return s, err
		}
	}
	m.poke()
	return s, nil
}

// hasOccurrence reports whether original is an occurrence of s (cancelled and moved ones count).
func (m *Manager) hasOccurrence(s Series, original time.Time) bool {
	bare := s.Schedule
	bare.Exceptions = nil
	for _, o := range bare.Between(original.Add(-time.Minute), original.Add(time.Minute), 4) {
		if o.Start.Equal(original) {
			return true
		}
	}
	return false
}

// DeleteSeries deletes a series and its sessions that have not started; started ones keep running.
func (m *Manager) DeleteSeries(ctx context.Context, id string) error {
	return m.series.DeleteSeries(ctx, id)
}
