package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/session"
)

// maxJSONBody bounds JSON request bodies.
const maxJSONBody = 1 << 20

type createSessionJSON struct {
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
	Playlist []struct {
		MediaID string `json:"media_id"`
	} `json:"playlist"`
	Loop        bool          `json:"loop"`
	CrossfadeMS int64         `json:"crossfade_ms"`
	Ducking     *bool         `json:"ducking"`
	Program     []segmentJSON `json:"program"`
	// Memorial makes the session gather a memorial collage (contract 4).
	Memorial bool `json:"memorial"`
}

// segmentJSON is one segment of a program, as hosts send and read it.
type segmentJSON struct {
	Name     string `json:"name"`
	Playlist []struct {
		MediaID string `json:"media_id"`
	} `json:"playlist,omitempty"`
	Loop     bool   `json:"loop,omitempty"`
	LengthMS int64  `json:"length_ms"`
	Mics     string `json:"mics"`
	Ducking  bool   `json:"ducking"`
}

type segmentOutJSON struct {
	Name     string     `json:"name"`
	Playlist []itemJSON `json:"playlist"`
	Loop     bool       `json:"loop"`
	LengthMS int64      `json:"length_ms"`
	Mics     string     `json:"mics"`
	Ducking  bool       `json:"ducking"`
}

type nowPlayingJSON struct {
	Index         int        `json:"index"`
	MediaID       string     `json:"media_id"`
	Title         string     `json:"title"`
	PositionMS    int64      `json:"position_ms"`
	DurationMS    int64      `json:"duration_ms"`
	Paused        bool       `json:"paused"`
	Silent        bool       `json:"silent,omitempty"`
	Segment       int        `json:"segment"`
	SegmentName   string     `json:"segment_name"`
	Mics          string     `json:"mics"`
	SegmentEndsAt *time.Time `json:"segment_ends_at,omitempty"`
	// Part is the program part (room stream, contract 6).
	Part *session.Part `json:"part,omitempty"`
}

type itemJSON struct {
	MediaID    string `json:"media_id"`
	Title      string `json:"title"`
	DurationMS int64  `json:"duration_ms"`
}

type sessionJSON struct {
	ID            string           `json:"id"`
	GroupID       string           `json:"group_id,omitempty"`
	Title         string           `json:"title"`
	State         session.State    `json:"state"`
	StartsAt      time.Time        `json:"starts_at"`
	EndsAt        *time.Time       `json:"ends_at,omitempty"`
	Loop          bool             `json:"loop"`
	Ducking       bool             `json:"ducking"`
	CrossfadeMS   int64            `json:"crossfade_ms"`
	Playlist      []itemJSON       `json:"playlist"`
	Program       []segmentOutJSON `json:"program,omitempty"`
	NowPlaying    *nowPlayingJSON  `json:"now_playing"`
	Listeners     int              `json:"listeners"`
	Members       int              `json:"members"`
	ListenURL     string           `json:"listen_url"`
	JoinURL       string           `json:"join_url"`
	WHEPURL       string           `json:"whep_url"`
	ListenerToken string           `json:"listener_token"`
	MemberToken   string           `json:"member_token"`
	ServerTime    time.Time        `json:"server_time"`
	// Memorial says the session gathers a memorial collage; its hosts get the contribution link.
	Memorial        bool   `json:"memorial"`
	ContributeURL   string `json:"contribute_url,omitempty"`
	ContributeToken string `json:"contribute_token,omitempty"`
	SeriesID        string `json:"series_id,omitempty"`
}

// decodeJSON reads a bounded JSON body that must match v exactly.
func decodeJSON(c *gin.Context, v any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fmt.Errorf("%w: malformed JSON: %v", session.ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON body", session.ErrInvalid)
	}
	return nil
}

