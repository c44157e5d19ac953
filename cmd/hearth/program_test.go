package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// TestProgramSegments runs a small circle's program in real time: arrival music (looping, 2 s,
// microphones open), a meditation (until its track ends, microphones muted), a sharing circle (no
// broadcast, 2 s, microphones open), a closing bell. The room's microphone rule follows the
// segments, listeners hear silence while people share, and "next" skips ahead.
func TestProgramSegments(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	a := s.uploadFile(t, fixture("tone440_a.mp3")) // 3.1 s
	b := s.uploadFile(t, fixture("tone440_b.mp3")) // 2.9 s
	start := time.Now().Add(500 * time.Millisecond)
	body := fmt.Sprintf(`{"title":"Circle","starts_at":%q,"program":[
		{"name":"Arrival","playlist":[{"media_id":%q}],"loop":true,"length_ms":2000,"mics":"open"},
		{"name":"Meditation","playlist":[{"media_id":%q}],"mics":"muted","ducking":true},
		{"name":"Sharing circle","length_ms":3000,"mics":"open"},
		{"name":"Closing bell","playlist":[{"media_id":%q}],"mics":"muted"}]}`,
		start.Format(time.RFC3339Nano), a, b, a)
	code, sess, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(body))
	if code != 201 || len(sess["program"].([]any)) != 4 {
		t.Fatalf("create: %d %v", code, sess)
	}
	sid := sess["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	check := func(when float64, wantSeg string, wantMicsLocked bool) {
		t.Helper()
		for time.Now().Before(at(when)) {
			time.Sleep(20 * time.Millisecond)
		}
		_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
		np, _ := info["now_playing"].(map[string]any)
		if np == nil || np["segment_name"] != wantSeg {
			t.Fatalf("at +%.1fs: now playing %v, want segment %q", when, np, wantSeg)
		}
		_, room, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/room", testAdminToken, "", nil)
		if got := room["room"].(map[string]any)["mics_locked"]; got != wantMicsLocked {
			t.Fatalf("at +%.1fs (%s): mics_locked %v, want %v", when, wantSeg, got, wantMicsLocked)
		}
	}
	check(1.0, "Arrival", false)
	check(3.0, "Meditation", true)      // 2.0 .. 4.9
	check(5.5, "Sharing circle", false) // 4.9 .. 7.9
	heardSharing := time.Now()
	time.Sleep(700 * time.Millisecond)
	// The host moves on early: the closing bell starts now, not at 7.9 s.
	code, m := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": "next"})
	nextAt := time.Now()
	if code != 200 || m["now_playing"].(map[string]any)["segment_name"] != "Closing bell" {
		t.Fatalf("next: %d %v", code, m["now_playing"])
	}
	time.Sleep(1500 * time.Millisecond)
	_, room, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/room", testAdminToken, "", nil)
	if room["room"].(map[string]any)["mics_locked"] != true {
		t.Fatal("closing bell: microphones not locked")
	}
	// What a listener heard: the tone in the arrival and meditation, silence while sharing, the
	// tone again after "next".
	pcm, arr, off := l.PCMAt()
	level := func(from, to time.Time) float64 {
		var seg []float32
		for i := range arr {
			if !arr[i].Before(from) && arr[i].Before(to) && off[i]+960 <= len(pcm) {
				seg = append(seg, pcm[off[i]:off[i]+960]...)
			}
		}
		return testpeer.ToneLevel(seg, 440, 48000)
	}
	if lv := level(at(0.5), at(1.8)); lv < -30 {
		t.Errorf("arrival: 440 Hz at %.1f dB, want the music", lv)
	}
	if lv := level(heardSharing, nextAt); lv > -60 {
		t.Errorf("sharing circle: 440 Hz at %.1f dB, want silence", lv)
	}
	if lv := level(nextAt.Add(300*time.Millisecond), nextAt.Add(1300*time.Millisecond)); lv < -30 {
		t.Errorf("closing bell after next: 440 Hz at %.1f dB, want the bell", lv)
	}
	waitState(t, s, sid, "ended", 5*time.Second)
}

// TestProgramResumesItsSegmentAfterRestart: a server stopped in the middle of a program comes back
// in the segment, and at the place, the timeline says.
func TestProgramResumesItsSegmentAfterRestart(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	a := s.uploadFile(t, fixture("tone440_a.mp3"))
	start := time.Now()
	body := fmt.Sprintf(`{"title":"Circle","starts_at":%q,"program":[
		{"name":"Arrival","playlist":[{"media_id":%q}],"loop":true,"length_ms":1500,"mics":"open"},
		{"name":"Sharing circle","length_ms":60000,"mics":"open"}]}`, start.Format(time.RFC3339Nano), a)
	code, sess, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(body))
	if code != 201 {
		t.Fatalf("create: %d %v", code, sess)
	}
	s.shutdown(t)
	time.Sleep(2 * time.Second) // the server is down while the program moves into its second part
	s2 := startServer(t, func(c *Config) { c.Data = s.Data })
	_, info, _ := s2.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil)
	np, _ := info["now_playing"].(map[string]any)
	if info["state"] != "live" || np == nil || np["segment_name"] != "Sharing circle" {
		t.Fatalf("after restart: state %v now_playing %v, want live in the sharing circle", info["state"], np)
	}
	ends, _ := time.Parse(time.RFC3339Nano, np["segment_ends_at"].(string))
	if want := start.Add(61500 * time.Millisecond); ends.Sub(want).Abs() > time.Second {
		t.Fatalf("sharing circle ends %v, want %v (+/- 1 s)", ends, want)
	}
	// The room follows the segment's rule after the restart, too.
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, room, _ := s2.do(t, http.MethodGet, "/api/v1/sessions/"+sess["id"].(string)+"/room", testAdminToken, "", nil)
		if r, ok := room["room"].(map[string]any); ok && r["mics_locked"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("room after restart: %v", room)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
