package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGroupLifecycle: a host's circle with invites (member and listen-only, expiring, limited,
// revoked), the audit log of host actions, and deletion, which ends its sessions and deletes the
// media files nothing else uses.
func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"})
	b := newBrowserClient(t, s)
	_, m := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	b.csrf = m["csrf_token"].(string)

	code, g := b.do("POST", "/api/v1/groups", map[string]any{"name": "Caregivers", "description": "Thursdays"}, true)
	if code != 201 {
		t.Fatalf("group: %d %v", code, g)
	}
	gid := g["id"].(string)
	G := "/api/v1/groups/" + gid
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ct, body := multipartBody(t, "Breathing.mp3", mp3, "")
	req := func(method, path, ctype string, body []byte) (int, map[string]any) {
		code, m, _ := s.do(t, method, path, testAdminToken, ctype, bytes.NewReader(body))
		return code, m
	}
	code, media := req("POST", G+"/media", ct, body)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, media)
	}
	mid := media["id"].(string)

	// No session yet: a valid invite says so, with the group's name.
	code, inv := b.do("POST", G+"/invites", map[string]any{"kind": "member", "max_uses": 3}, true)
	if code != 201 || !strings.Contains(inv["url"].(string), "/i/") {
		t.Fatalf("invite: %d %v", code, inv)
	}
	token := inv["url"].(string)[strings.LastIndex(inv["url"].(string), "/")+1:]
	code, open, _ := s.do(t, "POST", "/api/v1/invites/"+token, "", "", nil)
	if code != 200 || open["session"] != nil || open["group"].(map[string]any)["name"] != "Caregivers" {
		t.Fatalf("open invite with no session: %d %v", code, open)
	}

	code, sess := b.do("POST", G+"/sessions", map[string]any{"title": "Thursday", "starts_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"playlist": []map[string]string{{"media_id": mid}}}, true)
	if code != 201 || sess["group_id"] != gid {
		t.Fatalf("session: %d %v", code, sess)
	}
	// A media id from outside the group cannot be scheduled in it.
	code, _ = b.do("POST", G+"/sessions", map[string]any{"title": "x", "starts_at": time.Now().Format(time.RFC3339),
		"playlist": []map[string]string{{"media_id": strings.Repeat("ab", 32)}}}, true)
	if code != 400 {
		t.Fatalf("foreign media: %d", code)
	}
	// Opening shows the session but not its link, and spends nothing; accepting does.
	code, open, _ = s.do(t, "POST", "/api/v1/invites/"+token, "", "", nil)
	if code != 200 || open["session"].(map[string]any)["title"] != "Thursday" || open["session"].(map[string]any)["url"] != nil {
		t.Fatalf("member invite opened: %d %v", code, open)
	}
	open = acceptInvite(t, s, token, "person-one-0000000001", 200)
	if !strings.Contains(open["session"].(map[string]any)["url"].(string), "/join/"+sess["id"].(string)+"#t="+sess["member_token"].(string)) {
		t.Fatalf("member invite: %v", open)
	}
	// The third person is the last; then the link is spent for others, and says nothing about the group.
	acceptInvite(t, s, token, "person-two-0000000002", 200)
	acceptInvite(t, s, token, "person-three-00000003", 200)
	code, open, _ = s.do(t, "POST", "/api/v1/invites/"+token, "", "", nil)
	if code != 404 || strings.Contains(fmt.Sprint(open), "Caregivers") {
		t.Fatalf("used-up invite: %d %v", code, open)
	}
	if open = acceptInvite(t, s, token, "person-four-000000004", 404); strings.Contains(fmt.Sprint(open), "Caregivers") {
		t.Fatalf("used-up invite accepted: %v", open)
	}
	// A listen-only invite leads to the listen link; revoked, it is gone.
	_, li := b.do("POST", G+"/invites", map[string]any{"kind": "listen"}, true)
	ltoken := li["url"].(string)[strings.LastIndex(li["url"].(string), "/")+1:]
	open = acceptInvite(t, s, ltoken, "person-one-0000000001", 200)
	if !strings.Contains(open["session"].(map[string]any)["url"].(string), "/listen/") {
		t.Fatalf("listen invite: %v", open)
	}
	if code, _ = b.do("DELETE", G+"/invites/"+li["id"].(string), nil, true); code != 204 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _, _ = s.do(t, "POST", "/api/v1/invites/"+ltoken, "", "", nil); code != 404 {
		t.Fatalf("revoked invite: %d", code)
	}
	// An expiry in the past is refused; a near one works until it passes.
	if code, _ = b.do("POST", G+"/invites", map[string]any{"kind": "listen", "expires_at": time.Now().Add(-time.Minute).Format(time.RFC3339)}, true); code != 400 {
		t.Fatalf("past expiry: %d", code)
	}
	_, ei := b.do("POST", G+"/invites", map[string]any{"kind": "listen", "expires_at": time.Now().Add(1500 * time.Millisecond).Format(time.RFC3339)}, true)
	etoken := ei["url"].(string)[strings.LastIndex(ei["url"].(string), "/")+1:]
	time.Sleep(2 * time.Second)
	if code, _, _ = s.do(t, "POST", "/api/v1/invites/"+etoken, "", "", nil); code != 404 {
		t.Fatalf("expired invite: %d", code)
	}

	// The audit log has who did what.
	_, audit := b.do("GET", G+"/audit", nil, false)
	log := fmt.Sprint(audit["entries"])
	for _, want := range []string{"group.create", "media.upload", "session.create", "invite.create", "invite.revoke", "maria"} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %q: %s", want, log)
		}
	}

	// Deleting the group deletes its session and its media file.
	file := filepath.Join(s.Data, "media", mid[:2], mid)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("media file: %v", err)
	}
	if code, _ = b.do("DELETE", G, nil, true); code != 204 {
		t.Fatalf("delete group: %d", code)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("media file still there after deleting the group: %v", err)
	}
	if code, _, _ := s.do(t, "GET", "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "", nil); code != 404 {
		t.Fatalf("session after deleting the group: %d", code)
	}
	if code, _ = b.do("GET", G, nil, false); code != 404 {
		t.Fatalf("group after delete: %d", code)
	}
}
