// Package auth holds what host accounts need: password hashing with argon2id, random tokens and
// the throttle that slows down password guessing. It knows nothing of HTTP or storage.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

var (
	// ErrWeakPassword means a new password is too short or too long.
	ErrWeakPassword = errors.New("password must be 10 to 256 characters")
	// ErrBadHash means a stored hash is not one this package wrote.
	ErrBadHash = errors.New("unrecognised password hash")
)

// Params are argon2id's cost parameters. The defaults follow the OWASP recommendation for
// argon2id (19 MiB, 2 passes, 1 lane): about 30-60 ms per hash on a small server, slow for a
// guesser, cheap for a handful of volunteer hosts signing in.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams are used for new hashes.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// HashPassword returns a PHC-style argon2id string: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashPassword(pw string, p Params) (string, error) {
	if n := utf8.RuneCountInString(pw); n < 10 || n > 256 {
		return "", ErrWeakPassword
	}
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the stored hash, in constant time for the comparison.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, ErrBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrBadHash
	}
	// Refuse absurd parameters from a tampered database rather than burn memory.
	if p.Memory < 1024 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return false, ErrBadHash
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrBadHash
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) < 16 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when a username does not exist, so that answering "no such user"
// takes as long as a wrong password and usernames cannot be discovered by timing.
var dummyHash, _ = HashPassword("not-a-real-password-0", DefaultParams)

// VerifyNobody spends the time of one verification.
func VerifyNobody(pw string) { _, _ = VerifyPassword(dummyHash, pw) }

// NewToken returns a random token with 128 bits of entropy and a prefix naming its kind.
func NewToken(prefix string) string { return prefix + rand.Text() }
