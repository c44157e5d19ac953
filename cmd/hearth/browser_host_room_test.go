package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hostTrackJS measures, on a join page, the audio of the member the roster marks as host: its
// inbound-rtp packets and energy (getStats), matched through the element playing that member.
const hostTrackJS = `(async () => {
  const h = window.hearth || {};
  const out = {host: '', packets: 0, energy: 0};
  const host = (h.roster || []).find(m => m.host);
  if (!host || !h.pc || !h.members || !h.members[host.id]) return out;
  out.host = host.id;
  const src = h.members[host.id].srcObject;
  const track = src && src.getAudioTracks()[0];
  if (!track) return out;
  const stats = await h.pc.getStats();
  stats.forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.trackIdentifier === track.id) {
      out.packets = r.packetsReceived || 0;
      out.energy = r.totalAudioEnergy || 0;
    }
  });
  return out;
})()`

// dashboardRoomStatsJS is what the host's own connection receives (the broadcast, or the
// listeners' mix when just listening).
const dashboardRoomStatsJS = `(async () => {
  const out = {packets: 0, energy: 0, connected: false};
  const pc = window.hearthDashboard && window.hearthDashboard.room && window.hearthDashboard.room.pc();
  if (!pc) return out;
  out.connected = pc.connectionState === 'connected';
  const stats = await pc.getStats();
  stats.forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packets += r.packetsReceived || 0;
      out.energy += r.totalAudioEnergy || 0;
    }
  });
  return out;
})()`

// waitText waits until js evaluates to want, and says what it was last when it never does.
func waitText(t *testing.T, ctx context.Context, js, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := jsString(t, ctx, js)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %q, want %q", js, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type trackStats struct {
	Host      string  `json:"host"`
	Packets   float64 `json:"packets"`
	Energy    float64 `json:"energy"`
	Connected bool    `json:"connected"`
}