func (s *Server) createSession(c *gin.Context) {
	var req createSessionJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	starts, err := time.Parse(time.RFC3339, strings.TrimSpace(req.StartsAt))
	if err != nil {
		fail(c, http.StatusBadRequest, "starts_at must be an RFC 3339 time such as 2026-11-24T19:00:00+01:00")
		return
	}
	if req.CrossfadeMS < 0 || req.CrossfadeMS > 10000 {
		fail(c, http.StatusBadRequest, "crossfade_ms must be between 0 and 10000")
		return
	}
	ids := make([]string, 0, len(req.Playlist))
	for _, it := range req.Playlist {
		ids = append(ids, it.MediaID)
	}
	if len(req.Program) > 0 && len(req.Playlist) > 0 {
		fail(c, http.StatusBadRequest, "give either a playlist or a program, not both")
		return
	}
	var segs []session.SegmentRequest
	for _, sg := range req.Program {
		sr := session.SegmentRequest{Name: sg.Name, Loop: sg.Loop, Length: time.Duration(sg.LengthMS) * time.Millisecond,
			Mics: session.MicRule(sg.Mics), Ducking: sg.Ducking}
		for _, it := range sg.Playlist {
			sr.MediaIDs = append(sr.MediaIDs, it.MediaID)
			ids = append(ids, it.MediaID) // checked against the group's library below
		}
		segs = append(segs, sr)
	}
	group := c.GetString("session_group")
	if group != "" {
		// A group's sessions play the group's own library.
		for _, id := range ids {
			if ok, err := s.groups.GroupHasMedia(c.Request.Context(), group, id); err != nil || !ok {
				fail(c, http.StatusBadRequest, "the playlist names media that is not in this group's library: "+id)
				return
			}
		}
	}
	sess, err := s.sessions.Create(c.Request.Context(), session.CreateRequest{
		GroupID:  group,
		Segments: segs,
		Title:    req.Title, StartsAt: starts, MediaIDs: ids, Loop: req.Loop,
		Crossfade: time.Duration(req.CrossfadeMS) * time.Millisecond,
		NoDucking: req.Ducking != nil && !*req.Ducking,
		Memorial:  req.Memorial,
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, group, "session.create", sess.Title+" "+sess.ID)
	c.Header("Location", "/api/v1/sessions/"+sess.ID)
	c.JSON(http.StatusCreated, s.describe(c, sess))
}

func (s *Server) getSession(c *gin.Context) {
	c.JSON(http.StatusOK, s.describe(c, sessionOf(c)))
}

type controlJSON struct {
	Action     session.Action `json:"action"`
	PositionMS *int64         `json:"position_ms"`
	Loop       *bool          `json:"loop"`
}

func (s *Server) controlSession(c *gin.Context) {
	var req controlJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	cr := session.ControlRequest{Action: req.Action}
	switch req.Action {
	case session.ActionSeek:
		if req.PositionMS == nil {
			fail(c, http.StatusBadRequest, "seek needs position_ms")
			return
		}
		cr.Position = time.Duration(*req.PositionMS) * time.Millisecond
	case session.ActionLoop:
		if req.Loop == nil {
			fail(c, http.StatusBadRequest, "loop needs \"loop\": true or false")
			return
		}
		cr.Loop = *req.Loop
	}
	sess, err := s.sessions.Control(c.Request.Context(), c.Param("id"), cr)
	if errors.Is(err, session.ErrEnded) {
		fail(c, http.StatusConflict, "this session has already ended")
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, sess.GroupID, "session."+string(req.Action), sess.ID)
	c.JSON(http.StatusOK, s.describe(c, sess))
}

// baseURL is where links point: the configured public URL, else the request's own host.
func (s *Server) baseURL(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *Server) describe(c *gin.Context, sess *session.Session) sessionJSON {
	now := s.sessions.Now()
	base := s.baseURL(c)
	out := sessionJSON{
		ID:            sess.ID,
		GroupID:       sess.GroupID,
		Title:         sess.Title,
		State:         sess.StateAt(now),
		StartsAt:      sess.StartsAt,
		Loop:          session.At(sess.StartsAt, sess.Playlist, sess.Events, now).Loop,
		CrossfadeMS:   sess.Playlist.Crossfade * 1000 / 48000,
		Ducking:       sess.Ducking,
		Listeners:     s.rooms.Listeners(sess.ID),
		Members:       s.rooms.Members(sess.ID),
		ListenURL:     base + "/listen/" + sess.ID + "#t=" + sess.ListenerToken,
		JoinURL:       base + "/join/" + sess.ID + "#t=" + sess.MemberToken,
		WHEPURL:       base + "/whep/" + sess.ID,
		ListenerToken: sess.ListenerToken,
		MemberToken:   sess.MemberToken,
		ServerTime:    now.UTC(),
		Memorial:      sess.Memorial,
		SeriesID:      sess.SeriesID,
	}
	if sess.Memorial {
		out.ContributeURL = contributeURL(base, sess)
		out.ContributeToken = sess.ContributeToken
	}
	if !sess.EndedAt.IsZero() {
		t := sess.EndedAt
		out.EndsAt = &t
	} else if end, ok := sess.EndsAt(); ok {
		out.EndsAt = &end
	}
	for _, it := range sess.Playlist.Items {
		out.Playlist = append(out.Playlist, itemJSON{MediaID: it.MediaID, Title: it.Title, DurationMS: it.Duration().Milliseconds()})
	}
	for _, sg := range sess.Segments {
		o := segmentOutJSON{Name: sg.Name, Loop: sg.Playlist.Loop, LengthMS: sg.Length.Milliseconds(), Mics: string(sg.Mics),
			Ducking: sg.Ducking, Playlist: []itemJSON{}}
		for _, it := range sg.Playlist.Items {
			o.Playlist = append(o.Playlist, itemJSON{MediaID: it.MediaID, Title: it.Title, DurationMS: it.Duration().Milliseconds()})
		}
		out.Program = append(out.Program, o)
	}
	if np, ok := sess.NowPlayingAt(now); ok {
		out.NowPlaying = &nowPlayingJSON{Index: np.Index, MediaID: np.MediaID, Title: np.Title,
			PositionMS: np.Position.Milliseconds(), DurationMS: np.Duration.Milliseconds(), Paused: np.Paused,
			Silent: np.Silent, Segment: np.Segment, SegmentName: np.SegmentName, Mics: string(np.Mics), Part: np.Part}
		if !np.SegmentEnds.IsZero() {
			t := np.SegmentEnds.UTC()
			out.NowPlaying.SegmentEndsAt = &t
		}
	}
	return out
}

// listenJSON is what a listener may see: no tokens, no media ids beyond the current one.
type listenJSON struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	State      session.State   `json:"state"`
	StartsAt   time.Time       `json:"starts_at"`
	ServerTime time.Time       `json:"server_time"`
	NowPlaying *nowPlayingJSON `json:"now_playing"`
	Listeners  int             `json:"listeners"`
	Members    int             `json:"members"`
	ICEServers []ICEServer     `json:"ice_servers,omitempty"`
	// Memorial says the pages may offer the collage (contract 4); ContributeURL is set only while
	// the collage takes photos and songs.
	Memorial      bool   `json:"memorial"`
	ContributeURL string `json:"contribute_url,omitempty"`
	// CalendarURL is this session as an .ics file, with the caller's own token (contract 8).
	CalendarURL string `json:"calendar_url,omitempty"`
	// NextSession and SupportText are set once the session has ended (contract 7): where the
	// circle meets next (null if nothing is planned) and what its hosts say meanwhile.
	NextSession any     `json:"next_session,omitempty"`
	SupportText *string `json:"support_text,omitempty"`
}

