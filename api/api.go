// Package api is Hearth's HTTP surface: the JSON API for hosts, WHEP signalling for listeners and
// the embedded web pages. It is the only package that imports gin. Handlers are thin: they parse,
// call the domain, and map errors to statuses in one place.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/clock"
	"hearth/disk"
	"hearth/media"
	"hearth/room"
	"hearth/session"
)

// Sessions is what the API needs of the session manager.
type Sessions interface {
	Create(ctx context.Context, req session.CreateRequest) (*session.Session, error)
	Get(ctx context.Context, id string) (*session.Session, error)
	Control(ctx context.Context, id string, req session.ControlRequest) (*session.Session, error)
	EnsureOpen(ctx context.Context, id string) (*session.Session, error)
	SetDucking(ctx context.Context, id string, on bool) error
	// Close ends a session's live room at once (its group is being deleted).
	Close(id string)
	Now() time.Time
	// FinalizeCollage makes the collage's songs the session's playlist, with its photos shown.
	FinalizeCollage(ctx context.Context, id string, songIDs []string) (*session.Session, error)
	// ReopenCollage stops the session showing its collage until it is finalized again.
	ReopenCollage(ctx context.Context, id string) error
}

// Library is what the API needs of the media library.
type Library interface {
	Import(ctx context.Context, r io.Reader, filename, title string) (media.Asset, error)
	MaxBytes() int64
	// Remove deletes a media file that nothing uses any more.
	Remove(id string) error
}

// Assets lists and reads media records.
type Assets interface {
	Asset(ctx context.Context, id string) (media.Asset, error)
	Assets(ctx context.Context) ([]media.Asset, error)
}

// Rooms finds live rooms.
type Rooms interface {
	Room(id string) (*room.Room, bool)
	Listeners(id string) int
	Members(id string) int
}

// Config is what the API needs to know about its deployment.
type Config struct {
	// AdminTokenHash is the hex SHA-256 of the admin token.
	AdminTokenHash string
	// PublicURL, if set, is the base of links handed out (e.g. https://hearth.example.org);
	// otherwise links are built from the request's Host.
	PublicURL string
	// Ready reports whether the service can serve (the database answers).
	Ready func(ctx context.Context) error
	// ICEServers, if set, hands each client fresh TURN credentials.
	ICEServers func() []ICEServer
	// PasswordParams overrides argon2id's cost (tests use a cheap setting).
	PasswordParams *auth.Params
	// Collage enables memorial collages.
	Collage CollageDeps
	// Clock decides sign-in lifetimes and the expiry of account links (nil: the wall clock).
	Clock clock.Clock
	// TrustedProxies are the reverse proxies whose X-Forwarded-For / Forwarded headers are
	// believed (see clientIP); requests from anywhere else are keyed by their own address.
	TrustedProxies []netip.Prefix
}

// ICEServer is one entry of RTCConfiguration.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg      Config
	sessions Sessions
	lib      Library
	assets   Assets
	rooms    Rooms
	accounts Accounts
	groups   Groups
	log      *slog.Logger

	collage      CollageDeps
	series       SeriesManager
	seriesLister GroupSeriesLister
	calKeys      CalendarKeys

	throttle       *auth.Throttle
	passwordParams auth.Params
}

