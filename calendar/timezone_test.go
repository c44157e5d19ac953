package calendar

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"hearth/schedule"
)

// onset is a change of offset read from a parsed VTIMEZONE.
type onset struct {
	at     time.Time
	offset int
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		t.Fatalf("offset %q", s)
	}
	s = s[1:]
	h, _ := strconv.Atoi(s[0:2])
	m, _ := strconv.Atoi(s[2:4])
	sec := 0
	if len(s) == 6 {
		sec, _ = strconv.Atoi(s[4:6])
	}
	return sign * (h*3600 + m*60 + sec)
}

// onsets evaluates a parsed VTIMEZONE the way RFC 5545 defines it, independently of the code that
// wrote it: every observance's DTSTART and RRULE expansions are wall times in TZOFFSETFROM, and
// UNTIL is a UTC instant.
func onsets(t *testing.T, tz *ics.VTimezone, until time.Time) []onset {
	t.Helper()
	var out []onset
	for _, c := range tz.Components {
		var cb *ics.ComponentBase
		switch o := c.(type) {
		case *ics.Standard:
			cb = &o.ComponentBase
		case *ics.Daylight:
			cb = &o.ComponentBase
		default:
			t.Fatalf("unexpected %T in VTIMEZONE", c)
		}
		from := parseOffset(t, value(cb, ics.ComponentProperty(ics.PropertyTzoffsetfrom)))
		to := parseOffset(t, value(cb, ics.ComponentProperty(ics.PropertyTzoffsetto)))
		start, err := time.Parse(localLayout, value(cb, ics.ComponentPropertyDtStart))
		if err != nil {
			t.Fatal(err)
		}
		instant := func(w time.Time) time.Time { return w.Add(-time.Duration(from) * time.Second) }
		rule := value(cb, ics.ComponentPropertyRrule)
		if rule == "" {
			out = append(out, onset{instant(start), to})
			continue
		}
		end := until
		var parts []string
		for _, p := range strings.Split(rule, ";") {
			if v, ok := strings.CutPrefix(p, "UNTIL="); ok {
				if end, err = time.Parse(utcLayout, v); err != nil {
					t.Fatal(err)
				}
				continue
			}
			parts = append(parts, p)
		}
		opt, err := rrule.StrToROption(strings.Join(parts, ";"))
		if err != nil {
			t.Fatal(err)
		}
		opt.Dtstart = start
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatal(err)
		}
		next := r.Iterator()
		for w, ok := next(); ok && !instant(w).After(end) && w.Before(until); w, ok = next() {
			out = append(out, onset{instant(w), to})
		}
	}
	slices.SortFunc(out, func(a, b onset) int { return a.at.Compare(b.at) })
	return out
}

// TestVTimezoneMatchesGo checks that an app reading our VTIMEZONE alone gets Go's offset at every
// instant, from the start of the feed to well past the end of the tz database's explicit
// transitions, for zones with very different histories and rules.
func TestVTimezoneMatchesGo(t *testing.T) {
	zones := []string{
		"Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Tokyo",
		"UTC", "America/Sao_Paulo", "Asia/Jerusalem", "America/Santiago", "Pacific/Apia",
		"Europe/Dublin", "Africa/Casablanca", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham",
	}
	since := utc("2005-06-01T12:00Z")
	end := utc("2120-01-01T00:00Z")
	for _, name := range zones {
		t.Run(name, func(t *testing.T) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			w := since.In(loc)
			s := schedule.Schedule{Start: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), 0, 0, 0, time.UTC), Location: loc, Duration: time.Hour}
			_, cal := write(t, name, []Event{{UID: "tz", Schedule: s, Updated: updated}})
			tzs := cal.Timezones()
			if len(tzs) != 1 {
				t.Fatalf("%d VTIMEZONEs", len(tzs))
			}
			ons := onsets(t, tzs[0], end)
			offsetAt := func(at time.Time) (int, bool) {
				i, _ := slices.BinarySearchFunc(ons, at, func(o onset, at time.Time) int {
					if o.at.After(at) {
						return 1
					}
					return -1
				})
				if i == 0 {
					return 0, false
				}
				return ons[i-1].offset, true
			}
			check := func(at time.Time) {
				_, want := at.In(loc).Zone()
				got, ok := offsetAt(at)
				if !ok || got != want {
					t.Fatalf("at %s the VTIMEZONE gives %d (defined: %v), Go %d", at.Format(time.RFC3339), got, ok, want)
				}
			}
			start := schedule.Instant(s.Start, loc)
			for at := start; at.Before(end); at = at.Add(6 * time.Hour) {
				check(at)
			}
			for _, o := range ons {
				if !o.at.Before(start) {
					check(o.at)
					check(o.at.Add(-time.Second))
				}
			}
			if n := len(tzs[0].Components); n > 60 && name != "Africa/Casablanca" {
				t.Errorf("%d observances; a regular zone should fold into a few", n)
			}
		})
	}
}

func TestUTCOffset(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 3600: "+0100", -18000: "-0500", 19800: "+0530", -12600: "-0330", 3208: "+005328"} {
		if got := utcOffset(sec); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", sec, got, want)
		}
	}
}
