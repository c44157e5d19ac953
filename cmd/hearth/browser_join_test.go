package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/testpeer"
)

// toneWAV writes a 48 kHz 16-bit mono sine for Chromium's fake microphone.
func toneWAV(t *testing.T, freq float64, seconds int) string {
	t.Helper()
	n := 48000 * seconds
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], 48000)
	binary.LittleEndian.PutUint32(b[28:], 96000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := 0; i < n; i++ {
		v := int16(0.3 * 32767 * math.Sin(2*math.Pi*freq*float64(i)/48000))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	p := filepath.Join(t.TempDir(), "mic.wav")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// joinInBrowser opens the join link, joins with the microphone as name and unmutes.
func joinInBrowser(t *testing.T, ctx context.Context, joinURL, name string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(joinURL),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=name]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=name]`), name),
		chromedp.Click(chromedp.CSS(`[data-testid=join-mic]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=mic-toggle]`)),
	); err != nil {
		t.Fatal(err)
	}
	// Everyone joins muted; unmuting is a tap.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`window.hearth && window.hearth.dc && window.hearth.dc.readyState === 'open' && !document.querySelector('[data-testid=mic-toggle]').disabled`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("%s: never connected: %v", name, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=mic-toggle]`))); err != nil {
		t.Fatal(err)
	}
}

const memberStatsJS = `(async () => {
  const h = window.hearth || {};
  const out = {sent: 0, tracks: []};
  if (!h.pc) return out;
  const stats = await h.pc.getStats();
  stats.forEach(r => {
    if (r.type === 'outbound-rtp' && r.kind === 'audio') out.sent += r.packetsSent || 0;
    if (r.type === 'inbound-rtp' && r.kind === 'audio') out.tracks.push({id: r.trackIdentifier, packets: r.packetsReceived || 0, energy: r.totalAudioEnergy || 0});
  });
  return out;
})()`

type memberStats struct {
	Sent   float64 `json:"sent"`
	Tracks []struct {
		Packets float64 `json:"packets"`
		Energy  float64 `json:"energy"`
	} `json:"tracks"`
}

func browserStats(t *testing.T, ctx context.Context) memberStats {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](memberStatsJS, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var st memberStats
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestBrowserMemberHeardByListener: headless Chromium joins through the join page with a fake
// microphone playing a 660 Hz tone; a WHEP listener hears that tone in the mix.
func TestBrowserMemberHeardByListener(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Circle", time.Now(), true, id)
	ctx := newBrowser(t, 390, 844, chromedp.Flag("use-file-for-fake-audio-capture", fixtureAbs(t, "mic_tone660.wav")))
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	l, _, err := testpeer.DialWHEP(tctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	joinInBrowser(t, tctx, sess["join_url"].(string), "Rosa")
	deadline := time.Now().Add(20 * time.Second)
	for {
		pcm, _, _ := l.PCMAt()
		if len(pcm) > 48000 {
			lv := testpeer.ToneLevel(pcm[len(pcm)-24000:], 660, 48000)
			if lv > -30 {
				t.Logf("listener hears the browser member's 660 Hz tone at %.1f dBFS", lv)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the listener never heard the browser member; browser stats %+v", browserStats(t, tctx))
		}
		time.Sleep(250 * time.Millisecond)
	}
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(filepath.Join(dir, "join-phone.png"), png, 0o644)
		}
	}
}

// TestTwoBrowsersHearEachOther: two Chromium members, each with its own fake microphone, receive
// each other's audio with energy.
func TestTwoBrowsersHearEachOther(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Two", time.Now(), true, id)
	a := newBrowser(t, 390, 844, chromedp.Flag("use-file-for-fake-audio-capture", fixtureAbs(t, "mic_tone660.wav")))
	b := newBrowser(t, 390, 844, chromedp.Flag("use-file-for-fake-audio-capture", toneWAV(t, 880, 20)))
	actx, cancelA := context.WithTimeout(a, 90*time.Second)
	defer cancelA()
	bctx, cancelB := context.WithTimeout(b, 90*time.Second)
	defer cancelB()
	joinInBrowser(t, actx, sess["join_url"].(string), "Ana")
	joinInBrowser(t, bctx, sess["join_url"].(string), "Ben")
	heard := func(st memberStats) bool {
		// Track 0 is the broadcast; any other track with energy is the other member.
		n := 0
		for _, tr := range st.Tracks {
			if tr.Packets > 50 && tr.Energy > 0 {
				n++
			}
		}
		return st.Sent > 50 && n >= 2
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sa, sb := browserStats(t, actx), browserStats(t, bctx)
		if heard(sa) && heard(sb) {
			t.Logf("Ana %+v; Ben %+v", sa, sb)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("members did not hear each other: Ana %+v; Ben %+v", sa, sb)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func fixtureAbs(t *testing.T, name string) string {
	p, err := filepath.Abs(fixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrowserContributePage: a member opens the contribution page from their link, picks a phone
// photo, captions it and adds it; it appears in the collage.
func TestBrowserContributePage(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "For Grandma", time.Now().Add(time.Hour), false, id)
	s.makeMemorial(t, sess)
	sid, member := sess["id"].(string), sess["member_token"].(string)
	ctx := newBrowser(t, 390, 844)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	photoPath, _ := filepath.Abs(filepath.Join("..", "..", "media", "photo", "testdata", "phone_gps.jpg"))
	if err := chromedp.Do(tctx,
		chromedp.Navigate(s.URL+"/contribute/"+sid+"#t="+member),
	); err != nil {
		t.Fatal(err)
	}
	// The file input may be visually hidden behind a button: wait for it to exist.
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`!!document.querySelector('[data-testid=contribute-file]')`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.SetUploadFiles(chromedp.CSS(`[data-testid=contribute-file]`), []string{photoPath})); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`!!document.querySelector('[data-testid=contribute-caption]') && !!document.querySelector('[data-testid=contribute-add]')`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("no caption box after picking a photo: %v", err)
	}
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const c = document.querySelector('[data-testid=contribute-caption]');
		c.value = 'Grandma at the lake, 1972'; c.dispatchEvent(new Event('input', {bubbles: true}));
		document.querySelector('[data-testid=contribute-add]').click();
	})()`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, list, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/collage?t="+member, "", "", nil)
		if items, _ := list["items"].([]any); len(items) == 1 {
			if cap := items[0].(map[string]any)["caption"]; cap != "Grandma at the lake, 1972" {
				t.Fatalf("caption %v", cap)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the photo never reached the collage: %v", list)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.querySelector('[data-testid=contribute-list]').textContent.includes('Grandma at the lake')`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the page does not show the added photo: %v", err)
	}
}
