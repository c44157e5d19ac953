package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// hostJoinHTTP joins the room as a host through POST /host-join with token.
func hostJoinHTTP(t *testing.T, ctx context.Context, s *testServer, sid, token, query string) (*testpeer.Member, int) {
	t.Helper()
	m, offer, err := testpeer.NewMember()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/sessions/"+sid+"/host-join"+query, bytes.NewReader([]byte(offer)))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return nil, resp.StatusCode
	}
	if err := m.Accept(string(body)); err != nil {
		t.Fatal(err)
	}
	return m, resp.StatusCode
}

// rosterEntry finds name in the latest state message a member received.
func rosterEntry(m *testpeer.Member, name string) map[string]any {
	st := m.Messages("state")
	if len(st) == 0 {
		return nil
	}
	for _, e := range st[len(st)-1]["roster"].([]any) {
		if e := e.(map[string]any); e["name"] == name {
			return e
		}
	}
	return nil
}

// TestHostJoinsTheRoom: a host joins with the host's credentials (name defaulting to theirs) and is
// marked as host in the members' rosters and the host API's; the member token cannot use the
// endpoint; a member's raised hand carries hand_at, and the host lowering it tells the member.
func TestHostJoinsTheRoom(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Circle", time.Now(), true, id)
	sid := sess["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ana, _, err := testpeer.JoinHTTP(ctx, s.URL, sid, sess["member_token"].(string), "Ana")
	if err != nil {
		t.Fatal(err)
	}
	defer ana.Close()
	if err := ana.WaitMessage(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	if _, code := hostJoinHTTP(t, ctx, s, sid, sess["member_token"].(string), ""); code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Fatalf("host-join with the member token: %d", code)
	}
	host, code := hostJoinHTTP(t, ctx, s, sid, testAdminToken, "")
	if code != http.StatusCreated {
		t.Fatalf("host-join: %d", code)
	}
	if err := host.WaitMessage(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	you := host.Messages("welcome")[0]["you"].(map[string]any)
	if you["host"] != true || you["name"] != "admin" {
		t.Fatalf("host's welcome %v, want host true and the host's name", you)
	}
	eventually(t, "the host in Ana's roster", 3*time.Second, func() bool {
		e := rosterEntry(ana, "admin")
		return e != nil && e["host"] == true
	})
	if e := rosterEntry(ana, "Ana"); e == nil || e["host"] != false {
		t.Fatalf("Ana's own entry %v", e)
	}
	_, room, _ := s.do(t, http.MethodGet, "/api/v1/sessions/"+sid+"/room", testAdminToken, "", nil)
	hosts := 0
	for _, e := range room["roster"].([]any) {
		if e.(map[string]any)["host"] == true {
			hosts++
		}
	}
	if hosts != 1 {
		t.Fatalf("room roster %v, want one host", room["roster"])
	}

	ana.Send(map[string]any{"type": "hand", "raised": true})
	var anaID string
	eventually(t, "Ana's hand with hand_at in the host's roster", 3*time.Second, func() bool {
		e := rosterEntry(host, "Ana")
		if e == nil {
			return false
		}
		anaID, _ = e["id"].(string)
		at, _ := e["hand_at"].(float64)
		return e["hand"] == true && at > 0
	})
	if code, _ := s.postJSON(t, "/api/v1/sessions/"+sid+"/members/"+anaID+"/hand", map[string]any{"raised": false}); code != 200 {
		t.Fatalf("lower hand: %d", code)
	}
	eventually(t, "Ana told the host lowered her hand", 2*time.Second, func() bool {
		h := ana.Messages("hand")
		return len(h) == 1 && h[0]["raised"] == false && h[0]["by_host"] == true
	})
}
