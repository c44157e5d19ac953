package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/store"
)

// Accounts stores host accounts, browser sessions and API tokens. The store package implements it.
type Accounts interface {
	CreateHost(ctx context.Context, h store.Host) error
	HostByUsername(ctx context.Context, username string) (store.Host, error)
	Hosts(ctx context.Context) ([]store.Host, error)
	CreateWebSession(ctx context.Context, token, hostID, csrf string, now, expires time.Time) error
	WebSession(ctx context.Context, token string, now time.Time) (store.Host, string, error)
	DeleteWebSession(ctx context.Context, token string, now time.Time) error
	CreateAPIToken(ctx context.Context, id, hostID, name, token string, now time.Time) error
	HostByAPIToken(ctx context.Context, token string, now time.Time) (store.Host, error)
	APITokens(ctx context.Context, hostID string) ([]store.APIToken, error)
	RevokeAPIToken(ctx context.Context, hostID, id string, now time.Time) error

	HostByID(ctx context.Context, id string) (store.Host, error)
	HostCount(ctx context.Context) (int, error)
	EnabledAdmins(ctx context.Context) (int, error)
	SoleOwnedGroups(ctx context.Context, hostID string) ([]store.Group, error)
	SetHostDisabled(ctx context.Context, id string, disabled bool) error
	SetPassword(ctx context.Context, id, hash, keepSession string) error
	DeleteHost(ctx context.Context, id, transferTo, actor string, now time.Time) error
	CreateAccountLink(ctx context.Context, kind, hostID, token, createdBy string, now, expires time.Time) error
	LookupAccountLink(ctx context.Context, token string) (store.AccountLink, error)
	UseResetLink(ctx context.Context, token, hash string, now time.Time) (store.Host, error)
	UseSetupLink(ctx context.Context, token string, h store.Host, now time.Time) error
}

const (
	sessionCookie = "hearth_session"
	sessionLife   = 7 * 24 * time.Hour
	csrfHeader    = "X-CSRF-Token"
)

// principal is who is calling the host API.
type principal struct {
	HostID   string // empty for the bootstrap admin token
	Username string
	Admin    bool
	cookie   bool
}

// identify resolves the caller from a bearer token (the bootstrap admin token or a host's API
// token) or a sign-in cookie. hadCredentials tells a wrong token (403) from none at all (401).
func (s *Server) identify(c *gin.Context) (p principal, ok, hadCredentials bool) {
	now := s.now()
	if tok, has := bearer(c); has {
		if s.isAdmin(tok) {
			return principal{Username: "admin", Admin: true}, true, true
		}
		if s.accounts != nil {
			if h, err := s.accounts.HostByAPIToken(c.Request.Context(), tok, now); err == nil && !h.Disabled {
				return principal{HostID: h.ID, Username: h.Username, Admin: h.Admin}, true, true
			}
		}
		return principal{}, false, true
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck == "" || s.accounts == nil {
		return principal{}, false, false
	}
	h, csrf, err := s.accounts.WebSession(c.Request.Context(), ck, now)
	if errors.Is(err, store.ErrNotFound) || (err == nil && h.Disabled) {
		// A cookie that has expired, was signed out, or whose account was switched off: the
		// browser is simply not signed in any more (401), and the dashboard asks to sign in.
		return principal{}, false, false
	}
	if err != nil {
		return principal{}, false, true
	}
	// Cookie-authenticated changes must carry the session's CSRF token in a header, which another
	// site's form or script cannot set.
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !tokenIs(c.GetHeader(csrfHeader), csrf) {
			return principal{}, false, true
		}
	}
	return principal{HostID: h.ID, Username: h.Username, Admin: h.Admin, cookie: true}, true, true
}

// requireHost lets through admins and hosts: 401 without credentials, 403 with the wrong ones.
func (s *Server) requireHost(c *gin.Context) {
	p, ok, had := s.identify(c)
	if !ok {
		if !had {
			c.Header("WWW-Authenticate", `Bearer realm="hearth"`)
			fail(c, http.StatusUnauthorized, "sign in, or send an Authorization: Bearer token")
			return
		}
		fail(c, http.StatusForbidden, "this token or sign-in may not do that (for a signed-in browser, send the X-CSRF-Token header)")
		return
	}
	c.Set("principal", p)
	c.Next()
}

// requireAdminRole must follow requireHost.
func requireAdminRole(c *gin.Context) {
	if p := principalOf(c); !p.Admin {
		fail(c, http.StatusForbidden, "only an admin may do that")
		return
	}
	c.Next()
}

func principalOf(c *gin.Context) principal {
	v, _ := c.Get("principal")
	p, _ := v.(principal)
	return p
}

type loginJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type hostJSON struct {
	ID       string `json:"id,omitempty"`
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
}

