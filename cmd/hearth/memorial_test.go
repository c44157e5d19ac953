package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeMemorial turns a session made by a test into a memorial, as its host would.
func (s *testServer) makeMemorial(t *testing.T, sess map[string]any) {
	t.Helper()
	code, m, _ := s.do(t, http.MethodPatch, "/api/v1/sessions/"+sess["id"].(string), testAdminToken, "application/json",
		strings.NewReader(`{"memorial":true}`))
	if code != http.StatusOK || m["memorial"] != true {
		t.Fatalf("make memorial: %d %v", code, m)
	}
	sess["memorial"], sess["contribute_url"], sess["contribute_token"] = true, m["contribute_url"], m["contribute_token"]
}

// TestMemorialOnlyWhenChosen: a session is a memorial only when its host makes it one. Before
// that its collage endpoints answer 409 and listen info says memorial false with no contribution
// link; after, listen info carries contribute_url with a token of its own, which adds photos and
// songs and reads the collage, and is refused (403) on join, listen info, WHEP, events and the
// calendar file.
func TestMemorialOnlyWhenChosen(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Breathing together", time.Now().Add(time.Hour), false, id)
	sid, member, listener := sess["id"].(string), sess["member_token"].(string), sess["listener_token"].(string)
	P := "/api/v1/sessions/" + sid + "/collage"
	photo := filepath.Join("..", "..", "media", "photo", "testdata", "orient8.jpg")

	if sess["memorial"] != false || sess["contribute_url"] != nil {
		t.Fatalf("a new session is a memorial by default: %v", sess)
	}
	_, info, _ := s.do(t, "GET", "/api/v1/listen/"+sid, listener, "", nil)
	if info["memorial"] != false || info["contribute_url"] != nil {
		t.Fatalf("listen info of a plain session: %v", info)
	}
	if !strings.Contains(fmt.Sprint(info["calendar_url"]), "/api/v1/sessions/"+sid+"/calendar.ics?t="+listener) {
		t.Fatalf("calendar_url should carry the caller's own token: %v", info["calendar_url"])
	}
	// The collage of a plain session is refused with a clear 409, whoever asks.
	for _, tc := range []struct {
		method, path, token string
	}{{"GET", P, listener}, {"GET", P, testAdminToken}, {"POST", P + "/lock", testAdminToken}, {"POST", P + "/finalize", testAdminToken}} {
		code, m, _ := s.do(t, tc.method, tc.path, tc.token, "application/json", strings.NewReader(`{"locked":true}`))
		if code != http.StatusConflict || !strings.Contains(fmt.Sprint(m["error"]), "not a memorial") {
			t.Fatalf("%s %s on a plain session: %d %v", tc.method, tc.path, code, m)
		}
	}
	if code, m := contribute(t, s, P+"/photos", member, photo, nil); code != http.StatusConflict {
		t.Fatalf("photo into a plain session: %d %v", code, m)
	}

	// Bad settings bodies.
	for _, body := range []string{`{}`, `{"memorial":"yes"}`, `{"memorial":true,"extra":1}`, `not json`, `{"memorial":true}{}`} {
		code, m, _ := s.do(t, http.MethodPatch, "/api/v1/sessions/"+sid, testAdminToken, "application/json", strings.NewReader(body))
		if code != http.StatusBadRequest || m["error"] == nil {
			t.Fatalf("PATCH %s: %d %v", body, code, m)
		}
	}
	// Members and listeners may not change settings.
	for _, tok := range []string{member, listener} {
		if code, _, _ := s.do(t, http.MethodPatch, "/api/v1/sessions/"+sid, tok, "application/json", strings.NewReader(`{"memorial":true}`)); code != http.StatusForbidden {
			t.Fatalf("PATCH by a session token: %d", code)
		}
	}

	s.makeMemorial(t, sess)
	ctok := sess["contribute_token"].(string)
	if ctok == "" || ctok == member || ctok == listener {
		t.Fatalf("contribution token %q must be its own", ctok)
	}
	for _, tok := range []string{listener, member} {
		_, info, _ = s.do(t, "GET", "/api/v1/listen/"+sid, tok, "", nil)
		want := "/contribute/" + sid + "#t=" + ctok
		if info["memorial"] != true || !strings.HasSuffix(fmt.Sprint(info["contribute_url"]), want) {
			t.Fatalf("listen info of a memorial: %v, want contribute_url ending %s", info, want)
		}
	}

	// The contribution token adds and reads.
	code, added := contribute(t, s, P+"/photos", ctok, photo, map[string]string{"caption": "At the lake", "name": "Ana"})
	if code != http.StatusCreated {
		t.Fatalf("photo with the contribution token: %d %v", code, added)
	}
	code, list, _ := s.do(t, "GET", P+"?t="+ctok, "", "", nil)
	if code != 200 || len(list["items"].([]any)) != 1 || list["title"] != "Breathing together" {
		t.Fatalf("collage with the contribution token: %d %v", code, list)
	}
	if code, _, _ := s.do(t, "GET", added["url"].(string)+"?t="+ctok, "", "", nil); code != 200 {
		t.Fatalf("photo read with the contribution token: %d", code)
	}
	// ...and nothing else.
	for _, tc := range []struct {
		method, path, ctype, body string
	}{
		{"GET", "/api/v1/listen/" + sid, "", ""},
		{"POST", "/api/v1/sessions/" + sid + "/join", "application/sdp", "v=0\r\n"},
		{"POST", "/whep/" + sid, "application/sdp", "v=0\r\n"},
		{"GET", "/api/v1/sessions/" + sid + "/events", "", ""},
		{"GET", "/api/v1/sessions/" + sid + "/calendar.ics", "", ""},
		{"GET", "/api/v1/sessions/" + sid, "", ""},
		{"POST", P + "/lock", "application/json", `{"locked":true}`},
		{"POST", P + "/finalize", "application/json", `{}`},
		{"PATCH", "/api/v1/sessions/" + sid, "application/json", `{"memorial":false}`},
	} {
		code, m, _ := s.do(t, tc.method, tc.path, ctok, tc.ctype, strings.NewReader(tc.body))
		if code != http.StatusForbidden && !(code == http.StatusUnauthorized && strings.HasPrefix(tc.path, "/api/v1/sessions/"+sid+"/collage/")) {
			t.Errorf("%s %s with the contribution token: %d %v, want 403", tc.method, tc.path, code, m)
		}
	}
	// The same on the event stream with ?t=, as EventSource sends it.
	if code, _, _ := s.do(t, "GET", "/api/v1/sessions/"+sid+"/events?t="+ctok, "", "", nil); code != http.StatusForbidden {
		t.Errorf("events?t=contribution token: %d", code)
	}

	// Closed to contributions: listen info drops the link, the token may still look.
	if code, m, _ := s.do(t, "POST", P+"/lock", testAdminToken, "application/json", strings.NewReader(`{"locked":true}`)); code != 200 {
		t.Fatalf("lock: %d %v", code, m)
	}
	_, info, _ = s.do(t, "GET", "/api/v1/listen/"+sid, listener, "", nil)
	if info["memorial"] != true || info["contribute_url"] != nil {
		t.Fatalf("listen info of a closed collage: %v", info)
	}
	if code, _ := contribute(t, s, P+"/photos", ctok, photo, nil); code != http.StatusConflict {
		t.Fatalf("photo into a closed collage: %d", code)
	}

	// A finalized collage keeps the session a memorial until it is reopened.
	s.do(t, "POST", P+"/lock", testAdminToken, "application/json", strings.NewReader(`{"locked":false}`))
	if code, m := contribute(t, s, P+"/songs", ctok, fixture("beep7s_14s.mp3"), nil); code != http.StatusCreated {
		t.Fatalf("song with the contribution token: %d %v", code, m)
	}
	if code, m, _ := s.do(t, "POST", P+"/finalize", testAdminToken, "application/json", strings.NewReader(`{"prerender":false}`)); code != 200 {
		t.Fatalf("finalize: %d %v", code, m)
	}
	code, m, _ := s.do(t, http.MethodPatch, "/api/v1/sessions/"+sid, testAdminToken, "application/json", strings.NewReader(`{"memorial":false}`))
	if code != http.StatusConflict || !strings.Contains(fmt.Sprint(m["error"]), "reopen") {
		t.Fatalf("memorial off while final: %d %v", code, m)
	}
	s.do(t, "POST", P+"/lock", testAdminToken, "application/json", strings.NewReader(`{"locked":false}`))
	code, m, _ = s.do(t, http.MethodPatch, "/api/v1/sessions/"+sid, testAdminToken, "application/json", strings.NewReader(`{"memorial":false}`))
	if code != 200 || m["memorial"] != false || m["contribute_url"] != nil {
		t.Fatalf("memorial off: %d %v", code, m)
	}
	if code, _, _ := s.do(t, "GET", P+"?t="+ctok, "", "", nil); code != http.StatusConflict {
		t.Fatalf("collage after the memorial is off: %d", code)
	}

	// Made a memorial from the start.
	code, m = s.postJSON(t, "/api/v1/sessions", map[string]any{"title": "For Grandma", "starts_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"playlist": []map[string]string{{"media_id": id}}, "memorial": true})
	if code != 201 || m["memorial"] != true || !strings.Contains(fmt.Sprint(m["contribute_url"]), "/contribute/") {
		t.Fatalf("create a memorial: %d %v", code, m)
	}
}

// TestListenInfoCalendarURL: calendar_url carries the caller's own session token, never a host's
// API or admin token, and the .ics it names opens with it.
func TestListenInfoCalendarURL(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Evening", time.Now().Add(time.Hour), false, id)
	sid := sess["id"].(string)
	for _, c := range []struct{ caller, want string }{
		{sess["listener_token"].(string), sess["listener_token"].(string)},
		{sess["member_token"].(string), sess["member_token"].(string)},
		{testAdminToken, sess["member_token"].(string)},
	} {
		_, info, _ := s.do(t, "GET", "/api/v1/listen/"+sid, c.caller, "", nil)
		u := fmt.Sprint(info["calendar_url"])
		if !strings.HasSuffix(u, "/api/v1/sessions/"+sid+"/calendar.ics?t="+c.want) || strings.Contains(u, testAdminToken) {
			t.Fatalf("calendar_url %s", u)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := readBody(resp)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "BEGIN:VEVENT") {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
		}
	}
}
