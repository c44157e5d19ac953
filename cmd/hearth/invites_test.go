package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// acceptInvite is a person choosing to go in by an invite link, with their browser's claim id.
func acceptInvite(t *testing.T, s *testServer, token, claim string, want int) map[string]any {
	t.Helper()
	code, m, _ := s.do(t, "POST", "/api/v1/invites/"+token+"/accept", "", "application/json",
		strings.NewReader(fmt.Sprintf(`{"claim":%q}`, claim)))
	if code != want {
		t.Fatalf("accept invite as %s: %d %v, want %d", claim, code, m, want)
	}
	return m
}

// inviteUses reads an invite's use count as its hosts see it.
func inviteUses(t *testing.T, b *browserClient, gid, id string) (int, map[string]any) {
	t.Helper()
	_, list := b.do("GET", "/api/v1/groups/"+gid+"/invites", nil, false)
	for _, x := range list["invites"].([]any) {
		inv := x.(map[string]any)
		if inv["id"] == id {
			return int(inv["uses"].(float64)), inv
		}
	}
	t.Fatalf("invite %s not listed: %v", id, list)
	return 0, nil
}

// TestInviteUsesCountedOncePerPerson: an invitation opened ten times (page loads, reloads, a
// second look) spends nothing; the person who goes in spends one use, however often they come
// back; with no session to go to nothing is spent; max_uses holds when many go in at once; the
// link can be read again by the circle's hosts (and not by anyone else); bad claims get 400.
func TestInviteUsesCountedOncePerPerson(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	b := newBrowserClient(t, s)
	if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "maria", "password": "a long passphrase"}); code != 201 {
		t.Fatalf("host: %d %v", code, m)
	}
	_, m := b.do("POST", "/api/v1/auth/login", map[string]any{"username": "maria", "password": "a long passphrase"}, false)
	b.csrf = m["csrf_token"].(string)
	_, g := b.do("POST", "/api/v1/groups", map[string]any{"name": "Tuesday grief circle"}, true)
	gid := g["id"].(string)
	G := "/api/v1/groups/" + gid

	_, inv := b.do("POST", G+"/invites", map[string]any{"kind": "member", "max_uses": 5}, true)
	url := inv["url"].(string)
	token := url[strings.LastIndex(url, "/")+1:]

	// No session yet: going in is refused and spends nothing.
	if m := acceptInvite(t, s, token, "early-person-00000001", http.StatusConflict); !strings.Contains(fmt.Sprint(m["error"]), "keep this link") {
		t.Fatalf("accept with no session: %v", m)
	}
	if n, _ := inviteUses(t, b, gid, inv["id"].(string)); n != 0 {
		t.Fatalf("uses after accepting with no session: %d", n)
	}

	mp3 := s.uploadGroupFile(t, b, gid, fixture("tone523_44k.mp3"))
	code, sess := b.do("POST", G+"/sessions", map[string]any{"title": "Tuesday", "starts_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"playlist": []map[string]string{{"media_id": mp3}}}, true)
	if code != 201 {
		t.Fatalf("session: %d %v", code, sess)
	}
	claim := "ana-phone-0123456789ab"
	for i := 0; i < 10; i++ {
		body := ""
		if i%2 == 1 {
			body = fmt.Sprintf(`{"claim":%q}`, claim)
		}
		code, open, _ := s.do(t, "POST", "/api/v1/invites/"+token, "", "application/json", strings.NewReader(body))
		if code != 200 || open["accepted"] != false || open["session"].(map[string]any)["url"] != nil {
			t.Fatalf("open %d: %d %v", i, code, open)
		}
	}
	if n, _ := inviteUses(t, b, gid, inv["id"].(string)); n != 0 {
		t.Fatalf("ten opens spent %d uses", n)
	}
	// Ana goes in: one use. She comes back (reload, reconnect, another day): still one.
	first := acceptInvite(t, s, token, claim, 200)
	wantURL := "/join/" + sess["id"].(string) + "#t=" + sess["member_token"].(string)
	if !strings.HasSuffix(first["session"].(map[string]any)["url"].(string), wantURL) {
		t.Fatalf("accepted: %v", first)
	}
	for i := 0; i < 3; i++ {
		acceptInvite(t, s, token, claim, 200)
		_, open, _ := s.do(t, "POST", "/api/v1/invites/"+token, "", "application/json", strings.NewReader(fmt.Sprintf(`{"claim":%q}`, claim)))
		if open["accepted"] != true || !strings.HasSuffix(fmt.Sprint(open["session"].(map[string]any)["url"]), wantURL) {
			t.Fatalf("reopened by someone who accepted: %v", open)
		}
	}
	if n, _ := inviteUses(t, b, gid, inv["id"].(string)); n != 1 {
		t.Fatalf("one person spent %d uses", n)
	}

	// Twenty people at once for the four uses left: four get in, sixteen are told the link is spent.
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/invites/"+token+"/accept", strings.NewReader(fmt.Sprintf(`{"claim":"crowd-member-%08d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if codes[200] != 4 || codes[404] != 16 {
		t.Fatalf("concurrent accepts: %v, want 4 x 200 and 16 x 404", codes)
	}
	n, listed := inviteUses(t, b, gid, inv["id"].(string))
	if n != 5 {
		t.Fatalf("uses after the crowd: %d", n)
	}
	// Ana still gets in after the link is used up; a newcomer does not.
	acceptInvite(t, s, token, claim, 200)
	acceptInvite(t, s, token, "late-person-000000001", 404)

	// The circle's hosts can read the link again; it is the same link.
	if listed["url"] != url {
		t.Fatalf("listed url %v, want %s", listed["url"], url)
	}
	// A revoked link is not shown again, and stops working even for those who used it.
	b.do("DELETE", G+"/invites/"+inv["id"].(string), nil, true)
	if _, again := inviteUses(t, b, gid, inv["id"].(string)); again["url"] != nil {
		t.Fatalf("a revoked link is shown again: %v", again)
	}
	acceptInvite(t, s, token, claim, 404)

	// Bad claims.
	_, inv2 := b.do("POST", G+"/invites", map[string]any{"kind": "listen"}, true)
	token2 := inv2["url"].(string)[strings.LastIndex(inv2["url"].(string), "/")+1:]
	for _, body := range []string{`{}`, `{"claim":"short"}`, `{"claim":"` + strings.Repeat("x", 65) + `"}`, `{"claim":"has spaces in it ok?"}`,
		`{"claim":"<script>alert(1)</script>"}`, `not json`, `{"claim":"abcdefghijklmnop","more":1}`} {
		code, m, _ := s.do(t, "POST", "/api/v1/invites/"+token2+"/accept", "", "application/json", strings.NewReader(body))
		if code != http.StatusBadRequest || m["error"] == nil {
			t.Fatalf("accept %s: %d %v", body, code, m)
		}
	}
	if n, _ := inviteUses(t, b, gid, inv2["id"].(string)); n != 0 {
		t.Fatalf("bad claims spent %d uses", n)
	}
	// Another host cannot read the circle's links.
	s.postJSON(t, "/api/v1/hosts", map[string]any{"username": "other", "password": "a long passphrase"})
	o := newBrowserClient(t, s)
	o.do("POST", "/api/v1/auth/login", map[string]any{"username": "other", "password": "a long passphrase"}, false)
	if code, m := o.do("GET", G+"/invites", nil, false); code != 404 || strings.Contains(fmt.Sprint(m), token2) {
		t.Fatalf("another host reads the links: %d %v", code, m)
	}
}

// uploadGroupFile puts a fixture in a circle's library (as the admin) and returns its media id.
func (s *testServer) uploadGroupFile(t *testing.T, _ *browserClient, gid, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ct, body := multipartBody(t, filepath.Base(path), b, "")
	code, m, _ := s.do(t, http.MethodPost, "/api/v1/groups/"+gid+"/media", testAdminToken, ct, bytes.NewReader(body))
	if code != http.StatusCreated {
		t.Fatalf("group upload %s: %d %v", path, code, m)
	}
	return m["id"].(string)
}
