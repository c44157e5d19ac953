package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var circleSizes = []struct {
	name string
	w, h int
}{{"phone", 390, 844}, {"desktop", 1280, 800}}

// circleHost makes a host "maria" with a circle and a recording in it, and a cookie client.
func circleHost(t *testing.T, s *testServer, circle string) (*browserClient, string, string) {
	t.Helper()
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("host: %d %v", code, m)
	}
	b := newBrowserClient(t, s)
	_, login := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	b.csrf = login["csrf_token"].(string)
	code, g := b.do("POST", "/api/v1/groups", map[string]any{"name": circle}, true)
	if code != http.StatusCreated {
		t.Fatalf("group: %d %v", code, g)
	}
	gid := g["id"].(string)
	return b, gid, s.uploadGroupFile(t, b, gid, fixture("tone523_44k.mp3"))
}

// dashboardSignIn signs maria in on the dashboard in the browser.
func dashboardSignIn(t *testing.T, ctx context.Context, s *testServer) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-username]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-username]`), "maria"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "a long passphrase"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=groups-list]`)),
	); err != nil {
		t.Fatal(err)
	}
}

func runJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
}

// TestBrowserMemorialSwitch: a session's page shows a memorial switch and no collage; switched on,
// the collage card appears with a contribution link carrying the session's contribution token
// (never the member token), and the server agrees. Switched off again, the card goes.
func TestBrowserMemorialSwitch(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	b, gid, mid := circleHost(t, s, "Breathing circle")
	for _, size := range circleSizes {
		t.Run(size.name, func(t *testing.T) {
			code, sess := b.do("POST", "/api/v1/groups/"+gid+"/sessions", map[string]any{"title": "Evening " + size.name,
				"starts_at": time.Now().Add(2 * time.Hour).Format(time.RFC3339), "playlist": []map[string]string{{"media_id": mid}}}, true)
			if code != 201 || sess["memorial"] != false {
				t.Fatalf("session: %d %v", code, sess)
			}
			sid := sess["id"].(string)
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "memorial-"+size.name)
			dashboardSignIn(t, tctx, s)
			runJS(t, tctx, fmt.Sprintf(`location.hash = '#/session/%s'`, sid))
			waitJS(t, tctx, `!document.getElementById('view-live').hidden && !document.getElementById('memorial-card').hidden`, 10*time.Second)
			if v := jsString(t, tctx, `document.getElementById('memorial-switch').getAttribute('aria-checked') + ' ' + document.getElementById('collage-card').hidden`); v != "false true" {
				t.Fatalf("plain session: switch and collage card %q, want off and hidden", v)
			}
			scrollTo(t, tctx, "#memorial-card")
			shot("1-off")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=memorial-switch]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('collage-card').hidden && document.querySelector('[data-testid=collage-link-url]') !== null`, 10*time.Second)
			link := jsString(t, tctx, `document.querySelector('[data-testid=collage-link-url]').value`)
			_, now, _ := s.do(t, "GET", "/api/v1/sessions/"+sid, testAdminToken, "", nil)
			if now["memorial"] != true || !strings.HasSuffix(link, "/contribute/"+sid+"#t="+now["contribute_token"].(string)) ||
				strings.Contains(link, sess["member_token"].(string)) {
				t.Fatalf("after the switch: server %v, link %s", now["memorial"], link)
			}
			scrollTo(t, tctx, "#memorial-card")
			shot("2-on")
			// Off again, after confirming: the card goes.
			if err := chromedp.Do(tctx,
				chromedp.Click(chromedp.CSS(`[data-testid=memorial-switch]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-ok]`)),
			); err != nil {
				t.Fatal(err)
			}
			shot("3-confirm-off")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=confirm-ok]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.getElementById('collage-card').hidden && document.getElementById('memorial-switch').getAttribute('aria-checked') === 'false'`, 10*time.Second)
			if _, now, _ = s.do(t, "GET", "/api/v1/sessions/"+sid, testAdminToken, "", nil); now["memorial"] != false {
				t.Fatalf("server after switching off: %v", now["memorial"])
			}
		})
	}
}

