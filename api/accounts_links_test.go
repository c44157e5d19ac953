package api

import (
	"strings"
	"testing"

	"hearth/auth"
)

// FuzzWellFormedLinkToken: the cheap check before a link lookup accepts every secret auth.NewToken
// makes and nothing that is not 26 characters of upper-case base32.
func FuzzWellFormedLinkToken(f *testing.F) {
	for _, s := range []string{auth.NewToken(""), "", "not-a-token", strings.Repeat("A", 27), strings.Repeat("é", 13), "ABCDEFGHIJKLMNOPQRSTUVWXY1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := wellFormedLinkToken(s)
		want := len(s) == 26 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
		if ok != want {
			t.Fatalf("%q: %v, want %v", s, ok, want)
		}
		if tok := auth.NewToken(""); !wellFormedLinkToken(tok) {
			t.Fatalf("a real secret %q is refused", tok)
		}
	})
}
