package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// collageState is a session's collage as the API gives it to a member.
type collageState struct {
	items  []map[string]any
	locked bool
	raw    map[string]any
}

func getCollage(t *testing.T, s *testServer, sid, member string) collageState {
	t.Helper()
	code, m, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/collage", member, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET collage: %d %v", code, m)
	}
	var c collageState
	c.raw = m
	c.locked, _ = m["locked"].(bool)
	list, _ := m["items"].([]any)
	for _, it := range list {
		c.items = append(c.items, it.(map[string]any))
	}
	return c
}

// waitCollage polls the API until ok accepts the collage.
func waitCollage(t *testing.T, s *testServer, sid, member, what string, ok func(collageState) bool) collageState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := getCollage(t, s, sid, member)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the collage is %v", what, c.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func photoIDs(c collageState) []string {
	var ids []string
	for _, it := range c.items {
		if it["kind"] == "photo" {
			ids = append(ids, it["id"].(string))
		}
	}
	return ids
}

// collageSession makes a circle session, an hour ahead, whose collage holds the given photos
// (caption, contributor, file) and, if song is set, one song, all added through the member link.
func collageSession(t *testing.T, s *testServer, b *browserClient, gid, mediaID, title string, photos [][3]string, song bool) (sid, member string) {
	t.Helper()
	code, sess := b.do("POST", "/api/v1/groups/"+gid+"/sessions", map[string]any{"title": title,
		"starts_at": time.Now().Add(time.Hour).Format(time.RFC3339), "playlist": []map[string]string{{"media_id": mediaID}}}, true)
	if code != http.StatusCreated {
		t.Fatalf("session: %d %v", code, sess)
	}
	sid, member = sess["id"].(string), sess["member_token"].(string)
	P := "/api/v1/sessions/" + sid + "/collage"
	for _, p := range photos {
		file := filepath.Join("..", "..", "media", "photo", "testdata", p[2])
		if code, m := contribute(t, s, P+"/photos", member, file, map[string]string{"caption": p[0], "name": p[1]}); code != http.StatusCreated {
			t.Fatalf("photo %s: %d %v", p[2], code, m)
		}
	}
	if song {
		if code, m := contribute(t, s, P+"/songs", member, fixture("tone440_a.mp3"), map[string]string{"name": "Ben"}); code != http.StatusCreated {
			t.Fatalf("song: %d %v", code, m)
		}
	}
	return sid, member
}