// nextSessionJSON is the circle's next gathering, for an ended session's pages. URL is the link
// of the same kind as the caller's (join for members and hosts, listen for listeners).
type nextSessionJSON struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	StartsAt time.Time     `json:"starts_at"`
	State    session.State `json:"state"`
	URL      string        `json:"url,omitempty"`
}

func (s *Server) listenInfo(c *gin.Context) {
	sess := sessionOf(c)
	d := s.describe(c, sess)
	c.Header("Cache-Control", "no-store")
	out := listenJSON{ID: d.ID, Title: d.Title, State: d.State, StartsAt: d.StartsAt,
		ServerTime: d.ServerTime, NowPlaying: d.NowPlaying, Listeners: d.Listeners, Members: d.Members,
		Memorial: sess.Memorial}
	if s.cfg.ICEServers != nil && d.State != session.StateEnded {
		out.ICEServers = s.cfg.ICEServers()
	}
	tok, hasToken := bearer(c)
	base := s.baseURL(c)
	// The caller's own session token goes in the link; a host's API or admin token never does
	// (a calendar link is copied around): hosts get the member token, which they hold anyway.
	calTok := sess.MemberToken
	if hasToken && tokenIs(tok, sess.ListenerToken) {
		calTok = sess.ListenerToken
	}
	out.CalendarURL = base + "/api/v1/sessions/" + sess.ID + "/calendar.ics?t=" + url.QueryEscape(calTok)
	if sess.Memorial && d.State != session.StateEnded && s.collage.Store != nil {
		if locked, err := s.collage.Store.CollageLocked(c.Request.Context(), sess.ID); err == nil && !locked && !sess.Collage {
			out.ContributeURL = contributeURL(base, sess)
		}
	}
	if d.State == session.StateEnded {
		next, support := s.afterwards(c, sess, hasToken && tokenIs(tok, sess.ListenerToken))
		out.SupportText = &support
		if next != nil {
			out.NextSession = next
		} else {
			out.NextSession = json.RawMessage("null")
		}
	}
	c.JSON(http.StatusOK, out)
}

