package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/testpeer"
)

// The join page's side of issue 9: holds that end on the page, names as
// people write them, at phone and desktop sizes. Screenshots go to
// $HEARTH_SCREENSHOTS when it is set.

var pageSizes = []struct {
	name          string
	width, height int
}{{"phone", 390, 844}, {"desktop", 1280, 860}}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HEARTH_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

func jsText(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// typeName puts a name in the join page's field as a person's keyboard would
// (input events), emoji and all.
func typeName(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const f = document.querySelector('[data-testid=name]'); f.value = %s; f.dispatchEvent(new Event('input', {bubbles: true})); })()`, mustJSON(name))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserHoldEndsOnJoinPage: a member joins during a program part with
// microphones held; the page shows the hold. When the host moves on to the
// open sharing circle, the page lets them speak at once (the microphone stays
// off until tapped, a calm note says so) and names the part in place of
// "Untitled"; the member taps the microphone and a WHEP listener hears their
// fake microphone's tone.
func TestBrowserHoldEndsOnJoinPage(t *testing.T) {
	t.Parallel()
	longTest(t)
	for _, size := range pageSizes {
		t.Run(size.name, func(t *testing.T) {
			s := startServer(t, nil)
			tone := s.uploadFile(t, fixture("tone523_44k.mp3"))
			body := fmt.Sprintf(`{"title":"Tuesday circle","starts_at":%q,"program":[
				{"name":"Guided meditation","playlist":[{"media_id":%q}],"loop":true,"length_ms":600000,"mics":"muted"},
				{"name":"Sharing circle","length_ms":1200000,"mics":"open"}]}`,
				time.Now().Format(time.RFC3339Nano), tone)
			code, sess, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(body))
			if code != 201 {
				t.Fatalf("create: %d %v", code, sess)
			}
			sid := sess["id"].(string)
			ctx := newBrowser(t, size.width, size.height, chromedp.Flag("use-file-for-fake-audio-capture", fixtureAbs(t, "mic_tone660.wav")))
			tctx, cancel := context.WithTimeout(ctx, 120*time.Second)
			defer cancel()

			l, _, err := testpeer.DialWHEP(tctx, sess["whep_url"].(string), sess["listener_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()

			if err := chromedp.Do(tctx,
				chromedp.Navigate(sess["join_url"].(string)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`)),
			); err != nil {
				t.Fatal(err)
			}
			typeName(t, tctx, "Rosa")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=join-mic]`))); err != nil {
				t.Fatal(err)
			}
			// In the meditation the microphone is held: the button says so and cannot be turned on.
			waitJS(t, tctx, `window.hearth.state === 'connected' && window.hearth.room.mics_locked === true && document.querySelector('[data-testid=mic-toggle]').disabled`, 30*time.Second)
			if got := jsText(t, tctx, `document.querySelector('[data-testid=mic-state]').textContent`); got != "Muted by the host" {
				t.Errorf("held microphone says %q", got)
			}
			screenshot(t, tctx, "hold-"+size.name)

			// The host opens the sharing circle.
			code, m := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": "next"})
			if code != 200 {
				t.Fatalf("next: %d %v", code, m)
			}
			released := time.Now()
			waitJS(t, tctx, `!document.querySelector('[data-testid=mic-toggle]').disabled`, 3*time.Second)
			t.Logf("the page let the member speak %v after the host moved on", time.Since(released).Round(time.Millisecond))
			if d := time.Since(released); d > 1500*time.Millisecond {
				t.Errorf("release reached the page after %v, want well under a second", d)
			}
			if got := jsText(t, tctx, `document.querySelector('[data-testid=mic-toggle]').getAttribute('aria-pressed')`); got != "false" {
				t.Errorf("the release turned the microphone on (aria-pressed %s); it must stay off until tapped", got)
			}
			waitJS(t, tctx, `document.querySelector('[data-testid=toast]').textContent.includes('You may speak again')`, 3*time.Second)
			// The part without a playlist is named, with its time left, and no clock runs.
			waitJS(t, tctx, `/^Sharing circle · \d+ min left$/.test(document.querySelector('[data-testid=now-title]').textContent)`, 5*time.Second)
			if got := jsText(t, tctx, `document.querySelector('[data-testid=elapsed]').textContent`); got != "" {
				t.Errorf("a clock runs during the sharing circle: %q", got)
			}
			screenshot(t, tctx, "released-"+size.name)

			// The listener hears nothing of the member until they tap the microphone.
			if lv := toneLevelLast(l, 660); lv > -45 {
				t.Errorf("the listener hears the member's tone at %.1f dBFS before the tap", lv)
			}
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=mic-toggle]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.querySelector('[data-testid=mic-toggle]').getAttribute('aria-pressed') === 'true'`, 3*time.Second)
			deadline := time.Now().Add(20 * time.Second)
			for {
				if lv := toneLevelLast(l, 660); lv > -30 {
					t.Logf("after the tap the listener hears the member's 660 Hz tone at %.1f dBFS", lv)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the listener never heard the member after the release; browser stats %+v", browserStats(t, tctx))
				}
				time.Sleep(250 * time.Millisecond)
			}
			screenshot(t, tctx, "speaking-"+size.name)
		})
	}
}

