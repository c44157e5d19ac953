package main

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// TestWHEPListenerHearsTheMeditationTone is the broadcast path end to end: a 44.1 kHz MP3 of a
// 523.25 Hz tone is uploaded, scheduled, decoded, resampled, encoded with libopus, paced and sent
// over WHEP to a pion listener on loopback, which decodes it with pion/opus.
func TestWHEPListenerHearsTheMeditationTone(t *testing.T) {
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Tone", time.Now(), false, id)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	whep := sess["whep_url"].(string)
	l, loc, err := testpeer.DialWHEP(ctx, whep, sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.WaitPackets(ctx, 150); err != nil {
		t.Fatal(err)
	}
	// The tone is measured on 1.5 s heard without a skip, after the first half second (fade-in,
	// connection start): a skip after a stall splices the decoded sound, and counting zero
	// crossings across the splice would misjudge the pitch.
	var a, b int
	eventually(t, "1.5 s of the tone without a skip", 20*time.Second, func() bool {
		a, b = longestRun(l.Packets(), 25)
		return b-a >= 75
	})
	pkts := l.Packets()
	checkTimestampsFollowDeadlines(t, pkts)
	if _, errs := l.PCM(); errs != 0 {
		t.Fatalf("%d Opus decode errors", errs)
	}
	left, _, off := l.PCMAt()
	tone := left[off[a+2]:off[b-2]]
	if f := testpeer.Frequency(tone, 48000); math.Abs(f-523.25) > 1 {
		t.Fatalf("heard %.3f Hz, want 523.25 +/- 1", f)
	}
	if lvl := testpeer.RMSdB(tone); lvl < -40 {
		t.Fatalf("tone level %.1f dBFS: too quiet, loudness gain not applied?", lvl)
	}

	// The session reports what is playing.
	code, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil)
	if code != http.StatusOK || info["state"] != "live" || info["listeners"].(float64) != 1 {
		t.Fatalf("session: %d %v", code, info)
	}
	np := info["now_playing"].(map[string]any)
	if np["media_id"] != id || np["position_ms"].(float64) < 2000 {
		t.Fatalf("now_playing %v", np)
	}

	// Leaving: DELETE the resource, then the room no longer counts the listener.
	code, _, _ = s.do(t, http.MethodDelete, loc, sess["listener_token"].(string), "", nil)
	if code != http.StatusOK {
		t.Fatalf("DELETE %s: %d", loc, code)
	}
	code, info, _ = s.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil)
	if info["listeners"].(float64) != 0 {
		t.Fatalf("listeners after DELETE: %v", info["listeners"])
	}
	code, _, _ = s.do(t, http.MethodDelete, loc, sess["listener_token"].(string), "", nil)
	if code != http.StatusNotFound {
		t.Fatalf("second DELETE: %d, want 404", code)
	}
}

// TestGaplessJoinBetweenFiles plays one continuous 440 Hz tone that was cut into two MP3 files at a
// point that is not a frame boundary: the listener must hear no silent 20 ms frame at the join.
func TestGaplessJoinBetweenFiles(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	a := s.uploadFile(t, fixture("tone440_a.mp3"))
	b := s.uploadFile(t, fixture("tone440_b.mp3"))
	start := time.Now().Add(1500 * time.Millisecond)
	sess := s.createSession(t, "Join", start, false, a, b)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// 1.5 s of silence before the start, then 6 s of tone; the session ends with the playlist.
	waitState(t, s, sess["id"].(string), "ended", 20*time.Second)
	pcm, errs := l.PCM()
	if errs != 0 {
		t.Fatalf("%d decode errors", errs)
	}
	left := testpeer.Left(pcm)
	const frame = 960
	first, last := -1, -1
	for i := 0; i+frame <= len(left); i += frame {
		if testpeer.RMSdB(left[i:i+frame]) > -40 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		t.Fatal("never heard the tone")
	}
	heard := float64(last-first+frame) / 48000
	if math.Abs(heard-6.0) > 0.1 {
		t.Fatalf("heard %.3f s of tone, want 6.0 (the two files back to back)", heard)
	}
	tone := left[first : last+frame]
	if n := testpeer.SilentWindows(tone, frame, -40); n != 0 {
		t.Fatalf("%d silent 20 ms frames inside the tone", n)
	}
	// Every 20 ms frame of the tone holds its level: a gap or a dip at the join would show.
	ref := testpeer.RMSdB(tone[frame*10 : frame*20])
	for i := 2 * frame; i+2*frame <= len(tone); i += frame {
		if d := testpeer.RMSdB(tone[i:i+frame]) - ref; math.Abs(d) > 1 {
			t.Fatalf("frame at %.3f s is %.2f dB off the tone's level", float64(i)/48000, d)
		}
	}
	if f := testpeer.Frequency(tone[frame:len(tone)-frame], 48000); math.Abs(f-440) > 0.5 {
		t.Fatalf("heard %.2f Hz across the join, want 440", f)
	}
}

