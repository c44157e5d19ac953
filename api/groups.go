package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/store"
)

// Groups stores circles, their hosts, libraries, invites and audit log. The store implements it.
type Groups interface {
	CreateGroup(ctx context.Context, g store.Group, ownerID string) error
	Group(ctx context.Context, id string) (store.Group, error)
	Groups(ctx context.Context, hostID string) ([]store.Group, error)
	UpdateGroup(ctx context.Context, g store.Group) error
	DeleteGroup(ctx context.Context, id string) ([]string, error)
	HostRole(ctx context.Context, groupID, hostID string) (string, error)
	AddGroupHost(ctx context.Context, groupID, hostID, role string) error
	RemoveGroupHost(ctx context.Context, groupID, hostID string) error
	GroupHosts(ctx context.Context, groupID string) ([]store.GroupHost, error)
	AddGroupMedia(ctx context.Context, groupID, mediaID string, now time.Time) error
	GroupHasMedia(ctx context.Context, groupID, mediaID string) (bool, error)
	GroupMediaIDs(ctx context.Context, groupID string) ([]string, error)
	GroupSessionIDs(ctx context.Context, groupID string) ([]string, error)
	CreateInvite(ctx context.Context, inv store.Invite, token string) error
	Invites(ctx context.Context, groupID string) ([]store.Invite, error)
	RevokeInvite(ctx context.Context, groupID, id string, now time.Time) error
	PeekInviteAny(ctx context.Context, token string, now time.Time) (store.Invite, error)
	ClaimInvite(ctx context.Context, token, claim string, now time.Time) (store.Invite, error)
	InviteClaimed(ctx context.Context, inviteID, claim string) (bool, error)
	Audit(ctx context.Context, groupID, actor, action, target string, now time.Time) error
	AuditLog(ctx context.Context, groupID string, limit int) ([]store.AuditEntry, error)
}

type groupJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Role        string    `json:"role,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	CalendarURL string    `json:"calendar_url,omitempty"`
	// WebcalURL is the same feed for calendar apps that subscribe (webcal://).
	WebcalURL   string `json:"webcal_url,omitempty"`
	SupportText string `json:"support_text"`
}

func toGroupJSON(g store.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, Role: g.Role, CreatedAt: g.CreatedAt, SupportText: g.SupportText}
}

// maxSupportText bounds a circle's support text.
const maxSupportText = 2000

// withCalendar adds the secret feed URL, for the group's hosts.
func (s *Server) withCalendar(c *gin.Context, g store.Group) groupJSON {
	j := toGroupJSON(g)
	if g.CalendarKey != "" {
		j.CalendarURL = s.baseURL(c) + "/calendar/" + g.ID + "/" + g.CalendarKey + ".ics"
		j.WebcalURL = webcal(j.CalendarURL)
	}
	return j
}

type groupReq struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	SupportText *string `json:"support_text"`
}

// webcal turns a feed's http(s) URL into the webcal:// one calendar apps subscribe to.
func webcal(u string) string {
	if i := strings.Index(u, "://"); i > 0 {
		return "webcal" + u[i:]
	}
	return u
}

// cleanSupport checks a circle's support text: trimmed, at most maxSupportText characters.
func cleanSupport(p *string) (string, bool) {
	v := strings.TrimSpace(deref(p))
	return v, utf8.RuneCountInString(v) <= maxSupportText
}

func cleanText(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, s != "" && utf8.RuneCountInString(s) <= max
}

// audit records an action in the group's log; a failure to log is logged, not fatal.
func (s *Server) audit(c *gin.Context, groupID, action, target string) {
	if groupID == "" {
		return
	}
	if err := s.groups.Audit(c.Request.Context(), groupID, principalOf(c).Username, action, target, time.Now().UTC()); err != nil {
		s.log.Error("audit log", "err", err)
	}
}

// inGroup loads the group of :gid if the caller may see it: admins see every group, hosts their
// own. Anyone else gets 404, so that group ids cannot be probed.
func (s *Server) inGroup(c *gin.Context) {
	g, err := s.groups.Group(c.Request.Context(), c.Param("gid"))
	p := principalOf(c)
	if err == nil && !p.Admin {
		g.Role, err = s.groups.HostRole(c.Request.Context(), g.ID, p.HostID)
	}
	if errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "group not found")
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	if p.Admin && g.Role == "" {
		g.Role = "admin"
	}
	c.Set("group", g)
	c.Next()
}

func groupOf(c *gin.Context) store.Group {
	v, _ := c.Get("group")
	g, _ := v.(store.Group)
	return g
}

// ownerOnly must follow inGroup: co-hosts may run a group's sessions but not delete it or change
// who hosts it.
func ownerOnly(c *gin.Context) {
	if r := groupOf(c).Role; r != "owner" && r != "admin" {
		fail(c, http.StatusForbidden, "only the group's owner may do that")
		return
	}
	c.Next()
}

func (s *Server) createGroup(c *gin.Context) {
	var req groupReq
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	name, ok := cleanText(deref(req.Name), 100)
	if !ok {
		fail(c, http.StatusBadRequest, "name must be 1 to 100 characters")
		return
	}
	desc := strings.TrimSpace(deref(req.Description))
	if utf8.RuneCountInString(desc) > 2000 {
		fail(c, http.StatusBadRequest, "description must be at most 2000 characters")
		return
	}
	support, ok := cleanSupport(req.SupportText)
	if !ok {
		fail(c, http.StatusBadRequest, "support text must be at most 2000 characters")
		return
	}
	p := principalOf(c)
	g := store.Group{ID: newID(), Name: name, Description: desc, CreatedAt: time.Now().UTC(), Role: "owner",
		CalendarKey: strings.ToLower(auth.NewToken("")), SupportText: support}
	if err := s.groups.CreateGroup(c.Request.Context(), g, p.HostID); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "group.create", g.Name)
	c.JSON(http.StatusCreated, s.withCalendar(c, g))
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) listGroups(c *gin.Context) {
	p := principalOf(c)
	hostID := p.HostID
	if p.Admin {
		hostID = ""
	}
	gs, err := s.groups.Groups(c.Request.Context(), hostID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]groupJSON, 0, len(gs))
	for _, g := range gs {
		out = append(out, toGroupJSON(g))
	}
	c.JSON(http.StatusOK, gin.H{"groups": out})
}

func (s *Server) getGroup(c *gin.Context) {
	g := groupOf(c)
	hosts, err := s.groups.GroupHosts(c.Request.Context(), g.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	type h struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Role     string `json:"role"`
	}
	list := make([]h, 0, len(hosts))
	for _, x := range hosts {
		list = append(list, h{x.HostID, x.Username, x.Role})
	}
	c.JSON(http.StatusOK, gin.H{"group": s.withCalendar(c, g), "hosts": list})
}

func (s *Server) updateGroup(c *gin.Context) {
	var req groupReq
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	g := groupOf(c)
	if req.Name != nil {
		name, ok := cleanText(*req.Name, 100)
		if !ok {
			fail(c, http.StatusBadRequest, "name must be 1 to 100 characters")
			return
		}
		g.Name = name
	}
	if req.Description != nil {
		g.Description = strings.TrimSpace(*req.Description)
		if utf8.RuneCountInString(g.Description) > 2000 {
			fail(c, http.StatusBadRequest, "description must be at most 2000 characters")
			return
		}
	}
	if req.SupportText != nil {
		support, ok := cleanSupport(req.SupportText)
		if !ok {
			fail(c, http.StatusBadRequest, "support text must be at most 2000 characters")
			return
		}
		g.SupportText = support
	}
	if err := s.groups.UpdateGroup(c.Request.Context(), g); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "group.update", g.Name)
	c.JSON(http.StatusOK, s.withCalendar(c, g))
}

// deleteGroup ends the group's live sessions, deletes it with its sessions, invites and log, and
// deletes the media files no other group uses.
func (s *Server) deleteGroup(c *gin.Context) {
	g := groupOf(c)
	ids, err := s.groups.GroupSessionIDs(c.Request.Context(), g.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for _, id := range ids {
		s.sessions.Close(id)
	}
	orphans, err := s.groups.DeleteGroup(c.Request.Context(), g.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for _, m := range orphans {
		if err := s.lib.Remove(m); err != nil {
			s.log.Error("delete media file", "media", m, "err", err)
		}
	}
	s.log.Info("group deleted", "group", g.ID, "by", principalOf(c).Username, "sessions", len(ids), "media_files", len(orphans))
	c.Status(http.StatusNoContent)
}

func (s *Server) addGroupHost(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	h, err := s.accounts.HostByUsername(c.Request.Context(), strings.TrimSpace(req.Username))
	if errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusBadRequest, "no host has that username")
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	g := groupOf(c)
	if err := s.groups.AddGroupHost(c.Request.Context(), g.ID, h.ID, "cohost"); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "host.add", h.Username)
	c.JSON(http.StatusCreated, gin.H{"id": h.ID, "username": h.Username, "role": "cohost"})
}

func (s *Server) removeGroupHost(c *gin.Context) {
	g := groupOf(c)
	if err := s.groups.RemoveGroupHost(c.Request.Context(), g.ID, c.Param("hid")); errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "no such co-host (an owner cannot be removed)")
		return
	} else if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "host.remove", c.Param("hid"))
	c.Status(http.StatusNoContent)
}

// uploadGroupMedia uploads into a group's library.
func (s *Server) uploadGroupMedia(c *gin.Context) {
	c.Set("upload_group", groupOf(c).ID)
	s.uploadMedia(c)
}

func (s *Server) listGroupMedia(c *gin.Context) {
	ids, err := s.groups.GroupMediaIDs(c.Request.Context(), groupOf(c).ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]mediaJSON, 0, len(ids))
	for _, id := range ids {
		a, err := s.assets.Asset(c.Request.Context(), id)
		if err != nil {
			continue
		}
		out = append(out, toMediaJSON(a))
	}
	c.JSON(http.StatusOK, gin.H{"media": out})
}

func (s *Server) createGroupSession(c *gin.Context) {
	c.Set("session_group", groupOf(c).ID)
	s.createSession(c)
}

func (s *Server) listGroupSessions(c *gin.Context) {
	ids, err := s.groups.GroupSessionIDs(c.Request.Context(), groupOf(c).ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]sessionJSON, 0, len(ids))
	for _, id := range ids {
		sess, err := s.sessions.Get(c.Request.Context(), id)
		if err != nil {
			continue
		}
		out = append(out, s.describe(c, sess))
	}
	c.JSON(http.StatusOK, gin.H{"sessions": out})
}

type inviteJSON struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	URL       string     `json:"url,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	MaxUses   int        `json:"max_uses,omitempty"`
	Uses      int        `json:"uses"`
	Revoked   bool       `json:"revoked"`
}

