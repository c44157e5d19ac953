package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEndedSessionLeadsOn: listen info of an ended circle session names the circle's next session
// (with a link of the caller's kind) and carries the circle's support text, which its hosts edit;
// with nothing planned, next_session is null. A session that has not ended carries neither.
func TestEndedSessionLeadsOn(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	code, g, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json",
		strings.NewReader(`{"name":"Tuesday grief circle","support_text":"Between sessions: call 116 123, day or night."}`))
	if code != 201 || g["support_text"] != "Between sessions: call 116 123, day or night." {
		t.Fatalf("group: %d %v", code, g)
	}
	gid := g["id"].(string)
	G := "/api/v1/groups/" + gid
	mid := s.uploadGroupFile(t, nil, gid, fixture("tone523_44k.mp3"))
	mk := func(title string, at time.Time) map[string]any {
		code, m, _ := s.do(t, "POST", G+"/sessions", testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(
			`{"title":%q,"starts_at":%q,"playlist":[{"media_id":%q}]}`, title, at.Format(time.RFC3339), mid)))
		if code != 201 {
			t.Fatalf("session %s: %d %v", title, code, m)
		}
		return m
	}
	now := mk("Tonight", time.Now())
	later := mk("Next Tuesday", time.Now().Add(7*24*time.Hour))
	sid := now["id"].(string)

	_, info, _ := s.do(t, "GET", "/api/v1/listen/"+sid, now["listener_token"].(string), "", nil)
	if _, ok := info["next_session"]; ok {
		t.Fatalf("a session that has not ended names a next one: %v", info)
	}
	if _, ok := info["support_text"]; ok {
		t.Fatalf("a session that has not ended carries support text: %v", info)
	}
	if code, m, _ := s.do(t, "POST", "/api/v1/sessions/"+sid+"/control", testAdminToken, "application/json", strings.NewReader(`{"action":"end"}`)); code != 200 {
		t.Fatalf("end: %d %v", code, m)
	}
	waitState(t, s, sid, "ended", 5*time.Second)
	for _, c := range []struct{ token, link string }{{now["listener_token"].(string), "/listen/"}, {now["member_token"].(string), "/join/"}} {
		_, info, _ = s.do(t, "GET", "/api/v1/listen/"+sid, c.token, "", nil)
		next, _ := info["next_session"].(map[string]any)
		if next == nil || next["id"] != later["id"] || next["title"] != "Next Tuesday" || !strings.Contains(fmt.Sprint(next["url"]), c.link+later["id"].(string)) {
			t.Fatalf("next_session for %s: %v", c.link, info)
		}
		if info["support_text"] != "Between sessions: call 116 123, day or night." {
			t.Fatalf("support_text: %v", info)
		}
	}

	// The hosts change the support text; too long is refused.
	code, m, _ := s.do(t, "PATCH", G, testAdminToken, "application/json", strings.NewReader(`{"support_text":"  Samaritans: 116 123  "}`))
	if code != 200 || m["support_text"] != "Samaritans: 116 123" {
		t.Fatalf("edit support text: %d %v", code, m)
	}
	code, m, _ = s.do(t, "PATCH", G, testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(`{"support_text":%q}`, strings.Repeat("a", 2001))))
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m["error"]), "2000") {
		t.Fatalf("long support text: %d %v", code, m)
	}

	// A circle with nothing else planned: next_session is null (present), support text empty.
	_, g2, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json", strings.NewReader(`{"name":"Other circle"}`))
	mid2 := s.uploadGroupFile(t, nil, g2["id"].(string), fixture("tone523_44k.mp3"))
	code, only, _ := s.do(t, "POST", "/api/v1/groups/"+g2["id"].(string)+"/sessions", testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(
		`{"title":"Only","starts_at":%q,"playlist":[{"media_id":%q}]}`, time.Now().Format(time.RFC3339), mid2)))
	if code != 201 {
		t.Fatalf("only session: %d %v", code, only)
	}
	s.do(t, "POST", "/api/v1/sessions/"+only["id"].(string)+"/control", testAdminToken, "application/json", strings.NewReader(`{"action":"end"}`))
	waitState(t, s, only["id"].(string), "ended", 5*time.Second)
	_, info, _ = s.do(t, "GET", "/api/v1/listen/"+only["id"].(string), only["listener_token"].(string), "", nil)
	if v, ok := info["next_session"]; !ok || v != nil || info["support_text"] != "" {
		t.Fatalf("nothing planned: %v", info)
	}
}
