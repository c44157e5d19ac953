package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// eventually polls ok every 10 ms until it holds or timeout passes.
func eventually(t *testing.T, what string, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lastMutedOf is a member's latest "muted" message as "muted/host" or "muted/self".
func lastMutedOf(m *testpeer.Member) string {
	ms := m.Messages("muted")
	if len(ms) == 0 {
		return ""
	}
	by := "self"
	if ms[len(ms)-1]["by_host"] == true {
		by = "host"
	}
	return fmt.Sprintf("%v/%s", ms[len(ms)-1]["muted"], by)
}

// TestProgramHoldEndsForMembers: a program's meditation (microphones muted) holds both members'
// microphones with by_host true; when the sharing circle (microphones open) begins, both are
// released with by_host true, each member's unmute is accepted, and a WHEP listener hears the
// member's tone in the mix.
func TestProgramHoldEndsForMembers(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	start := time.Now().Add(1500 * time.Millisecond)
	body := fmt.Sprintf(`{"title":"Circle","starts_at":%q,"program":[
		{"name":"Meditation","length_ms":2500,"mics":"muted"},
		{"name":"Sharing circle","length_ms":20000,"mics":"open"}]}`, start.Format(time.RFC3339Nano))
	code, sess, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(body))
	if code != 201 {
		t.Fatalf("create: %d %v", code, sess)
	}
	sid := sess["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var ms []*testpeer.Member
	for _, name := range []string{"Ana", "Ben"} {
		m, _, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), name)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		if err := m.WaitMessage(ctx, "welcome"); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	ana := ms[0]
	if err := ana.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		eventually(t, "the meditation's hold", 5*time.Second, func() bool { return lastMutedOf(m) == "true/host" })
	}
	errs := len(ana.Messages("error"))
	ana.Send(map[string]any{"type": "mute", "muted": false})
	eventually(t, "unmute refused during the meditation", 2*time.Second, func() bool { return len(ana.Messages("error")) > errs })

	for _, m := range ms {
		eventually(t, "the sharing circle's release", 6*time.Second, func() bool { return lastMutedOf(m) == "false/host" })
	}
	// The state names the part, with how long it has left, on the data channel and in the API.
	checkPart := func(where string, np map[string]any) {
		t.Helper()
		p, _ := np["part"].(map[string]any)
		left, _ := p["remaining_ms"].(float64)
		if p == nil || p["name"] != "Sharing circle" || p["index"] != float64(1) || p["count"] != float64(2) ||
			p["mics"] != "open" || left <= 0 || left > 20000 {
			t.Fatalf("%s: now_playing %v, want the sharing circle part with its time left", where, np)
		}
	}
	eventually(t, "a state in the sharing circle", 2*time.Second, func() bool {
		st := ana.Messages("state")
		np, _ := st[len(st)-1]["now_playing"].(map[string]any)
		return np != nil && np["segment_name"] == "Sharing circle"
	})
	st := ana.Messages("state")
	checkPart("data channel", st[len(st)-1]["now_playing"].(map[string]any))
	_, info, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid, testAdminToken, "", nil)
	checkPart("session API", info["now_playing"].(map[string]any))

	errs = len(ana.Messages("error"))
	unmuted := time.Now()
	ana.Send(map[string]any{"type": "mute", "muted": false})
	eventually(t, "Ana's unmute accepted", 2*time.Second, func() bool { return lastMutedOf(ana) == "false/self" })
	if n := len(ana.Messages("error")); n != errs {
		t.Fatalf("unmute after the release refused: %v", ana.Messages("error")[errs:])
	}
	eventually(t, "the listener hears Ana", 5*time.Second, func() bool {
		pcm, at, off := l.PCMAt()
		var seg []float32
		for i := range at {
			if at[i].After(unmuted.Add(300*time.Millisecond)) && off[i]+960 <= len(pcm) {
				seg = append(seg, pcm[off[i]:off[i]+960]...)
			}
		}
		return len(seg) >= 9600 && testpeer.ToneLevel(seg, 660, 48000) > -30
	})
}

