package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/session"
	"hearth/store"
)

// An invitation link is opened (the invite page shows the circle and its next gathering) and,
// when the person chooses to go in, accepted: only the accepting counts a use, and only once per
// person. A person is a claim, a random id their browser makes and keeps for the link, so a
// reload, a second look or a reconnection never counts again, and someone who has accepted can
// come back to the link after it is used up. max_uses holds under concurrent accepts: the count
// and the claim are one transaction in the store.

const inviteGone = "this invitation link is not valid any more; ask your host for a new one"

type inviteClaimJSON struct {
	Claim string `json:"claim"`
}

// validClaim accepts the ids invite.js makes: 16 to 64 URL-safe characters.
func validClaim(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// readClaim reads the optional (open) or required (accept) claim of the body.
func (s *Server) readClaim(c *gin.Context, required bool) (string, bool) {
	var req inviteClaimJSON
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			s.writeError(c, err)
			return "", false
		}
	}
	if req.Claim == "" && !required {
		return "", true
	}
	if !validClaim(req.Claim) {
		fail(c, http.StatusBadRequest, "claim must be 16 to 64 letters, digits, - or _")
		return "", false
	}
	return req.Claim, true
}

// nextForGroup is the group's current or next session, or nil.
func (s *Server) nextForGroup(c *gin.Context, groupID string, now time.Time) (*session.Session, error) {
	ids, err := s.groups.GroupSessionIDs(c.Request.Context(), groupID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		sess, err := s.sessions.Get(c.Request.Context(), id)
		if err != nil || sess.StateAt(now) == session.StateEnded {
			continue
		}
		return sess, nil
	}
	return nil, nil
}

// inviteAnswer describes the invite's circle and session; url only for a person who has accepted.
func (s *Server) inviteAnswer(c *gin.Context, inv store.Invite, g store.Group, next *session.Session, accepted bool) gin.H {
	out := gin.H{"group": gin.H{"name": g.Name, "description": g.Description}, "kind": inv.Kind, "session": nil, "accepted": accepted}
	if next != nil {
		d := s.describe(c, next)
		sj := gin.H{"title": d.Title, "state": d.State, "starts_at": d.StartsAt}
		if accepted {
			url := d.ListenURL
			if inv.Kind == "member" {
				url = d.JoinURL
			}
			sj["url"] = url
		}
		out["session"] = sj
	}
	return out
}

// peekInvite reads the person's claim (required to accept) and the invite behind the link,
// answering for itself when either is wrong. Answers about invites are never cached.
func (s *Server) peekInvite(c *gin.Context, needClaim bool) (inv store.Invite, claim string, now time.Time, ok bool) {
	if claim, ok = s.readClaim(c, needClaim); !ok {
		return
	}
	now = time.Now()
	c.Header("Cache-Control", "no-store")
	var err error
	if inv, err = s.groups.PeekInviteAny(c.Request.Context(), c.Param("token"), now); err != nil {
		fail(c, http.StatusNotFound, inviteGone)
		return inv, claim, now, false
	}
	return inv, claim, now, true
}

// openInvite shows what an invite link leads to without spending a use. Any invalid link
// (unknown, expired, revoked, used up by others) gets the same 404, which says nothing about the
// group.
func (s *Server) openInvite(c *gin.Context) {
	inv, claim, now, ok := s.peekInvite(c, false)
	if !ok {
		return
	}
	var err error
	accepted := false
	if claim != "" {
		if accepted, err = s.groups.InviteClaimed(c.Request.Context(), inv.ID, claim); err != nil {
			s.writeError(c, err)
			return
		}
	}
	if !accepted && inv.MaxUses > 0 && inv.Uses >= inv.MaxUses {
		fail(c, http.StatusNotFound, inviteGone)
		return
	}
	g, err := s.groups.Group(c.Request.Context(), inv.GroupID)
	if err != nil {
		fail(c, http.StatusNotFound, inviteGone)
		return
	}
	next, err := s.nextForGroup(c, g.ID, now)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.inviteAnswer(c, inv, g, next, accepted))
}

// acceptInvite is the person choosing to go in: it counts their use (once) and answers with the
// link into the session. With no session to go to, nothing is counted.
func (s *Server) acceptInvite(c *gin.Context) {
	inv, claim, now, ok := s.peekInvite(c, true)
	if !ok {
		return
	}
	next, err := s.nextForGroup(c, inv.GroupID, now)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if next == nil {
		fail(c, http.StatusConflict, "no gathering is planned right now; keep this link, it will take you to the next one")
		return
	}
	if inv, err = s.groups.ClaimInvite(c.Request.Context(), c.Param("token"), claim, now); err != nil {
		fail(c, http.StatusNotFound, inviteGone)
		return
	}
	g, err := s.groups.Group(c.Request.Context(), inv.GroupID)
	if err != nil {
		fail(c, http.StatusNotFound, inviteGone)
		return
	}
	c.JSON(http.StatusOK, s.inviteAnswer(c, inv, g, next, true))
}

// circleRoutes adds the routes of issue 9's circles work: session settings and accepting invites.
func (s *Server) circleRoutes(r *gin.Engine, host *gin.RouterGroup) {
	host.PATCH("/sessions/:id", s.sessionAccess, s.updateSession)
	r.POST("/api/v1/invites/:token/accept", s.acceptInvite)
}