// login checks a host's password and starts a browser session. Failures get one generic message
// and are throttled per username and client address.
func (s *Server) login(c *gin.Context) {
	var req loginJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	ip, _, _ := net.SplitHostPort(c.Request.RemoteAddr)
	key := strings.ToLower(strings.TrimSpace(req.Username)) + "|" + ip
	now := s.now()
	if ok, wait := s.throttle.Allow(key, now); !ok {
		c.Header("Retry-After", formatSeconds(wait))
		fail(c, http.StatusTooManyRequests, "too many attempts; please wait a little and try again")
		return
	}
	h, err := s.accounts.HostByUsername(c.Request.Context(), strings.TrimSpace(req.Username))
	good := false
	if err == nil && !h.Disabled {
		good, _ = auth.VerifyPassword(h.PasswordHash, req.Password)
	} else {
		auth.VerifyNobody(req.Password)
	}
	if !good {
		s.throttle.Fail(key, now)
		fail(c, http.StatusUnauthorized, "wrong username or password")
		return
	}
	s.throttle.Succeed(key)
	s.startWebSession(c, h, now)
}

// startWebSession signs a browser in as h: the HttpOnly cookie, and the CSRF token in the answer.
func (s *Server) startWebSession(c *gin.Context, h store.Host, now time.Time) {
	token, csrf := auth.NewToken("hs_"), auth.NewToken("")
	if err := s.accounts.CreateWebSession(c.Request.Context(), token, h.ID, csrf, now, now.Add(sessionLife)); err != nil {
		s.writeError(c, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", MaxAge: int(sessionLife.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(c),
	})
	s.log.Info("host signed in", "host", h.ID)
	c.JSON(http.StatusOK, gin.H{"host": hostJSON{ID: h.ID, Username: h.Username, Admin: h.Admin}, "csrf_token": csrf})
}

func (s *Server) secure(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

func formatSeconds(d time.Duration) string {
	n := int(d.Seconds() + 0.999)
	if n < 1 {
		n = 1
	}
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func (s *Server) logout(c *gin.Context) {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		_ = s.accounts.DeleteWebSession(c.Request.Context(), ck, s.now())
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(c)})
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	p := principalOf(c)
	c.JSON(http.StatusOK, gin.H{"host": hostJSON{ID: p.HostID, Username: p.Username, Admin: p.Admin}})
}

type newHostJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// validUsername allows 3-40 letters, digits, dot, dash and underscore.
func validUsername(u string) bool {
	if len(u) < 3 || len(u) > 40 {
		return false
	}
	for _, r := range u {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

func (s *Server) createHost(c *gin.Context) {
	var req newHostJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	req.Username = strings.TrimSpace(req.Username)
	if !validUsername(req.Username) {
		fail(c, http.StatusBadRequest, "username must be 3 to 40 letters, digits, '.', '-' or '_'")
		return
	}
	hash, err := auth.HashPassword(req.Password, s.passwordParams)
	if errors.Is(err, auth.ErrWeakPassword) {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	h := store.Host{ID: newID(), Username: req.Username, PasswordHash: hash, Admin: req.Admin, CreatedAt: s.now().UTC()}
	if err := s.accounts.CreateHost(c.Request.Context(), h); errors.Is(err, store.ErrExists) {
		fail(c, http.StatusConflict, "that username is taken")
		return
	} else if err != nil {
		s.writeError(c, err)
		return
	}
	s.log.Info("host created", "host", h.ID, "by", principalOf(c).Username, "admin", h.Admin)
	c.JSON(http.StatusCreated, hostJSON{ID: h.ID, Username: h.Username, Admin: h.Admin})
}

type tokenJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Token     string     `json:"token,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
	Revoked   bool       `json:"revoked"`
}

// hostOnly refuses the bootstrap admin token where an action belongs to a host account.
func hostOnly(c *gin.Context) bool {
	if principalOf(c).HostID == "" {
		fail(c, http.StatusBadRequest, "API tokens belong to host accounts: sign in as a host first")
		return false
	}
	return true
}

func (s *Server) createToken(c *gin.Context) {
	if !hostOnly(c) {
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 80 {
		fail(c, http.StatusBadRequest, "name the token (1 to 80 characters), e.g. \"calendar sync\"")
		return
	}
	tok, id, now := auth.NewToken("hearth_"), newID(), s.now().UTC()
	if err := s.accounts.CreateAPIToken(c.Request.Context(), id, principalOf(c).HostID, name, tok, now); err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, tokenJSON{ID: id, Name: name, Token: tok, CreatedAt: now})
}

func (s *Server) listTokens(c *gin.Context) {
	if !hostOnly(c) {
		return
	}
	ts, err := s.accounts.APITokens(c.Request.Context(), principalOf(c).HostID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]tokenJSON, 0, len(ts))
	for _, t := range ts {
		j := tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, Revoked: t.Revoked}
		if !t.LastUsed.IsZero() {
			lu := t.LastUsed
			j.LastUsed = &lu
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"tokens": out})
}

func (s *Server) revokeToken(c *gin.Context) {
	if !hostOnly(c) {
		return
	}
	err := s.accounts.RevokeAPIToken(c.Request.Context(), principalOf(c).HostID, c.Param("tid"), s.now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		fail(c, http.StatusNotFound, "no such token")
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func newID() string { return strings.ToLower(auth.NewToken(""))[:20] }
