package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pagesSizes are the screens the join and listen pages are tried at.
var pagesSizes = []struct {
	name string
	w, h int
}{{"phone", 390, 844}, {"desktop", 1280, 800}}

// TestBrowserCollageLinkOnlyForMemorials (issue 9, contract 4): a session that
// is not a memorial offers no collage on its join and listen pages; once its
// host makes it one, both pages link to the contribution page.
func TestBrowserCollageLinkOnlyForMemorials(t *testing.T) {
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Breathing together", time.Now(), true, id)

	check := func(t *testing.T, ctx context.Context, shot func(string), step string, want bool) {
		t.Helper()
		for _, page := range []struct{ name, url string }{{"join", sess["join_url"].(string)}, {"listen", sess["listen_url"].(string)}} {
			if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(page.url)); err != nil {
				t.Fatal(err)
			}
			// The page has the session's info once the title is the session's.
			waitJS(t, ctx, `document.getElementById('title').textContent === 'Breathing together'`, 10*time.Second)
			time.Sleep(200 * time.Millisecond)
			shown := jsString(t, ctx, `String(!document.getElementById('contribute').hidden && !!document.querySelector('[data-testid=contribute-link]').getAttribute('href'))`)
			if shown != map[bool]string{true: "true", false: "false"}[want] {
				t.Errorf("%s page, %s: contribution link shown %s, want %v", page.name, step, shown, want)
			}
			if !want && jsString(t, ctx, `String(/collage/i.test(document.querySelector('.head, .state-block').innerText))`) != "false" {
				t.Errorf("%s page, %s: a session that is no memorial speaks of a collage", page.name, step)
			}
			shot(page.name + "-" + step)
		}
	}

	for i, size := range pagesSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(size.w), int64(size.h))); err != nil {
				t.Fatal(err)
			}
			shot := screenshotter(t, tctx, "memorial-only-"+size.name)
			if i == 0 {
				check(t, tctx, shot, "1-not-memorial", false)
				s.makeMemorial(t, sess)
			}
			check(t, tctx, shot, "2-memorial", true)
		})
	}
}

// TestBrowserRaiseHandReadsLower (issue 9 item 9): the hand button says what
// a tap will do: "Lower hand" while the hand is up, "Raise hand" again after.
func TestBrowserRaiseHandReadsLower(t *testing.T) {
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Tuesday circle", time.Now(), true, id)
	for _, size := range pagesSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(size.w), int64(size.h))); err != nil {
				t.Fatal(err)
			}
			shot := screenshotter(t, tctx, "hand-"+size.name)
			// One name per size: the phone's Rosa may still be in the room (names are unique).
			name := map[string]string{"phone": "Rosa", "desktop": "Ana"}[size.name]
			joinInBrowser(t, tctx, sess["join_url"].(string), name)
			waitJS(t, tctx, `window.hearth.state === 'connected'`, 20*time.Second)
			label := `document.getElementById('hand-label').textContent.trim() + '|' + document.querySelector('[data-testid=hand]').getAttribute('aria-pressed')`
			if got := jsString(t, tctx, label); got != "Raise hand|false" {
				t.Errorf("before: %q", got)
			}
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=hand]`))); err != nil {
				t.Fatal(err)
			}
			// The server's roster agrees (the hand stays up past the settling time).
			waitJS(t, tctx, `window.hearth.roster.some(m => m.name === '`+name+`' && m.hand)`, 10*time.Second)
			if got := jsString(t, tctx, label); got != "Lower hand|true" {
				t.Errorf("raised: %q", got)
			}
			shot("1-raised")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=hand]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `window.hearth.roster.some(m => m.name === '`+name+`' && !m.hand)`, 10*time.Second)
			if got := jsString(t, tctx, label); got != "Raise hand|false" {
				t.Errorf("lowered: %q", got)
			}
		})
	}
}
