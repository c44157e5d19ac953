package calendar

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// An app that imports the feed needs the rules of every zone it names, and not every app knows the
// IANA names (Outlook maps zones by their rules). So each zone used is described by a VTIMEZONE
// derived from Go's own zone data, which is also what package schedule computes instants with: both
// sides agree on every offset.
//
// The description starts at the zone period in force at the earliest time the feed uses, lists the
// changes after it, and folds each yearly pattern ("last Sunday of March at 02:00") into one
// observance with an RRULE. The scan runs until lastScanYear or later, past the end of the explicit
// transitions in the tz database (2037 for most zones), where Go extends a zone with its current rule
// forever; a pattern still running at the end of the scan is therefore left open-ended, as Go does.
const lastScanYear = 2100

// observance is one STANDARD or DAYLIGHT block of a VTIMEZONE.
type observance struct {
	daylight bool
	from, to int // UTC offsets in seconds, before and after the onset
	name     string
	// onset is the wall time of the first onset in the offset before it (as RFC 5545 wants it),
	// held as a floating time in UTC.
	onset time.Time
	rule  string // RRULE for later onsets, "" if there are none
}

// transition is one change of a zone's offset or name.
type transition struct {
	at       time.Time
	from, to int
	name     string
	daylight bool
}

// observances describes loc from the instant since on.
func observances(loc *time.Location, since time.Time) []observance {
	now := since.In(loc)
	name, off := now.Zone()
	first := observance{daylight: now.IsDST(), from: off, to: off, name: name,
		onset: time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)}
	if start, _ := now.ZoneBounds(); !start.IsZero() {
		_, prev := start.Add(-time.Nanosecond).In(loc).Zone()
		first.from, first.onset = prev, wallIn(start, prev)
	}
	end := time.Date(max(since.Year(), lastScanYear)+1, 1, 1, 0, 0, 0, 0, time.UTC)
	return append([]observance{first}, fold(transitions(loc, since, end), end.Year()-1)...)
}

// transitions returns the changes of loc in (since, end).
//
// Go's ZoneBounds is exact next to a change but, in the years it computes from a zone's rule (after
// 2037), also reports the start and end of every year, and one day early in leap years. So each
// reported bound is checked: no change there means skip ahead, a change is placed to the second.
func transitions(loc *time.Location, since, end time.Time) []transition {
	var out []transition
	t := since
	for len(out) < maxTransitions {
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() {
			return out // no change ever again
		}
		if !next.After(t) {
			next = t.Add(24 * time.Hour)
		}
		if !next.Before(end) {
			return out
		}
		was := zoneAt(loc, t)
		if zoneAt(loc, next) == was {
			t = next
			continue
		}
		lo, hi := t, next // was at lo, changed by hi
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if !mid.After(lo) {
				mid = lo.Add(time.Second)
			}
			if zoneAt(loc, mid) == was {
				lo = mid
			} else {
				hi = mid
			}
		}
		now := zoneAt(loc, hi)
		out = append(out, transition{at: hi, from: was.offset, to: now.offset, name: now.name, daylight: now.daylight})
		t = hi
	}
	return out
}

// maxTransitions bounds the scan; the busiest zones change about twice a year.
const maxTransitions = 2000

type zoneState struct {
	name     string
	offset   int
	daylight bool
}

func zoneAt(loc *time.Location, t time.Time) zoneState {
	l := t.In(loc)
	name, off := l.Zone()
	return zoneState{name, off, l.IsDST()}
}

// run is a series of transitions of one kind, one a year in consecutive years, that a single yearly
// rule reproduces.
type run struct {
	members []transition
	onsets  []time.Time // members' wall times in their from offset
	// allLast says every onset is on the last such weekday of its month; minDay and maxDay bound
	// the days of the month, for rules like "the Sunday on or after the 8th".
	allLast        bool
	minDay, maxDay int
}

type runKind struct {
	daylight bool
	from, to int
	name     string
}

