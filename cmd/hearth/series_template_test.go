package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSeriesTemplateMemorialAndProgram: a fortnightly Tuesday-and-Thursday series, as the
// dashboard builds it, whose template is a program and a memorial: its next occurrences fall on
// those days every other week, and its sessions play the program and gather a collage each.
// Bad choices get 400 with a sentence.
func TestSeriesTemplateMemorialAndProgram(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	code, g, _ := s.do(t, "POST", "/api/v1/groups", testAdminToken, "application/json", strings.NewReader(`{"name":"Caregivers"}`))
	if code != 201 {
		t.Fatalf("group: %d", code)
	}
	gid := g["id"].(string)
	G := "/api/v1/groups/" + gid
	mid := s.uploadGroupFile(t, nil, gid, fixture("tone523_44k.mp3"))

	// Start on the coming Tuesday, a week ahead at least, 19:00 Berlin time.
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(berlin).AddDate(0, 0, 1)
	for day.Weekday() != time.Tuesday {
		day = day.AddDate(0, 0, 1)
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 19, 0, 0, 0, berlin)
	program := fmt.Sprintf(`[{"name":"Arriving","playlist":[{"media_id":%q}],"loop":true,"length_ms":300000,"mics":"muted","ducking":false},
		{"name":"Sharing circle","length_ms":1800000,"mics":"open","ducking":false}]`, mid)
	body := fmt.Sprintf(`{"title":"Tuesday and Thursday circle","start":%q,"zone":"Europe/Berlin","duration_minutes":60,
		"rrule":"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH","program":%s,"memorial":true}`, start.Format("2006-01-02T15:04"), program)
	code, sr, _ := s.do(t, "POST", G+"/series", testAdminToken, "application/json", strings.NewReader(body))
	if code != 201 {
		t.Fatalf("series: %d %v", code, sr)
	}
	if sr["memorial"] != true || len(sr["program"].([]any)) != 2 || sr["rrule"] != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH" {
		t.Fatalf("series answer: %v", sr)
	}
	next := sr["next"].([]any)
	if len(next) < 4 {
		t.Fatalf("next occurrences: %v", next)
	}
	want := []time.Time{start, start.AddDate(0, 0, 2), start.AddDate(0, 0, 14), start.AddDate(0, 0, 16)}
	for i, w := range want {
		got, _ := time.Parse(time.RFC3339, next[i].(map[string]any)["start"].(string))
		if !got.Equal(w) {
			t.Fatalf("occurrence %d at %v, want %v (all: %v)", i, got.In(berlin), w, next)
		}
	}
	// The first occurrence's session is made at once (the next one is always known).
	_, list, _ := s.do(t, "GET", G+"/sessions", testAdminToken, "", nil)
	var first map[string]any
	for _, x := range list["sessions"].([]any) {
		if x.(map[string]any)["series_id"] == sr["id"] {
			first = x.(map[string]any)
			break
		}
	}
	if first == nil {
		t.Fatalf("no session made for the series: %v", list)
	}
	if first["memorial"] != true || len(first["program"].([]any)) != 2 || !strings.Contains(fmt.Sprint(first["contribute_url"]), "/contribute/") {
		t.Fatalf("occurrence session: %v", first)
	}
	// Listed, the series keeps its template.
	_, all, _ := s.do(t, "GET", G+"/series", testAdminToken, "", nil)
	if got := all["series"].([]any)[0].(map[string]any); got["memorial"] != true || len(got["program"].([]any)) != 2 {
		t.Fatalf("listed series: %v", got)
	}

	base := map[string]string{"start": start.Format("2006-01-02T15:04"), "zone": "Europe/Berlin", "duration": "60",
		"rrule": "FREQ=WEEKLY;BYDAY=TU", "playlist": fmt.Sprintf(`[{"media_id":%q}]`, mid), "program": "[]"}
	bad := []struct{ name, key, value, says string }{
		{"hourly", "rrule", "FREQ=HOURLY", "once a day"},
		{"no such day", "rrule", "FREQ=WEEKLY;BYDAY=XX", "not a weekday"},
		{"interval 0", "rrule", "FREQ=WEEKLY;INTERVAL=0;BYDAY=TU", "INTERVAL"},
		{"no FREQ", "rrule", "BYDAY=TU", "FREQ"},
		{"numbered weekly day", "rrule", "FREQ=WEEKLY;BYDAY=2TU", "MONTHLY"},
		{"unknown zone", "zone", "Mars/Olympus", "zone"},
		{"no zone", "zone", "", "zone"},
		{"zero length", "duration", "0", "duration"},
		{"a year long", "duration", "525600", "duration"},
		{"bad start", "start", "next Tuesday", "start"},
		{"no media", "playlist", "[]", "playlist"},
		{"foreign media", "playlist", `[{"media_id":"nosuch"}]`, "library"},
		{"both", "program", `[{"name":"Sit","length_ms":60000,"mics":"open"}]`, "not both"},
	}
	for _, b := range bad {
		v := map[string]string{}
		for k, x := range base {
			v[k] = x
		}
		v[b.key] = b.value
		body := fmt.Sprintf(`{"title":"Bad","start":%q,"zone":%q,"duration_minutes":%s,"rrule":%q,"playlist":%s,"program":%s}`,
			v["start"], v["zone"], v["duration"], v["rrule"], v["playlist"], v["program"])
		code, m, _ := s.do(t, "POST", G+"/series", testAdminToken, "application/json", strings.NewReader(body))
		if code != http.StatusBadRequest || !strings.Contains(strings.ToLower(fmt.Sprint(m["error"])), strings.ToLower(b.says)) {
			t.Errorf("%s: %d %v, want 400 mentioning %q", b.name, code, m, b.says)
		}
	}
}
