package room

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"

	"hearth/internal/testpeer"
)

func TestCleanName(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{"Ana", "Ana", nil},
		{"  Ana   Maria  ", "Ana Maria", nil},
		{"👩‍👧 Mãe", "👩‍👧 Mãe", nil},
		{"🇵🇹", "🇵🇹", nil},
		{"Jose\u0301", "José", nil}, // e + combining acute becomes é (NFC)
		{"مريم", "مريم", nil},
		{"\u200fשרה", "\u200fשרה", nil}, // Hebrew led by a right-to-left mark
		{"<b>html</b>", "<b>html</b>", nil},
		{"👨‍👩‍👧‍👦", "👨‍👩‍👧‍👦", nil},
		{"❤️", "❤️", nil}, // heart + variation selector 16
		{strings.Repeat("x", 40), strings.Repeat("x", 40), nil},
		{strings.Repeat("👩‍👧", 40), strings.Repeat("👩‍👧", 40), nil}, // 40 clusters, 280 bytes
		{strings.Repeat("x", 41), "", ErrNameTooLong},
		{strings.Repeat("é", 1000), "", ErrNameTooLong},
		{"", "", ErrNameEmpty},
		{"     ", "", ErrNameEmpty},
		{"\u00a0\u3000", "", ErrNameEmpty}, // no-break and ideographic spaces
		{"\u200d", "", ErrNameInvisible},
		{"\u200d\u200b\ufe0f\u200e", "", ErrNameInvisible},
		{"\u3164", "", ErrNameInvisible}, // Hangul filler
		{"\u0301", "", ErrNameInvisible}, // a lone combining mark
		{"Ana\x00", "", ErrNameInvisible},
		{"Ana\nBen", "", ErrNameInvisible},
		{"\x1b[31mAna", "", ErrNameInvisible},
		{"An\xffa", "", ErrNameInvisible},
	} {
		got, err := CleanName(c.in)
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) || got != c.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("CleanName(%q): %v does not wrap ErrBadName", c.in, err)
		}
	}
}

func TestNameKeyIgnoresCaseAndForm(t *testing.T) {
	a, _ := CleanName("JOSÉ")
	b, _ := CleanName("jose\u0301")
	if nameKey(a) != nameKey(b) {
		t.Fatalf("%q and %q count as different names", a, b)
	}
	if nameKey("Ana") == nameKey("Ana B") {
		t.Fatal("different names count as the same")
	}
}

// FuzzCleanName: whatever comes in, a name that passes is NFC, 1-40 grapheme clusters, has no
// control characters, has something visible, and cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Ana", "👩‍👧 Mãe", "🇵🇹", "e\u0301", "\u200fשרה", "\u200d", " \t", "<b>x</b>", strings.Repeat("a", 41)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CleanName(s)
		if err != nil {
			if !errors.Is(err, ErrBadName) {
				t.Fatalf("refusal %v does not wrap ErrBadName", err)
			}
			return
		}
		if !norm.NFC.IsNormalString(got) {
			t.Fatalf("%q is not NFC", got)
		}
		if n := uniseg.GraphemeClusterCount(got); n < 1 || n > MaxNameClusters {
			t.Fatalf("%q has %d clusters", got, n)
		}
		if strings.IndexFunc(got, unicode.IsControl) >= 0 || strings.IndexFunc(got, visible) < 0 {
			t.Fatalf("%q has control characters or nothing visible", got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("%q is not trimmed", got)
		}
		again, err := CleanName(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

// TestNameTakenAndRejoin: a second live member with the same name (case and form aside) is
// refused; the same person rejoining with their earlier key takes the name back, and so does a
// newcomer when the name's holder has had no working connection for a while.
func TestNameTakenAndRejoin(t *testing.T) {
	r := newTestRoom(t, Config{StaleName: 300 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go pump(ctx, r, 440)
	_, key := joinMember(t, ctx, r, "José")
	_, offer, _ := testpeer.NewMember()
	if _, _, err := r.Join(ctx, offer, "JOSE\u0301"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second José: %v, want ErrNameTaken", err)
	}
	if _, _, err := r.Join(ctx, offer, "José B"); err != nil {
		t.Fatalf("another name: %v", err)
	}
	// A rejoin after a drop names the earlier connection: it leaves and the name is free.
	again, offer2, _ := testpeer.NewMember()
	defer again.Close()
	if _, _, err := r.JoinWith(ctx, JoinRequest{Offer: offer2, Name: "josé", Replaces: key}); err != nil {
		t.Fatalf("rejoin with the earlier key: %v", err)
	}
	// Neither "José B" (whose offer was never completed) nor the rejoined "josé" (never answered
	// here) ever connects: after StaleName a newcomer takes the name.
	time.Sleep(400 * time.Millisecond)
	_, offer3, _ := testpeer.NewMember()
	if _, _, err := r.Join(ctx, offer3, "José"); err != nil {
		t.Fatalf("newcomer after the holder's connection never came: %v", err)
	}
	if n := r.Members(); n != 2 {
		t.Fatalf("%d members, want 2 (José B and the newcomer José)", n)
	}
}