func toInviteJSON(inv store.Invite) inviteJSON {
	j := inviteJSON{ID: inv.ID, Kind: inv.Kind, CreatedAt: inv.CreatedAt, MaxUses: inv.MaxUses, Uses: inv.Uses, Revoked: inv.Revoked}
	if !inv.ExpiresAt.IsZero() {
		e := inv.ExpiresAt
		j.ExpiresAt = &e
	}
	return j
}

func (s *Server) createInvite(c *gin.Context) {
	var req struct {
		Kind      string `json:"kind"`
		ExpiresAt string `json:"expires_at"`
		MaxUses   int    `json:"max_uses"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Kind != "member" && req.Kind != "listen" {
		fail(c, http.StatusBadRequest, "kind must be \"member\" or \"listen\"")
		return
	}
	if req.MaxUses < 0 || req.MaxUses > 100000 {
		fail(c, http.StatusBadRequest, "max_uses must be between 0 (unlimited) and 100000")
		return
	}
	now := time.Now().UTC()
	inv := store.Invite{ID: newID(), GroupID: groupOf(c).ID, Kind: req.Kind, CreatedAt: now, MaxUses: req.MaxUses}
	if req.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		if err != nil || !t.After(now) {
			fail(c, http.StatusBadRequest, "expires_at must be a future RFC 3339 time")
			return
		}
		inv.ExpiresAt = t.UTC()
	}
	token := auth.NewToken("")
	if err := s.groups.CreateInvite(c.Request.Context(), inv, token); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, inv.GroupID, "invite.create", inv.Kind+" "+inv.ID)
	j := toInviteJSON(inv)
	j.URL = s.baseURL(c) + "/i/" + token
	c.JSON(http.StatusCreated, j)
}

func (s *Server) listInvites(c *gin.Context) {
	list, err := s.groups.Invites(c.Request.Context(), groupOf(c).ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]inviteJSON, 0, len(list))
	for _, inv := range list {
		j := toInviteJSON(inv)
		// The circle's hosts may show a link again (and its QR code) for as long as it works.
		if inv.Token != "" && !inv.Revoked {
			j.URL = s.baseURL(c) + "/i/" + inv.Token
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"invites": out})
}

func (s *Server) revokeInvite(c *gin.Context) {
	g := groupOf(c)
	if err := s.groups.RevokeInvite(c.Request.Context(), g.ID, c.Param("iid"), time.Now().UTC()); errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "no such invite")
		return
	} else if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "invite.revoke", c.Param("iid"))
	c.Status(http.StatusNoContent)
}

func (s *Server) auditLog(c *gin.Context) {
	list, err := s.groups.AuditLog(c.Request.Context(), groupOf(c).ID, 500)
	if err != nil {
		s.writeError(c, err)
		return
	}
	type e struct {
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Target string    `json:"target"`
		At     time.Time `json:"at"`
	}
	out := make([]e, 0, len(list))
	for _, x := range list {
		out = append(out, e{x.Actor, x.Action, x.Target, x.At})
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}
