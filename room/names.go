package room

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pion/webrtc/v4"
	"github.com/rivo/uniseg"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MaxNameClusters is the longest display name, in grapheme clusters: what a person counts as
// characters, so "👩‍👧" or "🇵🇹" or "é" written as e and an accent is one.
const MaxNameClusters = 40

// maxNameBytes bounds the raw name before any work is done on it: 40 of the longest emoji
// sequences fit with room to spare.
const maxNameBytes = 2 << 10

var (
	// ErrBadName is what every refused name wraps.
	ErrBadName = errors.New("bad display name")
	// ErrNameEmpty means the name is empty or only spaces.
	ErrNameEmpty = fmt.Errorf("%w: empty", ErrBadName)
	// ErrNameTooLong means the name has more than MaxNameClusters characters.
	ErrNameTooLong = fmt.Errorf("%w: longer than %d characters", ErrBadName, MaxNameClusters)
	// ErrNameInvisible means the name holds control characters, or nothing a reader could see.
	ErrNameInvisible = fmt.Errorf("%w: control characters or nothing visible", ErrBadName)
	// ErrNameTaken means another member in the room goes by the same name.
	ErrNameTaken = errors.New("another member in the room has this name")
)

// CleanName returns a display name as the room shows it: NFC-normalised, runs of white space made
// one space, trimmed. It refuses names that are empty, longer than MaxNameClusters grapheme
// clusters, hold a control character, or are made only of characters nobody sees (joiners,
// zero-width spaces, variation selectors, direction marks, fillers, lone combining marks). HTML
// is just text. CleanName(CleanName(s)) is CleanName(s).
func CleanName(s string) (string, error) {
	if len(s) > maxNameBytes {
		return "", ErrNameTooLong
	}
	if !utf8.ValidString(s) {
		return "", ErrNameInvisible
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", ErrNameInvisible
		}
	}
	s = norm.NFC.String(strings.Join(strings.Fields(s), " "))
	if s == "" {
		return "", ErrNameEmpty
	}
	if uniseg.GraphemeClusterCount(s) > MaxNameClusters {
		return "", ErrNameTooLong
	}
	if strings.IndexFunc(s, visible) < 0 {
		return "", ErrNameInvisible
	}
	return s, nil
}

// visible reports whether a character shows by itself: not a space, a format character (zero-width
// joiners and spaces, direction marks, tags), a variation selector, a default-ignorable filler,
// a combining mark, or the blank braille pattern.
func visible(r rune) bool {
	switch {
	case unicode.IsSpace(r), r == '\u2800':
		return false
	case unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point):
		return false
	}
	return true
}

// nameKey is what two names must share to count as the same: case folded, NFC.
func nameKey(name string) string { return norm.NFC.String(cases.Fold().String(name)) }

// nameHolders returns the members going by name, and which of them are stale: without a working
// connection (never connected, or dropped) and in the room longer than Config.StaleName, so that
// a newcomer with the name is most likely the same person back on a new connection whose old one
// the server has not yet noticed is gone.
func (r *Room) nameHolders(name string, now time.Time) (live, stale []*member) {
	key := nameKey(name)
	for _, m := range *r.members.Load() {
		if m.nameKey != key {
			continue
		}
		switch m.pc.ConnectionState() {
		case webrtc.PeerConnectionStateConnected:
			live = append(live, m)
		default:
			if now.Sub(m.joinedAt) >= r.cfg.StaleName {
				stale = append(stale, m)
			} else {
				live = append(live, m)
			}
		}
	}
	return live, stale
}

// nameFreeLocked refuses a name another member in the room already goes by.
func (r *Room) nameFreeLocked(name string) error {
	key := nameKey(name)
	for _, m := range r.byID {
		if m.nameKey == key {
			return ErrNameTaken
		}
	}
	return nil
}
