package live

import (
	"context"
	"sync/atomic"
	"time"

	"hearth/playlist"
	"hearth/session"
	"hearth/show"
)

// Shows builds sessions' collage shows and opens their recordings.
type Shows interface {
	// Load builds the show of a session's collage laid over total, the songs' length.
	Load(ctx context.Context, sessionID string, total time.Duration) (*show.Show, error)
	// Open opens the whole recording of the show, or fails (then the room draws its frames).
	Open(sessionID string, s *show.Show) (*show.Recording, error)
}

// videoLag is how late a video frame may be before the pacer drops frames to catch up.
const videoLag = 200 * time.Millisecond

// videoState is a live session's picture: the player, once the show is loaded.
type videoState struct {
	player atomic.Pointer[show.Player]
	// origin is where the video's RTP clock starts, on the hub's clock.
	origin time.Time
}

// keyframe asks for a keyframe on the next frame; before the show has loaded the first frame is
// one anyway.
func (v *videoState) keyframe() {
	if p := v.player.Load(); p != nil {
		p.RequestKeyframe()
	}
}

// VideoStats says how many frames a live session's picture has drawn and encoded itself and how
// many it read from a recording.
func (l *Live) VideoStats() (drawn, read int64) {
	if l.video == nil {
		return 0, 0
	}
	if p := l.video.player.Load(); p != nil {
		return p.Stats()
	}
	return 0, 0
}

// runVideo loads the session's show and paces its frames on the hub's clock, frame k due at
// origin + k/FPS: each shows the songs' position at its due time, so the picture follows the same
// timeline as the audio through pauses, skips and seeks, and a photo's caption goes out with the
// frame in which the photo takes the screen.
func (h *Hub) runVideo(ctx context.Context, l *Live, s *session.Session) {
	pl := s.Playlist
	starts := make([]time.Duration, len(pl.Items)+1)
	for i := range pl.Items {
		starts[i+1] = starts[i] + playlist.FramesToDuration(pl.Slot(i))
	}
	total := starts[len(pl.Items)]
	began := time.Now()
	sh, err := h.cfg.Shows.Load(ctx, s.ID, total)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Error("collage cannot be shown; the songs play without it", "session", s.ID, "err", err)
		}
		return
	}
	rec, err := h.cfg.Shows.Open(s.ID, sh)
	if err != nil {
		h.log.Info("collage has no recording; drawing it live", "session", s.ID, "reason", err)
		rec = nil
	}
	p := show.NewPlayer(sh, rec)
	defer func() { p.Close() }()
	l.video.player.Store(p)
	// A recording finished after the room opened (the host finalized shortly before) is picked
	// up when it appears: the new player starts with a keyframe, so the switch is seamless.
	lastTry := h.clock.Now()
	h.log.Info("collage ready", "session", s.ID, "photos_loaded_in", time.Since(began).Round(time.Millisecond),
		"recorded", rec != nil, "frames", sh.Frames())

	fps := int64(sh.Config().FPS)
	origin := l.video.origin
	first := h.clock.Now().Sub(origin)
	k := int64(first)*fps/int64(time.Second) + 1
	lastSlide, lastText := -2, ""
	for ; ; k++ {
		due := origin.Add(time.Duration(k * int64(time.Second) / fps))
		if err := h.clock.SleepUntil(ctx, due); err != nil {
			return
		}
		if lag := h.clock.Now().Sub(due); lag > videoLag {
			k += int64(lag) * fps / int64(time.Second)
			continue
		}
		if rec == nil && due.Sub(lastTry) >= 2*time.Second {
			lastTry = due
			if r, err := h.cfg.Shows.Open(s.ID, sh); err == nil {
				rec = r
				old := p
				p = show.NewPlayer(sh, rec)
				l.video.player.Store(p)
				old.Close()
				h.log.Info("collage recording ready; the room now reads it", "session", s.ID)
			}
		}
		cue := timeline{l.sess.Load()}.At(due)
		if cue.Ended {
			if lastSlide != -1 {
				l.Room.Caption("", "")
				lastSlide = -1
			}
			continue
		}
		if cue.Index < 0 || cue.Index >= len(pl.Items) {
			continue
		}
		pos := starts[cue.Index] + playlist.FramesToDuration(cue.Offset)
		if !cue.Playing && pos == 0 {
			// Before the start nothing is shown; the pages say when the collage begins.
			continue
		}
		frame, _, err := p.Frame(sh.FrameAt(pos))
		if err != nil {
			h.log.Error("collage frame", "session", s.ID, "err", err)
			continue
		}
		if frame != nil {
			l.Room.WriteVideo(frame, due.Sub(origin))
		}
		c := sh.CaptionAt(pos)
		if h.onVideo != nil {
			h.onVideo(due, pos, c)
		}
		if c.Slide != lastSlide || c.Text != lastText {
			l.Room.Caption(c.Text, c.Name)
			lastSlide, lastText = c.Slide, c.Text
		}
	}
}