// New builds the HTTP handler.
func New(cfg Config, sessions Sessions, lib Library, assets Assets, rooms Rooms, accounts Accounts, groups Groups, log *slog.Logger) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, sessions: sessions, lib: lib, assets: assets, rooms: rooms, accounts: accounts, groups: groups, log: log,
		throttle:       auth.NewThrottle(5, 2*time.Second, 15*time.Minute),
		passwordParams: auth.DefaultParams}
	if sm, ok := sessions.(SeriesManager); ok {
		s.series = sm
	}
	if gl, ok := groups.(GroupSeriesLister); ok {
		s.seriesLister = gl
	}
	if ck, ok := groups.(CalendarKeys); ok {
		s.calKeys = ck
	}
	s.collage = cfg.Collage
	if cfg.PasswordParams != nil {
		s.passwordParams = *cfg.PasswordParams
	}
	r := gin.New()
	r.Use(s.recoverer, s.accessLog, securityHeaders)
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, "not found") })
	r.NoMethod(func(c *gin.Context) { fail(c, http.StatusMethodNotAllowed, "method not allowed") })

	r.GET("/healthz", s.healthz)
	r.GET("/api/v1/openapi.json", s.openAPI)

	r.POST("/api/v1/auth/login", s.login)
	r.POST("/api/v1/auth/logout", s.requireHost, s.logout)
	r.GET("/api/v1/auth/me", s.requireHost, s.me)
	r.POST("/api/v1/hosts", s.requireHost, requireAdminRole, s.createHost)
	r.GET("/api/v1/hosts", s.requireHost, requireAdminRole, s.listHosts)
	r.POST("/api/v1/tokens", s.requireHost, s.createToken)
	r.GET("/api/v1/tokens", s.requireHost, s.listTokens)
	r.DELETE("/api/v1/tokens/:tid", s.requireHost, s.revokeToken)
	s.accountRoutes(r)

	host := r.Group("/api/v1", s.requireHost)
	// The server-wide library and sessions outside any group are the admin's (the bootstrap token,
	// the demo); hosts work inside their groups.
	host.POST("/media", requireAdminRole, s.uploadMedia)
	host.GET("/media", requireAdminRole, s.listMedia)
	host.GET("/media/:id", requireAdminRole, s.getMedia)
	host.POST("/sessions", requireAdminRole, s.createSession)
	host.GET("/sessions/:id", s.sessionAccess, s.getSession)
	host.POST("/sessions/:id/control", s.sessionAccess, s.controlSession)
	host.POST("/sessions/:id/members/:member/mute", s.sessionAccess, s.muteMember)
	host.POST("/sessions/:id/members/:member/hand", s.sessionAccess, s.memberHand)
	host.POST("/sessions/:id/room", s.sessionAccess, s.configureRoom)
	host.GET("/sessions/:id/room", s.sessionAccess, s.getRoom)
	host.POST("/sessions/:id/host-join", s.sessionAccess, s.hostJoin)

	host.POST("/groups", s.createGroup)
	host.GET("/groups", s.listGroups)
	grp := host.Group("/groups/:gid", s.inGroup)
	grp.GET("", s.getGroup)
	grp.PATCH("", s.updateGroup)
	grp.DELETE("", ownerOnly, s.deleteGroup)
	grp.POST("/hosts", ownerOnly, s.addGroupHost)
	grp.DELETE("/hosts/:hid", ownerOnly, s.removeGroupHost)
	grp.POST("/media", s.uploadGroupMedia)
	grp.GET("/media", s.listGroupMedia)
	grp.POST("/sessions", s.createGroupSession)
	grp.GET("/sessions", s.listGroupSessions)
	grp.POST("/invites", s.createInvite)
	grp.GET("/invites", s.listInvites)
	grp.DELETE("/invites/:iid", s.revokeInvite)
	grp.GET("/audit", s.auditLog)
	grp.POST("/series", s.createSeries)
	grp.GET("/series", s.listSeries)
	grp.POST("/series/:sid/:action", s.changeOccurrence)
	grp.DELETE("/series/:sid", s.deleteSeries)
	grp.POST("/calendar-key", s.rotateCalendarKey)
	r.GET("/calendar/:gid/:key", s.groupFeed)
	r.GET("/api/v1/sessions/:id/calendar.ics", s.tokenFromQuery, s.requireListener, s.sessionICS)
	r.POST("/api/v1/invites/:token", s.openInvite)
	if cfg.Collage.Store != nil {
		// Only a memorial session has a collage; its contribution token reaches these and no more.
		r.POST("/api/v1/sessions/:id/collage/photos", s.collageContributor, memorialOnly, s.addCollagePhoto)
		r.POST("/api/v1/sessions/:id/collage/songs", s.collageContributor, memorialOnly, s.addCollageSong)
		r.GET("/api/v1/sessions/:id/collage", s.tokenFromQuery, s.collageReader, memorialOnly, s.listCollage)
		r.GET("/api/v1/sessions/:id/collage/photos/:pid", s.tokenFromQuery, s.collageReader, memorialOnly, s.collagePhoto)
		host.PATCH("/sessions/:id/collage/items/:iid", s.sessionAccess, memorialOnly, s.updateCollageItem)
		host.DELETE("/sessions/:id/collage/items/:iid", s.sessionAccess, memorialOnly, s.deleteCollageItem)
		host.POST("/sessions/:id/collage/finalize", s.sessionAccess, memorialOnly, s.finalizeCollage)
		host.POST("/sessions/:id/collage/lock", s.sessionAccess, memorialOnly, s.lockCollage)
	}
	s.circleRoutes(r, host)

	r.GET("/api/v1/listen/:id", s.requireListener, s.listenInfo)
	r.GET("/api/v1/sessions/:id/events", s.tokenFromQuery, s.requireListener, s.events)
	r.POST("/api/v1/sessions/:id/join", s.requireMember, s.joinRoom)
	// A member leaves with their own token; a host removes them with a host token.
	r.DELETE("/api/v1/sessions/:id/members/:member", s.hostOrMember, s.leaveRoom)

	r.OPTIONS("/whep/:id", whepPreflight)
	r.OPTIONS("/whep/:id/:peer", whepPreflight)
	r.POST("/whep/:id", whepCORS, s.requireListener, s.whepOffer)
	r.DELETE("/whep/:id/:peer", whepCORS, s.requireListener, s.whepDelete)
	r.PATCH("/whep/:id/:peer", whepCORS, func(c *gin.Context) {
		// Trickle ICE is optional in WHEP; answers already carry every candidate.
		c.Header("Allow", "DELETE, OPTIONS")
		fail(c, http.StatusMethodNotAllowed, "trickle ICE is not supported; the answer holds all candidates")
	})

	s.pages(r)
	return r
}