func evalStats(t *testing.T, ctx context.Context, js string) trackStats {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var st trackStats
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// overlapJS reports elements that overlap one another or stick out of the screen's width.
const overlapJS = `(() => {
  const ids = %s;
  const boxes = ids.map(id => [id, document.getElementById(id)]).filter(([, n]) => n && n.offsetParent !== null)
    .map(([id, n]) => [id, n.getBoundingClientRect()]);
  const bad = [];
  for (const [id, r] of boxes) if (r.left < 0 || r.right > document.documentElement.clientWidth + 0.5) bad.push(id + ' is outside the screen');
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) bad.push(a + ' overlaps ' + b);
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 0.5) {
    const wide = [...document.querySelectorAll('body *')].filter(n => n.offsetParent !== null && n.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .slice(0, 3).map(n => n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + '.' + n.className);
    bad.push('the page scrolls sideways (' + wide.join(', ') + ')');
  }
  return bad.join('; ');
})()`

var hostRoomControls = []string{"host-join", "host-listen", "host-room-name", "host-mic", "host-leave",
	"live-pause", "live-resume", "live-skip", "live-loop", "live-mics", "live-lock", "live-ducking", "live-end"}

// TestBrowserHostInRoom: a host signed in to the dashboard joins a live session with Chromium's
// fake microphone from the live view, at phone and desktop sizes. A member on the join page (a
// browser context of its own) sees the host marked "Host" in the roster and hears them (getStats
// energy on the host's forwarded track). Two members raise their hands, Ben then Ana (Ana joined
// first): the dashboard lists Ben before Ana; the host lowers Ben's hand and Ben's page says so.
// The host's Just listen receives the room's mix; leaving takes the host out of the roster.
func TestBrowserHostInRoom(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("host: %d %v", code, m)
	}
	b := newBrowserClient(t, s)
	_, login := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	b.csrf = login["csrf_token"].(string)
	code, g := b.do("POST", "/api/v1/groups", map[string]any{"name": "Tuesday grief circle"}, true)
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

	for _, size := range pageSizes {
		t.Run(size.name, func(t *testing.T) {
			code, sess := b.do("POST", "/api/v1/groups/"+gid+"/sessions", map[string]any{"title": "Sharing circle " + size.name,
				"starts_at": time.Now().Format(time.RFC3339), "loop": true, "playlist": []map[string]string{{"media_id": media["id"].(string)}}}, true)
			if code != http.StatusCreated {
				t.Fatalf("session: %d %v", code, sess)
			}
			sid, joinURL := sess["id"].(string), sess["join_url"].(string)

			// One browser, three people: the host and two members, each in a context of their own.
			browser := newBrowser(t, size.width, size.height, chromedp.Flag("use-file-for-fake-audio-capture", toneWAV(t, 880, 30)))
			hctx, cancelH := context.WithTimeout(browser, 150*time.Second)
			defer cancelH()
			person := func() context.Context {
				c, cancel := chromedp.NewContext(hctx, chromedp.WithNewBrowserContext())
				t.Cleanup(cancel)
				if err := chromedp.Do(c, chromedp.EmulateViewport(int64(size.width), int64(size.height))); err != nil {
					t.Fatal(err)
				}
				return c
			}
			host, ana, ben := person(), person(), person()
			run := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					t.Fatal(err)
				}
			}
			shot := func(ctx context.Context, name string) { screenshot(t, ctx, "host-room-"+size.name+"-"+name) }

			// The host signs in and opens the session's live view.
			run(host,
				chromedp.Navigate(s.URL+"/dashboard"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-username]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-username]`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "a long passphrase"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#view-groups`)),
				chromedp.Navigate(s.URL+"/dashboard#/session/"+sid),
			)
			waitJS(t, host, `!document.getElementById('view-live').hidden && document.getElementById('live-state').dataset.state === 'live' && !document.getElementById('host-room').hidden`, 15*time.Second)
			shot(host, "0-dashboard-top")
			if bad := jsString(t, host, fmt.Sprintf(overlapJS, mustJSON(hostRoomControls))); bad != "" {
				t.Fatalf("before joining: %s", bad)
			}
			if v := jsString(t, host, `document.getElementById('host-room-name').value`); v != "maria" {
				t.Fatalf("the name in the room starts as %q, want the username", v)
			}
			run(host, chromedp.ScrollIntoView(chromedp.CSS(`#host-room`)))
			shot(host, "1-dashboard-out")

			// Join with the microphone, under the name Maria.
			if _, err := chromedp.Run(host, chromedp.Evaluate[chromedp.Void](`(() => { const f = document.getElementById('host-room-name'); f.value = ''; f.dispatchEvent(new Event('input', {bubbles: true})); })()`)); err != nil {
				t.Fatal(err)
			}
			run(host,
				chromedp.SendKeys(chromedp.CSS(`#host-room-name`), "Maria"),
				chromedp.Click(chromedp.CSS(`[data-testid=host-join]`)),
			)
			waitJS(t, host, `document.getElementById('host-room').dataset.phase === 'connected' && document.getElementById('host-room-status').textContent.includes('Everyone can hear you')`, 20*time.Second)
			// The dashboard's roster marks the host's own row, with no buttons for it.
			waitJS(t, host, `[...document.querySelectorAll('[data-testid=member]')].some(r => r.dataset.host === 'true' && !r.querySelector('.member-host').hidden && !r.querySelector('.member-you').hidden && r.querySelector('[data-testid=member-mute]').hidden)`, 10*time.Second)
			if bad := jsString(t, host, fmt.Sprintf(overlapJS, mustJSON(hostRoomControls))); bad != "" {
				t.Fatalf("in the room: %s", bad)
			}
			run(host, chromedp.ScrollIntoView(chromedp.CSS(`#host-room`)))
			shot(host, "2-dashboard-in")

			// Ana joins first, then Ben; both see Maria marked as host and hear her.
			joinInBrowser(t, ana, joinURL, "Ana")
			joinInBrowser(t, ben, joinURL, "Ben")
			hostRow := `[...document.querySelectorAll('[data-testid=roster] .member')].find(r => r.dataset.host === 'true')`
			for _, p := range []struct {
				name string
				ctx  context.Context
			}{{"Ana", ana}, {"Ben", ben}} {
				waitJS(t, p.ctx, `(() => { const r = `+hostRow+`; return !!r && r.querySelector('.member-name').textContent === 'Maria' && !r.querySelector('[data-testid=member-host]').hidden && r.querySelector('[data-testid=member-host]').textContent === ', Host' && getComputedStyle(r.querySelector('[data-testid=member-host] .visually-hidden')).position === 'absolute'; })()`, 15*time.Second)
				deadline := time.Now().Add(20 * time.Second)
				for {
					st := evalStats(t, p.ctx, hostTrackJS)
					if st.Host != "" && st.Packets > 100 && st.Energy > 0.002 {
						t.Logf("%s hears the host: %+v", p.name, st)
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s never heard the host: %+v", p.name, st)
					}
					time.Sleep(250 * time.Millisecond)
				}
			}
			shot(ben, "3-join-page-host")
			// The listen page has no roster; it names who speaks, and names the host as such.
			listener := person()
			run(listener, chromedp.Navigate(sess["listen_url"].(string)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=listen]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=listen]`)))
			waitJS(t, listener, `document.querySelector('[data-testid=speaking]').textContent.includes('Maria (host)')`, 20*time.Second)
			shot(listener, "3-listen-page-host")
			run(listener, chromedp.Navigate("about:blank"))

			// Hands: Ben raises his first, then Ana. The dashboard lists Ben, then Ana.
			run(ben, chromedp.Click(chromedp.CSS(`[data-testid=hand]`)))
			waitJS(t, host, `[...document.querySelectorAll('[data-testid=member]')].some(r => r.dataset.hand === 'true' && r.querySelector('.member-name').textContent === 'Ben')`, 10*time.Second)
			time.Sleep(20 * time.Millisecond) // hand_at is in milliseconds: Ana's must come after
			run(ana, chromedp.Click(chromedp.CSS(`[data-testid=hand]`)))
			order := `[...document.querySelectorAll('[data-testid=member]')].map(r => r.querySelector('.member-name').textContent + (r.dataset.hand === 'true' ? '✋' : '')).join(',')`
			waitText(t, host, order, "Ben✋,Ana✋,Maria", 10*time.Second)
			// The join pages keep the same order.
			waitText(t, ana, `[...document.querySelectorAll('[data-testid=roster] .member-name')].map(n => n.textContent).join(',')`, "Ben,Ana,Maria", 10*time.Second)
			run(host, chromedp.ScrollIntoView(chromedp.CSS(`#roster`)))
			shot(host, "4-dashboard-hands")

			// The host lowers Ben's hand; Ben's page says so, and his button says Raise hand again.
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=member][data-hand=true] [data-testid=member-hand]`)))
			waitJS(t, ben, `document.querySelector('[data-testid=toast]').textContent === 'The host has lowered your hand.' && document.querySelector('[data-testid=hand]').getAttribute('aria-pressed') === 'false'`, 5*time.Second)
			time.Sleep(800 * time.Millisecond) // the note's fade-in, for the picture
			shot(ben, "5-join-page-lowered")
			// Ana's hand is the only one up now; then the host, then the others by name.
			waitText(t, host, order, "Ana✋,Maria,Ben", 10*time.Second)
			if got := jsString(t, ana, `document.querySelector('[data-testid=hand]').getAttribute('aria-pressed')`); got != "true" {
				t.Fatalf("Ana's hand was lowered too: aria-pressed %s", got)
			}

			t.Logf("after the hands: the dashboard lists %s; the host is member %s on the dashboard, %s on Ana's page",
				jsString(t, host, order), jsString(t, host, `window.hearthDashboard.room.view().memberId`),
				jsString(t, ana, `(window.hearth.roster.find(m => m.host) || {}).id || ''`))

			// The room's controls still work around the host's card. Quiet room holds the members
			// (Ana's microphone button is held) but not the host guiding them: their microphone stays
			// on and usable through it.
			micOn := `!document.getElementById('host-mic').disabled && document.getElementById('host-mic-label').textContent === 'Turn microphone off'`
			waitJS(t, host, micOn, 5*time.Second)
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=live-mics]`)))
			waitJS(t, ana, `window.hearth.room.mics_locked === true && document.querySelector('[data-testid=mic-toggle]').disabled`, 10*time.Second)
			if jsString(t, host, "String("+micOn+")") != "true" {
				t.Fatalf("Quiet room held the host: %q", jsString(t, host, `document.getElementById('host-room-note').textContent`))
			}
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=live-mics]`)))
			waitJS(t, ana, `window.hearth.room.mics_locked === false && !document.querySelector('[data-testid=mic-toggle]').disabled`, 10*time.Second)
			waitJS(t, host, micOn, 5*time.Second)
			run(host, chromedp.ScrollIntoView(chromedp.CSS(`#host-room`)))
			shot(host, "6-dashboard-released")

			// Just listen: the host's connection receives the room's mix, and the members' rosters
			// no longer list a host.
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=host-leave]`)))
			waitJS(t, host, `!document.getElementById('host-room-out').hidden`, 5*time.Second)
			waitJS(t, ben, `!(`+hostRow+`)`, 10*time.Second)
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=host-listen]`)))
			waitJS(t, host, `document.getElementById('host-room').dataset.phase === 'connected' && document.getElementById('host-room-status').textContent.includes('listening')`, 20*time.Second)
			deadline := time.Now().Add(15 * time.Second)
			for {
				st := evalStats(t, host, dashboardRoomStatsJS)
				if st.Connected && st.Packets > 100 && st.Energy > 0.002 {
					t.Logf("the host hears the room while just listening: %+v", st)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the host's Just listen heard nothing: %+v", st)
				}
				time.Sleep(250 * time.Millisecond)
			}
			if rows := jsString(t, ben, `[...document.querySelectorAll('[data-testid=roster] .member-name')].map(n => n.textContent).join(',')`); strings.Contains(rows, "Maria") {
				t.Fatalf("a listening host is on the members' roster: %s", rows)
			}
			run(host, chromedp.ScrollIntoView(chromedp.CSS(`#host-room`)))
			shot(host, "7-dashboard-listening")
			run(host, chromedp.Click(chromedp.CSS(`[data-testid=host-leave]`)))
			waitJS(t, host, `!document.getElementById('host-room-out').hidden && !window.hearthDashboard.room.pc()`, 5*time.Second)
		})
	}
}
