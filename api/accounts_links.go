package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/store"
)

// The one-time account links. A link is /dashboard#/setup/<secret> or /dashboard#/reset/<secret>:
// the secret rides in the fragment, so it never reaches a server log or a Referer header; the
// dashboard sends it to the API below. Secrets are auth.NewToken's 26 base32 characters.

// SetupLinkPath makes the first-start setup link (valid for AccountLinkLife, usable once) and
// returns its path, to be printed for the person who started Hearth. Any earlier setup link stops
// working.
func SetupLinkPath(ctx context.Context, accounts Accounts, now time.Time) (string, error) {
	token := auth.NewToken("")
	if err := accounts.CreateAccountLink(ctx, "setup", "", token, "first start", now, now.Add(AccountLinkLife)); err != nil {
		return "", err
	}
	return "/dashboard#/setup/" + token, nil
}

// wellFormedLinkToken reports whether s looks like a link secret (cheap, before any lookup).
func wellFormedLinkToken(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// linkError answers for a link that cannot be used, with a sentence the page shows as it is.
func (s *Server) linkError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		failAccount(c, http.StatusNotFound, "link_unknown", "This link isn’t valid. Please ask the person who runs this Hearth for a new one.")
	case errors.Is(err, store.ErrLinkUsed):
		failAccount(c, http.StatusGone, "link_used", "This link has already been used. Each link works only once; if you still need one, ask for a new link.")
	case errors.Is(err, store.ErrLinkReplaced):
		failAccount(c, http.StatusGone, "link_replaced", "A newer link has been made for this account, so this one no longer works. Please use the newest link.")
	case errors.Is(err, store.ErrLinkExpired):
		failAccount(c, http.StatusGone, "link_expired", "This link has expired: links work for 24 hours. Please ask for a new one.")
	case errors.Is(err, store.ErrSetupDone):
		failAccount(c, http.StatusGone, "setup_done", "Hearth is already set up. Please sign in.")
	case errors.Is(err, store.ErrHostDisabled):
		failAccount(c, http.StatusForbidden, "account_disabled", "This account is switched off. Please ask the person who runs this Hearth.")
	default:
		s.writeError(c, err)
	}
}

// link loads the :token link and checks that it still works, answering for it when not.
func (s *Server) link(c *gin.Context) (store.AccountLink, string, bool) {
	token := c.Param("token")
	if !wellFormedLinkToken(token) {
		failAccount(c, http.StatusBadRequest, "link_malformed", "This link is incomplete. Please copy the whole link from the message and open it again.")
		return store.AccountLink{}, "", false
	}
	l, err := s.accounts.LookupAccountLink(c.Request.Context(), token)
	if err == nil {
		err = l.Check(s.now())
	}
	if err == nil && l.Kind == "setup" {
		if n, cerr := s.accounts.HostCount(c.Request.Context()); cerr != nil {
			err = cerr
		} else if n > 0 {
			err = store.ErrSetupDone
		}
	}
	if err == nil && l.Kind == "reset" {
		if h, herr := s.accounts.HostByID(c.Request.Context(), l.HostID); herr != nil {
			err = herr
		} else if h.Disabled {
			err = store.ErrHostDisabled
		}
	}
	if err != nil {
		s.linkError(c, err)
		return l, "", false
	}
	return l, token, true
}

// peekAccountLink tells the page what a link is for before the person types a password.
func (s *Server) peekAccountLink(c *gin.Context) {
	l, _, ok := s.link(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"kind": l.Kind, "username": l.Username, "expires_at": l.ExpiresAt})
}

type useLinkJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// useAccountLink spends a link: a setup link creates the first admin account, a reset link sets
// the account's new password (ending all its sign-ins). Either way this browser is then signed in.
func (s *Server) useAccountLink(c *gin.Context) {
	l, token, ok := s.link(c)
	if !ok {
		return
	}
	var req useLinkJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	req.Username = strings.TrimSpace(req.Username)
	now := s.now()
	switch l.Kind {
	case "setup":
		if !validUsername(req.Username) {
			failAccount(c, http.StatusBadRequest, "username_invalid", "Please choose a username of 3 to 40 letters or digits (you may also use . - and _).")
			return
		}
		hash, ok := s.hashNewPassword(c, req.Password)
		if !ok {
			return
		}
		h := store.Host{ID: newID(), Username: req.Username, PasswordHash: hash, Admin: true, CreatedAt: now.UTC()}
		if err := s.accounts.UseSetupLink(c.Request.Context(), token, h, now); err != nil {
			s.linkError(c, err)
			return
		}
		s.log.Info("first admin account created with the setup link", "host", h.ID)
		s.startWebSession(c, h, now)
	case "reset":
		// The page sends the username it showed (password managers save the new password under
		// it); a link opened for another account is refused rather than silently changing it.
		if !strings.EqualFold(req.Username, l.Username) {
			failAccount(c, http.StatusForbidden, "link_other_account", "This link was made for another account. Please ask for a link for your own account.")
			return
		}
		hash, ok := s.hashNewPassword(c, req.Password)
		if !ok {
			return
		}
		h, err := s.accounts.UseResetLink(c.Request.Context(), token, hash, now)
		if err != nil {
			s.linkError(c, err)
			return
		}
		s.log.Info("password set with a reset link", "host", h.ID)
		s.startWebSession(c, h, now)
	default:
		s.linkError(c, store.ErrNotFound)
	}
}