// afterwards finds what an ended session's pages point to: the circle's next session that has
// not ended, and the circle's support text. Sessions outside a circle have neither.
func (s *Server) afterwards(c *gin.Context, sess *session.Session, listener bool) (*nextSessionJSON, string) {
	if sess.GroupID == "" {
		return nil, ""
	}
	ctx := c.Request.Context()
	g, err := s.groups.Group(ctx, sess.GroupID)
	if err != nil {
		return nil, ""
	}
	ids, err := s.groups.GroupSessionIDs(ctx, g.ID)
	if err != nil {
		return nil, g.SupportText
	}
	now := s.sessions.Now()
	for _, id := range ids { // soonest first
		if id == sess.ID {
			continue
		}
		x, err := s.sessions.Get(ctx, id)
		if err != nil || x.StateAt(now) == session.StateEnded || !x.StartsAt.After(sess.StartsAt) {
			continue
		}
		d := s.describe(c, x)
		link := d.JoinURL
		if listener {
			link = d.ListenURL
		}
		return &nextSessionJSON{ID: x.ID, Title: x.Title, StartsAt: x.StartsAt, State: x.StateAt(now), URL: link}, g.SupportText
	}
	return nil, g.SupportText
}

// contributeURL is the contribution page's link, with the session's contribution token: it lets
// family and friends add photos and songs, and nothing else.
func contributeURL(base string, sess *session.Session) string {
	return base + "/contribute/" + sess.ID + "#t=" + sess.ContributeToken
}

// SessionSettings changes a session's settings after it is made. The session manager implements it.
type SessionSettings interface {
	SetMemorial(ctx context.Context, id string, on bool) (*session.Session, error)
}

type updateSessionJSON struct {
	Memorial *bool `json:"memorial"`
}

// updateSession changes a session's settings: today whether it is a memorial.
func (s *Server) updateSession(c *gin.Context) {
	var req updateSessionJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Memorial == nil {
		fail(c, http.StatusBadRequest, "send the settings to change, such as {\"memorial\": true}")
		return
	}
	settings, ok := s.sessions.(SessionSettings)
	if !ok {
		fail(c, http.StatusNotImplemented, "this server cannot change sessions")
		return
	}
	sess, err := settings.SetMemorial(c.Request.Context(), sessionOf(c).ID, *req.Memorial)
	switch {
	case errors.Is(err, session.ErrEnded):
		fail(c, http.StatusConflict, "this session has already ended")
		return
	case errors.Is(err, session.ErrCollageFinal):
		fail(c, http.StatusConflict, "the collage is finalized and is what this session plays: reopen it for contributions first, then turn the memorial off")
		return
	case err != nil:
		s.writeError(c, err)
		return
	}
	action := "session.memorial_off"
	if sess.Memorial {
		action = "session.memorial_on"
	}
	s.audit(c, sess.GroupID, action, sess.Title+" "+sess.ID)
	c.JSON(http.StatusOK, s.describe(c, sess))
}
