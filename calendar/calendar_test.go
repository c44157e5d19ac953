package calendar

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"hearth/schedule"
)

var updated = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func mustSchedule(t testing.TB, start, zone string, dur time.Duration, rule string) schedule.Schedule {
	t.Helper()
	s, err := schedule.Parse(start, zone, dur, rule)
	if err != nil {
		t.Fatalf("schedule.Parse: %v", err)
	}
	return s
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

// write runs Write and checks what every feed must satisfy: CRLF line endings only, no line longer
// than 75 octets, no UTF-8 sequence split by folding, and a real parser accepting it.
func write(t testing.TB, name string, events []Event) (string, *ics.Calendar) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, name, events); err != nil {
		t.Fatalf("Write: %v", err)
	}
	out := buf.String()
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Fatalf("feed does not end with END:VCALENDAR CRLF: %q", out[max(0, len(out)-40):])
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the feed: %v\n%s", err, out)
	}
	return out, cal
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

func value(c *ics.ComponentBase, p ics.ComponentProperty) string {
	if v := c.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestWriteHeader(t *testing.T) {
	s := mustSchedule(t, "2026-11-24T19:00", "Europe/Berlin", 90*time.Minute, "FREQ=WEEKLY;BYDAY=TU")
	ny := mustSchedule(t, "2026-11-24T19:00", "America/New_York", time.Hour, "")
	out, cal := write(t, "Tuesday circle, Berlin; all welcome", []Event{
		{UID: "a@hearth.example", Title: "Grief circle", Schedule: s, Updated: updated},
		{UID: "b@hearth.example", Title: "Carers", Schedule: ny, Updated: updated},
	})
	for p, want := range map[ics.Property]string{
		ics.PropertyVersion:    "2.0",
		ics.PropertyProductId:  "-//Hearth//Hearth//EN",
		ics.PropertyMethod:     "PUBLISH",
		ics.PropertyCalscale:   "GREGORIAN",
		ics.PropertyXWRCalName: "Tuesday circle, Berlin; all welcome",
	} {
		if got := calProp(cal, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if !strings.Contains(out, "\r\nX-WR-CALNAME:Tuesday circle\\, Berlin\\; all welcome\r\n") {
		t.Errorf("calendar name not escaped:\n%s", out)
	}
	var tzids []string
	for _, tz := range cal.Timezones() {
		tzids = append(tzids, value(&tz.ComponentBase, ics.ComponentPropertyTzid))
	}
	if want := []string{"America/New_York", "Europe/Berlin"}; !slices.Equal(tzids, want) {
		t.Errorf("VTIMEZONEs %v, want %v", tzids, want)
	}
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	for _, ev := range evs {
		if got := value(&ev.ComponentBase, ics.ComponentPropertyDtstamp); got != "20260301T093000Z" {
			t.Errorf("DTSTAMP = %q", got)
		}
	}
	master := &evs[0].ComponentBase
	dt := master.GetProperty(ics.ComponentPropertyDtStart)
	if dt.Value != "20261124T190000" || dt.ICalParameters["TZID"][0] != "Europe/Berlin" {
		t.Errorf("DTSTART = %+v", dt.BaseProperty)
	}
	if got := value(master, ics.ComponentPropertyRrule); got != "FREQ=WEEKLY;BYDAY=TU" {
		t.Errorf("RRULE = %q", got)
	}
	if got := value(master, ics.ComponentPropertyDuration); got != "PT1H30M" {
		t.Errorf("DURATION = %q", got)
	}
	if got := value(&evs[1].ComponentBase, ics.ComponentPropertyRrule); got != "" {
		t.Errorf("one-off has RRULE %q", got)
	}
}

// parsedInstants expands the parsed feed's event uid over [from, to) the way a calendar app does,
// with rrule-go directly on the parsed DTSTART, TZID and RRULE, then EXDATE and RECURRENCE-ID
// overrides applied.
func parsedInstants(t *testing.T, cal *ics.Calendar, uid string, from, to time.Time) []string {
	t.Helper()
	readTime := func(p *ics.IANAProperty) time.Time {
		if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
			loc, err := time.LoadLocation(tz[0])
			if err != nil {
				t.Fatal(err)
			}
			v, err := time.ParseInLocation(localLayout, p.Value, loc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v, err := time.Parse(utcLayout, p.Value)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var master *ics.ComponentBase
	var overrides []*ics.ComponentBase
	for _, ev := range cal.Events() {
		if ev.Id() != uid {
			continue
		}
		if ev.GetProperty(ics.ComponentPropertyRecurrenceId) != nil {
			overrides = append(overrides, &ev.ComponentBase)
		} else {
			master = &ev.ComponentBase
		}
	}
	dtstart := readTime(master.GetProperty(ics.ComponentPropertyDtStart))
	opt, err := rrule.StrToROptionInLocation(value(master, ics.ComponentPropertyRrule), dtstart.Location())
	if err != nil {
		t.Fatal(err)
	}
	opt.Dtstart = dtstart
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		t.Fatal(err)
	}
	removed := map[time.Time]bool{}
	for _, p := range master.GetProperties(ics.ComponentPropertyExdate) {
		removed[readTime(p).UTC()] = true
	}
	var got []time.Time
	for _, o := range overrides {
		removed[readTime(o.GetProperty(ics.ComponentPropertyRecurrenceId)).UTC()] = true
		if s := readTime(o.GetProperty(ics.ComponentPropertyDtStart)); !s.Before(from) && s.Before(to) {
			got = append(got, s.UTC())
		}
	}
	for _, at := range r.Between(from, to, true) {
		if !removed[at.UTC()] && at.Before(to) {
			got = append(got, at.UTC())
		}
	}
	slices.SortFunc(got, time.Time.Compare)
	out := make([]string, len(got))
	for i, at := range got {
		out[i] = at.Format("2006-01-02T15:04Z")
	}
	return out
}

func scheduleInstants(s schedule.Schedule, from, to time.Time) []string {
	var out []string
	for _, o := range s.Between(from, to, 1000) {
		out = append(out, o.Start.Format("2006-01-02T15:04Z"))
	}
	return out
}

// TestRecurrenceMatchesSchedule is the feed's contract: what an app computes from it is what Hearth
// will run, across both 2026 daylight-saving changes, with cancelled and moved occurrences.
func TestRecurrenceMatchesSchedule(t *testing.T) {
	type change struct {
		original string
		movedTo  string // "" cancels
	}
	tests := []struct {
		name, start, zone, rule string
		changes                 []change
		want                    int
	}{
		{"Berlin Tuesdays", "2026-03-03T19:00", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=TU",
			[]change{{"2026-03-24T18:00Z", ""}, {"2026-03-31T17:00Z", "2026-04-02T17:00Z"}, {"2026-10-27T18:00Z", "2026-10-24T17:00Z"}}, 36},
		{"New York Tuesdays, until", "2026-03-03T19:00", "America/New_York", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261110",
			[]change{{"2026-03-10T23:00Z", ""}, {"2026-11-04T00:00Z", "2026-11-05T00:00Z"}}, 36},
		{"Sydney second Sundays", "2026-03-08T10:00", "Australia/Sydney", "FREQ=MONTHLY;BYDAY=2SU",
			[]change{{"2026-04-12T00:00Z", ""}}, 8},
		{"Berlin daily, count", "2026-03-20T19:00", "Europe/Berlin", "FREQ=DAILY;INTERVAL=3;COUNT=80", nil, 80},
	}
	from, to := utc("2026-03-01T00:00Z"), utc("2026-11-15T00:00Z")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.start, tt.zone, time.Hour, tt.rule)
			var err error
			for _, c := range tt.changes {
				if c.movedTo == "" {
					s, err = s.Cancel(utc(c.original))
				} else {
					s, err = s.Move(utc(c.original), utc(c.movedTo))
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			_, cal := write(t, "Group", []Event{{UID: "u1@hearth", Title: "Circle", Schedule: s, Updated: updated}})
			want := scheduleInstants(s, from, to)
			got := parsedInstants(t, cal, "u1@hearth", from, to)
			if !slices.Equal(got, want) {
				t.Fatalf("app expansion differs from schedule.Between:\n got %v\nwant %v", got, want)
			}
			if len(want) != tt.want {
				t.Errorf("%d occurrences in the window, want %d", len(want), tt.want)
			}
		})
	}
}

// TestExceptionTimes checks the DATE-TIME forms of exceptions, including a daylight-saving day: the
// occurrence skipped forward on 2026-03-29 is cancelled by its real wall time, and an occurrence
// moved to the second 02:30 of 2026-10-25 is written in UTC because its wall time would name the first.
func TestExceptionTimes(t *testing.T) {
	s := mustSchedule(t, "2026-03-22T02:30", "Europe/Berlin", time.Hour, "FREQ=WEEKLY;BYDAY=SU")
	s, err := s.Cancel(utc("2026-03-29T01:30Z")) // 02:30 does not exist that night: 03:30 CEST
	if err != nil {
		t.Fatal(err)
	}
	s, err = s.Move(utc("2026-10-18T00:30Z"), utc("2026-10-25T01:30Z")) // 02:30 CET, the second one
	if err != nil {
		t.Fatal(err)
	}
	out, _ := write(t, "Night owls", []Event{{UID: "n@hearth", Title: "Night", Schedule: s, Updated: updated}})
	for _, want := range []string{
		"DTSTART;TZID=Europe/Berlin:20260322T023000\r\n",
		"EXDATE;TZID=Europe/Berlin:20260329T033000\r\n",
		"RECURRENCE-ID;TZID=Europe/Berlin:20261018T023000\r\n",
		"DTSTART:20261025T013000Z\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("feed lacks %q:\n%s", want, out)
		}
	}
}

func TestOneOff(t *testing.T) {
	s := mustSchedule(t, "2026-11-24T19:00", "Europe/Berlin", 2*time.Hour, "")
	first := utc("2026-11-24T18:00Z")
	cancelled, err := s.Cancel(first)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Move(first, first.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, cal := write(t, "One-offs", []Event{
		{UID: "plain", Title: "Plain", Schedule: s, Updated: updated},
		{UID: "cancelled", Title: "Cancelled", Schedule: cancelled, Updated: updated},
		{UID: "moved", Title: "Moved", Schedule: moved, Updated: updated},
	})
	evs := cal.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	check := func(i int, start, status string) {
		c := &evs[i].ComponentBase
		if got := value(c, ics.ComponentPropertyDtStart); got != start {
			t.Errorf("%s: DTSTART %q, want %q", evs[i].Id(), got, start)
		}
		if got := value(c, ics.ComponentPropertyStatus); got != status {
			t.Errorf("%s: STATUS %q, want %q", evs[i].Id(), got, status)
		}
		if got := value(c, ics.ComponentPropertyDuration); got != "PT2H" {
			t.Errorf("%s: DURATION %q", evs[i].Id(), got)
		}
	}
	check(0, "20261124T190000", "")
	check(1, "20261124T190000", "CANCELLED")
	check(2, "20261124T200000", "")
}

// TestTextRoundTrip checks that titles and descriptions survive escaping and folding: what a parser
// reads back is what was written, up to the cleaning of characters TEXT cannot hold.
func TestTextRoundTrip(t *testing.T) {
	s := mustSchedule(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY")
	tests := []struct{ in, want string }{
		{"Grief, loss; and hope", "Grief, loss; and hope"},
		{`back\slash and "quotes" and colon: yes`, `back\slash and "quotes" and colon: yes`},
		{"two\nlines", "two\nlines"},
		{"windows\r\nline\rbreaks", "windows\nline\nbreaks"},
		{"bell\a and nul\x00 and escape\x1b gone, tab\tkept", "bell and nul and escape gone, tab\tkept"},
		{"bad utf-8 \xff\xfe", "bad utf-8 \uFFFD"},
		{"🕯️ candle, 🤝 hands; 👨‍👩‍👧 family", "🕯️ candle, 🤝 hands; 👨‍👩‍👧 family"},
		{strings.Repeat("é,", 250), strings.Repeat("é,", 250)},
		{strings.Repeat("🙂", 500), strings.Repeat("🙂", 500)},
		{strings.Repeat("x", 500), strings.Repeat("x", 500)},
	}
	for _, tt := range tests {
		_, cal := write(t, tt.in, []Event{{UID: "u", Title: tt.in, Description: tt.in, Schedule: s, Updated: updated}})
		ev := &cal.Events()[0].ComponentBase
		if got := value(ev, ics.ComponentPropertySummary); got != tt.want {
			t.Errorf("SUMMARY of %q read back as %q, want %q", tt.in, got, tt.want)
		}
		if got := value(ev, ics.ComponentPropertyDescription); got != tt.want {
			t.Errorf("DESCRIPTION of %q read back as %q", tt.in, got)
		}
		if got := calProp(cal, ics.PropertyXWRCalName); got != tt.want {
			t.Errorf("X-WR-CALNAME of %q read back as %q", tt.in, got)
		}
	}
}

// TestOddTitles writes many random titles built from the characters that break feeds (separators,
// escapes, line breaks, multi-byte and combining characters, emoji) at lengths up to 500.
func TestOddTitles(t *testing.T) {
	s := mustSchedule(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY")
	alphabet := []rune{',', ';', ':', '\\', '"', '\n', '\r', '\t', ' ', 'a', 'Z', '0', 'é', 'ß', '中', '\u0301', '\u200d', '🙂', '🕯', '👩', '\u2028', 0x7f, 0x01}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		n := rng.IntN(500) + 1
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = alphabet[rng.IntN(len(alphabet))]
		}
		title := string(rs)
		_, cal := write(t, "odd", []Event{{UID: "u", Title: title, Schedule: s, Updated: updated}})
		if got, want := value(&cal.Events()[0].ComponentBase, ics.ComponentPropertySummary), text(title); got != want {
			t.Fatalf("title %q read back as %q, want %q", title, got, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	s := mustSchedule(t, "2026-11-24T19:00", "Europe/Berlin", time.Hour, "FREQ=WEEKLY")
	broken := s
	broken.RRule = "FREQ=HOURLY"
	fixed := s
	fixed.Location = time.FixedZone("UTC+1, sort of", 3600)
	tests := []struct {
		name   string
		events []Event
		want   string
	}{
		{"no UID", []Event{{Schedule: s, Updated: updated}}, "UID"},
		{"UID with a line break", []Event{{UID: "a\nb", Schedule: s, Updated: updated}}, "UID"},
		{"long UID", []Event{{UID: strings.Repeat("u", 256), Schedule: s, Updated: updated}}, "UID"},
		{"same UID twice", []Event{{UID: "a", Schedule: s, Updated: updated}, {UID: "a", Schedule: s, Updated: updated}}, "two events"},
		{"no Updated", []Event{{UID: "a", Schedule: s}}, "Updated"},
		{"relative URL", []Event{{UID: "a", URL: "/s/1", Schedule: s, Updated: updated}}, "URL"},
		{"URL with a line break", []Event{{UID: "a", URL: "https://x.example/\r\nX-EVIL:1", Schedule: s, Updated: updated}}, "URL"},
		{"javascript URL", []Event{{UID: "a", URL: "javascript:alert(1)", Schedule: s, Updated: updated}}, "URL"},
		{"invalid schedule", []Event{{UID: "a", Schedule: broken, Updated: updated}}, "at most once a day"},
		{"zone name unfit for TZID", []Event{{UID: "a", Schedule: fixed, Updated: updated}}, "TZID"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		err := Write(&buf, "x", tt.events)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want ErrInvalid mentioning %q", tt.name, err, tt.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", tt.name, buf.Len())
		}
	}
	if !errors.Is(Write(io.Discard, "x", []Event{{UID: "b", Schedule: broken, Updated: updated}}), schedule.ErrInvalid) {
		t.Error("a schedule error does not wrap schedule.ErrInvalid")
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour:                     "PT1H",
		90 * time.Minute:              "PT1H30M",
		45 * time.Minute:              "PT45M",
		12 * time.Hour:                "PT12H",
		time.Hour + 5*time.Second:     "PT1H5S",
		2*time.Minute + time.Second:   "PT2M1S",
		30 * time.Second:              "PT30S",
		11*time.Hour + 59*time.Minute: "PT11H59M",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
