package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of Debian's Chromium. `make test` installs it; a bare `go test` on a
// machine without it skips the browser tests and says so. With -short (the quick loop while
// coding) every browser test is skipped; `make test` runs them all.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped with -short (make test runs it)")
	}
	for _, p := range []string{os.Getenv("HEARTH_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (make test installs it)")
	}
	t.Skip("chromium is not installed: run `make test` to install it")
	return ""
}

// newBrowser starts headless Chromium with a fake microphone and autoplay allowed.
func newBrowser(t *testing.T, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

type inboundAudio struct {
	Packets     float64 `json:"packets"`
	Energy      float64 `json:"energy"`
	Level       float64 `json:"level"`
	Connected   bool    `json:"connected"`
	Status      string  `json:"status"`
	AudioPaused bool    `json:"audioPaused"`
}

const statsJS = `(async () => {
  const h = window.hearth || {};
  const out = {packets: 0, energy: 0, level: 0, connected: false,
    status: (document.querySelector('[data-testid=status]') || {}).textContent || '',
    audioPaused: h.audio ? h.audio.paused : true};
  if (!h.pc) return out;
  out.connected = h.pc.connectionState === 'connected';
  const stats = await h.pc.getStats();
  stats.forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packets = r.packetsReceived || 0;
      out.energy = r.totalAudioEnergy || 0;
      out.level = r.audioLevel || 0;
    }
  });
  return out;
})()`

// TestBrowserListenPage opens the listen link in headless Chromium, presses Listen, and checks with
// getStats that audio with energy arrives and plays.
func TestBrowserListenPage(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Evening meditation", time.Now(), true, id)
	ctx := newBrowser(t, 390, 844)

	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx,
		chromedp.Navigate(sess["listen_url"].(string)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=listen]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=listen]`)),
	); err != nil {
		t.Fatal(err)
	}
	var st inboundAudio
	deadline := time.Now().Add(30 * time.Second)
	for {
		raw, err := chromedp.Run(tctx, chromedp.Evaluate[[]byte](statsJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		if st.Connected && st.Packets > 100 && st.Energy > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audio with energy in the browser: %+v", st)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if st.AudioPaused {
		t.Fatal("the <audio> element is paused")
	}
	if st.Status != "Listening" {
		t.Errorf("status line %q, want Listening", st.Status)
	}
	title, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil || title == "" {
		t.Errorf("no session title on the page: %q %v", title, err)
	}
	t.Logf("browser: %+v", st)
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		if err == nil {
			os.WriteFile(filepath.Join(dir, "listen-phone.png"), png, 0o644)
		}
	}
}
