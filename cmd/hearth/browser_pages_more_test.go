package main

import (
	"context"
	"fmt"
	"strings"
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
	t.Parallel()
	longTest(t)
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
	t.Parallel()
	longTest(t)
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

			// Like the listen page, the join page has a volume that reaches what plays, and tells
			// the lock screen what is playing (Media Session).
			waitJS(t, tctx, `!!window.hearth.audio && navigator.mediaSession.playbackState === 'playing' &&
				!!navigator.mediaSession.metadata && navigator.mediaSession.metadata.artist === 'Tuesday circle'`, 10*time.Second)
			jsString(t, tctx, `(() => { const v = document.querySelector('[data-testid=volume]'); v.value = '40';
				v.dispatchEvent(new Event('input')); return v.value; })()`)
			waitJS(t, tctx, `Math.abs(window.hearth.audio.volume - 0.4) < 0.001`, 3*time.Second)
		})
	}
}

// TestBrowserEndedPagesAndCalendar (issue 9, contracts 7 and 8), at phone and
// desktop sizes: while a circle's session is still to come, its join and
// listen pages offer "Add to calendar", a link to an .ics the page can fetch
// and that names the session and its start; once a session has ended, both
// pages name the circle's next session and show the circle's support text.
func TestBrowserEndedPagesAndCalendar(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	const support = "Between sessions: Samaritans, 116 123, day or night."
	code, g, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json", strings.NewReader(`{"name":"Tuesday grief circle"}`))
	if code != 201 {
		t.Fatalf("group: %d %v", code, g)
	}
	gid := g["id"].(string)
	// The hosts set the support text on the circle, as the circle page does.
	if code, m, _ := s.do(t, "PATCH", "/api/v1/groups/"+gid, testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(`{"support_text":%q}`, support))); code != 200 || m["support_text"] != support {
		t.Fatalf("support text: %d %v", code, m)
	}
	mid := s.uploadGroupFile(t, nil, gid, fixture("tone523_44k.mp3"))
	mk := func(title string, at time.Time) map[string]any {
		code, m, _ := s.do(t, "POST", "/api/v1/groups/"+gid+"/sessions", testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(
			`{"title":%q,"starts_at":%q,"playlist":[{"media_id":%q}]}`, title, at.Format(time.RFC3339), mid)))
		if code != 201 {
			t.Fatalf("session %s: %d %v", title, code, m)
		}
		return m
	}
	tonight := mk("Tonight", time.Now())
	nextAt := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Minute)
	next := mk("Next Tuesday", nextAt)
	if code, m, _ := s.do(t, "POST", "/api/v1/sessions/"+tonight["id"].(string)+"/control", testAdminToken, "application/json", strings.NewReader(`{"action":"end"}`)); code != 200 {
		t.Fatalf("end: %d %v", code, m)
	}
	waitState(t, s, tonight["id"].(string), "ended", 5*time.Second)

	// fetchICS fetches the page's calendar link from inside the page, as a
	// tap would, and returns its status and body.
	const fetchICS = `(async () => {
	  const a = document.querySelector('[data-testid=calendar-link]');
	  const r = await fetch(a.href);
	  return r.status + '\n' + r.headers.get('content-type') + '\n' + await r.text();
	})()`

	for _, size := range pagesSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(size.w), int64(size.h))); err != nil {
				t.Fatal(err)
			}
			shot := screenshotter(t, tctx, "ended-calendar-"+size.name)
			pages := func(sess map[string]any) []struct{ name, url string } {
				return []struct{ name, url string }{{"join", sess["join_url"].(string)}, {"listen", sess["listen_url"].(string)}}
			}
			for _, page := range pages(next) {
				if err := chromedp.Do(tctx, chromedp.Navigate(page.url)); err != nil {
					t.Fatal(err)
				}
				waitJS(t, tctx, `!document.getElementById('calendar').hidden`, 10*time.Second)
				shot(page.name + "-1-scheduled")
				raw, err := chromedp.Run(tctx, chromedp.Evaluate[string](fetchICS, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatal(err)
				}
				status, rest, _ := strings.Cut(raw, "\n")
				ctype, body, _ := strings.Cut(rest, "\n")
				summary, start, err := icsEvent(body)
				if status != "200" || !strings.HasPrefix(ctype, "text/calendar") || err != nil || summary != "Next Tuesday" || !start.Equal(nextAt) {
					t.Errorf("%s page: the calendar link gives %s %s: summary %q, start %v, %v; want Next Tuesday at %v:\n%s",
						page.name, status, ctype, summary, start, err, nextAt, body)
				}
			}
			for _, page := range pages(tonight) {
				if err := chromedp.Do(tctx, chromedp.Navigate(page.url)); err != nil {
					t.Fatal(err)
				}
				waitJS(t, tctx, `!document.getElementById('next-session').hidden && !document.getElementById('support-text').hidden`, 10*time.Second)
				nextText := jsString(t, tctx, `document.querySelector('[data-testid=next-session]').textContent`)
				if !strings.HasPrefix(nextText, "The circle meets again ") || !strings.HasSuffix(nextText, ": Next Tuesday.") {
					t.Errorf("%s page: next session reads %q", page.name, nextText)
				}
				if got := jsString(t, tctx, `document.querySelector('[data-testid=support-text]').textContent`); got != support {
					t.Errorf("%s page: support text reads %q", page.name, got)
				}
				// An ended session offers no calendar and no way into the room.
				if got := jsString(t, tctx, `String(document.getElementById('calendar').hidden)`); got != "true" {
					t.Errorf("%s page: an ended session still offers Add to calendar", page.name)
				}
				shot(page.name + "-2-ended")
			}
		})
	}
}

// icsEvent reads the one event of an iCalendar file as a calendar app would:
// lines unfolded, the file framed by BEGIN/END:VCALENDAR, the event's SUMMARY
// and its DTSTART (UTC, or local time in the zone its TZID names).
func icsEvent(body string) (summary string, start time.Time, err error) {
	text := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n ", "")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) < 2 || lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		return "", time.Time{}, fmt.Errorf("not framed by BEGIN:VCALENDAR and END:VCALENDAR")
	}
	events, inEvent := 0, false
	for _, line := range lines {
		name, value, _ := strings.Cut(line, ":")
		prop, params, _ := strings.Cut(name, ";")
		switch {
		case line == "BEGIN:VEVENT":
			events, inEvent = events+1, true
		case line == "END:VEVENT":
			inEvent = false
		case inEvent && prop == "SUMMARY":
			summary = value
		case inEvent && prop == "DTSTART":
			loc := time.UTC
			if zone, ok := strings.CutPrefix(params, "TZID="); ok {
				if loc, err = time.LoadLocation(zone); err != nil {
					return "", time.Time{}, err
				}
			}
			if start, err = time.ParseInLocation("20060102T150405", strings.TrimSuffix(value, "Z"), loc); err != nil {
				return "", time.Time{}, err
			}
		}
	}
	if events != 1 || start.IsZero() {
		return "", time.Time{}, fmt.Errorf("%d events, start %v", events, start)
	}
	return summary, start, nil
}
