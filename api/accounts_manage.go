package api

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/store"
)

// AccountLinkLife is how long a setup or reset link works.
const AccountLinkLife = 24 * time.Hour

// accountRoutes are the admin's account management, a host's own password, and the one-time
// setup and reset links (which work without signing in: the link is the credential).
func (s *Server) accountRoutes(r *gin.Engine) {
	r.PATCH("/api/v1/hosts/:hid", s.requireHost, requireAdminRole, s.updateHost)
	r.DELETE("/api/v1/hosts/:hid", s.requireHost, requireAdminRole, s.deleteHost)
	r.POST("/api/v1/hosts/:hid/reset-link", s.requireHost, requireAdminRole, s.issueResetLink)
	r.POST("/api/v1/auth/password", s.requireHost, s.changePassword)
	r.GET("/api/v1/account-links/:token", s.peekAccountLink)
	r.POST("/api/v1/account-links/:token", s.useAccountLink)
}

// now is the injected clock's time (the wall clock when none was given).
func (s *Server) now() time.Time {
	if s.cfg.Clock != nil {
		return s.cfg.Clock.Now()
	}
	return time.Now()
}

// failAccount is the error shape with a machine-readable code, for the answers a page tells apart.
func failAccount(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg, "code": code})
}

type circleRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type hostAdminJSON struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Admin     bool      `json:"admin"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	// SoleOwnerOf lists the circles that would be left without an owner if this host went.
	SoleOwnerOf []circleRefJSON `json:"sole_owner_of"`
}

func (s *Server) hostAdmin(c *gin.Context, h store.Host) (hostAdminJSON, error) {
	j := hostAdminJSON{ID: h.ID, Username: h.Username, Admin: h.Admin, Disabled: h.Disabled, CreatedAt: h.CreatedAt,
		SoleOwnerOf: []circleRefJSON{}}
	gs, err := s.accounts.SoleOwnedGroups(c.Request.Context(), h.ID)
	for _, g := range gs {
		j.SoleOwnerOf = append(j.SoleOwnerOf, circleRefJSON{ID: g.ID, Name: g.Name})
	}
	return j, err
}

func (s *Server) listHosts(c *gin.Context) {
	hs, err := s.accounts.Hosts(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]hostAdminJSON, 0, len(hs))
	for _, h := range hs {
		j, err := s.hostAdmin(c, h)
		if err != nil {
			s.writeError(c, err)
			return
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"hosts": out})
}

// targetHost loads the :hid account, answering 404 itself.
func (s *Server) targetHost(c *gin.Context) (store.Host, bool) {
	h, err := s.accounts.HostByID(c.Request.Context(), c.Param("hid"))
	if errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "no such host account")
		return h, false
	}
	if err != nil {
		s.writeError(c, err)
		return h, false
	}
	return h, true
}

// keepsAnAdmin refuses a change that would leave no admin account that can sign in: the
// dashboard would have nobody to manage accounts (the admin token still works for the API).
func (s *Server) keepsAnAdmin(c *gin.Context, h store.Host, what string) bool {
	if !h.Admin || h.Disabled {
		return true
	}
	n, err := s.accounts.EnabledAdmins(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return false
	}
	if n <= 1 {
		failAccount(c, http.StatusConflict, "last_admin", "This is the only admin account that is switched on, so it can't be "+what+". Make another admin first.")
		return false
	}
	return true
}

func notSelf(c *gin.Context, h store.Host, what string) bool {
	if principalOf(c).HostID == h.ID {
		failAccount(c, http.StatusConflict, "own_account", "You can't "+what+" your own account. Another admin can.")
		return false
	}
	return true
}

type updateHostJSON struct {
	Disabled *bool `json:"disabled"`
}

// updateHost switches an account off (its sign-ins and tokens stop working at once) or on again.
func (s *Server) updateHost(c *gin.Context) {
	var req updateHostJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Disabled == nil {
		fail(c, http.StatusBadRequest, `say what to change, e.g. {"disabled": true}`)
		return
	}
	h, ok := s.targetHost(c)
	if !ok {
		return
	}
	if *req.Disabled && !h.Disabled {
		if !notSelf(c, h, "switch off") || !s.keepsAnAdmin(c, h, "switched off") {
			return
		}
	}
	if err := s.accounts.SetHostDisabled(c.Request.Context(), h.ID, *req.Disabled); err != nil {
		s.writeError(c, err)
		return
	}
	h.Disabled = *req.Disabled
	s.log.Info("host account changed", "host", h.ID, "disabled", h.Disabled, "by", principalOf(c).Username)
	j, err := s.hostAdmin(c, h)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}

// deleteHost deletes an account. Circles it co-hosts simply lose it; circles it is the only owner
// of must not be orphaned: without ?transfer_to=<host id> the answer is 409 listing them, and with
// it they are handed to that host as owner (and the handover is in each circle's activity log).
func (s *Server) deleteHost(c *gin.Context) {
	h, ok := s.targetHost(c)
	if !ok {
		return
	}
	if !notSelf(c, h, "delete") || !s.keepsAnAdmin(c, h, "deleted") {
		return
	}
	transfer := strings.TrimSpace(c.Query("transfer_to"))
	if transfer != "" {
		heir, err := s.accounts.HostByID(c.Request.Context(), transfer)
		switch {
		case errors.Is(err, store.ErrNotFound) || transfer == h.ID:
			failAccount(c, http.StatusBadRequest, "bad_transfer", "transfer_to must be the id of another host account")
			return
		case err != nil:
			s.writeError(c, err)
			return
		case heir.Disabled:
			failAccount(c, http.StatusBadRequest, "bad_transfer", "hand the circles to an account that is switched on")
			return
		}
	}
	err := s.accounts.DeleteHost(c.Request.Context(), h.ID, transfer, principalOf(c).Username, s.now().UTC())
	var sole *store.SoleOwnerError
	if errors.As(err, &sole) {
		circles := make([]circleRefJSON, 0, len(sole.Groups))
		names := make([]string, 0, len(sole.Groups))
		for _, g := range sole.Groups {
			circles = append(circles, circleRefJSON{ID: g.ID, Name: g.Name})
			names = append(names, g.Name)
		}
		c.AbortWithStatusJSON(http.StatusConflict, gin.H{
			"error":   h.Username + " is the only owner of " + strings.Join(names, ", ") + ". Choose a host to hand those circles to (transfer_to), or delete them first.",
			"code":    "sole_owner",
			"circles": circles,
		})
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "no such host account")
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Info("host account deleted", "host", h.ID, "by", principalOf(c).Username, "circles_to", transfer)
	c.Status(http.StatusNoContent)
}

// issueResetLink makes a one-time link that sets a new password for the account, working for
// AccountLinkLife. Only its hash is stored; an earlier unused link for the account stops working.
func (s *Server) issueResetLink(c *gin.Context) {
	h, ok := s.targetHost(c)
	if !ok {
		return
	}
	if h.Disabled {
		failAccount(c, http.StatusConflict, "account_disabled", "This account is switched off. Switch it on first, then make the reset link.")
		return
	}
	token, now := auth.NewToken(""), s.now().UTC()
	expires := now.Add(AccountLinkLife)
	if err := s.accounts.CreateAccountLink(c.Request.Context(), "reset", h.ID, token, principalOf(c).Username, now, expires); err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Info("password reset link made", "host", h.ID, "by", principalOf(c).Username)
	c.JSON(http.StatusCreated, gin.H{"url": s.baseURL(c) + "/dashboard#/reset/" + token, "expires_at": expires, "username": h.Username})
}

type changePasswordJSON struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword lets a host set a new password by giving the current one (throttled like
// sign-in). Their other browser sessions end; this one stays signed in.
func (s *Server) changePassword(c *gin.Context) {
	if !hostOnly(c) {
		return
	}
	var req changePasswordJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	p, now := principalOf(c), s.now()
	ip, _, _ := net.SplitHostPort(c.Request.RemoteAddr)
	key := "password|" + p.HostID + "|" + ip
	if ok, wait := s.throttle.Allow(key, now); !ok {
		c.Header("Retry-After", formatSeconds(wait))
		fail(c, http.StatusTooManyRequests, "too many attempts; please wait a little and try again")
		return
	}
	h, err := s.accounts.HostByID(c.Request.Context(), p.HostID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if good, _ := auth.VerifyPassword(h.PasswordHash, req.CurrentPassword); !good {
		s.throttle.Fail(key, now)
		failAccount(c, http.StatusForbidden, "wrong_password", "Your current password is not right. Please type it again.")
		return
	}
	s.throttle.Succeed(key)
	if req.NewPassword == req.CurrentPassword {
		failAccount(c, http.StatusBadRequest, "password_unchanged", "The new password is the same as the current one. Please choose a different one.")
		return
	}
	hash, ok := s.hashNewPassword(c, req.NewPassword)
	if !ok {
		return
	}
	keep := ""
	if p.cookie {
		keep, _ = c.Cookie(sessionCookie)
	}
	if err := s.accounts.SetPassword(c.Request.Context(), h.ID, hash, keep); err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Info("host changed their password", "host", h.ID)
	c.Status(http.StatusNoContent)
}

// hashNewPassword applies the one password rule (the same as for new accounts) and hashes.
func (s *Server) hashNewPassword(c *gin.Context, pw string) (string, bool) {
	hash, err := auth.HashPassword(pw, s.passwordParams)
	if errors.Is(err, auth.ErrWeakPassword) {
		failAccount(c, http.StatusBadRequest, "password_weak", "Please choose a password of 10 to 256 characters. A few words in a row are easy to remember.")
		return "", false
	}
	if err != nil {
		s.writeError(c, err)
		return "", false
	}
	return hash, true
}