// toneLevelLast is the level of freq in the listener's last half second.
func toneLevelLast(l *testpeer.Listener, freq float64) float64 {
	pcm, _, _ := l.PCMAt()
	if len(pcm) < 24000 {
		return -120
	}
	return testpeer.ToneLevel(pcm[len(pcm)-24000:], freq, 48000)
}

// TestBrowserNamesOnJoinPage: "👩‍👧 Mãe" joins and another member's roster
// lists her; a second tab with the same name is told so beside the field and
// not retried; a name that shows nothing is refused on the page itself.
func TestBrowserNamesOnJoinPage(t *testing.T) {
	t.Parallel()
	longTest(t)
	for _, size := range pageSizes {
		t.Run(size.name, func(t *testing.T) {
			s := startServer(t, nil)
			tone := s.uploadFile(t, fixture("tone523_44k.mp3"))
			sess := s.createSession(t, "Names", time.Now(), true, tone)
			joinURL := sess["join_url"].(string)
			a := newBrowser(t, size.width, size.height)
			b := newBrowser(t, size.width, size.height)
			actx, cancelA := context.WithTimeout(a, 90*time.Second)
			defer cancelA()
			bctx, cancelB := context.WithTimeout(b, 90*time.Second)
			defer cancelB()

			join := func(ctx context.Context, name string) {
				t.Helper()
				if err := chromedp.Do(ctx, chromedp.Navigate(joinURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`))); err != nil {
					t.Fatal(err)
				}
				waitJS(t, ctx, `!document.querySelector('[data-testid=join-mic]').disabled`, 15*time.Second)
				typeName(t, ctx, name)
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=join-mic]`))); err != nil {
					t.Fatal(err)
				}
			}

			// A name of nothing visible: refused on the page, nothing sent.
			if err := chromedp.Do(bctx, chromedp.Navigate(joinURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, bctx, `!document.querySelector('[data-testid=join-mic]').disabled`, 15*time.Second)
			typeName(t, bctx, "\u200d\u200d")
			if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`[data-testid=join-mic]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, bctx, `document.querySelector('[data-testid=name-error]').textContent.includes('can’t be seen') && window.hearth.state === 'idle'`, 5*time.Second)
			screenshot(t, bctx, "name-invisible-"+size.name)

			join(actx, "👩‍👧 Mãe")
			waitJS(t, actx, `window.hearth.state === 'connected'`, 30*time.Second)
			join(bctx, "Ben")
			waitJS(t, bctx, `window.hearth.roster.some(m => m.name === '👩‍👧 Mãe') && [...document.querySelectorAll('[data-testid=roster] .member-name')].some(n => n.textContent === '👩‍👧 Mãe')`, 30*time.Second)
			screenshot(t, bctx, "roster-mae-"+size.name)

			// A second tab of the first browser, with the same name.
			tab, cancelTab := chromedp.NewContext(actx)
			defer cancelTab()
			join(tab, "👩‍👧 Mãe")
			waitJS(t, tab, `document.querySelector('[data-testid=name-error]').textContent.includes('already has this name') && document.querySelector('main').dataset.view === 'join'`, 15*time.Second)
			// Told once, not retried: it stays on the first screen.
			time.Sleep(3 * time.Second)
			if st := jsText(t, tab, `window.hearth.state + ' ' + document.querySelector('main').dataset.view`); st != "idle join" {
				t.Errorf("after name_taken the second tab is %q, want it still on the first screen", st)
			}
			screenshot(t, tab, "name-taken-"+size.name)
			// The first tab is still in the room, and the roster has one Mãe.
			waitJS(t, bctx, `window.hearth.roster.filter(m => m.name === '👩‍👧 Mãe').length === 1`, 5*time.Second)
		})
	}
}
