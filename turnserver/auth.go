package turnserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pion/turn/v5"
)

// ICEServer is one entry of a browser's RTCConfiguration.iceServers, ready to be sent as JSON.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// Reasons a username is refused; they are logged, never sent to the client.
var (
	errMalformedUser = errors.New("malformed username")
	errExpiredUser   = errors.New("expired username")
	errFutureUser    = errors.New("username expires later than the credential lifetime allows")
)

// maxIDLen bounds the random part of a username. Ours are 26 characters.
const maxIDLen = 64

// Credentials returns a fresh username and password valid until now+TTL, with the server's URLs.
// The username is "<expiry unix seconds>:<random id>" and the password is
// base64(HMAC-SHA1(secret, username)), the scheme TURN servers and WebRTC stacks commonly share,
// so the server keeps no per-credential state. Each call has its own id, so quotas apply per
// call: hand one out per peer connection.
func (s *Server) Credentials(now time.Time) ICEServer {
	user := strconv.FormatInt(now.Add(s.cfg.TTL).Unix(), 10) + ":" + rand.Text()
	return ICEServer{
		URLs:       append([]string(nil), s.urls...),
		Username:   user,
		Credential: password(s.secret, user),
	}
}

func password(secret []byte, user string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(user))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// checkUsername parses a username of our scheme and checks its expiry against now. A username
// expiring further ahead than ttl (plus a minute of clock slack) was not issued by this
// configuration and is refused too.
func checkUsername(user string, now time.Time, ttl time.Duration) error {
	exp, id, ok := strings.Cut(user, ":")
	if !ok || exp == "" || len(exp) > 12 || id == "" || len(id) > maxIDLen {
		return errMalformedUser
	}
	for _, c := range exp {
		if c < '0' || c > '9' {
			return errMalformedUser
		}
	}
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return errMalformedUser
		}
	}
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return errMalformedUser
	}
	switch {
	case expiry < now.Unix():
		return errExpiredUser
	case expiry > now.Add(ttl+time.Minute).Unix():
		return errFutureUser
	}
	return nil
}

// authenticate is pion's AuthHandler. It never compares passwords itself: it returns the key the
// correct password implies, and pion checks the request's MESSAGE-INTEGRITY against it, so a
// wrong password fails there. The full username is the user id, which is what quotas count.
func (s *Server) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	if ra.Realm != s.cfg.Realm {
		s.log.Debug("turn: refused credentials", "client", ra.SrcAddr, "reason", "wrong realm")
		return "", nil, false
	}
	if err := checkUsername(ra.Username, s.now(), s.cfg.TTL); err != nil {
		s.log.Debug("turn: refused credentials", "client", ra.SrcAddr, "reason", err)
		return "", nil, false
	}
	return ra.Username, turn.GenerateAuthKey(ra.Username, ra.Realm, password(s.secret, ra.Username)), true
}