// TestPauseReachesMembersAtOnce: the host's pause, resume and seek reach a member's data channel
// and the events stream as a state message within 500 ms, not at the page's next poll.
func TestPauseReachesMembersAtOnce(t *testing.T) {
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Circle", time.Now(), true, id)
	sid := sess["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, _, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), "Grace")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.WaitMessage(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	events := readEventData(t, ctx, s, sid, sess["listener_token"].(string))
	paused := func(msg map[string]any) (bool, bool) {
		np, ok := msg["now_playing"].(map[string]any)
		if !ok {
			return false, false
		}
		p, _ := np["paused"].(bool)
		return p, true
	}
	for _, want := range []bool{true, false, true} {
		action := map[bool]string{true: "pause", false: "resume"}[want]
		seen := len(m.Messages("state"))
		code, _ := s.postJSON(t, "/api/v1/sessions/"+sid+"/control", map[string]any{"action": action})
		if code != 200 {
			t.Fatalf("%s: %d", action, code)
		}
		eventually(t, action+" on the data channel", 500*time.Millisecond, func() bool {
			for _, st := range m.Messages("state")[seen:] {
				if p, ok := paused(st); ok && p == want {
					return true
				}
			}
			return false
		})
		timeout := time.After(500 * time.Millisecond)
		for found := false; !found; {
			select {
			case e := <-events:
				found = strings.Contains(e, fmt.Sprintf(`"paused":%v`, want))
			case <-timeout:
				t.Fatalf("%s: no state on the events stream within 500 ms", action)
			}
		}
	}
}

// readEventData follows a session's events stream and yields each event's data.
func readEventData(t *testing.T, ctx context.Context, s *testServer, sid, token string) <-chan string {
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
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				out <- line[6:]
			}
		}
	}()
	return out
}

// TestProgramHoldSparesTheHost: during a meditation part with microphones muted, a member who
// joined with the invite is held, but the host who joined from the dashboard is not: the host's
// unmute is accepted and a WHEP listener hears the host's voice over the meditation.
func TestProgramHoldSparesTheHost(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	body := fmt.Sprintf(`{"title":"Circle","starts_at":%q,"program":[
		{"name":"Meditation","length_ms":60000,"mics":"muted"}]}`, time.Now().Format(time.RFC3339Nano))
	code, sess, _ := s.do(t, http.MethodPost, "/api/v1/sessions", testAdminToken, "application/json", strings.NewReader(body))
	if code != 201 {
		t.Fatalf("create: %d %v", code, sess)
	}
	sid := sess["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	l, _, err := testpeer.DialWHEP(ctx, sess["whep_url"].(string), sess["listener_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ana, _, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), "Ana")
	if err != nil {
		t.Fatal(err)
	}
	defer ana.Close()
	host, code := hostJoinHTTP(t, ctx, s, sid, testAdminToken, "")
	if code != http.StatusCreated {
		t.Fatalf("host-join: %d", code)
	}
	for _, m := range []*testpeer.Member{ana, host} {
		if err := m.WaitMessage(ctx, "welcome"); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the meditation holds Ana", 5*time.Second, func() bool { return lastMutedOf(ana) == "true/host" })
	if err := host.SendTone(660, -10, nil); err != nil {
		t.Fatal(err)
	}
	unmuted := time.Now()
	host.Send(map[string]any{"type": "mute", "muted": false})
	eventually(t, "the host's unmute accepted", 2*time.Second, func() bool { return lastMutedOf(host) == "false/self" })
	if e := host.Messages("error"); len(e) > 0 {
		t.Fatalf("the host's unmute was refused: %v", e)
	}
	eventually(t, "the listener hears the host", 5*time.Second, func() bool {
		pcm, at, off := l.PCMAt()
		var seg []float32
		for i := range at {
			if at[i].After(unmuted.Add(300*time.Millisecond)) && off[i]+960 <= len(pcm) {
				seg = append(seg, pcm[off[i]:off[i]+960]...)
			}
		}
		return len(seg) >= 9600 && testpeer.ToneLevel(seg, 660, 48000) > -30
	})
	for _, msg := range host.Messages("muted") {
		if msg["by_host"] == true {
			t.Fatalf("the meditation's hold reached the host: %v", host.Messages("muted"))
		}
	}
	if e := rosterEntry(ana, "Ana"); e == nil || e["muted"] != true {
		t.Fatalf("Ana's roster entry %v, want muted during the meditation", e)
	}
}
