package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRecurringSeries: a daily series becomes sessions a week ahead; the first occurrence goes
// live on time; one occurrence is cancelled and another moved; nothing is ever made twice.
func TestRecurringSeries(t *testing.T) {
	t.Parallel()
	longTest(t)
	s := startServer(t, nil)
	code, g, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json", strings.NewReader(`{"name":"Daily sit"}`))
	if code != 201 {
		t.Fatalf("group: %d", code)
	}
	G := "/api/v1/groups/" + g["id"].(string)
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ct, body := multipartBody(t, "tone.mp3", mp3, "")
	_, media, _ := s.do(t, "POST", G+"/media", testAdminToken, ct, bytes.NewReader(body))
	mid := media["id"].(string)

	berlin, _ := time.LoadLocation("Europe/Berlin")
	first := time.Now().Add(3 * time.Second).Truncate(time.Second)
	req := fmt.Sprintf(`{"title":"Morning breath","start":%q,"zone":"Europe/Berlin","duration_minutes":30,
		"rrule":"FREQ=DAILY","playlist":[{"media_id":%q}],"loop":true}`, first.In(berlin).Format("2006-01-02T15:04:05"), mid)
	code, sr, _ := s.do(t, "POST", G+"/series", testAdminToken, "application/json", strings.NewReader(req))
	if code != 201 {
		t.Fatalf("series: %d %v", code, sr)
	}
	next := sr["next"].([]any)
	if len(next) < 3 {
		t.Fatalf("next occurrences: %v", next)
	}
	_, list, _ := s.do(t, "GET", G+"/sessions", testAdminToken, "", nil)
	sessions := list["sessions"].([]any)
	// Today's occurrence and the next seven days.
	if len(sessions) < 8 {
		t.Fatalf("%d sessions materialised, want a week's worth", len(sessions))
	}
	firstSess := sessions[0].(map[string]any)
	st, _ := time.Parse(time.RFC3339, firstSess["starts_at"].(string))
	if !st.Equal(first) {
		t.Fatalf("first session starts %v, want %v", st, first)
	}
	ends, _ := time.Parse(time.RFC3339, firstSess["ends_at"].(string))
	if !ends.Equal(first.Add(30 * time.Minute)) {
		t.Fatalf("first session ends %v, want 30 minutes after its start (a looping playlist stops on time)", ends)
	}
	waitState(t, s, firstSess["id"].(string), "live", 6*time.Second)

	// Cancel tomorrow's, move the day after's by an hour.
	tomorrow := sessions[1].(map[string]any)
	dayAfter := sessions[2].(map[string]any)
	code, cm, _ := s.do(t, "POST", G+"/series/"+sr["id"].(string)+"/cancel", testAdminToken, "application/json",
		strings.NewReader(fmt.Sprintf(`{"original":%q}`, tomorrow["starts_at"])))
	if code != 200 {
		t.Fatalf("cancel %v: %d %v", tomorrow["starts_at"], code, cm)
	}
	da, _ := time.Parse(time.RFC3339, dayAfter["starts_at"].(string))
	code, _, _ = s.do(t, "POST", G+"/series/"+sr["id"].(string)+"/move", testAdminToken, "application/json",
		strings.NewReader(fmt.Sprintf(`{"original":%q,"to":%q}`, dayAfter["starts_at"], da.Add(time.Hour).Format(time.RFC3339))))
	if code != 200 {
		t.Fatalf("move: %d", code)
	}
	code, _, _ = s.do(t, "POST", G+"/series/"+sr["id"].(string)+"/cancel", testAdminToken, "application/json",
		strings.NewReader(`{"original":"2030-01-01T00:00:13Z"}`))
	if code != 400 {
		t.Fatalf("cancel a time that is no occurrence: %d, want 400", code)
	}
	if code, _, _ := s.do(t, "GET", "/api/v1/sessions/"+tomorrow["id"].(string), testAdminToken, "", nil); code != 404 {
		t.Fatalf("cancelled occurrence's session: %d, want 404 (deleted)", code)
	}
	_, moved, _ := s.do(t, "GET", "/api/v1/sessions/"+dayAfter["id"].(string), testAdminToken, "", nil)
	if m, _ := time.Parse(time.RFC3339, moved["starts_at"].(string)); !m.Equal(da.Add(time.Hour)) {
		t.Fatalf("moved session starts %v, want %v", moved["starts_at"], da.Add(time.Hour))
	}
	// The series' own view agrees: tomorrow is gone, the moved one is marked.
	_, sl, _ := s.do(t, "GET", G+"/series", testAdminToken, "", nil)
	view := fmt.Sprint(sl["series"])
	if strings.Contains(view, tomorrow["starts_at"].(string)) || !strings.Contains(view, "moved:true") {
		t.Fatalf("series view: %s", view)
	}
	// A restart (same data directory) materialises nothing twice and does not bring the
	// cancelled occurrence back.
	s.shutdown(t)
	s2 := startServer(t, func(c *Config) { c.Data = s.Data })
	_, list2, _ := s2.do(t, "GET", G+"/sessions", testAdminToken, "", nil)
	seen := map[string]bool{}
	for _, x := range list2["sessions"].([]any) {
		st := x.(map[string]any)["starts_at"].(string)
		if seen[st] {
			t.Fatalf("after restart two sessions start at %s", st)
		}
		seen[st] = true
	}
	if seen[tomorrow["starts_at"].(string)] {
		t.Fatal("the cancelled occurrence came back after the restart")
	}
	if len(seen) < len(sessions)-1 {
		t.Fatalf("after restart %d sessions, had %d before (one cancelled)", len(seen), len(sessions))
	}
}
