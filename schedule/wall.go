package schedule

import "time"

// Instant returns the instant at which the wall-clock time wall occurs in loc. Only wall's year,
// month, day, hour, minute, second and nanosecond are read; its own location is ignored.
//
// The rules are those of RFC 5545 (section 3.3.5), so that Hearth and every calendar app that
// imports its feed agree on the instant:
//   - a wall time that a daylight-saving change skips (02:30 on the spring-forward night in Berlin)
//     is read with the offset in force before the change, which moves it forward by the length of
//     the gap (to 03:30 summer time);
//   - a wall time that happens twice (02:30 on the fall-back night) means the first of the two.
//
// time.Date alone is not enough: in a gap it documents no choice and in practice moves the time
// forward in zones east of Greenwich and backward in zones west of it, and in an overlap it returns
// the second instant in Berlin but the first in New York.
func Instant(wall time.Time, loc *time.Location) time.Time {
	want := floating(wall)
	y, mo, d := want.Date()
	h, mi, s := want.Clock()
	t := time.Date(y, mo, d, h, mi, s, want.Nanosecond(), loc)
	got := floating(t)
	switch {
	case got.Equal(want):
		// The wall time exists. If it also existed in the previous zone period, this is a fall-back
		// overlap and the earlier instant lies in that period.
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			return t
		}
		_, prev := start.Add(-time.Nanosecond).In(loc).Zone()
		c := want.Add(-time.Duration(prev) * time.Second)
		if c.Before(start) && floating(c.In(loc)).Equal(want) {
			return c.In(loc)
		}
		return t
	case got.After(want):
		// A gap, and time.Date read the wall time with the offset before the change (so the result,
		// shown in the new offset, is already later by the length of the gap).
		return t
	default:
		// A gap, and time.Date read the wall time with the offset after the change, which lands before
		// the change; t's own offset is therefore the one before it.
		_, off := t.Zone()
		return want.Add(-time.Duration(off) * time.Second).In(loc)
	}
}

// floating returns t's wall-clock reading as a time in UTC. Recurrence rules are expanded on such
// floating times, where every day has 24 hours, and only then placed in the schedule's zone.
func floating(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}
