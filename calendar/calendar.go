// Package calendar writes a group's schedules as an iCalendar feed (RFC 5545) that calendar apps
// import or subscribe to. Each schedule becomes one VEVENT: a recurring one carries its RRULE, an
// EXDATE for every cancelled occurrence and an override (RECURRENCE-ID) for every moved one. Start
// times are local wall times with a TZID, so apps keep "19:00 Berlin" at 19:00 across daylight-saving
// changes, and every zone used is described by a VTIMEZONE for apps that do not know it by name.
//
// Serialization (escaping, folding at 75 octets, CRLF) is golang-ical's; this package chooses what to
// write and cleans text so that the result is valid whatever a host typed.
package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"hearth/schedule"
)

// ErrInvalid means an event cannot be written. Every error of Write about its input wraps it.
var ErrInvalid = errors.New("invalid calendar event")

// ProductID names Hearth as the feed's producer (PRODID).
const ProductID = "-//Hearth//Hearth//EN"

const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
	maxUIDLen   = 255
)

// Event is one schedule as it appears in a calendar.
type Event struct {
	// UID identifies the event to calendar apps across refreshes of the feed: it must be stable and
	// globally unique, such as "<session id>@<host>".
	UID                     string
	Title, Description, URL string
	Schedule                schedule.Schedule
	// Updated is when the event last changed. It is written as DTSTAMP and LAST-MODIFIED, which is
	// how apps notice changes, and keeps the feed a pure function of its input.
	Updated time.Time
}

// Write writes a VCALENDAR named name with the events, in their order. It fails, writing nothing,
// if any event is invalid.
func Write(w io.Writer, name string, events []Event) error {
	cal := ics.NewCalendarFor("Hearth")
	cal.SetProductId(ProductID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(text(name)) // NAME (RFC 7986) and X-WR-CALNAME

	type zoneUse struct {
		loc   *time.Location
		since time.Time
	}
	zones := map[string]*zoneUse{}
	scheds := make([]schedule.Schedule, len(events))
	uids := map[string]bool{}
	for i, e := range events {
		s, err := check(e)
		if err != nil {
			return err
		}
		if uids[e.UID] {
			return fmt.Errorf("%w: two events with UID %q", ErrInvalid, e.UID)
		}
		uids[e.UID] = true
		scheds[i] = s
		tzid := s.Location.String()
		z := zones[tzid]
		if z == nil {
			z = &zoneUse{loc: s.Location, since: earliest(s)}
			zones[tzid] = z
		} else if t := earliest(s); t.Before(z.since) {
			z.since = t
		}
	}
	tzids := make([]string, 0, len(zones))
	for tzid := range zones {
		tzids = append(tzids, tzid)
	}
	slices.Sort(tzids)
	for _, tzid := range tzids {
		cal.AddVTimezone(vtimezone(tzid, zones[tzid].loc, zones[tzid].since))
	}
	for i, e := range events {
		addEvent(cal, e, scheds[i])
	}

	var buf bytes.Buffer
	if err := cal.SerializeTo(&buf, ics.WithNewLine("\r\n")); err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// check validates an event and returns its schedule in normal form.
func check(e Event) (schedule.Schedule, error) {
	if e.UID == "" || len(e.UID) > maxUIDLen || !utf8.ValidString(e.UID) || strings.IndexFunc(e.UID, unicode.IsControl) >= 0 {
		return schedule.Schedule{}, fmt.Errorf("%w: UID %q: want 1..%d printable characters", ErrInvalid, e.UID, maxUIDLen)
	}
	if e.Updated.IsZero() {
		return schedule.Schedule{}, fmt.Errorf("%w: event %q has no Updated time", ErrInvalid, e.UID)
	}
	if err := checkURL(e.URL); err != nil {
		return schedule.Schedule{}, fmt.Errorf("%w: event %q: %w", ErrInvalid, e.UID, err)
	}
	s, err := e.Schedule.Normalize()
	if err != nil {
		return schedule.Schedule{}, fmt.Errorf("%w: event %q: %w", ErrInvalid, e.UID, err)
	}
	if tzid := s.Location.String(); strings.TrimFunc(tzid, isTZIDChar) != "" {
		return schedule.Schedule{}, fmt.Errorf("%w: event %q: zone name %q cannot be a TZID", ErrInvalid, e.UID, tzid)
	}
	return s, nil
}

// isTZIDChar admits the characters of IANA zone names, none of which needs quoting in a parameter.
func isTZIDChar(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-.", r)
}

// checkURL accepts an absolute http(s) URL in plain ASCII: URI values are written unescaped, so
// anything else could break the line it is on.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || r == '"' {
			return fmt.Errorf("URL %q: want printable ASCII without spaces", s)
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("URL %q: want an absolute http or https URL", s)
	}
	return nil
}

