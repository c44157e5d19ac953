package schedule

import (
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

func wall(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestInstant pins the RFC 5545 reading of wall times around the 2026 daylight-saving changes: a
// skipped time moves forward by the gap, a repeated time means the first instant, in zones east and
// west of Greenwich and in the southern hemisphere.
func TestInstant(t *testing.T) {
	tests := []struct {
		zone, wall, want string
	}{
		// Europe/Berlin: spring forward 2026-03-29 02:00 CET -> 03:00 CEST; fall back 2026-10-25 03:00 CEST -> 02:00 CET.
		{"Europe/Berlin", "2026-03-29T01:59", "2026-03-29T00:59Z"},
		{"Europe/Berlin", "2026-03-29T02:00", "2026-03-29T01:00Z"}, // skipped: read as CET, is 03:00 CEST
		{"Europe/Berlin", "2026-03-29T02:30", "2026-03-29T01:30Z"}, // skipped: is 03:30 CEST
		{"Europe/Berlin", "2026-03-29T03:00", "2026-03-29T01:00Z"},
		{"Europe/Berlin", "2026-03-29T19:00", "2026-03-29T17:00Z"},
		{"Europe/Berlin", "2026-10-25T01:59", "2026-10-24T23:59Z"},
		{"Europe/Berlin", "2026-10-25T02:00", "2026-10-25T00:00Z"}, // twice: the CEST one
		{"Europe/Berlin", "2026-10-25T02:30", "2026-10-25T00:30Z"}, // twice: the CEST one
		{"Europe/Berlin", "2026-10-25T03:00", "2026-10-25T02:00Z"},
		{"Europe/Berlin", "2026-10-25T19:00", "2026-10-25T18:00Z"},
		// America/New_York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT; fall back 2026-11-01 02:00 EDT -> 01:00 EST.
		{"America/New_York", "2026-03-08T02:30", "2026-03-08T07:30Z"}, // skipped: is 03:30 EDT (time.Date says 01:30 EST)
		{"America/New_York", "2026-03-08T03:00", "2026-03-08T07:00Z"},
		{"America/New_York", "2026-11-01T00:59", "2026-11-01T04:59Z"},
		{"America/New_York", "2026-11-01T01:00", "2026-11-01T05:00Z"}, // twice: the EDT one
		{"America/New_York", "2026-11-01T01:30", "2026-11-01T05:30Z"}, // twice: the EDT one
		{"America/New_York", "2026-11-01T02:00", "2026-11-01T07:00Z"},
		// Australia/Sydney: fall back 2026-04-05 03:00 AEDT -> 02:00 AEST; spring forward 2026-10-04 02:00 AEST -> 03:00 AEDT.
		{"Australia/Sydney", "2026-04-05T02:30", "2026-04-04T15:30Z"}, // twice: the AEDT one
		{"Australia/Sydney", "2026-04-05T03:00", "2026-04-04T17:00Z"},
		{"Australia/Sydney", "2026-10-04T02:30", "2026-10-03T16:30Z"}, // skipped: is 03:30 AEDT
		{"Australia/Sydney", "2026-10-04T03:00", "2026-10-03T16:00Z"},
		// Half-hour daylight saving: Lord Howe Island goes from +10:30 to +11 at 02:00 on 2026-10-04.
		{"Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:45Z"}, // skipped: is 02:45
		// Samoa skipped all of 2011-12-30, moving from -10 to +14.
		{"Pacific/Apia", "2011-12-30T19:00", "2011-12-31T05:00Z"},
		{"Pacific/Apia", "2011-12-31T19:00", "2011-12-31T05:00Z"},
		{"UTC", "2026-03-29T02:30", "2026-03-29T02:30Z"},
	}
	for _, tt := range tests {
		got := Instant(wall(tt.wall), zone(t, tt.zone))
		if want := utc(tt.want); !got.Equal(want) {
			t.Errorf("Instant(%s in %s) = %s, want %s", tt.wall, tt.zone, got.UTC().Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}

// TestInstantRoundTrip checks that every real wall time maps back to itself, minute by minute over
// both transition days in several zones.
func TestInstantRoundTrip(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe"} {
		loc := zone(t, name)
		for _, day := range []string{"2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"} {
			start := utc(day + "T00:00Z").Add(-14 * time.Hour)
			for i := 0; i < 48*60; i++ {
				at := start.Add(time.Duration(i) * time.Minute)
				w := at.In(loc)
				got := Instant(w, loc)
				if floating(got.In(loc)) != floating(w) {
					t.Fatalf("%s: Instant(%s) = %s, a different wall time", name, w, got.In(loc))
				}
				// In an overlap the earlier instant wins, so the result can only be earlier.
				if got.After(at) {
					t.Fatalf("%s: Instant(%s) = %s, later than %s", name, w, got.UTC(), at.UTC())
				}
			}
		}
	}
}