// TestBrowserCollageReview: a host signed in to the dashboard, on a phone and on a computer,
// reviews a memorial collage that members filled through their link: recaptions a photo, moves
// the second photo up, removes one, and finalizes without preparing the video ahead; the API
// agrees after each step. A collage with photos but no songs cannot be finalized, and the
// dashboard says why.
func TestBrowserCollageReview(t *testing.T) {
	s := startServer(t, nil)
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("host: %d %v", code, m)
	}
	b := newBrowserClient(t, s)
	_, login := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	b.csrf = login["csrf_token"].(string)
	code, g := b.do("POST", "/api/v1/groups", map[string]any{"name": "For Grandma"}, true)
	if code != http.StatusCreated {
		t.Fatalf("group: %d %v", code, g)
	}
	gid := g["id"].(string)
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ct, body := multipartBody(t, "Breathing.mp3", mp3, "")
	code, media, _ := s.do(t, http.MethodPost, "/api/v1/groups/"+gid+"/media", testAdminToken, ct, bytes.NewReader(body))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %v", code, media)
	}
	mediaID := media["id"].(string)

	for _, size := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			sid, member := collageSession(t, s, b, gid, mediaID, "Remembering Grandma "+size.name, [][3]string{
				{"Grandma at the lake, 1972", "Ana", "phone_gps.jpg"},
				{"The garden", "Ben", "orient6.jpg"},
			}, true)
			before := getCollage(t, s, sid, member)
			photos := photoIDs(before)
			if len(before.items) != 3 || len(photos) != 2 {
				t.Fatalf("collage before review: %v", before.raw)
			}

			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 120*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "collage-"+size.name)
			if err := chromedp.Do(tctx,
				// Headless windows are at least 500 pixels wide: the page itself is made phone-sized.
				chromedp.EmulateViewport(int64(size.w), int64(size.h)),
				chromedp.Navigate(s.URL+"/dashboard#/session/"+sid),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-username]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-username]`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "a long passphrase"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
			); err != nil {
				t.Fatal(err)
			}
			// Signing in returns to the session; its collage card lists both photos and the song,
			// with the photos' pictures loaded.
			waitJS(t, tctx, `!document.getElementById('view-live').hidden && !document.getElementById('collage-card').hidden &&
				document.querySelectorAll('#collage-photos [data-testid=collage-item]').length === 2 &&
				document.querySelectorAll('#collage-songs [data-testid=collage-item]').length === 1 &&
				[...document.querySelectorAll('#collage-photos img')].every(i => i.complete && i.naturalWidth > 0)`, 20*time.Second)
			if got := jsString(t, tctx, `document.querySelector('[data-testid=collage-link-url]').value`); !strings.HasSuffix(got, "/contribute/"+sid+"#t="+member) {
				t.Errorf("contribution link %q", got)
			}
			if got := jsString(t, tctx, `document.querySelector('#collage-photos [data-testid=collage-caption]').value`); got != "Grandma at the lake, 1972" {
				t.Errorf("first caption shown %q", got)
			}
			if got := jsString(t, tctx, `document.querySelector('#collage-photos .collage-meta').textContent`); !strings.Contains(got, "from Ana") {
				t.Errorf("contributor not shown: %q", got)
			}
			scrollTo(t, tctx, `#collage-card`)
			shot("1-review")

			// Recaption the first photo.
			const caption = "Grandma by the lake, summer 1972"
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#collage-photos li:nth-child(1) [data-testid=collage-caption]').value = ''`)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tctx,
				chromedp.SendKeys(chromedp.CSS(`#collage-photos li:nth-child(1) [data-testid=collage-caption]`), caption),
				chromedp.Click(chromedp.CSS(`#collage-photos li:nth-child(1) [data-testid=collage-caption-save]`)),
			); err != nil {
				t.Fatal(err)
			}
			waitCollage(t, s, sid, member, "recaption", func(c collageState) bool {
				for _, it := range c.items {
					if it["id"] == photos[0] {
						return it["caption"] == caption
					}
				}
				return false
			})

			// Move the second photo up: the photos swap, the song stays.
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`#collage-photos li:nth-child(2) [data-testid=collage-up]`))); err != nil {
				t.Fatal(err)
			}
			c := waitCollage(t, s, sid, member, "move up", func(c collageState) bool {
				ids := photoIDs(c)
				return len(ids) == 2 && ids[0] == photos[1] && ids[1] == photos[0]
			})
			if len(c.items) != 3 {
				t.Fatalf("after the move: %v", c.raw)
			}
			waitJS(t, tctx, fmt.Sprintf(`(() => { const li = document.querySelectorAll('#collage-photos [data-testid=collage-item]');
				return li.length === 2 && li[0].dataset.id === %q && li[1].dataset.id === %q; })()`, photos[1], photos[0]), 5*time.Second)
			// Focus stays with the moved photo, on the button still usable at the top.
			if got := jsString(t, tctx, `document.activeElement ? document.activeElement.dataset.act || '' : ''`); got != "down" {
				t.Errorf("focus after moving up is on %q, want the moved photo's Move down", got)
			}
			shot("2-moved")

			// Remove the photo now second (the recaptioned one), after saying yes.
			if err := chromedp.Do(tctx,
				chromedp.Click(chromedp.CSS(`#collage-photos li:nth-child(2) [data-testid=collage-remove]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-ok]`)),
			); err != nil {
				t.Fatal(err)
			}
			shot("3-remove-confirm")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=confirm-ok]`))); err != nil {
				t.Fatal(err)
			}
			c = waitCollage(t, s, sid, member, "remove", func(c collageState) bool {
				ids := photoIDs(c)
				return len(ids) == 1 && ids[0] == photos[1]
			})
			if len(c.items) != 2 {
				t.Fatalf("after removing: %v", c.raw)
			}
			waitJS(t, tctx, `document.querySelectorAll('#collage-photos [data-testid=collage-item]').length === 1`, 5*time.Second)

			// Finalize, without preparing the video ahead of time.
			if err := chromedp.Do(tctx,
				chromedp.Click(chromedp.CSS(`[data-testid=collage-prerender]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=collage-finalize]`)),
			); err != nil {
				t.Fatal(err)
			}
			c = waitCollage(t, s, sid, member, "finalize", func(c collageState) bool { return c.locked })
			final, hasFinal := c.raw["final"]
			if hasFinal && final != true {
				t.Errorf("finalized collage says final=%v", final)
			}
			if r, ok := c.raw["render"].(map[string]any); ok && r["state"] != "none" {
				t.Errorf("finalized without preparing ahead, the render state is %v", r["state"])
			}
			want := "Closed"
			if hasFinal {
				want = "Finalized"
			}
			waitJS(t, tctx, fmt.Sprintf(`document.querySelector('[data-testid=collage-state]').textContent.startsWith(%q) &&
				document.querySelector('[data-testid=collage-open]').getAttribute('aria-checked') === 'false'`, want), 5*time.Second)
			if got := jsString(t, tctx, `document.querySelector('[data-testid=collage-error]').textContent`); got != "" {
				t.Errorf("an error is shown after finalizing: %q", got)
			}
			scrollTo(t, tctx, `#collage-card`)
			shot("4-final")

			// Photos but no songs: finalizing says what is missing, and nothing changes.
			sid2, member2 := collageSession(t, s, b, gid, mediaID, "Photos only "+size.name, [][3]string{
				{"At the harbour", "Ana", "orient8.jpg"},
			}, false)
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`location.hash = '#/session/`+sid2+`'`)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('collage-card').hidden && document.querySelectorAll('#collage-photos [data-testid=collage-item]').length === 1 &&
				document.querySelectorAll('#collage-songs [data-testid=collage-item]').length === 0`, 20*time.Second)
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=collage-finalize]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.querySelector('[data-testid=collage-error]').textContent.includes('no songs')`, 5*time.Second)
			if c := getCollage(t, s, sid2, member2); c.locked || c.raw["final"] == true {
				t.Errorf("a collage without songs was finalized: %v", c.raw)
			}
			scrollTo(t, tctx, `[data-testid=collage-error]`)
			shot("5-no-songs")
		})
	}
}

// screenshotter returns a function that saves the visible part of the page as
// $HEARTH_SCREENSHOTS/prefix-name.png, when that variable is set.
func screenshotter(t *testing.T, ctx context.Context, prefix string) func(name string) {
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	return func(name string) {
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		os.WriteFile(filepath.Join(dir, prefix+"-"+name+".png"), png, 0o644)
	}
}

// scrollTo brings an element to the top of the screen, for a screenshot.
func scrollTo(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e) e.scrollIntoView({block: 'start'}); })()`, selector)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
}