// earliest returns the earliest instant the schedule's event will mention: its first start, or an
// exception's original or new time before it.
func earliest(s schedule.Schedule) time.Time {
	t := schedule.Instant(s.Start, s.Location)
	for _, e := range s.Exceptions {
		if e.Original.Before(t) {
			t = e.Original
		}
		if !e.MovedTo.IsZero() && e.MovedTo.Before(t) {
			t = e.MovedTo
		}
	}
	return t
}

func addEvent(cal *ics.Calendar, e Event, s schedule.Schedule) {
	loc := s.Location
	tzid := ics.WithTZID(loc.String())
	ev := cal.AddEvent(e.UID)
	stamp(ev, e)
	if !s.Recurring() {
		// A one-off carries at most one exception, for its only occurrence.
		at := schedule.Instant(s.Start, loc)
		status := ""
		for _, x := range s.Exceptions {
			if x.Cancelled {
				status = "CANCELLED"
			} else {
				at = x.MovedTo
			}
		}
		setTime(ev, ics.ComponentPropertyDtStart, at, loc)
		ev.AddProperty(ics.ComponentPropertyDuration, duration(s.Duration))
		describe(ev, e)
		if status != "" {
			ev.AddProperty(ics.ComponentPropertyStatus, status)
		}
		return
	}
	// The master's DTSTART is the rule's own wall time, even one that a daylight-saving change skips:
	// apps then expand the rule exactly as package schedule does.
	ev.AddProperty(ics.ComponentPropertyDtStart, s.Start.Format(localLayout), tzid)
	ev.AddProperty(ics.ComponentPropertyDuration, duration(s.Duration))
	ev.AddProperty(ics.ComponentPropertyRrule, s.RRule)
	for _, x := range s.Exceptions {
		if x.Cancelled {
			setTime(ev, ics.ComponentPropertyExdate, x.Original, loc)
		}
	}
	describe(ev, e)
	for _, x := range s.Exceptions {
		if x.Cancelled {
			continue
		}
		o := cal.AddEvent(e.UID)
		stamp(o, e)
		setTime(o, ics.ComponentPropertyRecurrenceId, x.Original, loc)
		setTime(o, ics.ComponentPropertyDtStart, x.MovedTo, loc)
		o.AddProperty(ics.ComponentPropertyDuration, duration(s.Duration))
		describe(o, e)
	}
}

func stamp(ev *ics.VEvent, e Event) {
	ev.AddProperty(ics.ComponentPropertyDtstamp, e.Updated.UTC().Format(utcLayout))
	ev.AddProperty(ics.ComponentPropertyLastModified, e.Updated.UTC().Format(utcLayout))
}

func describe(ev *ics.VEvent, e Event) {
	if t := text(e.Title); t != "" {
		ev.AddProperty(ics.ComponentPropertySummary, t)
	}
	if d := text(e.Description); d != "" {
		ev.AddProperty(ics.ComponentPropertyDescription, d)
	}
	if e.URL != "" {
		ev.AddProperty(ics.ComponentPropertyUrl, e.URL)
	}
}

// setTime adds a DATE-TIME property for instant t: as a wall time with the zone's TZID when that
// wall time names t, and in UTC otherwise (the second 02:30 of a fall-back night, which RFC 5545
// would read as the first).
func setTime(ev *ics.VEvent, p ics.ComponentProperty, t time.Time, loc *time.Location) {
	w := t.In(loc)
	if schedule.Instant(w, loc).Equal(t) {
		ev.AddProperty(p, w.Format(localLayout), ics.WithTZID(loc.String()))
		return
	}
	ev.AddProperty(p, t.UTC().Format(utcLayout))
}

// duration formats d (whole seconds, positive) as an RFC 5545 DURATION. Hours, minutes and seconds
// are exact durations there, so an occurrence that spans a daylight-saving change lasts d, as in
// package schedule.
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	out := "PT"
	if h := s / 3600; h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m := s / 60 % 60; m > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if sec := s % 60; sec > 0 || out == "PT" {
		out += fmt.Sprintf("%dS", sec)
	}
	return out
}

// text makes s fit for a TEXT value: valid UTF-8, line breaks as a single \n (which golang-ical
// escapes), and no other control characters, which RFC 5545 does not allow in TEXT.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