// errorBody is the one JSON error shape.
type errorBody struct {
	Error string `json:"error"`
}

func fail(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, errorBody{Error: msg})
}

// writeError maps domain errors to HTTP statuses, in one place.
func (s *Server) writeError(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, media.ErrTooLarge):
		fail(c, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, media.ErrUnsupported):
		fail(c, http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, media.ErrInvalid), errors.Is(err, media.ErrTooLong):
		fail(c, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, media.ErrTimeout):
		fail(c, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, media.ErrNotFound):
		fail(c, http.StatusNotFound, "media not found")
	case errors.Is(err, session.ErrNotFound):
		fail(c, http.StatusNotFound, "session not found")
	case errors.Is(err, session.ErrUnknownMedia), errors.Is(err, session.ErrInvalid):
		fail(c, http.StatusBadRequest, err.Error())
	case errors.Is(err, session.ErrNotOpen):
		c.Header("Retry-After", "60")
		fail(c, http.StatusConflict, err.Error())
	case errors.Is(err, session.ErrEnded), errors.Is(err, room.ErrClosed):
		fail(c, http.StatusGone, "this session has ended")
	case errors.Is(err, room.ErrBadOffer):
		fail(c, http.StatusBadRequest, err.Error())
	case errors.Is(err, room.ErrFull):
		c.Header("Retry-After", "30")
		fail(c, http.StatusServiceUnavailable, "this session is full right now; please try again in a little while")
	case errors.Is(err, room.ErrNoPeer):
		fail(c, http.StatusNotFound, "no such connection")
	case errors.Is(err, room.ErrLocked):
		fail(c, http.StatusForbidden, "the host has closed this session to new members for now; you can still listen")
	case errors.Is(err, room.ErrBadName), errors.Is(err, room.ErrNameTaken):
		writeNameError(c, err)
	case errors.Is(err, disk.ErrFull):
		fail(c, http.StatusInsufficientStorage, "the server has run out of storage space; please tell the person who runs it")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		fail(c, http.StatusServiceUnavailable, "the request was cancelled")
	default:
		s.log.Error("request failed", "path", c.FullPath(), "err", err)
		fail(c, http.StatusInternalServerError, "internal error")
	}
}