// TestBrowserRepeatingSession: from the circle page the host sets up a session every other
// Tuesday and Thursday at 19:00, sees its next occurrences on the circle page (on those days),
// cancels one, and finds the circle's calendar as webcal:// and https links.
func TestBrowserRepeatingSession(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	b, gid, _ := circleHost(t, s, "Caregivers")
	for _, size := range circleSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "series-"+size.name)
			dashboardSignIn(t, tctx, s)
			runJS(t, tctx, fmt.Sprintf(`location.hash = '#/circle/%s'`, gid))
			waitJS(t, tctx, `!document.getElementById('view-group').hidden && document.querySelector('[data-testid=calendar-webcal-url]') !== null`, 10*time.Second)
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=plan-series]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('view-new').hidden && document.querySelectorAll('[data-testid=choose-add]').length === 1 && !document.getElementById('repeat-fields').hidden`, 10*time.Second)
			title := "Tuesday and Thursday " + size.name
			if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=session-title]`), title)); err != nil {
				t.Fatal(err)
			}
			// Next week's Monday as the first day: the series starts on its first Tuesday.
			monday := time.Now().AddDate(0, 0, 7)
			for monday.Weekday() != time.Monday {
				monday = monday.AddDate(0, 0, 1)
			}
			runJS(t, tctx, fmt.Sprintf(`(() => {
				document.querySelector('[data-testid=choose-add]').click();
				const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); };
				set('session-zone', 'Europe/Berlin');
				set('session-date', %q);
				set('session-time', '19:00');
				set('session-repeat', 'fortnightly');
				for (const b of document.querySelectorAll('input[name=repeat-day]')) { if (b.checked) b.click(); }
				document.querySelector('[data-testid=repeat-day-TU]').click();
				document.querySelector('[data-testid=repeat-day-TH]').click();
			})()`, monday.Format("2006-01-02")))
			tuesday := monday.AddDate(0, 0, 1)
			wantPhrase := "Every other Tuesday and Thursday at"
			waitJS(t, tctx, fmt.Sprintf(`document.getElementById('repeat-phrase').textContent.startsWith(%q)`, wantPhrase), 5*time.Second)
			scrollTo(t, tctx, "#when-heading")
			shot("1-form")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=session-create]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, fmt.Sprintf(`!document.getElementById('view-group').hidden && [...document.querySelectorAll('[data-testid=series-item]')].some(li => li.textContent.includes(%q))`, title), 15*time.Second)
			item := fmt.Sprintf(`[...document.querySelectorAll('[data-testid=series-item]')].find(li => li.textContent.includes(%q))`, title)
			rule := jsString(t, tctx, item+`.querySelector('[data-testid=series-rule]').textContent`)
			if !strings.HasPrefix(rule, "Every other Tuesday and Thursday at") || !strings.Contains(rule, "Berlin time") {
				t.Fatalf("series rule on the circle page: %q", rule)
			}
			// The server made the same series: next occurrences Tue, Thu, then two weeks on.
			_, list, _ := s.do(t, "GET", "/api/v1/groups/"+gid+"/series", testAdminToken, "", nil)
			var series map[string]any
			for _, x := range list["series"].([]any) {
				if x.(map[string]any)["title"] == title {
					series = x.(map[string]any)
				}
			}
			if series == nil || series["rrule"] != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH" || series["start"] != tuesday.Format("2006-01-02")+"T19:00" {
				t.Fatalf("series on the server: %v", series)
			}
			berlin, _ := time.LoadLocation("Europe/Berlin")
			for i, days := range []int{0, 2, 14, 16} {
				got, _ := time.Parse(time.RFC3339, series["next"].([]any)[i].(map[string]any)["start"].(string))
				want := time.Date(tuesday.Year(), tuesday.Month(), tuesday.Day()+days, 19, 0, 0, 0, berlin)
				if !got.Equal(want) {
					t.Fatalf("occurrence %d: %v, want %v", i, got.In(berlin), want)
				}
			}
			shown := jsString(t, tctx, item+`.querySelectorAll('[data-testid=occurrence]').length + ''`)
			if shown != fmt.Sprint(len(series["next"].([]any))) {
				t.Fatalf("occurrences shown %s, server %d", shown, len(series["next"].([]any)))
			}
			scrollTo(t, tctx, "#series-heading")
			shot("2-series")
			// Cancel the Thursday.
			second := item + `.querySelectorAll('[data-testid=occurrence]')[1]`
			secondText := jsString(t, tctx, second+`.querySelector('.occurrence-when').textContent`)
			runJS(t, tctx, second+`.querySelector('[data-testid=occurrence-cancel]').click()`)
			if err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=confirm-ok]`))); err != nil {
				t.Fatal(err)
			}
			shot("3-cancel")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=confirm-ok]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, fmt.Sprintf(`![...%s.querySelectorAll('.occurrence-when')].some(e => e.textContent === %q)`, item, secondText), 10*time.Second)
			_, list, _ = s.do(t, "GET", "/api/v1/groups/"+gid+"/series", testAdminToken, "", nil)
			for _, x := range list["series"].([]any) {
				if x.(map[string]any)["title"] != title {
					continue
				}
				next := x.(map[string]any)["next"].([]any)
				got, _ := time.Parse(time.RFC3339, next[1].(map[string]any)["start"].(string))
				if want := time.Date(tuesday.Year(), tuesday.Month(), tuesday.Day()+14, 19, 0, 0, 0, berlin); !got.Equal(want) {
					t.Fatalf("after cancelling the Thursday, the second occurrence is %v, want %v", got.In(berlin), want)
				}
			}
			// Move the first one an hour later, in the series' own zone.
			first := item + `.querySelectorAll('[data-testid=occurrence]')[0]`
			runJS(t, tctx, first+`.querySelector('[data-testid=occurrence-move]').click()`)
			waitJS(t, tctx, `!!document.querySelector('[data-testid=move-time]')`, 5*time.Second)
			runJS(t, tctx, `(() => { const e = document.querySelector('[data-testid=move-time]'); e.value = '20:00'; e.dispatchEvent(new Event('input', {bubbles: true})); })()`)
			shot("3b-move")
			runJS(t, tctx, `document.querySelector('[data-testid=move-save]').click()`)
			waitJS(t, tctx, item+`.querySelector('.occurrence-when').textContent.includes('(moved)')`, 10*time.Second)
			_, list, _ = s.do(t, "GET", "/api/v1/groups/"+gid+"/series", testAdminToken, "", nil)
			for _, x := range list["series"].([]any) {
				if x.(map[string]any)["title"] != title {
					continue
				}
				o := x.(map[string]any)["next"].([]any)[0].(map[string]any)
				got, _ := time.Parse(time.RFC3339, o["start"].(string))
				if want := time.Date(tuesday.Year(), tuesday.Month(), tuesday.Day(), 20, 0, 0, 0, berlin); !got.Equal(want) || o["moved"] != true {
					t.Fatalf("moved occurrence: %v", o)
				}
			}
			// The calendar feed, both ways, working.
			webcal := jsString(t, tctx, `document.querySelector('[data-testid=calendar-webcal-url]').value`)
			https := jsString(t, tctx, `document.querySelector('[data-testid=calendar-https-url]').value`)
			if !strings.HasPrefix(webcal, "webcal://") || strings.TrimPrefix(webcal, "webcal://") != strings.TrimPrefix(https, "http://") {
				t.Fatalf("calendar links: %s and %s", webcal, https)
			}
			resp, err := http.Get(https)
			if err != nil {
				t.Fatal(err)
			}
			ics, _ := readBody(resp)
			if resp.StatusCode != 200 || !strings.Contains(string(ics), "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH") {
				t.Fatalf("calendar feed: %d %s", resp.StatusCode, ics)
			}
			scrollTo(t, tctx, "#calendar-heading")
			shot("4-calendar")
			_ = b
		})
	}
}

// TestBrowserInviteShownAgain: opening an invitation page twice spends no use; the host shows the
// link and its QR code again from the circle page; going in by the link spends one use, once.
func TestBrowserInviteShownAgain(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	b, gid, mid := circleHost(t, s, "Tuesday grief circle")
	if code, m := b.do("POST", "/api/v1/groups/"+gid+"/sessions", map[string]any{"title": "Tuesday",
		"starts_at": time.Now().Add(time.Hour).Format(time.RFC3339), "playlist": []map[string]string{{"media_id": mid}}}, true); code != 201 {
		t.Fatalf("session: %d %v", code, m)
	}
	for _, size := range circleSizes {
		t.Run(size.name, func(t *testing.T) {
			_, inv := b.do("POST", "/api/v1/groups/"+gid+"/invites", map[string]any{"kind": "member", "max_uses": 10}, true)
			url, id := inv["url"].(string), inv["id"].(string)
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "invite-"+size.name)
			for i := 0; i < 2; i++ {
				if err := chromedp.Do(tctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`[data-testid=invite-go]`))); err != nil {
					t.Fatal(err)
				}
			}
			shot("1-page")
			if n, _ := inviteUses(t, b, gid, id); n != 0 {
				t.Fatalf("opening the page twice spent %d uses", n)
			}

			// The host shows the link again, with its QR code.
			dashboardSignIn(t, tctx, s)
			runJS(t, tctx, fmt.Sprintf(`location.hash = '#/circle/%s'`, gid))
			waitJS(t, tctx, `!document.getElementById('view-group').hidden && document.querySelectorAll('[data-testid=invite-show]').length > 0`, 10*time.Second)
			if v := jsString(t, tctx, `[...document.querySelectorAll('[data-testid=invite-uses-text]')].map(e => e.textContent).join('|')`); !strings.Contains(v, "used by 0 of 10 people") {
				t.Fatalf("uses shown: %q", v)
			}
			runJS(t, tctx, fmt.Sprintf(`[...document.querySelectorAll('[data-testid=invite-item]')].find(li => li.querySelector('[data-testid=invite-show]') && %s)`, "true")+`.querySelector('[data-testid=invite-show]').click()`)
			waitJS(t, tctx, fmt.Sprintf(`!document.getElementById('invite-new').hidden && document.getElementById('invite-url').value === %q && !document.getElementById('invite-qr').hidden`, url), 5*time.Second)
			if err := chromedp.Do(tctx, chromedp.ScrollIntoView(chromedp.CSS(`#invite-new`))); err != nil {
				t.Fatal(err)
			}
			shot("2-shown-again")

			// Going in spends one use; coming back does not.
			for i := 0; i < 2; i++ {
				if err := chromedp.Do(tctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`[data-testid=invite-go]`)),
					chromedp.Click(chromedp.CSS(`[data-testid=invite-go]`)),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`))); err != nil {
					t.Fatal(err)
				}
				if p := jsString(t, tctx, `location.pathname`); !strings.HasPrefix(p, "/join/") {
					t.Fatalf("going in led to %s", p)
				}
				if i == 0 {
					shot("3-join")
				}
			}
			if n, _ := inviteUses(t, b, gid, id); n != 1 {
				t.Fatalf("going in twice spent %d uses, want 1", n)
			}
		})
	}
}

// TestBrowserFormMessageClears: a form's message about a field goes as soon as the field is
// changed (it used to stay after the field was fixed): the plan form's missing title, and the
// circle details' empty name.
func TestBrowserFormMessageClears(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	_, gid, _ := circleHost(t, s, "Morning circle")
	for _, size := range circleSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := screenshotter(t, tctx, "form-"+size.name)
			dashboardSignIn(t, tctx, s)
			runJS(t, tctx, fmt.Sprintf(`location.hash = '#/circle/%s/new'`, gid))
			waitJS(t, tctx, `!document.getElementById('view-new').hidden && document.querySelectorAll('[data-testid=choose-add]').length === 1`, 10*time.Second)
			runJS(t, tctx, `document.querySelector('[data-testid=session-create]').click()`)
			waitJS(t, tctx, `document.getElementById('session-error').textContent.includes('title') && document.getElementById('session-title').getAttribute('aria-invalid') === 'true'`, 5*time.Second)
			shot("1-message")
			if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=session-title]`), "E")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.getElementById('session-error').textContent === '' && !document.getElementById('session-title').hasAttribute('aria-invalid')`, 5*time.Second)
			// The form's memorial switch makes a memorial session.
			runJS(t, tctx, `document.querySelector('[data-testid=choose-add]').click(); document.querySelector('[data-testid=session-memorial]').click()`)
			scrollTo(t, tctx, "#options-heading")
			shot("2-memorial-switch")
			runJS(t, tctx, `document.querySelector('[data-testid=session-create]').click()`)
			waitJS(t, tctx, `!document.getElementById('view-live').hidden && !document.getElementById('collage-card').hidden && document.getElementById('memorial-switch').getAttribute('aria-checked') === 'true'`, 10*time.Second)
			sid := jsString(t, tctx, `location.hash.split('/')[2]`)
			if _, m, _ := s.do(t, "GET", "/api/v1/sessions/"+sid, testAdminToken, "", nil); m["memorial"] != true {
				t.Fatalf("session made with the memorial switch on: %v", m["memorial"])
			}

			runJS(t, tctx, fmt.Sprintf(`location.hash = '#/circle/%s'`, gid))
			waitJS(t, tctx, `!document.getElementById('view-group').hidden`, 10*time.Second)
			runJS(t, tctx, `document.getElementById('edit-box').open = true; document.getElementById('edit-name').value = ''; document.getElementById('edit-save').click()`)
			waitJS(t, tctx, `document.getElementById('edit-error').textContent.includes('name')`, 5*time.Second)
			if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS(`#edit-name`), "M")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `document.getElementById('edit-error').textContent === '' && !document.getElementById('edit-name').hasAttribute('aria-invalid')`, 5*time.Second)
			// The support text is saved with the details.
			runJS(t, tctx, `document.getElementById('edit-name').value = 'Morning circle'; document.getElementById('edit-support').value = 'Samaritans: 116 123'; document.getElementById('edit-save').click()`)
			waitJS(t, tctx, `document.getElementById('edit-box').open === false`, 5*time.Second)
			if _, g, _ := s.do(t, "GET", "/api/v1/groups/"+gid, testAdminToken, "", nil); g["group"].(map[string]any)["support_text"] != "Samaritans: 116 123" {
				t.Fatalf("support text on the server: %v", g["group"])
			}
		})
	}
}
