package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, start, zone string, dur time.Duration, rule string) Schedule {
	t.Helper()
	s, err := Parse(start, zone, dur, rule)
	if err != nil {
		t.Fatalf("Parse(%q, %q, %v, %q): %v", start, zone, dur, rule, err)
	}
	return s
}

func starts(occ []Occurrence) []string {
	out := make([]string, len(occ))
	for i, o := range occ {
		out[i] = o.Start.Format("2006-01-02T15:04Z")
	}
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, " ") == strings.Join(b, " ")
}

// TestBetweenAcrossDST is the promise to a group: "19:00 Berlin" stays 19:00 on the wall, so the UTC
// instant moves by an hour at each change, in both hemispheres; and a time the change skips or
// repeats follows RFC 5545.
func TestBetweenAcrossDST(t *testing.T) {
	tests := []struct {
		name, start, zone, rule string
		from, to                string
		want                    []string
	}{
		{"Berlin Tuesdays, spring", "2026-03-17T19:00", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=TU",
			"2026-03-01T00:00Z", "2026-04-08T00:00Z",
			[]string{"2026-03-17T18:00Z", "2026-03-24T18:00Z", "2026-03-31T17:00Z", "2026-04-07T17:00Z"}},
		{"Berlin Tuesdays, autumn", "2026-03-17T19:00", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=TU",
			"2026-10-15T00:00Z", "2026-11-04T00:00Z",
			[]string{"2026-10-20T17:00Z", "2026-10-27T18:00Z", "2026-11-03T18:00Z"}},
		{"New York Tuesdays, spring", "2026-03-03T19:00", "America/New_York", "FREQ=WEEKLY;BYDAY=TU",
			"2026-03-01T00:00Z", "2026-03-12T00:00Z",
			[]string{"2026-03-04T00:00Z", "2026-03-10T23:00Z"}},
		{"New York Tuesdays, autumn", "2026-03-03T19:00", "America/New_York", "FREQ=WEEKLY;BYDAY=TU",
			"2026-10-26T00:00Z", "2026-11-05T00:00Z",
			[]string{"2026-10-27T23:00Z", "2026-11-04T00:00Z"}},
		{"Sydney Tuesdays, autumn (April)", "2026-03-03T19:00", "Australia/Sydney", "FREQ=WEEKLY;BYDAY=TU",
			"2026-03-30T00:00Z", "2026-04-08T00:00Z",
			[]string{"2026-03-31T08:00Z", "2026-04-07T09:00Z"}},
		{"Sydney Tuesdays, spring (October)", "2026-03-03T19:00", "Australia/Sydney", "FREQ=WEEKLY;BYDAY=TU",
			"2026-09-28T00:00Z", "2026-10-07T00:00Z",
			[]string{"2026-09-29T09:00Z", "2026-10-06T08:00Z"}},
		{"Berlin 02:30 daily, skipped and repeated", "2026-03-28T02:30", "Europe/Berlin", "FREQ=DAILY",
			"2026-03-28T00:00Z", "2026-03-31T00:00Z",
			[]string{"2026-03-28T01:30Z", "2026-03-29T01:30Z", "2026-03-30T00:30Z"}},
		{"Berlin 02:30 daily, repeated", "2026-03-28T02:30", "Europe/Berlin", "FREQ=DAILY",
			"2026-10-24T00:00Z", "2026-10-27T00:00Z",
			[]string{"2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z"}},
		{"New York 02:30 daily, skipped", "2026-03-07T02:30", "America/New_York", "FREQ=DAILY",
			"2026-03-07T00:00Z", "2026-03-10T00:00Z",
			[]string{"2026-03-07T07:30Z", "2026-03-08T07:30Z", "2026-03-09T06:30Z"}},
		{"New York 01:30 daily, repeated", "2026-10-31T01:30", "America/New_York", "FREQ=DAILY",
			"2026-10-31T00:00Z", "2026-11-03T00:00Z",
			[]string{"2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z"}},
		{"Sydney 02:30 daily, repeated", "2026-04-04T02:30", "Australia/Sydney", "FREQ=DAILY",
			"2026-04-03T00:00Z", "2026-04-06T00:00Z",
			[]string{"2026-04-03T15:30Z", "2026-04-04T15:30Z", "2026-04-05T16:30Z"}},
		{"Sydney 02:30 daily, skipped", "2026-04-04T02:30", "Australia/Sydney", "FREQ=DAILY",
			"2026-10-02T00:00Z", "2026-10-05T00:00Z",
			[]string{"2026-10-02T16:30Z", "2026-10-03T16:30Z", "2026-10-04T15:30Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.start, tt.zone, time.Hour, tt.rule)
			occ := s.Between(utc(tt.from), utc(tt.to), 100)
			if got := starts(occ); !equalStrings(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for _, o := range occ {
				if o.End.Sub(o.Start) != time.Hour || !o.Original.Equal(o.Start) || o.Moved || o.Start.Location() != time.UTC {
					t.Fatalf("occurrence %+v: want a UTC hour, unmoved", o)
				}
			}
		})
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name, start, rule string
		want              []string
	}{
		{"one-off", "2026-11-24T19:00", "", []string{"2026-11-24T18:00Z"}},
		{"count", "2026-11-24T19:00", "FREQ=WEEKLY;COUNT=3", []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z", "2026-12-08T18:00Z"}},
		{"until UTC is inclusive", "2026-11-24T19:00", "FREQ=WEEKLY;UNTIL=20261208T180000Z", []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z", "2026-12-08T18:00Z"}},
		{"until local wall time", "2026-11-24T19:00", "FREQ=WEEKLY;UNTIL=20261208T185959", []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z"}},
		{"until date covers the day", "2026-11-24T19:00", "FREQ=WEEKLY;UNTIL=20261208", []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z", "2026-12-08T18:00Z"}},
		{"every other week", "2026-11-24T19:00", "FREQ=WEEKLY;INTERVAL=2;COUNT=3", []string{"2026-11-24T18:00Z", "2026-12-08T18:00Z", "2026-12-22T18:00Z"}},
		{"two days a week", "2026-11-24T19:00", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4", []string{"2026-11-24T18:00Z", "2026-11-26T18:00Z", "2026-12-01T18:00Z", "2026-12-03T18:00Z"}},
		{"second Tuesday", "2026-11-10T19:00", "FREQ=MONTHLY;BYDAY=2TU;COUNT=3", []string{"2026-11-10T18:00Z", "2026-12-08T18:00Z", "2027-01-12T18:00Z"}},
		{"last Friday", "2026-11-27T19:00", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", []string{"2026-11-27T18:00Z", "2026-12-25T18:00Z", "2027-01-29T18:00Z"}},
		{"last weekday by BYSETPOS", "2026-11-30T19:00", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", []string{"2026-11-30T18:00Z", "2026-12-31T18:00Z", "2027-01-29T18:00Z"}},
		{"the 31st skips short months", "2027-01-31T19:00", "FREQ=MONTHLY;COUNT=3", []string{"2027-01-31T18:00Z", "2027-03-31T17:00Z", "2027-05-31T17:00Z"}},
		{"lower case, RRULE: prefix", "2026-11-24T19:00", "rrule:freq=weekly;count=2", []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.start, "Europe/Berlin", time.Hour, tt.rule)
			got := starts(s.Between(utc("2026-01-01T00:00Z"), utc("2028-01-01T00:00Z"), 100))
			// Rules without COUNT or UNTIL go on; compare their beginning.
			if endless := tt.rule != "" && !strings.Contains(strings.ToUpper(tt.rule), "COUNT") && !strings.Contains(tt.rule, "UNTIL"); endless && len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			if !equalStrings(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		start, zone string
		dur         time.Duration
		rule, want  string
	}{
		{"2026-11-24T19:00", "Mars/Olympus_Mons", time.Hour, "", "unknown time zone"},
		{"2026-11-24T19:00", "", time.Hour, "", "IANA name"},
		{"2026-11-24T19:00", "Local", time.Hour, "", "IANA name"},
		{"2026-11-24T19:00", "../../etc/passwd", time.Hour, "", "unknown time zone"},
		{"2026-11-24 19:00", "Europe/Berlin", time.Hour, "", "local date and time"},
		{"2026-11-24T19:00Z", "Europe/Berlin", time.Hour, "", "local date and time"},
		{"1969-11-24T19:00", "Europe/Berlin", time.Hour, "", "start year"},
		{"2026-11-24T19:00", "Europe/Berlin", 0, "", "duration"},
		{"2026-11-24T19:00", "Europe/Berlin", -time.Hour, "", "duration"},
		{"2026-11-24T19:00", "Europe/Berlin", 12*time.Hour + time.Second, "", "duration"},
		{"2026-11-24T19:00", "Europe/Berlin", 1500 * time.Millisecond, "", "whole seconds"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;BYDAY=XX", "not a weekday"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "BYDAY=TU", "no FREQ"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=FORTNIGHTLY", "unknown FREQ"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;;", "NAME=VALUE"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;FREQ=DAILY", "repeats"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;COLOR=BLUE", "unknown recurrence rule part"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY BYDAY=TU", "contains"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "DTSTART:20261124T190000\nRRULE:FREQ=WEEKLY", "DTSTART"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;DTSTART=20261124T190000", "DTSTART"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=HOURLY", "at most once a day"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MINUTELY;INTERVAL=1440", "at most once a day"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=SECONDLY", "at most once a day"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;BYHOUR=9,19", "time of day"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;INTERVAL=0", "INTERVAL=0"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;INTERVAL=-1", "INTERVAL=-1"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;INTERVAL=99999999999999999999", "INTERVAL"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;COUNT=1001", "COUNT=1001"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;COUNT=0", "COUNT=0"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;COUNT=2;UNTIL=20271231", "both COUNT and UNTIL"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;UNTIL=2027", "UNTIL"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;UNTIL=20261124T175959Z", "ends (UNTIL) before"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;BYDAY=+1TU", "numbered weekday"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MONTHLY;BYDAY=+53MO", "at most 5"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=YEARLY;BYMONTH=12;BYDAY=-53MO", "at most 5"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MONTHLY;BYDAY=0TU", "ordinal"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=YEARLY;BYEASTER=400", "BYEASTER"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;BYMONTHDAY=24", "WEEKLY"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MONTHLY;BYWEEKNO=48", "YEARLY"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;BYDAY=WE", "not an occurrence"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no occurrence within two years"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "no occurrence within two years"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29", "no occurrence within two years"},
		{"2026-11-24T19:00", "Europe/Berlin", time.Hour, strings.Repeat("FREQ=DAILY;", 60), "longer than"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.start, tt.zone, tt.dur, tt.rule)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q, %q, %v, %q) = %+v, %v; want ErrInvalid mentioning %q", tt.start, tt.zone, tt.dur, tt.rule, s, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	ok := Schedule{Start: time.Date(2026, 11, 24, 19, 0, 0, 0, berlin), Location: berlin, Duration: time.Hour, RRule: "FREQ=WEEKLY"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Schedule)
		want string
	}{
		{"no zone", func(s *Schedule) { s.Location = nil }, "no time zone"},
		{"server zone", func(s *Schedule) { s.Location = time.Local }, "IANA name"},
		{"fraction of a second", func(s *Schedule) { s.Start = s.Start.Add(time.Millisecond) }, "fraction"},
		{"far future", func(s *Schedule) { s.Start = s.Start.AddDate(1000, 0, 0) }, "start year"},
	}
	for _, tt := range tests {
		s := ok
		tt.edit(&s)
		if err := s.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate = %v, want ErrInvalid mentioning %q", tt.name, err, tt.want)
		}
		if occ := s.Between(utc("2026-01-01T00:00Z"), utc("2027-01-01T00:00Z"), 10); len(occ) != 0 {
			t.Errorf("%s: Between gave %v for a malformed schedule", tt.name, occ)
		}
	}
}

func TestNormalize(t *testing.T) {
	ny := zone(t, "America/New_York")
	s := Schedule{
		Start:    time.Date(2026, 11, 3, 19, 0, 0, 0, ny),
		Location: ny,
		Duration: 90 * time.Minute,
		RRule:    " rrule:byday=tu;until=20261231;freq=weekly ",
	}
	n, err := s.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	// UNTIL=20261231 runs through the end of Dec 31 in New York, 05:00 UTC on Jan 1.
	if want := "FREQ=WEEKLY;UNTIL=20270101T045959Z;BYDAY=TU"; n.RRule != want {
		t.Errorf("RRule = %q, want %q", n.RRule, want)
	}
	if want := time.Date(2026, 11, 3, 19, 0, 0, 0, time.UTC); n.Start != want {
		t.Errorf("Start = %v, want the wall time %v", n.Start, want)
	}
	again, err := n.Normalize()
	if err != nil || again.RRule != n.RRule || again.Start != n.Start {
		t.Errorf("normalizing twice: %+v, %v", again, err)
	}
	if a, b := starts(s.Between(utc("2026-01-01T00:00Z"), utc("2028-01-01T00:00Z"), 100)), starts(n.Between(utc("2026-01-01T00:00Z"), utc("2028-01-01T00:00Z"), 100)); !equalStrings(a, b) || len(a) != 9 {
		t.Errorf("normalized schedule differs: %v vs %v", a, b)
	}
}

func TestBetweenWindowAndMax(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY")
	// [from, to): an occurrence starting exactly at from counts, one starting at to does not.
	got := starts(s.Between(utc("2026-11-25T18:00Z"), utc("2026-11-27T18:00Z"), 10))
	if want := []string{"2026-11-25T18:00Z", "2026-11-26T18:00Z"}; !equalStrings(got, want) {
		t.Errorf("window: got %v, want %v", got, want)
	}
	if got := s.Between(utc("2026-11-01T00:00Z"), utc("2027-11-01T00:00Z"), 3); len(got) != 3 {
		t.Errorf("max 3: got %d", len(got))
	}
	if got := s.Between(utc("2026-11-01T00:00Z"), utc("2027-11-01T00:00Z"), 0); got != nil {
		t.Errorf("max 0: got %v", got)
	}
	if got := s.Between(utc("2027-11-01T00:00Z"), utc("2026-11-01T00:00Z"), 5); got != nil {
		t.Errorf("reversed window: got %v", got)
	}
}

func TestNext(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;COUNT=2")
	tests := []struct {
		after string
		want  string
	}{
		{"2020-01-01T00:00Z", "2026-11-24T18:00Z"},
		{"2026-11-24T17:59Z", "2026-11-24T18:00Z"},
		{"2026-11-24T18:00Z", "2026-12-01T18:00Z"}, // strictly after
		{"2026-12-01T18:00Z", ""},
	}
	for _, tt := range tests {
		o, ok := s.Next(utc(tt.after))
		got := ""
		if ok {
			got = o.Start.Format("2006-01-02T15:04Z")
		}
		if got != tt.want {
			t.Errorf("Next(%s) = %q, want %q", tt.after, got, tt.want)
		}
	}
}

// TestHorizon checks that a never-ending rule stops HorizonYears after its start, so that no
// question about the far future can keep the expansion going.
func TestHorizon(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=DAILY")
	last, ok := s.Next(utc("2126-11-24T00:00Z"))
	if !ok || last.Start.Format("2006-01-02") != "2126-11-24" {
		t.Fatalf("last occurrence = %v, %v; want 2126-11-24", last.Start, ok)
	}
	if o, ok := s.Next(last.Start); ok {
		t.Fatalf("occurrence after the horizon: %v", o.Start)
	}
	begin := time.Now()
	if occ := s.Between(utc("2200-01-01T00:00Z"), utc("9999-01-01T00:00Z"), 1000); len(occ) != 0 {
		t.Fatalf("occurrences past the horizon: %d", len(occ))
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Between far beyond the horizon took %v", d)
	}
}

func TestExceptions(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", 90*time.Minute, "FREQ=WEEKLY;BYDAY=TU")
	dec1, dec8, dec15 := utc("2026-12-01T18:00Z"), utc("2026-12-08T18:00Z"), utc("2026-12-15T18:00Z")

	s, err := s.Cancel(dec1)
	if err != nil {
		t.Fatal(err)
	}
	// The Dec 8 meeting moves to Thursday Dec 10, 20:00 Berlin.
	moved := utc("2026-12-10T19:00Z")
	s, err = s.Move(dec8, moved)
	if err != nil {
		t.Fatal(err)
	}
	occ := s.Between(utc("2026-11-24T00:00Z"), utc("2026-12-16T00:00Z"), 10)
	want := []Occurrence{
		{Start: utc("2026-11-24T18:00Z"), End: utc("2026-11-24T19:30Z"), Original: utc("2026-11-24T18:00Z")},
		{Start: moved, End: moved.Add(90 * time.Minute), Original: dec8, Moved: true},
		{Start: dec15, End: dec15.Add(90 * time.Minute), Original: dec15},
	}
	if len(occ) != len(want) {
		t.Fatalf("got %v, want %v", starts(occ), want)
	}
	for i := range want {
		if occ[i] != want[i] {
			t.Errorf("occurrence %d = %+v, want %+v", i, occ[i], want[i])
		}
	}

	// A moved occurrence counts where it lands, not where it was.
	if got := starts(s.Between(utc("2026-12-08T00:00Z"), utc("2026-12-09T00:00Z"), 10)); len(got) != 0 {
		t.Errorf("window around the original: %v", got)
	}
	if got := starts(s.Between(utc("2026-12-10T00:00Z"), utc("2026-12-11T00:00Z"), 10)); !equalStrings(got, []string{"2026-12-10T19:00Z"}) {
		t.Errorf("window around the new time: %v", got)
	}
	// A move earlier than another occurrence sorts before it, and max keeps the earliest.
	early, err := s.Move(dec15, utc("2026-11-30T18:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got := starts(early.Between(utc("2026-11-25T00:00Z"), utc("2027-01-01T00:00Z"), 1)); !equalStrings(got, []string{"2026-11-30T18:00Z"}) {
		t.Errorf("max 1 with an early move: %v", got)
	}

	if o, ok := s.Next(utc("2026-11-24T18:00Z")); !ok || o.Start != moved {
		t.Errorf("Next skips the cancelled one: got %+v, %v", o, ok)
	}

	// Restoring, and moving back to the original time, remove the exceptions.
	r, err := s.Restore(dec1)
	if err != nil {
		t.Fatal(err)
	}
	r, err = r.Move(dec8, dec8)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Exceptions) != 0 {
		t.Errorf("exceptions left: %+v", r.Exceptions)
	}

	errs := []struct {
		name string
		do   func() (Schedule, error)
		want string
	}{
		{"not an occurrence", func() (Schedule, error) { return s.Cancel(utc("2026-12-02T18:00Z")) }, "matches no occurrence"},
		{"moved start is not an original", func() (Schedule, error) { return s.Cancel(moved) }, "matches no occurrence"},
		{"moved too far", func() (Schedule, error) { return s.Move(dec15, dec15.AddDate(2, 0, 0)) }, "at most"},
		{"moved nowhere", func() (Schedule, error) { return s.Move(dec15, time.Time{}) }, "no time"},
		{"before the start", func() (Schedule, error) { return s.Cancel(utc("2026-11-17T18:00Z")) }, "matches no occurrence"},
		{"duplicate", func() (Schedule, error) {
			d := s
			d.Exceptions = append(append([]Exception(nil), s.Exceptions...), Exception{Original: dec1, Cancelled: true})
			return d.Normalize()
		}, "two exceptions"},
		{"both cancel and move", func() (Schedule, error) {
			d := s
			d.Exceptions = []Exception{{Original: dec1, Cancelled: true, MovedTo: moved}}
			return d.Normalize()
		}, "either cancel or move"},
	}
	for _, tt := range errs {
		if _, err := tt.do(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ErrInvalid mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestOneOffExceptions(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "")
	first := utc("2026-11-24T18:00Z")
	c, err := s.Cancel(first)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Next(utc("2026-01-01T00:00Z")); ok {
		t.Error("cancelled one-off still has a next occurrence")
	}
	m, err := s.Move(first, first.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := m.Next(utc("2026-01-01T00:00Z")); !ok || !o.Moved || o.Start != first.Add(24*time.Hour) {
		t.Errorf("moved one-off: %+v, %v", o, ok)
	}
}

// TestExceptionsIgnoredWhenUnchecked checks that Between, which does not validate, never invents an
// occurrence from an exception whose original is not an occurrence.
func TestExceptionsIgnoredWhenUnchecked(t *testing.T) {
	s := mustParse(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY")
	s.Exceptions = []Exception{{Original: utc("2026-11-25T18:00Z"), MovedTo: utc("2026-11-26T18:00Z")}}
	if got := starts(s.Between(utc("2026-11-24T00:00Z"), utc("2026-12-02T00:00Z"), 10)); !equalStrings(got, []string{"2026-11-24T18:00Z", "2026-12-01T18:00Z"}) {
		t.Errorf("got %v", got)
	}
}
