package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"hearth/room"
)

// whepCORS lets WHEP players on other origins talk to the endpoint (WHEP is meant to be embeddable);
// bearer tokens, not cookies, authorise it, so a wildcard origin is safe.
func whepCORS(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Location, Link, ETag")
	c.Next()
}

func whepPreflight(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, DELETE, PATCH, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
	h.Set("Access-Control-Max-Age", "86400")
	c.Status(http.StatusNoContent)
}

// whepOffer answers a WHEP offer: 201 Created, the answer with all candidates, and a Location to
// DELETE when leaving. Doors open early, so a listener arriving before the start hears silence and
// then the session, without reconnecting.
func (s *Server) whepOffer(c *gin.Context) {
	ct, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ct != "application/sdp" {
		fail(c, http.StatusUnsupportedMediaType, "send the SDP offer with Content-Type: application/sdp")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, room.MaxOfferBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, http.StatusRequestEntityTooLarge, "the SDP offer is too large")
			return
		}
		fail(c, http.StatusBadRequest, "could not read the SDP offer")
		return
	}
	sess := sessionOf(c)
	if _, err := s.sessions.EnsureOpen(c.Request.Context(), sess.ID); err != nil {
		s.writeError(c, err)
		return
	}
	rm, ok := s.rooms.Room(sess.ID)
	if !ok {
		// The session ended between the check and now.
		s.writeError(c, room.ErrClosed)
		return
	}
	peer, answer, err := rm.AddListener(c.Request.Context(), string(body))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/whep/"+sess.ID+"/"+peer)
	c.Data(http.StatusCreated, "application/sdp", []byte(answer))
}

func (s *Server) whepDelete(c *gin.Context) {
	rm, ok := s.rooms.Room(c.Param("id"))
	if !ok || !rm.RemoveListener(c.Param("peer")) {
		s.writeError(c, room.ErrNoPeer)
		return
	}
	c.Status(http.StatusOK)
}
