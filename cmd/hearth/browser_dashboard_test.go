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

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func waitJS(t *testing.T, ctx context.Context, js string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
}

func jsString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserDashboard: a volunteer host, on a phone-sized screen, signs in, creates a circle,
// uploads a recording (the progress bar shown), plans a session starting now and sees it live, then
// pauses it from the live controls.
func TestBrowserDashboard(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("host: %d %v", code, m)
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"phone", 390, 844}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := newBrowser(t, size.w, size.h)
			tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			shots := os.Getenv("HEARTH_SCREENSHOTS")
			shot := func(name string) {
				if shots == "" {
					return
				}
				if png, err := chromedp.Run(tctx, chromedp.FullScreenshot(90)); err == nil {
					os.WriteFile(filepath.Join(shots, fmt.Sprintf("dashboard-%s-%s.png", size.name, name)), png, 0o644)
				}
			}
			if err := chromedp.Do(tctx,
				chromedp.Navigate(s.URL+"/dashboard"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-username]`)),
			); err != nil {
				t.Fatal(err)
			}
			shot("1-sign-in")
			if err := chromedp.Do(tctx,
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-username]`), "maria"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "a long passphrase"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=group-name]`)),
			); err != nil {
				t.Fatal(err)
			}
			shot("2-circles")
			name := "Thursday circle " + size.name
			if err := chromedp.Do(tctx,
				chromedp.SendKeys(chromedp.CSS(`[data-testid=group-name]`), name),
				chromedp.Click(chromedp.CSS(`[data-testid=group-create]`)),
			); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, fmt.Sprintf(`!document.getElementById('view-group').hidden && document.getElementById('group-heading').textContent === %q`, name), 10*time.Second)
			shot("3-circle")

			// Upload: the progress bar must move (watched until the recording is in the library).
			// The upload is throttled to a slow phone connection (60 KB/s) so the bar has to move.
			if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(tctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{URLPattern: "", DownloadThroughput: -1, UploadThroughput: 60000, Latency: 20}}}); err != nil {
				t.Fatal(err)
			}
			mp3, _ := filepath.Abs(fixture("tone523_44k.mp3"))
			if err := chromedp.Do(tctx, chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=upload-input]`), []string{mp3})); err != nil {
				t.Fatal(err)
			}
			sawProgress := false
			deadline := time.Now().Add(30 * time.Second)
			for {
				v := jsString(t, tctx, `document.getElementById('upload-progress').getAttribute('aria-valuenow') + '|' + document.querySelectorAll('[data-testid=media-item]').length`)
				if pct := strings.SplitN(v, "|", 2)[0]; pct != "0" && pct != "null" && pct != "100" {
					sawProgress = true // caught part-way
				}
				if strings.HasSuffix(v, "|1") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("upload never finished: %s", v)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !sawProgress {
				t.Fatal("the upload progress bar never moved")
			}
			if _, err := chromedp.Call(tctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{URLPattern: "", DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
				t.Fatal(err)
			}
			shot("4-uploaded")

			// Plan a session that starts now, and see it live.
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=plan-session]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('view-new').hidden && document.querySelectorAll('[data-testid=choose-add]').length === 1`, 10*time.Second)
			if err := chromedp.Do(tctx, chromedp.SendKeys(chromedp.CSS(`[data-testid=session-title]`), "Evening breathing")); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=choose-add]').click(); document.querySelector('[data-testid=when-now]').click()`)); err != nil {
				t.Fatal(err)
			}
			shot("5-plan")
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=session-create]`))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, tctx, `!document.getElementById('view-live').hidden && document.getElementById('live-state').dataset.state === 'live'`, 15*time.Second)
			sid := jsString(t, tctx, `location.hash.split('/')[2]`)
			shot("6-live")

			// Pause from the live controls; the server agrees.
			if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=live-pause]`))); err != nil {
				t.Fatal(err)
			}
			deadline = time.Now().Add(5 * time.Second)
			for {
				_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
				if np, _ := info["now_playing"].(map[string]any); np != nil && np["paused"] == true {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("pausing from the dashboard did not pause the session: %v", info["now_playing"])
				}
				time.Sleep(100 * time.Millisecond)
			}
			shot("7-paused")
		})
	}
}