// fold groups transitions into observances; a run still going in lastYear is left open-ended.
func fold(ts []transition, lastYear int) []observance {
	open := map[runKind]*run{}
	var done []*run
	for _, tr := range ts {
		k := runKind{tr.daylight, tr.from, tr.to, tr.name}
		w := wallIn(tr.at, tr.from)
		if r := open[k]; r != nil && r.accepts(w) {
			r.add(tr, w)
			continue
		} else if r != nil {
			done = append(done, r)
		}
		r := &run{allLast: true, minDay: 32}
		r.add(tr, w)
		open[k] = r
	}
	for _, r := range open {
		done = append(done, r)
	}
	var out []observance
	for _, r := range done {
		out = append(out, r.observance(lastYear))
	}
	// Order by first onset, for a stable and readable feed.
	slices.SortFunc(out, func(a, b observance) int { return a.onset.Compare(b.onset) })
	return out
}

func (r *run) add(tr transition, w time.Time) {
	r.members = append(r.members, tr)
	r.onsets = append(r.onsets, w)
	r.allLast = r.allLast && lastOfMonth(w)
	r.minDay, r.maxDay = min(r.minDay, w.Day()), max(r.maxDay, w.Day())
}

// accepts reports whether w, an onset of the same kind, continues the run's yearly pattern.
func (r *run) accepts(w time.Time) bool {
	last := r.onsets[len(r.onsets)-1]
	if w.Year() != last.Year()+1 || w.Month() != last.Month() || w.Weekday() != last.Weekday() ||
		timeOfDay(w) != timeOfDay(last) {
		return false
	}
	return r.allLast && lastOfMonth(w) || max(r.maxDay, w.Day())-min(r.minDay, w.Day()) <= 6
}

func (r *run) observance(lastYear int) observance {
	tr, w := r.members[0], r.onsets[0]
	o := observance{daylight: tr.daylight, from: tr.from, to: tr.to, name: tr.name, onset: w}
	n := len(r.members)
	if n == 1 {
		return o
	}
	day := weekdayCodes[w.Weekday()]
	rule := fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d", w.Month())
	switch {
	case r.allLast:
		rule += ";BYDAY=-1" + day
	case (r.minDay-1)/7 == (r.maxDay-1)/7:
		rule += fmt.Sprintf(";BYDAY=%d%s", (r.minDay-1)/7+1, day)
	default:
		days := make([]string, 0, 7)
		for d := r.minDay; d < r.minDay+7 && d <= 31; d++ {
			days = append(days, strconv.Itoa(d))
		}
		rule += ";BYDAY=" + day + ";BYMONTHDAY=" + strings.Join(days, ",")
	}
	if r.onsets[n-1].Year() < lastYear {
		rule += ";UNTIL=" + r.members[n-1].at.UTC().Format(utcLayout)
	}
	o.rule = rule
	return o
}

var weekdayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func lastOfMonth(w time.Time) bool { return w.AddDate(0, 0, 7).Month() != w.Month() }

func timeOfDay(w time.Time) time.Duration {
	return time.Duration(w.Hour())*time.Hour + time.Duration(w.Minute())*time.Minute + time.Duration(w.Second())*time.Second
}

// wallIn returns the wall time of instant t at a UTC offset, as a floating time.
func wallIn(t time.Time, offset int) time.Time {
	w := t.In(time.FixedZone("", offset))
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
}

// utcOffset formats an offset as RFC 5545 wants it: +0100, -0500, or +005328 for a local mean time.
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// vtimezone builds the VTIMEZONE block for loc, named tzid, covering instants from since on.
func vtimezone(tzid string, loc *time.Location, since time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(tzid)
	for _, o := range observances(loc, since) {
		var c *ics.ComponentBase
		if o.daylight {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			c = &d.ComponentBase
		} else {
			s := ics.NewStandard()
			tz.Components = append(tz.Components, s)
			c = &s.ComponentBase
		}
		c.AddProperty(ics.ComponentPropertyDtStart, o.onset.Format(localLayout))
		c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(o.from))
		c.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(o.to))
		if o.name != "" {
			c.AddProperty(ics.ComponentProperty(ics.PropertyTzname), text(o.name))
		}
		if o.rule != "" {
			c.AddProperty(ics.ComponentPropertyRrule, o.rule)
		}
	}
	return tz
}