func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panic", "path", c.FullPath(), "panic", r)
			if !c.Writer.Written() {
				fail(c, http.StatusInternalServerError, "internal error")
			}
		}
	}()
	c.Next()
}

// accessLog logs requests without query strings or headers, which may carry tokens.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(unmatched)"
	}
	lvl := slog.LevelDebug
	if c.Writer.Status() >= 500 {
		lvl = slog.LevelWarn
	}
	s.log.Log(c.Request.Context(), lvl, "http", "method", c.Request.Method, "route", route,
		"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(c.Request.Context()); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func bearer(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	const p = "bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// isHostToken reports whether a bearer token is the admin token or a host's API token.
func (s *Server) isHostToken(c *gin.Context, token string) bool {
	if s.isAdmin(token) {
		return true
	}
	if s.accounts == nil {
		return false
	}
	h, err := s.accounts.HostByAPIToken(c.Request.Context(), token, time.Now())
	return err == nil && !h.Disabled
}

func (s *Server) isAdmin(token string) bool {
	got := HashToken(token)
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminTokenHash)) == 1
}

// requireListener lets through the session's listener or member token, a host's token, or for
// reads a signed-in host of the session. The session is
// loaded once here and handed on.
func (s *Server) requireListener(c *gin.Context) {
	tok, ok := bearer(c)
	if !ok && (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) {
		// A signed-in host's browser (the dashboard showing a collage's photos) reads with its
		// cookie; only reads, so no CSRF token is involved.
		if p, signedIn, _ := s.identify(c); signedIn {
			if sess, err := s.sessions.Get(c.Request.Context(), c.Param("id")); err == nil {
				c.Set("principal", p)
				if s.mayHost(c, sess) {
					c.Set("session", sess)
					c.Next()
					return
				}
			}
		}
	}
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="hearth"`)
		fail(c, http.StatusUnauthorized, "an Authorization: Bearer token is required")
		return
	}
	sess, err := s.sessions.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		if errors.Is(err, session.ErrNotFound) && !s.isAdmin(tok) {
			// Do not tell a stranger which session ids exist.
			fail(c, http.StatusForbidden, "this link is not valid")
			return
		}
		s.writeError(c, err)
		return
	}
	if !tokenIs(tok, sess.ListenerToken) && !tokenIs(tok, sess.MemberToken) && !(s.isHostToken(c, tok) && s.mayHost(c, sess)) {
		fail(c, http.StatusForbidden, "this link is not valid")
		return
	}
	c.Set("session", sess)
	c.Next()
}

// tokenFromQuery accepts ?t=TOKEN as a bearer token, for EventSource, which cannot set headers.
// The access log never records query strings.
func (s *Server) tokenFromQuery(c *gin.Context) {
	if t := c.Query("t"); t != "" && c.GetHeader("Authorization") == "" {
		c.Request.Header.Set("Authorization", "Bearer "+t)
	}
	c.Next()
}

func sessionOf(c *gin.Context) *session.Session {
	v, _ := c.Get("session")
	s, _ := v.(*session.Session)
	return s
}

// Routes lists the method and path of every route a handler from New serves, so tests can check
// that each one is covered by the permission matrix.
func Routes(h http.Handler) []string {
	e, ok := h.(*gin.Engine)
	if !ok {
		return nil
	}
	var out []string
	for _, r := range e.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// DocumentedRoutes lists "METHOD /gin/path" for every operation in the OpenAPI document.
func DocumentedRoutes() []string {
	out := make([]string, 0, len(operations))
	for _, op := range operations {
		out = append(out, op.method+" "+ginPath(op.path))
	}
	return out
}
