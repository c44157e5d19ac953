package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// stereoWAV writes a 48 kHz 16-bit stereo WAV of seconds with a different tone in each channel.
func stereoWAV(t *testing.T, left, right float64, seconds int) string {
	t.Helper()
	n := 48000 * seconds
	data := make([]byte, 44+n*4)
	copy(data, "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+n*4))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1) // PCM
	binary.LittleEndian.PutUint16(data[22:], 2)
	binary.LittleEndian.PutUint32(data[24:], 48000)
	binary.LittleEndian.PutUint32(data[28:], 48000*4)
	binary.LittleEndian.PutUint16(data[32:], 4)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(n*4))
	for i := 0; i < n; i++ {
		l := 0.4 * math.Sin(2*math.Pi*left*float64(i)/48000)
		r := 0.4 * math.Sin(2*math.Pi*right*float64(i)/48000)
		binary.LittleEndian.PutUint16(data[44+4*i:], uint16(int16(l*32767)))
		binary.LittleEndian.PutUint16(data[46+4*i:], uint16(int16(r*32767)))
	}
	path := filepath.Join(t.TempDir(), "stereo.wav")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stereoProbeJS splits the listen page's received stream into its two channels, each into an
// analyser, in the page's own WebAudio.
const stereoProbeJS = `(() => {
  const h = window.hearth;
  const ac = new AudioContext();
  const src = ac.createMediaStreamSource(h.audio.srcObject);
  const split = ac.createChannelSplitter(2);
  src.connect(split);
  const an = [0, 1].map((i) => {
    const a = ac.createAnalyser();
    a.fftSize = 8192;
    a.smoothingTimeConstant = 0;
    split.connect(a, i);
    return a;
  });
  window.stereoProbe = {ac, an};
  return true;
})()`

// stereoReadJS returns each channel's strongest frequency and its level.
const stereoReadJS = `(() => {
  const p = window.stereoProbe;
  const out = {state: p.ac.state, peaks: []};
  for (const a of p.an) {
    const d = new Float32Array(a.frequencyBinCount);
    a.getFloatFrequencyData(d);
    let best = 1;
    for (let i = 2; i < d.length; i++) if (d[i] > d[best]) best = i;
    out.peaks.push({hz: best * p.ac.sampleRate / a.fftSize, db: d[best]});
  }
  return out;
})()`

type stereoRead struct {
	State string `json:"state"`
	Peaks []struct {
		Hz float64 `json:"hz"`
		DB float64 `json:"db"`
	} `json:"peaks"`
}

// whepStereoJS is a WHEP client in the page's own JavaScript that asks for stereo the way libwebrtc
// needs it: stereo=1 in the Opus fmtp of its own offer (Chromium decodes by its local description;
// the server's answer alone is not enough). It plays the stream and probes it like stereoProbeJS.
const whepStereoJS = `(async (url, token) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('audio', {direction: 'recvonly'});
  const got = new Promise((r) => pc.ontrack = (e) => r(e.streams[0] || new MediaStream([e.track])));
  const offer = await pc.createOffer();
  await pc.setLocalDescription({type: 'offer', sdp: offer.sdp.replace(/(a=fmtp:\d+ [^\r\n]*useinbandfec=1)/, '$1;stereo=1')});
  await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 1500); });
  const res = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/sdp', Authorization: 'Bearer ' + token}, body: pc.localDescription.sdp});
  const answer = await res.text();
  await pc.setRemoteDescription({type: 'answer', sdp: answer});
  const stream = await got;
  const el = new Audio();
  el.srcObject = stream;
  el.play();
  window.hearth = {audio: el, pc, answer};
  return true;
})`

// TestBrowserStereo: a session plays a recording with 440 Hz on the left and 1200 Hz on the right;
// in Chromium, a WebAudio channel splitter on the received stream finds 440 Hz strongest on the
// left and 1200 Hz on the right. First through a WHEP client in the page that asks for stereo in
// its offer (the server's part: answer and encoding), then through the listen page at phone size
// and a member's join page at desktop size.
func TestBrowserStereo(t *testing.T) {
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, stereoWAV(t, 440, 1200, 8))
	sess := s.createSession(t, "Stereo", time.Now(), true, id)
	for _, via := range []string{"whep client", "listen page", "join page"} {
		t.Run(via, func(t *testing.T) {
			if via == "join page" {
				// A member (microphone held off, so nothing ducks the broadcast) at desktop size.
				ctx := newBrowser(t, 1280, 800)
				tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				defer cancel()
				if err := chromedp.Do(tctx,
					chromedp.Navigate(sess["join_url"].(string)),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`)),
					chromedp.SendKeys(chromedp.CSS(`[data-testid=name]`), "Ana"),
					chromedp.Click(chromedp.CSS(`[data-testid=join-mic]`)),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=mic-toggle]`)),
				); err != nil {
					t.Fatal(err)
				}
				stereoHeard(t, tctx)
				return
			}
			ctx := newBrowser(t, 390, 844)
			tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.Navigate(sess["listen_url"].(string)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=listen]`))); err != nil {
				t.Fatal(err)
			}
			if via == "listen page" {
				if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(`[data-testid=listen]`))); err != nil {
					t.Fatal(err)
				}
			} else {
				js := whepStereoJS + "(" + mustJSON(sess["whep_url"]) + "," + mustJSON(sess["listener_token"]) + ")"
				if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise)); err != nil {
					t.Fatal(err)
				}
			}
			stereoHeard(t, tctx)
			if via == "listen page" {
				png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
				if dir := os.Getenv("HEARTH_SCREENSHOTS"); err == nil && dir != "" {
					os.WriteFile(filepath.Join(dir, "listen-stereo-phone.png"), png, 0o644)
				}
			}
		})
	}
}

// stereoHeard waits for the page's window.hearth.audio to play, splits it into two channels and
// checks each carries its own tone, five readings in a row.
func stereoHeard(t *testing.T, tctx context.Context) {
	t.Helper()
	for {
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`!!(window.hearth && window.hearth.audio && window.hearth.audio.srcObject && window.hearth.pc && window.hearth.pc.connectionState === 'connected')`))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if tctx.Err() != nil {
			t.Fatal("the page never connected")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](stereoProbeJS)); err != nil {
		t.Fatal(err)
	}
	var r stereoRead
	deadline := time.Now().Add(20 * time.Second)
	for good := 0; good < 5; {
		raw, err := chromedp.Run(tctx, chromedp.Evaluate[[]byte](stereoReadJS))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		// A bin is 48000/8192 = 5.9 Hz wide.
		if len(r.Peaks) == 2 && math.Abs(r.Peaks[0].Hz-440) < 12 && math.Abs(r.Peaks[1].Hz-1200) < 12 &&
			r.Peaks[0].DB > -45 && r.Peaks[1].DB > -45 {
			good++
		} else {
			good = 0
		}
		if time.Now().After(deadline) {
			offer, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`hearth.pc.localDescription.sdp.split('\r\n').filter((l) => l.startsWith('a=fmtp:111')).join(' ')`))
			t.Fatalf("left and right did not arrive as two channels: %+v (the page's own offer says %q: Chromium decodes Opus as stereo only when that has stereo=1)", r, offer)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("left %.0f Hz at %.0f dB, right %.0f Hz at %.0f dB", r.Peaks[0].Hz, r.Peaks[0].DB, r.Peaks[1].Hz, r.Peaks[1].DB)
}