func TestDoorsOpenWindow(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *Config) { c.DoorsOpen = time.Minute })
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Next week", time.Now().Add(7*24*time.Hour), false, id)
	_, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	code, m, h := s.do(t, http.MethodPost, "/whep/"+sess["id"].(string), sess["listener_token"].(string), "application/sdp", strings.NewReader(offer))
	if code != http.StatusConflict || m["error"] == nil || h.Get("Retry-After") == "" {
		t.Fatalf("WHEP a week early: %d %v, want 409 with Retry-After", code, m)
	}
}

// TestWaitingAmbienceThenSession: a listener who arrives while the doors are open hears the quiet
// waiting ambience (not the session, not dead air), which fades out, and then the session on time.
func TestWaitingAmbienceThenSession(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	start := time.Now().Add(6 * time.Second)
	sess := s.createSession(t, "Later", start, false, id)
	if sess["state"] != "scheduled" {
		t.Fatalf("state %v, want scheduled", sess["state"])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for time.Now().Before(start.Add(1500 * time.Millisecond)) {
		time.Sleep(50 * time.Millisecond)
	}
	pcm, at, off := l.PCMAt()
	window := func(from, to time.Time) []float32 {
		var w []float32
		for i := range at {
			if !at[i].Before(from) && at[i].Before(to) && off[i]+960 <= len(pcm) {
				w = append(w, pcm[off[i]:off[i]+960]...)
			}
		}
		return w
	}
	waiting := window(start.Add(-3500*time.Millisecond), start.Add(-2500*time.Millisecond))
	if lv := testpeer.RMSdB(waiting); lv < -60 || lv > -25 {
		t.Fatalf("while waiting the listener hears %.1f dBFS, want quiet ambience (-60..-25)", lv)
	}
	if lv := testpeer.ToneLevel(waiting, 110, 48000); lv < -60 {
		t.Fatalf("the ambience's 110 Hz drone is missing (%.1f dB)", lv)
	}
	if lv := testpeer.ToneLevel(waiting, 523.25, 48000); lv > -60 {
		t.Fatalf("the session's own audio leaked before the start (%.1f dB)", lv)
	}
	if lv := testpeer.RMSdB(window(start.Add(-150*time.Millisecond), start)); lv > -50 {
		t.Fatalf("the ambience has not faded out just before the start (%.1f dBFS)", lv)
	}
	if lv := testpeer.ToneLevel(window(start.Add(500*time.Millisecond), start.Add(1500*time.Millisecond)), 523.25, 48000); lv < -40 {
		t.Fatalf("after the start the listener does not hear the session (%.1f dB)", lv)
	}
	code, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil)
	if code != 200 || info["state"] != "live" {
		t.Fatalf("state after start: %v", info["state"])
	}
}

func TestControlsPauseResumeSkipSeek(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	a := s.uploadFile(t, fixture("tone523_44k.mp3"))
	b := s.uploadFile(t, fixture("tone440_a.mp3"))
	sess := s.createSession(t, "Controls", time.Now(), false, a, b)
	path := "/api/v1/sessions/" + sess["id"].(string)

	ctrl := func(body map[string]any) map[string]any {
		t.Helper()
		code, m := s.postJSON(t, path+"/control", body)
		if code != http.StatusOK {
			t.Fatalf("control %v: %d %v", body, code, m)
		}
		return m
	}
	time.Sleep(300 * time.Millisecond)
	m := ctrl(map[string]any{"action": "pause"})
	m = ctrl(map[string]any{"action": "loop", "loop": true})
	if m["loop"] != true || m["ends_at"] != nil {
		t.Fatalf("after loop on: loop %v ends_at %v", m["loop"], m["ends_at"])
	}
	ctrl(map[string]any{"action": "loop", "loop": false})
	np := m["now_playing"].(map[string]any)
	if np["paused"] != true {
		t.Fatalf("after pause: %v", np)
	}
	p1 := np["position_ms"].(float64)
	time.Sleep(400 * time.Millisecond)
	_, info, _ := s.do(t, http.MethodGet, path, testAdminToken, "", nil)
	if p2 := info["now_playing"].(map[string]any)["position_ms"].(float64); p2 != p1 {
		t.Fatalf("position moved while paused: %v -> %v", p1, p2)
	}
	ctrl(map[string]any{"action": "resume"})
	m = ctrl(map[string]any{"action": "seek", "position_ms": 5000})
	if pos := m["now_playing"].(map[string]any)["position_ms"].(float64); pos < 5000 || pos > 5100 {
		t.Fatalf("after seek position %v, want ~5000", pos)
	}
	m = ctrl(map[string]any{"action": "skip"})
	if got := m["now_playing"].(map[string]any)["media_id"]; got != b {
		t.Fatalf("after skip playing %v, want %v", got, b)
	}
	for _, bad := range []string{`{"action":"dance"}`, `{"action":"seek"}`, `{"action":"seek","position_ms":-5}`, `{`, `{"action":"pause","extra":1}`} {
		code, m, _ := s.do(t, http.MethodPost, path+"/control", testAdminToken, "application/json", strings.NewReader(bad))
		if code != http.StatusBadRequest || m["error"] == nil {
			t.Errorf("control %s: %d %v, want 400 with an error", bad, code, m)
		}
	}
	m = ctrl(map[string]any{"action": "end"})
	if m["state"] != "ended" {
		t.Fatalf("after end: state %v", m["state"])
	}
	code, _ := s.postJSON(t, path+"/control", map[string]any{"action": "resume"})
	if code != http.StatusConflict {
		t.Fatalf("control after end: %d, want 409", code)
	}
	_, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	code, m, _ = s.do(t, http.MethodPost, "/whep/"+sess["id"].(string), sess["listener_token"].(string), "application/sdp", strings.NewReader(offer))
	if code != http.StatusGone || m["error"] == nil {
		t.Fatalf("WHEP after the end: %d %v, want 410", code, m)
	}
}

