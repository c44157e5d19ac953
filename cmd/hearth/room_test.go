package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// TestMemberJoinsOverHTTP: a member joins through the API with the member token; a WHEP listener
// hears the member's tone mixed with the broadcast; the host mutes the member through the API; the
// events stream shows the roster to listeners.
func TestMemberJoinsOverHTTP(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Circle", time.Now(), true, id)
	sid := sess["id"].(string)
	if !strings.Contains(sess["join_url"].(string), "/join/"+sid+"#t=") {
		t.Fatalf("join_url %v", sess["join_url"])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	// A listener follows the events stream.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/sessions/"+sid+"/events?t="+sess["listener_token"].(string), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				events <- line[6:]
			}
		}
		close(events)
	}()

	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	m, loc, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), "Grace")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.WaitOpen(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.WaitMessage(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	m.SendTone(660, -10, nil)
	time.Sleep(2 * time.Second)
	pcm, _, _ := l.PCMAt()
	if lv := testpeer.ToneLevel(pcm[len(pcm)-24000:], 660, 48000); lv < -25 {
		t.Fatalf("the listener does not hear the member (660 Hz at %.1f dB)", lv)
	}
	if lv := testpeer.ToneLevel(pcm[len(pcm)-24000:], 523.25, 48000); lv < -50 || lv > -20 {
		t.Fatalf("broadcast under the member at %.1f dB: missing or not ducked", lv)
	}

	// The roster reaches listeners.
	sawGrace := false
	deadline := time.After(5 * time.Second)
	for !sawGrace {
		select {
		case e := <-events:
			sawGrace = strings.Contains(e, `"name":"Grace"`)
		case <-deadline:
			t.Fatal("listener events never showed the member")
		}
	}

	// Host mutes through the API; the member's tone leaves the mix.
	_, room, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/room", testAdminToken, "", nil)
	roster := room["roster"].([]any)
	if len(roster) != 1 {
		t.Fatalf("roster %v", roster)
	}
	mid := roster[0].(map[string]any)["id"].(string)
	code, _ := s.postJSON(t, "/api/v1/sessions/"+sid+"/members/"+mid+"/mute", map[string]any{"muted": true})
	if code != 200 {
		t.Fatalf("mute: %d", code)
	}
	time.Sleep(time.Second)
	pcm, _, _ = l.PCMAt()
	if lv := testpeer.ToneLevel(pcm[len(pcm)-14400:], 660, 48000); lv > -45 {
		t.Fatalf("muted member still heard at %.1f dB", lv)
	}
	// The member's public id cannot be used to make them leave with the shared member token; their
	// own Location can.
	code, _, _ = s.do(t, http.MethodDelete, "/api/v1/sessions/"+sid+"/members/"+mid, sess["member_token"].(string), "", nil)
	if code != http.StatusNotFound {
		t.Fatalf("DELETE by public id with the member token: %d, want 404", code)
	}
	code, _, _ = s.do(t, http.MethodDelete, loc, sess["member_token"].(string), "", nil)
	if code != 200 {
		t.Fatalf("DELETE own Location: %d", code)
	}
	_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
	if info["members"].(float64) != 0 {
		t.Fatalf("members after leaving: %v", info["members"])
	}
}

// TestTURNCredentialsInListenInfo: with the built-in TURN server on, every listen-info answer hands
// out fresh, time-limited credentials.
func TestTURNCredentialsInListenInfo(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *Config) {
		c.TURN = "127.0.0.1:0"
		c.PublicIPs = []string{"127.0.0.1"}
		c.TURNRelayPorts = "50100-50110"
	})
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "TURN", time.Now(), true, id)
	path := "/api/v1/listen/" + sess["id"].(string)
	_, a, _ := s.do(t, http.MethodGet, path, sess["listener_token"].(string), "", nil)
	_, b, _ := s.do(t, http.MethodGet, path, sess["listener_token"].(string), "", nil)
	ia, ok := a["ice_servers"].([]any)
	if !ok || len(ia) != 1 {
		t.Fatalf("ice_servers %v", a["ice_servers"])
	}
	sa, sb := ia[0].(map[string]any), b["ice_servers"].([]any)[0].(map[string]any)
	if sa["username"] == "" || sa["credential"] == "" || sa["username"] == sb["username"] {
		t.Fatalf("credentials not fresh per request: %v %v", sa, sb)
	}
	if urls := sa["urls"].([]any); len(urls) == 0 || !strings.HasPrefix(urls[0].(string), "turn:127.0.0.1:") {
		t.Fatalf("urls %v", urls)
	}
}

