package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccounts walks the accounts in the dashboard, at phone and desktop sizes: the printed
// setup link creates the first admin; the admin adds a host; the host signs in (in a browser of
// their own) and changes their password; the admin switches them off and their open dashboard
// stops working on its next request; the admin switches them on and makes a reset link; the host
// sets a new password with it, and signs in with that password.
func TestBrowserAccounts(t *testing.T) {
	t.Parallel()
	longTest(t)
	for _, size := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			s := startServer(t, nil)
			m := setupURL.FindStringSubmatch(s.out.String())
			if m == nil {
				t.Fatalf("no setup link printed:\n%s", s.out.String())
			}
			setupLink := s.URL + "/dashboard#/setup/" + m[2]

			admin := newBrowser(t, size.w, size.h)
			actx, cancel := context.WithTimeout(admin, 120*time.Second)
			defer cancel()
			// The host's own browser: a separate browser context, so separate cookies.
			hctx, cancelH := chromedp.NewContext(admin, chromedp.WithNewBrowserContext())
			defer cancelH()
			hctx, cancelHT := context.WithTimeout(hctx, 120*time.Second)
			defer cancelHT()

			dir := os.Getenv("HEARTH_SCREENSHOTS")
			shot := func(ctx context.Context, name string) {
				if dir == "" {
					return
				}
				if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					os.WriteFile(filepath.Join(dir, fmt.Sprintf("accounts-%s-%s.png", size.name, name)), png, 0o644)
				}
			}
			run := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					t.Fatal(err)
				}
			}
			visible := func(id string) string {
				return fmt.Sprintf(`!document.getElementById(%q).hidden`, id)
			}

			// 1. The setup link creates the first admin and lands on the accounts page.
			run(actx, chromedp.Navigate(setupLink))
			waitJS(t, actx, visible("link-form"), 15*time.Second)
			if lead := jsString(t, actx, `document.getElementById('link-lead').textContent`); !strings.Contains(lead, "first account") {
				t.Fatalf("setup page says %q", lead)
			}
			// A mismatch is caught on the page and the message goes when it is fixed.
			run(actx,
				chromedp.SendKeys(chromedp.CSS(`#link-username`), "ann"),
				chromedp.SendKeys(chromedp.CSS(`#link-password`), "a long passphrase"),
				chromedp.SendKeys(chromedp.CSS(`#link-password2`), "a long passphrasf"),
				chromedp.Click(chromedp.CSS(`#link-submit`)),
			)
			waitJS(t, actx, `document.getElementById('link-error').textContent.includes('not the same')`, 5*time.Second)
			shot(actx, "1-setup")
			run(actx,
				chromedp.SendKeys(chromedp.CSS(`#link-password2`), "\b"),
				chromedp.SendKeys(chromedp.CSS(`#link-password2`), "e"),
			)
			waitJS(t, actx, `document.getElementById('link-error').textContent === ''`, 5*time.Second)
			run(actx, chromedp.Click(chromedp.CSS(`#link-submit`)))
			waitJS(t, actx, visible("view-account")+` && `+visible("accounts-card")+` && !location.hash.includes('setup')`, 15*time.Second)
			waitJS(t, actx, `document.querySelectorAll('[data-testid=account-item]').length === 1`, 10*time.Second)
			// The link is dead now.
			if code, m, _ := s.do(t, "GET", "/api/v1/account-links/"+m[2], "", "", nil); code != 410 {
				t.Fatalf("setup link after use: %d %v", code, m)
			}

			// 2. The admin adds maria with a first password.
			run(actx,
				chromedp.SendKeys(chromedp.CSS(`#new-host-username`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`#new-host-password`), "a first passphrase"),
				chromedp.Click(chromedp.CSS(`#new-host-submit`)),
			)
			waitJS(t, actx, `!!document.querySelector('[data-testid=account-item][data-username=maria]')`, 10*time.Second)
			shot(actx, "2-accounts")

			// 3. Maria signs in in her own browser and changes her password.
			run(hctx, chromedp.Navigate(s.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#login-username`)))
			if txt := jsString(t, hctx, `document.querySelector('[data-testid=login-forgot]').textContent`); !strings.Contains(txt, "reset link") {
				t.Fatalf("sign-in page promises %q", txt)
			}
			run(hctx,
				chromedp.SendKeys(chromedp.CSS(`#login-username`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`#login-password`), "a first passphrase"),
				chromedp.Click(chromedp.CSS(`#login-submit`)),
			)
			waitJS(t, hctx, visible("view-groups"), 10*time.Second)
			run(hctx, chromedp.Click(chromedp.CSS(`#account-link`)))
			waitJS(t, hctx, visible("view-account")+` && document.getElementById('accounts-card').hidden`, 10*time.Second)
			run(hctx,
				chromedp.SendKeys(chromedp.CSS(`#password-current`), "not my password"),
				chromedp.SendKeys(chromedp.CSS(`#password-new`), "my own passphrase"),
				chromedp.SendKeys(chromedp.CSS(`#password-new2`), "my own passphrase"),
				chromedp.Click(chromedp.CSS(`#password-submit`)),
			)
			waitJS(t, hctx, `document.getElementById('password-error').textContent.includes('current password')`, 10*time.Second)
			shot(hctx, "3-password-wrong")
			run(hctx,
				chromedp.Evaluate[chromedp.Void](`document.getElementById("password-current").value = ""`),
				chromedp.SendKeys(chromedp.CSS(`#password-current`), "a first passphrase"),
				chromedp.Click(chromedp.CSS(`#password-submit`)),
			)
			waitJS(t, hctx, `document.getElementById('status').textContent.includes('password is changed')`, 10*time.Second)
			shot(hctx, "4-password-changed")

			// 4. The admin switches maria off; her open dashboard stops working at its next request.
			run(actx, chromedp.Click(chromedp.CSS(`[data-username=maria] [data-testid=host-toggle]`)))
			waitJS(t, actx, `document.getElementById('confirm').open`, 5*time.Second)
			shot(actx, "5-confirm-off")
			run(actx, chromedp.Click(chromedp.CSS(`#confirm-ok`)))
			waitJS(t, actx, `!!document.querySelector('[data-username=maria] [data-testid=host-off]')`, 10*time.Second)
			shot(actx, "6-switched-off")
			run(hctx, chromedp.Click(chromedp.CSS(`.back`))) // "All circles": loads her circles
			waitJS(t, hctx, visible("view-login")+` && document.getElementById('login-lead').textContent.includes('signed out')`, 10*time.Second)
			shot(hctx, "7-host-signed-out")
			run(hctx,
				chromedp.SendKeys(chromedp.CSS(`#login-password`), "my own passphrase"),
				chromedp.Click(chromedp.CSS(`#login-submit`)),
			)
			waitJS(t, hctx, `document.getElementById('login-error').textContent !== ''`, 10*time.Second)

			// 5. Switched on again, and a reset link for maria.
			run(actx, chromedp.Click(chromedp.CSS(`[data-username=maria] [data-testid=host-toggle]`)))
			waitJS(t, actx, `!document.querySelector('[data-username=maria] [data-testid=host-off]') && !!document.querySelector('[data-username=maria] [data-testid=host-reset]')`, 10*time.Second)
			run(actx, chromedp.Click(chromedp.CSS(`[data-username=maria] [data-testid=host-reset]`)))
			waitJS(t, actx, visible("accounts-reset")+` && document.querySelector('[data-testid=reset-url]').value.includes('/dashboard#/reset/')`, 10*time.Second)
			resetLink := jsString(t, actx, `document.querySelector('[data-testid=reset-url]').value`)
			shot(actx, "8-reset-link")

			// 6. Maria opens it, sets a new password and is signed in; that password works.
			run(hctx, chromedp.Navigate(resetLink))
			waitJS(t, hctx, visible("link-form")+` && document.getElementById('link-username').value === 'maria'`, 10*time.Second)
			run(hctx,
				chromedp.SendKeys(chromedp.CSS(`#link-password`), "a brand new passphrase"),
				chromedp.SendKeys(chromedp.CSS(`#link-password2`), "a brand new passphrase"),
			)
			shot(hctx, "9-reset-page")
			run(hctx, chromedp.Click(chromedp.CSS(`#link-submit`)))
			waitJS(t, hctx, visible("view-groups")+` && !location.hash.includes('reset')`, 10*time.Second)
			run(hctx, chromedp.Click(chromedp.CSS(`#sign-out`)))
			waitJS(t, hctx, visible("view-login"), 10*time.Second)
			run(hctx,
				chromedp.Evaluate[chromedp.Void](`document.getElementById("login-username").value = ""`),
				chromedp.SendKeys(chromedp.CSS(`#login-username`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`#login-password`), "a brand new passphrase"),
				chromedp.Click(chromedp.CSS(`#login-submit`)),
			)
			waitJS(t, hctx, visible("view-groups"), 10*time.Second)

			// The used link, opened again, says so plainly.
			run(hctx, chromedp.Navigate(resetLink))
			run(hctx, chromedp.Reload())
			waitJS(t, hctx, visible("link-problem")+` && document.getElementById('link-problem').textContent.includes('already been used')`, 10*time.Second)
			shot(hctx, "10-used-link")
		})
	}
}
