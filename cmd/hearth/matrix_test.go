package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"hearth/api"
)

// roles, in the order of each row's expected statuses.
var roleNames = []string{"admin", "owner", "cohost", "stranger", "member", "listener", "anonymous"}

// TestRoleMatrix tries every endpoint with every role. A host of another group gets 404 for the
// group's things (ids must not leak), tokens of the wrong kind 403, no credentials 401. Statuses
// of 400 mean "allowed, but the body was wrong on purpose".
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	tokens := map[string]string{"admin": testAdminToken, "anonymous": ""}
	for _, name := range []string{"owner", "cohost", "stranger"} {
		if code, m := s.postJSON(t, "/api/v1/hosts", map[string]any{"username": name, "password": "a long passphrase"}); code != 201 {
			t.Fatalf("create %s: %d %v", name, code, m)
		}
		b := newBrowserClient(t, s)
		_, m := b.do("POST", "/api/v1/auth/login", map[string]any{"username": name, "password": "a long passphrase"}, false)
		b.csrf = m["csrf_token"].(string)
		_, m = b.do("POST", "/api/v1/tokens", map[string]any{"name": "matrix"}, true)
		tokens[name] = m["token"].(string)
	}
	do := func(role, method, path string, body string) (int, map[string]any) {
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		code, m, _ := s.do(t, method, path, tokens[role], ct, strings.NewReader(body))
		return code, m
	}
	code, g := do("owner", "POST", "/api/v1/groups", `{"name":"Tuesday grief circle","description":"Weekly"}`)
	if code != 201 {
		t.Fatalf("create group: %d %v", code, g)
	}
	gid := g["id"].(string)
	if code, m := do("owner", "POST", "/api/v1/groups/"+gid+"/hosts", `{"username":"cohost"}`); code != 201 {
		t.Fatalf("add cohost: %d %v", code, m)
	}
	do("stranger", "POST", "/api/v1/groups", `{"name":"Other circle"}`)
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ctype, body := multipartBody(t, "tone.mp3", mp3, "")
	code, m, _ := s.do(t, "POST", "/api/v1/groups/"+gid+"/media", tokens["owner"], ctype, bytes.NewReader(body))
	if code != 201 {
		t.Fatalf("group upload: %d %v", code, m)
	}
	mid := m["id"].(string)
	code, sess := do("owner", "POST", "/api/v1/groups/"+gid+"/sessions", fmt.Sprintf(
		`{"title":"Tuesday","starts_at":%q,"playlist":[{"media_id":%q}],"loop":true,"memorial":true}`, time.Now().Format(time.RFC3339), mid))
	if code != 201 {
		t.Fatalf("group session: %d %v", code, sess)
	}
	sid := sess["id"].(string)
	tokens["member"], tokens["listener"] = sess["member_token"].(string), sess["listener_token"].(string)
	waitState(t, s, sid, "live", 5*time.Second)
	time.Sleep(300 * time.Millisecond) // the scheduler opens the room

	G, S := "/api/v1/groups/"+gid, "/api/v1/sessions/"+sid
	rows := []struct {
		method, path, body string
		want               [7]int
	}{
		{"GET", "/healthz", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/api/v1/openapi.json", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		// Seven wrong passwords in a row from one address: the seventh meets the sign-in throttle.
		{"POST", "/api/v1/auth/login", `{"username":"x","password":"wrong password"}`, [7]int{401, 401, 401, 401, 401, 401, 429}},
		{"GET", "/api/v1/auth/me", "", [7]int{200, 200, 200, 200, 403, 403, 401}},
		{"POST", "/api/v1/auth/logout", "", [7]int{204, 204, 204, 204, 403, 403, 401}},
		{"POST", "/api/v1/hosts", `{}`, [7]int{400, 403, 403, 403, 403, 403, 401}},
		{"GET", "/api/v1/hosts", "", [7]int{200, 403, 403, 403, 403, 403, 401}},
		{"POST", "/api/v1/tokens", `{}`, [7]int{400, 400, 400, 400, 403, 403, 401}},
		{"GET", "/api/v1/tokens", "", [7]int{400, 200, 200, 200, 403, 403, 401}},
		{"DELETE", "/api/v1/tokens/nosuch", "", [7]int{400, 404, 404, 404, 403, 403, 401}},
		// Account management (accounts stream): admins only; links need no sign-in (a malformed one is 400).
		{"PATCH", "/api/v1/hosts/nosuch", `{"disabled":false}`, [7]int{404, 403, 403, 403, 403, 403, 401}},
		{"DELETE", "/api/v1/hosts/nosuch", "", [7]int{404, 403, 403, 403, 403, 403, 401}},
		{"POST", "/api/v1/hosts/nosuch/reset-link", "", [7]int{404, 403, 403, 403, 403, 403, 401}},
		{"POST", "/api/v1/auth/password", `{"current_password":"not it at all","new_password":"a new long passphrase"}`, [7]int{400, 403, 403, 403, 403, 403, 401}},
		{"GET", "/api/v1/account-links/nosuch", "", [7]int{400, 400, 400, 400, 400, 400, 400}},
		{"POST", "/api/v1/account-links/nosuch", `{}`, [7]int{400, 400, 400, 400, 400, 400, 400}},
		{"POST", "/api/v1/media", "", [7]int{415, 403, 403, 403, 403, 403, 401}},
		{"GET", "/api/v1/media", "", [7]int{200, 403, 403, 403, 403, 403, 401}},
		{"GET", "/api/v1/media/" + mid, "", [7]int{200, 403, 403, 403, 403, 403, 401}},
		{"POST", "/api/v1/sessions", `{}`, [7]int{400, 403, 403, 403, 403, 403, 401}},
		{"GET", S, "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", S + "/control", `{"action":"loop","loop":true}`, [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", S + "/members/nosuch/mute", `{"muted":true}`, [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"POST", S + "/members/nosuch/hand", `{"raised":false}`, [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"POST", S + "/room", `{"ducking":true}`, [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"GET", S + "/room", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"GET", "/api/v1/listen/" + sid, "", [7]int{200, 200, 200, 403, 200, 200, 401}},
		{"POST", S + "/collage/photos", "", [7]int{415, 415, 415, 403, 415, 403, 401}},
		{"POST", S + "/collage/songs", "", [7]int{415, 415, 415, 403, 415, 403, 401}},
		{"GET", S + "/collage", "", [7]int{200, 200, 200, 403, 200, 200, 401}},
		{"GET", S + "/collage/photos/nosuch", "", [7]int{404, 404, 404, 403, 404, 404, 401}},
		{"PATCH", S + "/collage/items/nosuch", `{"caption":"x"}`, [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"DELETE", S + "/collage/items/nosuch", "", [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"POST", S + "/collage/lock", `{"locked":false}`, [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", S + "/collage/finalize", "", [7]int{400, 400, 400, 404, 403, 403, 401}},
		{"POST", S + "/join", "v=0", [7]int{415, 415, 415, 403, 415, 403, 401}},
		{"POST", S + "/host-join", "v=0", [7]int{415, 415, 415, 404, 403, 403, 401}},
		{"DELETE", S + "/members/nosuch", "", [7]int{404, 404, 404, 403, 404, 403, 401}},
		{"POST", "/whep/" + sid, "v=0", [7]int{415, 415, 415, 403, 415, 415, 401}},
		{"DELETE", "/whep/" + sid + "/nosuch", "", [7]int{404, 404, 404, 403, 404, 404, 401}},
		{"PATCH", "/whep/" + sid + "/nosuch", "", [7]int{405, 405, 405, 405, 405, 405, 405}},
		{"POST", "/api/v1/groups", `{"name":""}`, [7]int{400, 400, 400, 400, 403, 403, 401}},
		{"GET", "/api/v1/groups", "", [7]int{200, 200, 200, 200, 403, 403, 401}},
		{"GET", G, "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"PATCH", G, `{"description":"Weekly, Tuesdays"}`, [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", G + "/hosts", `{"username":"nobody-here"}`, [7]int{400, 400, 403, 404, 403, 403, 401}},
		{"DELETE", G + "/hosts/nosuch", "", [7]int{404, 404, 403, 404, 403, 403, 401}},
		{"POST", G + "/media", "", [7]int{415, 415, 415, 404, 403, 403, 401}},
		{"GET", G + "/media", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", G + "/sessions", `{}`, [7]int{400, 400, 400, 404, 403, 403, 401}},
		{"GET", G + "/sessions", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", G + "/invites", `{"kind":"listen"}`, [7]int{201, 201, 201, 404, 403, 403, 401}},
		{"GET", G + "/invites", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"DELETE", G + "/invites/nosuch", "", [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"GET", G + "/audit", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", G + "/series", `{}`, [7]int{400, 400, 400, 404, 403, 403, 401}},
		{"GET", G + "/series", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"POST", G + "/series/nosuch/cancel", `{"original":"2026-12-01T18:00:00Z"}`, [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"DELETE", G + "/series/nosuch", "", [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"POST", G + "/calendar-key", "", [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"GET", "/calendar/" + gid + "/nosuch.ics", "", [7]int{404, 404, 404, 404, 404, 404, 404}},
		{"GET", S + "/calendar.ics", "", [7]int{200, 200, 200, 403, 200, 200, 401}},
		{"DELETE", "/api/v1/groups/nosuch", "", [7]int{404, 404, 404, 404, 403, 403, 401}},
		{"POST", "/api/v1/invites/nosuch", "", [7]int{404, 404, 404, 404, 404, 404, 404}},
		{"POST", "/api/v1/invites/nosuch/accept", `{"claim":"abcdefghijklmnop"}`, [7]int{404, 404, 404, 404, 404, 404, 404}},
		{"PATCH", S, `{"memorial":true}`, [7]int{200, 200, 200, 404, 403, 403, 401}},
		{"GET", "/listen/" + sid, "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/join/" + sid, "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/i/anything", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/dashboard", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/contribute/" + sid, "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/static/style.css", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
		{"GET", "/", "", [7]int{200, 200, 200, 200, 200, 200, 200}},
	}
	covered := map[string]bool{
		// Streams and preflights are covered by their own tests (TestMemberJoinsOverHTTP,
		// TestWHEPBadInput); deleting a group by TestGroupLifecycle.
		"GET /api/v1/sessions/:id/events": true, "OPTIONS /whep/:id": true, "OPTIONS /whep/:id/:peer": true,
		"DELETE /api/v1/groups/:gid": true,
	}
	for _, r := range rows {
		for i, role := range roleNames {
			code, m := do(role, r.method, r.path, r.body)
			if code != r.want[i] {
				t.Errorf("%s %s as %s: %d, want %d (%v)", r.method, r.path, role, code, r.want[i], m["error"])
			}
			if code >= 400 && code != 405 && !strings.HasPrefix(r.path, "/static") && m["error"] == nil && m["raw"] == nil {
				t.Errorf("%s %s as %s: %d without a JSON error", r.method, r.path, role, code)
			}
		}
		covered[r.method+" "+templatePath(r.path, gid, sid, mid)] = true
	}
	var missing []string
	for _, rt := range api.Routes(s.Handler) {
		if !covered[rt] {
			missing = append(missing, rt)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from the role matrix:\n%s", strings.Join(missing, "\n"))
	}
}

// templatePath turns a concrete path back into its route pattern.
func templatePath(p, gid, sid, mid string) string {
	r := strings.NewReplacer("/calendar/"+gid, "/calendar/:gid", "/groups/"+gid, "/groups/:gid", "/sessions/"+sid, "/sessions/:id", "/listen/"+sid, "/listen/:id",
		"/join/"+sid, "/join/:id", "/contribute/"+sid, "/contribute/:id", "/whep/"+sid, "/whep/:id", "/media/"+mid, "/media/:id")
	p = r.Replace(p)
	parts := strings.Split(p, "/")
	for i, x := range parts {
		switch {
		case x == "nosuch" || x == "anything":
			switch parts[i-1] {
			case "tokens":
				parts[i] = ":tid"
			case "members":
				parts[i] = ":member"
			case "photos":
				parts[i] = ":pid"
			case "items":
				parts[i] = ":iid"
			case "hosts":
				parts[i] = ":hid"
			case "account-links":
				parts[i] = ":token"
			case "invites":
				if i >= 4 && parts[i-2] == "v1" {
					parts[i] = ":token"
				} else {
					parts[i] = ":iid"
				}
			case "groups":
				parts[i] = ":gid"
			case "series":
				parts[i] = ":sid"
			case "i":
				parts[i] = ":token"
			case ":id":
				parts[i] = ":peer"
			}
		case x == "nosuch.ics" && parts[i-2] == "calendar":
			parts[i] = ":key"
		case x == "cancel" && parts[i-2] == "series":
			parts[i] = ":action"
		case x == "style.css":
			parts[i] = "*path"
		}
	}
	return strings.Join(parts, "/")
}
