package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// waitCollage polls the API until ok accepts the collage; explain, if given, adds what the page
// says to a failure.
func waitCollage(t *testing.T, s *testServer, sid, member, what string, ok func(collageState) bool, explain ...func() string) collageState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := getCollage(t, s, sid, member)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			for _, e := range explain {
				what += " (" + e() + ")"
			}
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
		"starts_at": time.Now().Add(time.Hour).Format(time.RFC3339), "playlist": []map[string]string{{"media_id": mediaID}}, "memorial": true}, true)
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
		// Long enough for two photos at the default settings.
		if code, m := contribute(t, s, P+"/songs", member, fixture("beep7s_14s.mp3"), map[string]string{"name": "Ben"}); code != http.StatusCreated {
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
	t.Parallel()
	longTest(t)
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
			// The link carries the session's contribution token, never the member token.
			_, full, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
			if got := jsString(t, tctx, `document.querySelector('[data-testid=collage-link-url]').value`); !strings.HasSuffix(got, "/contribute/"+sid+"#t="+full["contribute_token"].(string)) {
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
			c = waitCollage(t, s, sid, member, "finalize", func(c collageState) bool { return c.locked },
				func() string {
					return jsString(t, tctx, `document.querySelector('[data-testid=collage-error]').textContent`)
				})
			if c.raw["final"] != true {
				t.Errorf("finalized collage says final=%v", c.raw["final"])
			}
			if r, _ := c.raw["render"].(map[string]any); r == nil || r["state"] != "none" {
				t.Errorf("finalized without preparing ahead, the render is %v", c.raw["render"])
			}
			waitJS(t, tctx, `document.querySelector('[data-testid=collage-state]').textContent.startsWith('Finalized') &&
				document.querySelector('[data-testid=collage-open]').getAttribute('aria-checked') === 'false' &&
				document.querySelector('[data-testid=collage-render-text]').textContent.includes('as the session plays')`, 5*time.Second)
			if got := jsString(t, tctx, `document.querySelector('[data-testid=collage-error]').textContent`); got != "" {
				t.Errorf("an error is shown after finalizing: %q", got)
			}
			// Final: the order is fixed until the collage is reopened.
			if jsString(t, tctx, `String(document.querySelector('#collage-photos [data-testid=collage-remove]').disabled && !document.getElementById('collage-final-note').hidden)`) != "true" {
				t.Error("a final collage still offers to remove photos")
			}
			scrollTo(t, tctx, `#collage-card`)
			shot("4-final")

			// Reopening it, after saying yes, opens it to contributions and it is no longer final.
			if err := chromedp.Do(tctx,
				chromedp.Click(chromedp.CSS(`[data-testid=collage-open]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-ok]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=confirm-ok]`)),
			); err != nil {
				t.Fatal(err)
			}
			waitCollage(t, s, sid, member, "reopen", func(c collageState) bool { return !c.locked && c.raw["final"] == false })
			waitJS(t, tctx, `document.querySelector('[data-testid=collage-state]').textContent.startsWith('Open') &&
				!document.querySelector('#collage-photos [data-testid=collage-remove]').disabled`, 5*time.Second)

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

			if size.name != "desktop" {
				return
			}
			// Finalized with the video prepared ahead (as recommended): the progress bar moves
			// until the video is ready.
			sid3, member3 := collageSession(t, s, b, gid, mediaID, "Prepared ahead", [][3]string{
				{"Grandma at the lake, 1972", "Ana", "phone_gps.jpg"},
				{"The garden", "Ben", "orient6.jpg"},
			}, true)
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`location.hash = '#/session/`+sid3+`'`)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('collage-card').hidden && document.querySelectorAll('#collage-songs [data-testid=collage-item]').length === 1 &&
				document.querySelector('[data-testid=collage-prerender]').checked`, 20*time.Second)
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=collage-finalize]`))); err != nil {
				t.Fatal(err)
			}
			sawBar := false
			deadline := time.Now().Add(90 * time.Second)
			for {
				v := jsString(t, tctx, `(() => { const bar = document.querySelector('[data-testid=collage-render-progress]');
					return (bar.hidden || bar.offsetParent === null ? '' : 'bar ' + bar.value + ' ') + document.querySelector('[data-testid=collage-render-text]').textContent; })()`)
				if strings.HasPrefix(v, "bar ") && strings.Contains(v, "Preparing the video") {
					if !sawBar {
						scrollTo(t, tctx, `#collage-card`)
						shot("6-preparing")
					}
					sawBar = true
				}
				if v == "Video ready" {
					break
				}
				if strings.Contains(v, "could not") || time.Now().After(deadline) {
					t.Fatalf("preparing the video: the page says %q; the collage is %v", v, getCollage(t, s, sid3, member3).raw)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !sawBar {
				t.Error("the progress bar never showed while the video was being prepared")
			}
			if r, _ := getCollage(t, s, sid3, member3).raw["render"].(map[string]any); r == nil || r["state"] != "ready" {
				t.Errorf("the page says the video is ready; the server says %v", r)
			}
			shot("7-ready")
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

// fakeCollageJS stands in for the server's collage video: a 1280x720 canvas, redrawn ten times a
// second, attached as the room's video track, and a caption message, as the pages receive them.
const fakeCollageJS = `(() => {
  const c = document.createElement('canvas');
  c.width = 1280; c.height = 720;
  const g = c.getContext('2d');
  let n = 0;
  const draw = () => {
    const sky = g.createLinearGradient(0, 0, 0, 720);
    sky.addColorStop(0, '#9cc3e6'); sky.addColorStop(0.55, '#e9d9b8'); sky.addColorStop(1, '#5d7a52');
    g.fillStyle = sky; g.fillRect(0, 0, 1280, 720);
    g.fillStyle = '#3f6d8c'; g.fillRect(0, 430 + 4 * Math.sin(n++ / 5), 1280, 120);
    g.fillStyle = '#f7f1e8'; g.font = '48px sans-serif'; g.fillText('A photo of the lake', 80, 120);
  };
  draw();
  window.__collageTimer = setInterval(draw, 100);
  const track = c.captureStream(10).getVideoTracks()[0];
  window.hearth.collage.attach(track);
  window.hearth.collage.caption({type: 'caption', text: 'Grandma at the lake, 1972', name: 'Ana'});
})()`

// offerLinesJS lists the media lines of the page's offer.
const offerLinesJS = `window.hearth.pc.localDescription.sdp.split('\r\n').filter(l => l.startsWith('m=')).map(l => l.split(' ')[0]).join(' ')`

// inView reports whether an element is wholly on screen.
func inView(t *testing.T, ctx context.Context, selector string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		if (!e) return false; const r = e.getBoundingClientRect();
		return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`, selector)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserCollageOnJoinAndListen: the join page links to the contribution page while the
// collage takes photos, and not after it is closed. On the join and listen pages a session's
// audio looks as it always has (no picture, and a receive-only video transceiver the server
// answers without video); once a video track brings frames, the picture shows large with its
// caption under it, at phone and desktop size, with the microphone, the candles and the Listen
// button still on screen.
func TestBrowserCollageOnJoinAndListen(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Remembering Grandma", time.Now(), true, id)
	s.makeMemorial(t, sess)
	sid, member := sess["id"].(string), sess["member_token"].(string)
	photo := filepath.Join("..", "..", "media", "photo", "testdata", "phone_gps.jpg")
	if code, m := contribute(t, s, "/api/v1/sessions/"+sid+"/collage/photos", member, photo, map[string]string{"caption": "At the lake"}); code != http.StatusCreated {
		t.Fatalf("photo: %d %v", code, m)
	}

	for _, size := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "collage-pages-"+size.name)
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(size.w), int64(size.h))); err != nil {
				t.Fatal(err)
			}

			// The join page, first screen: the way to the contribution page.
			if err := chromedp.Do(tctx, chromedp.Navigate(sess["join_url"].(string))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('contribute').hidden`, 10*time.Second)
			// The link carries its own contribution token (contract 4), never the member's.
			href := jsString(t, tctx, `document.querySelector('[data-testid=contribute-link]').href`)
			if want := s.URL + "/contribute/" + sid + "#t="; !strings.HasPrefix(href, want) || len(href) == len(want) || strings.Contains(href, member) {
				t.Errorf("contribute link %q, want %s<contribution token>", href, want)
			}
			shot("1-join")

			// Just listen (WHEP) asks for the video too; without it the room looks as it always has.
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=join-listen]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `window.hearth.state === 'connected'`, 20*time.Second)
			if offer := jsString(t, tctx, offerLinesJS); !strings.Contains(offer, "m=video") {
				t.Errorf("Just listen offered no video: %s", offer)
			}
			if jsString(t, tctx, `String(document.getElementById('collage-frame').hidden) + (document.querySelector('main').dataset.video || '')`) != "true" {
				t.Error("Just listen: an audio-only session shows the collage's picture")
			}

			// In the room with a microphone: no picture while the session has no video. (The same
			// address again would only be a jump within the page.)
			if err := chromedp.Do(tctx, chromedp.Navigate("about:blank")); err != nil {
				t.Fatal(err)
			}
			joinInBrowser(t, tctx, sess["join_url"].(string), "Rosa")
			waitJS(t, tctx, `window.hearth.state === 'connected'`, 20*time.Second)
			// The offer asks for video (receive only); the server answers it as it can.
			offer := jsString(t, tctx, offerLinesJS)
			if !strings.Contains(offer, "m=video") {
				t.Errorf("the join page offered no video: %s", offer)
			}
			t.Logf("offer: %s; answer: %s", offer, jsString(t, tctx, `window.hearth.pc.remoteDescription.sdp.split('\r\n').filter(l => l.startsWith('m=')).join(' ')`))
			time.Sleep(500 * time.Millisecond)
			if jsString(t, tctx, `String(document.getElementById('collage-frame').hidden) + (document.querySelector('main').dataset.video || '')`) != "true" {
				t.Error("an audio-only session shows the collage's picture")
			}
			shot("2-join-audio")

			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](fakeCollageJS)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('collage-frame').hidden && document.querySelector('main').dataset.video === 'true' &&
				document.querySelector('[data-testid=collage-video]').videoWidth === 1280`, 10*time.Second)
			if got := jsString(t, tctx, `document.querySelector('[data-testid=caption-text]').textContent + '|' + document.querySelector('[data-testid=caption-name]').textContent`); got != "Grandma at the lake, 1972|Ana" {
				t.Errorf("caption %q", got)
			}
			for _, sel := range []string{`[data-testid=collage-video]`, `[data-testid=mic-toggle]`, `[data-testid=candle]`} {
				if !inView(t, tctx, sel) {
					t.Errorf("join page with the collage: %s is not on screen", sel)
				}
			}
			if size.name == "phone" {
				if w := jsString(t, tctx, `String(Math.round(document.querySelector('[data-testid=collage-video]').getBoundingClientRect().width))`); w != "390" {
					t.Errorf("the picture is %s px wide on a 390 px phone, want the whole width", w)
				}
			}
			shot("3-join-video")
			// An empty caption clears it.
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`window.hearth.collage.caption({type: 'caption', text: ''})`)); err != nil {
				t.Fatal(err)
			}
			if got := jsString(t, tctx, `document.querySelector('[data-testid=caption]').textContent.replace(/[—\s]|, shared by /g, '')`); got != "" {
				t.Errorf("an empty caption left %q", got)
			}

			// The listen page, the same way.
			if err := chromedp.Do(tctx,
				chromedp.Navigate(sess["listen_url"].(string)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=listen]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=listen]`)),
			); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `window.hearth.state === 'listening'`, 20*time.Second)
			if offer := jsString(t, tctx, offerLinesJS); !strings.Contains(offer, "m=video") {
				t.Errorf("the listen page offered no video: %s", offer)
			}
			time.Sleep(500 * time.Millisecond)
			if jsString(t, tctx, `String(document.getElementById('collage-frame').hidden) + (document.querySelector('main').dataset.video || '')`) != "true" {
				t.Error("an audio-only session shows the collage's picture on the listen page")
			}
			shot("4-listen-audio")
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](fakeCollageJS)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('collage-frame').hidden && document.querySelector('main').dataset.video === 'true'`, 10*time.Second)
			for _, sel := range []string{`[data-testid=collage-video]`, `[data-testid=listen]`, `[data-testid=caption]`} {
				if !inView(t, tctx, sel) {
					t.Errorf("listen page with the collage: %s is not on screen", sel)
				}
			}
			if size.name == "desktop" && !inView(t, tctx, `[data-testid=volume]`) {
				t.Error("listen page with the collage: the volume is not on screen")
			}
			shot("5-listen-video")
		})
	}

	// Closed to contributions: no link.
	if code, m := s.postJSON(t, "/api/v1/sessions/"+sid+"/collage/lock", map[string]any{"locked": true}); code != http.StatusOK {
		t.Fatalf("lock: %d %v", code, m)
	}
	ctx := newBrowser(t, 390, 844)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(sess["join_url"].(string))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tctx, `performance.getEntriesByType('resource').some(e => e.name.includes('/collage') && e.responseEnd > 0) && !document.querySelector('[data-testid=join-mic]').disabled`, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	if jsString(t, tctx, `String(document.getElementById('contribute').hidden)`) != "true" {
		t.Error("the join page links to a closed collage")
	}
}

// TestBrowserCollageMembers: two members on the join page with microphones, in a session whose
// collage is finalized: both see the collage's frames decode in the picture with the caption
// under it, and still hear each other (the video and the members' tracks share one connection).
func TestBrowserCollageMembers(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Remembering Grandma", time.Now().Add(6*time.Second), false, id)
	s.makeMemorial(t, sess)
	sid, member := sess["id"].(string), sess["member_token"].(string)
	P := "/api/v1/sessions/" + sid + "/collage"
	for _, p := range [][2]string{{"phone_gps.jpg", "Grandma at the lake, 1972"}, {"orient6.jpg", "The garden in June"}} {
		file := filepath.Join("..", "..", "media", "photo", "testdata", p[0])
		if code, m := contribute(t, s, P+"/photos", member, file, map[string]string{"caption": p[1], "name": "Ana"}); code != http.StatusCreated {
			t.Fatalf("photo: %d %v", code, m)
		}
	}
	if code, m := contribute(t, s, P+"/songs", member, fixture("beep7s_14s.mp3"), nil); code != http.StatusCreated {
		t.Fatalf("song: %d %v", code, m)
	}
	if code, m := s.postJSON(t, P+"/finalize", map[string]any{"prerender": false}); code != http.StatusOK {
		t.Fatalf("finalize: %d %v", code, m)
	}
	// The 14 s song plays on in a loop, so a slow machine's browsers still find the room open.
	if code, m := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": "loop", "loop": true}); code != http.StatusOK {
		t.Fatalf("loop: %d %v", code, m)
	}
	a := newBrowser(t, 390, 844, chromedp.Flag("use-file-for-fake-audio-capture", fixtureAbs(t, "mic_tone660.wav")))
	b := newBrowser(t, 1280, 800, chromedp.Flag("use-file-for-fake-audio-capture", toneWAV(t, 880, 30)))
	actx, cancelA := context.WithTimeout(a, 90*time.Second)
	defer cancelA()
	bctx, cancelB := context.WithTimeout(b, 90*time.Second)
	defer cancelB()
	for _, c := range []struct {
		ctx  context.Context
		w, h int64
	}{{actx, 390, 844}, {bctx, 1280, 800}} {
		if err := chromedp.Do(c.ctx, chromedp.EmulateViewport(c.w, c.h)); err != nil {
			t.Fatal(err)
		}
	}
	joinInBrowser(t, actx, sess["join_url"].(string), "Ana")
	joinInBrowser(t, bctx, sess["join_url"].(string), "Ben")

	const seeJS = `(async () => {
		const out = {frames: 0, members: 0, showing: !document.getElementById('collage-frame').hidden,
			caption: document.querySelector('[data-testid=caption-text]').textContent};
		const stats = await window.hearth.pc.getStats();
		stats.forEach(r => {
			if (r.type === 'inbound-rtp' && r.kind === 'video') out.frames = r.framesDecoded || 0;
			if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.packetsReceived > 50 && r.totalAudioEnergy > 0) out.members++;
		});
		return JSON.stringify(out);
	})()`
	type seen struct {
		Frames, Members float64
		Showing         bool
		Caption         string
	}
	look := func(ctx context.Context) seen {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](seeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var v seen
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The broadcast and the other member: two audio tracks with sound.
	ok := func(v seen) bool { return v.Frames > 30 && v.Showing && v.Caption != "" && v.Members >= 2 }
	deadline := time.Now().Add(45 * time.Second)
	for {
		va, vb := look(actx), look(bctx)
		if ok(va) && ok(vb) {
			t.Logf("Ana %+v; Ben %+v", va, vb)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("members with the collage: Ana %+v; Ben %+v", va, vb)
		}
		time.Sleep(500 * time.Millisecond)
	}
	screenshotter(t, actx, "collage-members")("phone")
	screenshotter(t, bctx, "collage-members")("desktop")
}
