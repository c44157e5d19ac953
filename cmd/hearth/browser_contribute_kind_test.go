package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserContributeSaysItKindly: the contribution page opened with the contribution token
// greets people with the session's title; a photo it cannot take (an iPhone HEIC file) is turned
// away with a kind sentence, never the server's raw lower-case words; and the link of a session
// that is not a memorial says so plainly.
func TestBrowserContributeSaysItKindly(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "For Grandma", time.Now().Add(time.Hour), false, id)
	s.makeMemorial(t, sess)
	plain := s.createSession(t, "Breathing", time.Now().Add(time.Hour), false, id)
	heic, _ := filepath.Abs(filepath.Join("..", "..", "media", "photo", "testdata", "iphone.heic"))
	for _, size := range circleSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "contribute-"+size.name)
			if err := chromedp.Do(tctx, chromedp.Navigate(sess["contribute_url"].(string))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.title.startsWith('Photos and songs for For Grandma') && !!document.querySelector('[data-testid=contribute-file]')`, 10*time.Second)
			if err := chromedp.Do(tctx, chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=contribute-file]`), []string{heic})); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!!document.querySelector('[data-testid=contribute-add]')`, 10*time.Second)
			runJS(t, tctx, `document.querySelector('[data-testid=contribute-add]').click()`)
			waitJS(t, tctx, `document.querySelector('.contribute-message') && document.querySelector('.contribute-message').textContent.includes('HEIC format')`, 15*time.Second)
			msg := jsString(t, tctx, `document.querySelector('.contribute-message').textContent`)
			if msg == "" || strings.ToUpper(msg[:1]) != msg[:1] || !strings.HasSuffix(msg, ".") {
				t.Fatalf("message is not a sentence: %q", msg)
			}
			shot("1-heic")

			// The member link of a session that is not a memorial.
			if err := chromedp.Do(tctx, chromedp.Navigate(s.URL+"/contribute/"+plain["id"].(string)+"#t="+plain["member_token"].(string))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.querySelector('[data-testid=status]') && document.querySelector('[data-testid=status]').textContent.includes('isn’t collecting photos and songs')`, 10*time.Second)
			shot("2-not-memorial")
		})
	}
}
