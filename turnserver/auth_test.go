package turnserver

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
)

func TestCheckUsername(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ttl := 6 * time.Hour
	exp := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, tc := range []struct {
		user string
		want error
	}{
		{exp(time.Hour) + ":ABCDEF234567", nil},
		{exp(ttl) + ":abc-_09", nil},
		{exp(0) + ":A", nil}, // expires this very second
		{exp(-time.Second) + ":A", errExpiredUser},
		{"0:A", errExpiredUser},
		{exp(ttl+2*time.Minute) + ":A", errFutureUser},
		{"99999999999:A", errFutureUser},
		{"", errMalformedUser},
		{"ABC", errMalformedUser},
		{exp(time.Hour), errMalformedUser},
		{exp(time.Hour) + ":", errMalformedUser},
		{":ABC", errMalformedUser},
		{"+" + exp(time.Hour) + ":A", errMalformedUser},
		{"-" + exp(time.Hour) + ":A", errMalformedUser},
		{" " + exp(time.Hour) + ":A", errMalformedUser},
		{"1e10:A", errMalformedUser},
		{"9999999999999999999999:A", errMalformedUser},
		{exp(time.Hour) + ":A:B", errMalformedUser},
		{exp(time.Hour) + ":a b", errMalformedUser},
		{exp(time.Hour) + ":é", errMalformedUser},
		{exp(time.Hour) + ":" + strings.Repeat("A", maxIDLen+1), errMalformedUser},
	} {
		if got := checkUsername(tc.user, now, ttl); !errors.Is(got, tc.want) {
			t.Errorf("checkUsername(%q) = %v, want %v", tc.user, got, tc.want)
		}
	}
}

func TestCredentialsFollowTheSharedScheme(t *testing.T) {
	secret := []byte("0123456789abcdef0123")
	s, err := New(Config{ListenAddr: "127.0.0.1:0", PublicIP: "127.0.0.1", Secret: secret, TTL: 2 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	c := s.Credentials(now)
	exp, id, ok := strings.Cut(c.Username, ":")
	if !ok || exp != strconv.FormatInt(now.Add(2*time.Hour).Unix(), 10) || len(id) < 20 {
		t.Fatalf("username %q: want <expiry>:<random id>", c.Username)
	}
	if err := checkUsername(c.Username, now, 2*time.Hour); err != nil {
		t.Fatalf("own username refused: %v", err)
	}
	if c2 := s.Credentials(now); c2.Username == c.Username || c2.Credential == c.Credential {
		t.Fatal("two calls gave the same credentials")
	}
	// pion's own generator of the same scheme must agree on the password.
	user, pass, err := turn.GenerateLongTermTURNRESTCredentials(string(secret), "someone", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := password(secret, user); got != pass {
		t.Fatalf("password(%q) = %q, pion says %q", user, got, pass)
	}
	port := strconv.Itoa(int(s.Addr().Port()))
	want := []string{"turn:127.0.0.1:" + port + "?transport=udp", "turn:127.0.0.1:" + port + "?transport=tcp"}
	if strings.Join(c.URLs, " ") != strings.Join(want, " ") {
		t.Fatalf("urls %v, want %v", c.URLs, want)
	}
}