// TestOneUDPPortForAllPeers: with --udp-port, every peer's media uses that one port (ICE UDP mux),
// which is what a router or firewall can forward.
func TestOneUDPPortForAllPeers(t *testing.T) {
	t.Parallel()
	longTest(t)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	s := startServer(t, func(c *Config) { c.UDPPort = port })
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Mux", time.Now(), true, id)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ {
		l, offer, err := testpeer.New()
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		code, m, _ := s.do(t, http.MethodPost, "/whep/"+sess["id"].(string), sess["listener_token"].(string), "application/sdp", strings.NewReader(offer))
		if code != http.StatusCreated {
			t.Fatalf("WHEP: %d %v", code, m)
		}
		answer := m["raw"].(string)
		n := 0
		for _, line := range strings.Split(answer, "\r\n") {
			if !strings.HasPrefix(line, "a=candidate:") {
				continue
			}
			f := strings.Fields(line)
			if len(f) < 6 || f[5] != strconv.Itoa(port) {
				t.Fatalf("candidate not on the configured port %d: %s", port, line)
			}
			n++
		}
		if n == 0 {
			t.Fatal("answer without candidates")
		}
		if err := l.Accept(answer); err != nil {
			t.Fatal(err)
		}
		if err := l.WaitPackets(ctx, 25); err != nil {
			t.Fatalf("listener %d: %v", i, err)
		}
	}
}

// TestDuckingPerSession: a session created without ducking keeps it off in its room, and the host's
// switch is stored.
func TestDuckingPerSession(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	code, sess := s.postJSON(t, "/api/v1/sessions", map[string]any{
		"title": "No ducking", "starts_at": time.Now().Format(time.RFC3339Nano),
		"playlist": []map[string]string{{"media_id": id}}, "loop": true, "ducking": false,
	})
	if code != 201 || sess["ducking"] != false {
		t.Fatalf("create: %d ducking=%v", code, sess["ducking"])
	}
	sid := sess["id"].(string)
	// Opening the room (a listener) applies the session's setting.
	l, _, err := testpeer.DialWHEP(t.Context(), sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, room, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/room", testAdminToken, "", nil)
	if room["room"].(map[string]any)["ducking"] != false {
		t.Fatalf("room %v", room["room"])
	}
	code, _ = s.postJSON(t, "/api/v1/sessions/"+sid+"/room", map[string]any{"ducking": true})
	if code != 200 {
		t.Fatalf("switch ducking on: %d", code)
	}
	_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
	if info["ducking"] != true {
		t.Fatalf("the switch was not stored: %v", info["ducking"])
	}
}

// readEvents follows a session's event stream and returns a channel of the event types.
func readEvents(t *testing.T, ctx context.Context, s *testServer, sid, token string) <-chan string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/sessions/"+sid+"/events?t="+token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	out := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "event: ") {
				out <- line[7:]
			}
		}
	}()
	return out
}

// TestShutdownIsNotTheEnd: when the server shuts down (an update, a restart), nobody is told the
// session ended, so clients reconnect instead of leaving; when the session really ends, everyone
// is told.
func TestShutdownIsNotTheEnd(t *testing.T) {
	t.Parallel()
	longTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, how := range []string{"shutdown", "end"} {
		t.Run(how, func(t *testing.T) {
			s := startServer(t, nil)
			id := s.uploadFile(t, fixture("tone523_44k.mp3"))
			sess := s.createSession(t, "Circle", time.Now(), true, id)
			sid := sess["id"].(string)
			events := readEvents(t, ctx, s, sid, sess["listener_token"].(string))
			m, _, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), "Grace")
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.WaitOpen(ctx); err != nil {
				t.Fatal(err)
			}
			if err := m.WaitMessage(ctx, "welcome"); err != nil {
				t.Fatal(err)
			}
			if how == "shutdown" {
				s.shutdown(t)
			} else if code, _ := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": "end"}); code != 200 {
				t.Fatalf("end: %d", code)
			}
			var types []string
			for e := range events {
				types = append(types, e)
			}
			time.Sleep(200 * time.Millisecond)
			sawEnded := strings.Contains(strings.Join(types, ","), "ended")
			memberEnded := len(m.Messages("ended")) > 0
			if how == "shutdown" && (sawEnded || memberEnded) {
				t.Fatalf("a shutdown told clients the session ended (events %v, member %v)", types, memberEnded)
			}
			if how == "end" && (!sawEnded || !memberEnded) {
				t.Fatalf("the session's end was not announced (events %v, member %v)", types, memberEnded)
			}
		})
	}
}
