package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// TestNamesOverHTTP: "👩‍👧 Mãe" joins and is listed as written; names the room refuses get 400
// with a code and a sentence, a second "👩‍👧 MÃE" gets 409 name_taken, and the first member's
// rejoin naming their earlier connection gets the name back.
func TestNamesOverHTTP(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	id := s.uploadFile(t, fixture("tone523_44k.mp3"))
	sess := s.createSession(t, "Circle", time.Now(), true, id)
	sid, tok := sess["id"].(string), sess["member_token"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, loc, err := testpeer.JoinHTTP(ctx, s.URL, sid, tok, "👩‍👧 Mãe")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.WaitMessage(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	if got := m.Messages("welcome")[0]["you"].(map[string]any)["name"]; got != "👩‍👧 Mãe" {
		t.Fatalf("welcome name %q", got)
	}
	join := func(name, extra string) (int, map[string]any) {
		_, offer, err := testpeer.NewMember()
		if err != nil {
			t.Fatal(err)
		}
		code, body, _ := s.do(t, http.MethodPost, "/api/v1/sessions/"+sid+"/join?name="+url.QueryEscape(name)+extra, tok, "application/sdp", strings.NewReader(offer))
		return code, body
	}
	for _, c := range []struct {
		name, code string
		status     int
	}{
		{"", "name_empty", 400},
		{"   ", "name_empty", 400},
		{strings.Repeat("a", 1000), "name_too_long", 400},
		{"\u200d", "name_invisible", 400},
		{"Ana\x07", "name_invisible", 400},
		{"👩‍👧 MÃE", "name_taken", 409},
	} {
		status, body := join(c.name, "")
		if status != c.status || body["code"] != c.code || len(body["error"].(string)) < 10 {
			t.Errorf("name %q: %d %v, want %d %s with a sentence", c.name, status, body, c.status, c.code)
		}
	}
	// The same person back on a new connection, naming the old one (the last part of Location).
	key := loc[strings.LastIndex(loc, "/")+1:]
	if status, body := join("👩‍👧 Mãe", "&replaces="+url.QueryEscape(key)); status != 201 {
		t.Fatalf("rejoin with replaces: %d %v", status, body)
	}
}
