package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func getICS(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCalendars: a group's secret feed holds its weekly series and its one-off session and parses
// with a real iCalendar parser; a session's .ics opens with its link's token; rotating the secret
// retires the old feed URL.
func TestCalendars(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	_, g, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json", strings.NewReader(`{"name":"Tuesday circle"}`))
	G := "/api/v1/groups/" + g["id"].(string)
	feed := g["calendar_url"].(string)
	mp3, _ := os.ReadFile(fixture("tone523_44k.mp3"))
	ct, body := multipartBody(t, "tone.mp3", mp3, "")
	_, media, _ := s.do(t, "POST", G+"/media", testAdminToken, ct, bytes.NewReader(body))
	mid := media["id"].(string)
	code, _, _ := s.do(t, "POST", G+"/series", testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(
		`{"title":"Weekly circle","start":"2026-12-01T19:00","zone":"Europe/Berlin","duration_minutes":90,"rrule":"FREQ=WEEKLY;BYDAY=TU","playlist":[{"media_id":%q}]}`, mid)))
	if code != 201 {
		t.Fatalf("series: %d", code)
	}
	code, one, _ := s.do(t, "POST", G+"/sessions", testAdminToken, "application/json", strings.NewReader(fmt.Sprintf(
		`{"title":"Memorial evening","starts_at":"2026-12-24T18:00:00+01:00","playlist":[{"media_id":%q}]}`, mid)))
	if code != 201 {
		t.Fatalf("session: %d", code)
	}

	code, text := getICS(t, feed)
	if code != 200 {
		t.Fatalf("feed: %d %s", code, text)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, text)
	}
	var weekly, memorial *ics.VEvent
	for _, e := range cal.Events() {
		switch e.GetProperty(ics.ComponentPropertySummary).Value {
		case "Weekly circle":
			weekly = e
		case "Memorial evening":
			memorial = e
		}
	}
	if weekly == nil || memorial == nil {
		t.Fatalf("feed lacks events:\n%s", text)
	}
	if r := weekly.GetProperty(ics.ComponentPropertyRrule); r == nil || !strings.Contains(r.Value, "BYDAY=TU") {
		t.Fatalf("weekly event without its RRULE:\n%s", text)
	}
	if p := weekly.GetProperty(ics.ComponentPropertyDtStart); p == nil || !strings.Contains(text, "TZID=Europe/Berlin") || !strings.HasPrefix(p.Value, "20261201T190000") {
		t.Fatalf("weekly DTSTART not 19:00 Berlin:\n%s", text)
	}
	start, err := memorial.GetStartAt()
	if err != nil || !start.Equal(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("memorial starts %v (%v), want 17:00 UTC", start, err)
	}
	if strings.Contains(text, one["listener_token"].(string)) || strings.Contains(text, one["member_token"].(string)) {
		t.Fatal("the shareable feed leaks a session token")
	}

	// One session's .ics, opened with the listen link's token.
	code, single := getICS(t, s.URL+"/api/v1/sessions/"+one["id"].(string)+"/calendar.ics?t="+one["listener_token"].(string))
	if code != 200 || !strings.Contains(single, "Memorial evening") || !strings.Contains(single, "/listen/") {
		t.Fatalf("session ics: %d\n%s", code, single)
	}
	if _, err := ics.ParseCalendar(strings.NewReader(single)); err != nil {
		t.Fatalf("session ics does not parse: %v", err)
	}
	if code, _ := getICS(t, s.URL+"/api/v1/sessions/"+one["id"].(string)+"/calendar.ics?t=wrong"); code != 403 {
		t.Fatalf("session ics with a wrong token: %d", code)
	}

	// A new secret retires the old URL.
	code, rot, _ := s.do(t, "POST", G+"/calendar-key", testAdminToken, "", nil)
	if code != 200 || rot["calendar_url"] == feed {
		t.Fatalf("rotate: %d %v", code, rot)
	}
	if code, _ := getICS(t, feed); code != 404 {
		t.Fatalf("old feed after rotation: %d", code)
	}
	if code, _ := getICS(t, rot["calendar_url"].(string)); code != 200 {
		t.Fatalf("new feed: %d", code)
	}
}
