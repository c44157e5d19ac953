package api

import (
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/room"
	"hearth/session"
)

// requireMember lets through the session's member token or the admin token.
func (s *Server) requireMember(c *gin.Context) {
	tok, ok := bearer(c)
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="hearth"`)
		fail(c, http.StatusUnauthorized, "an Authorization: Bearer token is required")
		return
	}
	sess, err := s.sessions.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		if errors.Is(err, session.ErrNotFound) && !s.isAdmin(tok) {
			fail(c, http.StatusForbidden, "this link is not valid")
			return
		}
		s.writeError(c, err)
		return
	}
	if !tokenIs(tok, sess.MemberToken) && !(s.isHostToken(c, tok) && s.mayHost(c, sess)) {
		fail(c, http.StatusForbidden, "this link lets you listen but not join with a microphone")
		return
	}
	c.Set("session", sess)
	c.Next()
}

func tokenIs(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// liveRoom opens the session's room if its doors are open and returns it.
func (s *Server) liveRoom(c *gin.Context) (*room.Room, bool) {
	sess := sessionOf(c)
	if _, err := s.sessions.EnsureOpen(c.Request.Context(), sess.ID); err != nil {
		s.writeError(c, err)
		return nil, false
	}
	rm, ok := s.rooms.Room(sess.ID)
	if !ok {
		s.writeError(c, room.ErrClosed)
		return nil, false
	}
	return rm, true
}

// readOffer reads a bounded application/sdp body.
func readOffer(c *gin.Context) (string, bool) {
	ct, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ct != "application/sdp" {
		fail(c, http.StatusUnsupportedMediaType, "send the SDP offer with Content-Type: application/sdp")
		return "", false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, room.MaxOfferBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, http.StatusRequestEntityTooLarge, "the SDP offer is too large")
			return "", false
		}
		fail(c, http.StatusBadRequest, "could not read the SDP offer")
		return "", false
	}
	return string(body), true
}

// joinRoom answers a member's offer: microphone up, broadcast and other members down, data channel
// for events.
func (s *Server) joinRoom(c *gin.Context) {
	offer, ok := readOffer(c)
	if !ok {
		return
	}
	rm, ok := s.liveRoom(c)
	if !ok {
		return
	}
	id, answer, err := rm.JoinWith(c.Request.Context(), room.JoinRequest{
		Offer: offer, Name: c.Query("name"), Replaces: c.Query("replaces"),
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/v1/sessions/"+sessionOf(c).ID+"/members/"+id)
	c.Data(http.StatusCreated, "application/sdp", []byte(answer))
}

// hostJoin is a host joining the room from the dashboard, with a microphone: the same offer and
// answer as a member's join, the name defaulting to the host's own, marked as host in every roster
// and let in even when the room is locked to new members.
func (s *Server) hostJoin(c *gin.Context) {
	offer, ok := readOffer(c)
	if !ok {
		return
	}
	rm, ok := s.liveRoom(c)
	if !ok {
		return
	}
	name := c.Query("name")
	if strings.TrimSpace(name) == "" {
		name = principalOf(c).Username
	}
	id, answer, err := rm.JoinWith(c.Request.Context(), room.JoinRequest{
		Offer: offer, Name: name, Host: true, Replaces: c.Query("replaces"),
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, sessionOf(c).GroupID, "host.join", "")
	c.Header("Location", "/api/v1/sessions/"+sessionOf(c).ID+"/members/"+id)
	c.Data(http.StatusCreated, "application/sdp", []byte(answer))
}

// nameRefusals are the sentences a person reads when the room refuses their name, with the codes
// the pages know (they show the sentence by the name field and never retry).
var nameRefusals = []struct {
	err    error
	status int
	code   string
	text   string
}{
	{room.ErrNameEmpty, http.StatusBadRequest, "name_empty", "Please write the name you’d like the others to see."},
	{room.ErrNameTooLong, http.StatusBadRequest, "name_too_long", "That name is a little long. Please use at most 40 characters."},
	{room.ErrNameInvisible, http.StatusBadRequest, "name_invisible", "That name can’t be shown. Please use letters, numbers or emoji."},
	{room.ErrNameTaken, http.StatusConflict, "name_taken", "Someone in the room already goes by this name. Please add an initial, or choose another."},
}

// writeNameError answers a refused display name: 400 or 409 with {"error", "code"}.
func writeNameError(c *gin.Context, err error) {
	for _, r := range nameRefusals {
		if errors.Is(err, r.err) {
			c.AbortWithStatusJSON(r.status, gin.H{"error": r.text, "code": r.code})
			return
		}
	}
	// Every refusal is one of the above; a new one reads as the broadest.
	r := nameRefusals[2]
	c.AbortWithStatusJSON(r.status, gin.H{"error": r.text, "code": r.code})
}

// hostOrMember lets through a host of the session (bearer token, or a signed-in browser with its
// CSRF token) or a member with the session's member token.
func (s *Server) hostOrMember(c *gin.Context) {
	if p, ok, _ := s.identify(c); ok {
		if sess, err := s.sessions.Get(c.Request.Context(), c.Param("id")); err == nil {
			c.Set("principal", p)
			if s.mayHost(c, sess) {
				c.Set("session", sess)
				c.Set("as_host", true)
				c.Next()
				return
			}
		}
	}
	s.requireMember(c)
}

// leaveRoom is a member's own DELETE of their Location (a private key), or a host removing a
// member by their public id.
func (s *Server) leaveRoom(c *gin.Context) {
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok {
		s.writeError(c, room.ErrNoPeer)
		return
	}
	var done bool
	if c.GetBool("as_host") {
		done = rm.Remove(c.Param("member")) || rm.LeaveByKey(c.Param("member"))
		if done {
			s.audit(c, sessionOf(c).GroupID, "member.remove", c.Param("member"))
		}
	} else {
		done = rm.LeaveByKey(c.Param("member"))
	}
	if !done {
		s.writeError(c, room.ErrNoPeer)
		return
	}
	c.Status(http.StatusOK)
}

type muteJSON struct {
	Muted *bool `json:"muted"`
}

func (s *Server) muteMember(c *gin.Context) {
	var req muteJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Muted == nil {
		fail(c, http.StatusBadRequest, "send {\"muted\": true} or {\"muted\": false}")
		return
	}
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok {
		s.writeError(c, room.ErrNoPeer)
		return
	}
	if err := rm.Mute(c.Param("member"), *req.Muted); err != nil {
		s.writeError(c, err)
		return
	}
	action := "member.mute"
	if !*req.Muted {
		action = "member.allow_unmute"
	}
	s.audit(c, sessionOf(c).GroupID, action, c.Param("member"))
	c.JSON(http.StatusOK, gin.H{"muted": *req.Muted})
}

type handJSON struct {
	Raised *bool `json:"raised"`
}

func (s *Server) memberHand(c *gin.Context) {
	var req handJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Raised == nil || *req.Raised {
		fail(c, http.StatusBadRequest, "a host can only lower a hand: send {\"raised\": false}")
		return
	}
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok {
		s.writeError(c, room.ErrNoPeer)
		return
	}
	if err := rm.LowerHand(c.Param("member")); err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"raised": false})
}

type roomJSON struct {
	Locked     *bool `json:"locked"`
	MicsLocked *bool `json:"mics_locked"`
	Ducking    *bool `json:"ducking"`
}

func (s *Server) configureRoom(c *gin.Context) {
	var req roomJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok {
		fail(c, http.StatusConflict, "the session's room is not open")
		return
	}
	st := rm.Settings()
	if req.Locked != nil {
		st.Locked = *req.Locked
	}
	if req.MicsLocked != nil {
		st.MicsLocked = *req.MicsLocked
	}
	if req.Ducking != nil {
		st.Ducking = *req.Ducking
		// Stored, so the switch survives a restart of the room.
		if err := s.sessions.SetDucking(c.Request.Context(), c.Param("id"), *req.Ducking); err != nil {
			s.writeError(c, err)
			return
		}
	}
	rm.Configure(st)
	s.audit(c, sessionOf(c).GroupID, "room.configure", fmtSettings(st))
	c.JSON(http.StatusOK, gin.H{"room": st, "roster": rm.Roster()})
}

func (s *Server) getRoom(c *gin.Context) {
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok {
		fail(c, http.StatusConflict, "the session's room is not open")
		return
	}
	c.JSON(http.StatusOK, gin.H{"room": rm.Settings(), "roster": rm.Roster(), "listeners": rm.Listeners(), "stats": rm.Stats()})
}

// events streams the room's events as server-sent events to listeners (the listen page and the
// join page's Just listen), who have no data channel.
func (s *Server) events(c *gin.Context) {
	rm, ok := s.liveRoom(c)
	if !ok {
		return
	}
	ch, cancel := rm.Subscribe()
	defer cancel()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case <-ping.C:
			if _, err := io.WriteString(c.Writer, ": ping\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		case b, ok := <-ch:
			if !ok {
				// The room closed. If the session ended, "ended" was the last event sent; otherwise
				// the server is restarting and the client reconnects.
				return
			}
			if _, err := io.WriteString(c.Writer, "event: "+eventType(b)+"\ndata: "+string(b)+"\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		}
	}
}

// eventType reads the "type" of an event without decoding the whole message.
func eventType(b []byte) string {
	const p = `{"type":"`
	if len(b) > len(p) && string(b[:len(p)]) == p {
		for i := len(p); i < len(b) && i < 40; i++ {
			if b[i] == '"' {
				return string(b[len(p):i])
			}
		}
	}
	return "message"
}

func fmtSettings(st room.Settings) string {
	b := func(name string, v bool) string {
		if v {
			return name + "=on"
		}
		return name + "=off"
	}
	return b("locked", st.Locked) + " " + b("mics_locked", st.MicsLocked) + " " + b("ducking", st.Ducking)
}

// sessionAccess loads :id for a host: admins reach every session, hosts the sessions of their
// groups. Anything else is 404, so session ids cannot be probed.
func (s *Server) sessionAccess(c *gin.Context) {
	sess, err := s.sessions.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if !s.mayHost(c, sess) {
		fail(c, http.StatusNotFound, "session not found")
		return
	}
	c.Set("session", sess)
	c.Next()
}

// mayHost reports whether the caller is an admin or a host of the session's group.
func (s *Server) mayHost(c *gin.Context, sess *session.Session) bool {
	p := principalOf(c)
	if _, set := c.Get("principal"); !set {
		var ok bool
		if p, ok, _ = s.identify(c); !ok {
			return false
		}
	}
	if p.Admin {
		return true
	}
	if sess.GroupID == "" || p.HostID == "" {
		return false
	}
	_, err := s.groups.HostRole(c.Request.Context(), sess.GroupID, p.HostID)
	return err == nil
}
