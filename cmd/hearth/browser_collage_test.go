package main

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// solidJPEG writes a photo of one colour and returns its path.
func solidJPEG(t *testing.T, name string, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return p
}

// probeJS watches, on every animation frame, the received audio (through an analyser) and the
// middle of the collage's picture (through a canvas): when the beep is first heard, when the
// picture turns from red to blue, and when the caption changes to the second photo's.
const probeJS = `(() => {
  const h = window.hearth, v = document.querySelector('[data-testid=collage-video]');
  const ac = new AudioContext();
  const an = ac.createAnalyser();
  an.fftSize = 512;
  ac.createMediaStreamSource(h.audio.srcObject).connect(an);
  const buf = new Float32Array(an.fftSize);
  const cv = document.createElement('canvas');
  cv.width = 32; cv.height = 18;
  const g = cv.getContext('2d', {willReadFrequently: true});
  const p = window.probe = {beep: 0, red: 0, flip: 0, caption: 0, audio: ac.state};
  new MutationObserver(() => {
    const t = document.querySelector('[data-testid=caption-text]').textContent;
    if (!p.caption && t === 'The garden in June') p.caption = performance.now();
  }).observe(document.querySelector('[data-testid=caption]'), {subtree: true, childList: true, characterData: true});
  const tick = () => {
    an.getFloatTimeDomainData(buf);
    let peak = 0;
    for (const x of buf) peak = Math.max(peak, Math.abs(x));
    const now = performance.now();
    if (!p.beep && peak > 0.05) p.beep = now;
    if (v.videoWidth) {
      g.drawImage(v, 0, 0, 32, 18);
      const d = g.getImageData(16, 9, 1, 1).data;
      if (d[0] > d[2] + 60) p.red = p.red || now;
      if (p.red && !p.flip && d[2] >= d[0]) p.flip = now;
    }
    p.audio = ac.state;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return true;
})()`

type probe struct {
	Beep, Red, Flip, Caption float64
	Audio                    string
	FramesDecoded            float64
	CaptionText              string
}

const probeReadJS = `(async () => {
  const out = Object.assign({}, window.probe || {});
  out.captionText = document.querySelector('[data-testid=caption-text]').textContent;
  out.framesDecoded = 0;
  const stats = await window.hearth.pc.getStats();
  stats.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') out.framesDecoded = r.framesDecoded || 0; });
  return out;
})()`

// TestBrowserCollage plays a two-photo collage to the listen page in headless Chromium: frames
// decode, the caption is the first photo's and then the second's, and the second photo comes in
// with the beep the song has at its planned moment (7.0 s), measured in the browser.
func TestBrowserCollage(t *testing.T) {
	longTest(t)
	s := startServer(t, nil)
	red := solidJPEG(t, "red.jpg", color.RGBA{220, 30, 30, 255})
	blue := solidJPEG(t, "blue.jpg", color.RGBA{30, 50, 220, 255})
	sess := finalizedCollageFiles(t, s, 8*time.Second, false, red, blue)
	ctx := newBrowser(t, 390, 844)
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx,
		chromedp.Navigate(sess["listen_url"].(string)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=listen]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=listen]`)),
	); err != nil {
		t.Fatal(err)
	}
	// Wait for the audio to be connected, then start probing.
	for {
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`!!(window.hearth && window.hearth.audio && window.hearth.audio.srcObject && window.hearth.pc && window.hearth.pc.connectionState === 'connected')`))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if tctx.Err() != nil {
			t.Fatal("the listen page never connected")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](probeJS)); err != nil {
		t.Fatal(err)
	}
	read := func() probe {
		raw, err := chromedp.Run(tctx, chromedp.Evaluate[[]byte](probeReadJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var p probe
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var p, seenFirst probe
	var firstDecoded float64
	deadline := time.Now().Add(60 * time.Second)
	for {
		p = read()
		if firstDecoded == 0 && p.FramesDecoded > 0 {
			firstDecoded = p.FramesDecoded
		}
		if p.CaptionText == "Grandma at the lake, 1972" && seenFirst.CaptionText == "" {
			seenFirst = p
		}
		if p.Flip > 0 && p.Beep > 0 && p.Caption > 0 && p.FramesDecoded > firstDecoded+60 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collage in the browser: %+v (first caption seen: %q)", p, seenFirst.CaptionText)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if seenFirst.CaptionText == "" {
		t.Error("the first photo's caption was never shown")
	}
	if p.CaptionText != "The garden in June" {
		t.Errorf("caption %q after the change", p.CaptionText)
	}
	sync := time.Duration((p.Flip - p.Beep) * float64(time.Millisecond))
	capLag := time.Duration((p.Caption - p.Flip) * float64(time.Millisecond))
	t.Logf("browser: frames decoded %.0f -> %.0f; picture changed %v after the beep; caption %v after the picture (audio context %s)",
		firstDecoded, p.FramesDecoded, sync, capLag, p.Audio)
	if sync < -150*time.Millisecond || sync > 150*time.Millisecond {
		t.Errorf("the photo changed %v from its planned moment in the music; want within 150 ms", sync)
	}
	if capLag < -500*time.Millisecond || capLag > 500*time.Millisecond {
		t.Errorf("the caption changed %v from the picture; want within 500 ms", capLag)
	}
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(dir, "collage-phone.png"), png, 0o644)
		}
	}
}