// waitState polls a session until it reaches state.
func waitState(t *testing.T, s *testServer, id, state string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+id, testAdminToken, "", nil)
		if info["state"] == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s still %v after %s, want %s", id, info["state"], timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestGoesLiveOnTime: a session scheduled 3 s ahead goes live within 1 s of its time; a listener
// who connected early hears the first sound within that second too.
func TestGoesLiveOnTime(t *testing.T) {
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	start := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	sess := s.createSession(t, "On time", start, false, id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var live time.Time
	for live.IsZero() && ctx.Err() == nil {
		_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil)
		if info["state"] == "live" {
			live = time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	pcm, at, off := l.PCMAt()
	heard := testpeer.Onset(pcm, at, off, start.Add(-time.Second), 523.25, -40)
	if heard.IsZero() {
		t.Fatal("never heard the session")
	}
	t.Logf("state live %v after the start time; first sound heard %v after it", live.Sub(start).Round(time.Millisecond), heard.Sub(start).Round(time.Millisecond))
	if d := live.Sub(start); d < -50*time.Millisecond || d > time.Second {
		t.Fatalf("went live %v from its time", d)
	}
	if d := heard.Sub(start); d < -50*time.Millisecond || d > time.Second {
		t.Fatalf("first sound %v from its time", d)
	}
}

// checkTimestampsFollowDeadlines checks what the broadcaster promises about RTP: sequence numbers
// without gaps (nothing is lost on loopback), and timestamps that follow the 20 ms deadlines. A
// step is one frame (960), or, after a stall of more than the broadcaster's 200 ms limit (a busy
// or paused machine), a jump to the present: then the broadcaster skips ahead rather than burst,
// and the timestamp says how much time passed, at least 11 frames. Anything between (frames lost,
// or deadlines drifting) is a fault; a jump is logged so a slow run shows why.
func checkTimestampsFollowDeadlines(t *testing.T, pkts []testpeer.Packet) {
	t.Helper()
	const frame, minSkip = 960, 11 * 960 // maxLag 200 ms = 10 frames late, then skip past them
	for i := 1; i < len(pkts); i++ {
		if d := pkts[i].Seq - pkts[i-1].Seq; d != 1 {
			t.Fatalf("packet %d: sequence step %d, want 1", i, d)
		}
		d := pkts[i].Timestamp - pkts[i-1].Timestamp
		switch {
		case d == frame:
		case d%frame == 0 && d >= minSkip:
			t.Logf("packet %d: the broadcaster skipped %d frames after a stall (timestamp step %d)", i, d/frame-1, d)
		default:
			t.Fatalf("packet %d: RTP timestamp step %d, want 960 or a skip of at least 10 whole frames", i, d)
		}
	}
}

// longestRun returns the longest stretch pkts[a:b], from index from on, whose timestamps step one
// frame at a time.
func longestRun(pkts []testpeer.Packet, from int) (a, b int) {
	start := from
	for i := from + 1; i <= len(pkts); i++ {
		if i == len(pkts) || pkts[i].Timestamp-pkts[i-1].Timestamp != 960 {
			if i-start > b-a {
				a, b = start, i
			}
			start = i
		}
	}
	return a, b
}
