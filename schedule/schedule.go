// Package schedule holds recurring schedules such as "every Tuesday at 19:00, Berlin time": a first
// occurrence given as a local wall time in an IANA time zone, a length, an RFC 5545 recurrence rule
// and per-occurrence exceptions. Occurrences keep their wall-clock time across daylight-saving
// changes, so the instant of "19:00 Berlin" moves by an hour twice a year, which is what a group
// expects.
//
// Recurrence rules are expanded with rrule-go on floating wall times (in UTC, where every day has
// 24 hours) and only then placed in the zone by Instant, so gaps and overlaps are resolved the way
// RFC 5545 prescribes and calendar apps agree. Every expansion is bounded: a group meets at most
// once a day, COUNT is capped, and nothing is produced more than HorizonYears after the start.
package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// ErrInvalid means a schedule, or a change to one, is malformed. Every error of this package wraps it.
var ErrInvalid = errors.New("invalid schedule")

// errExpand marks a rule that rrule-go failed on (a recovered panic). It should never happen for a
// rule that parseRule accepts; the fuzz test looks for it.
var errExpand = errors.New("recurrence rule could not be expanded")

// Limits of a schedule.
const (
	// MaxDuration is the longest an occurrence may last.
	MaxDuration = 12 * time.Hour
	// HorizonYears bounds every expansion: no occurrence starts more than this many years after the
	// first one.
	HorizonYears = 100
	// FirstWithin is how soon after the start a rule must produce its first occurrence.
	FirstWithin = 2 * 365 * 24 * time.Hour
	// MaxExceptions is the number of cancelled or moved occurrences a schedule may carry.
	MaxExceptions = 1000
	// MaxMove is how far from its original time an occurrence may be moved.
	MaxMove = 366 * 24 * time.Hour

	minYear, maxYear = 1970, 2999
	maxZoneLen       = 100
)

// Schedule says when a group meets.
type Schedule struct {
	// Start is the wall-clock time of the first occurrence, read in Location: only its year, month,
	// day, hour, minute and second count, its own location is ignored. Normalize and Parse store it
	// in UTC so that a wall time that does not exist in Location (02:30 on the spring-forward night)
	// survives for the following occurrences, which do exist.
	Start time.Time
	// Location is an IANA time zone such as Europe/Berlin; the server's time.Local is refused.
	Location *time.Location
	// Duration is the length of each occurrence, in whole seconds, at most MaxDuration.
	Duration time.Duration
	// RRule is an RFC 5545 recurrence rule such as "FREQ=WEEKLY;BYDAY=TU", without DTSTART, or ""
	// for a one-off. Start must be its first occurrence.
	RRule string
	// Exceptions cancel or move single occurrences.
	Exceptions []Exception
}

// Exception changes one occurrence: it is cancelled, or it is moved to another start.
type Exception struct {
	// Original is the instant the occurrence would start at (Occurrence.Original).
	Original time.Time
	// Cancelled removes the occurrence.
	Cancelled bool
	// MovedTo is the instant the occurrence starts at instead; it keeps the schedule's duration.
	MovedTo time.Time
}

// Occurrence is one dated meeting, with instants in UTC.
type Occurrence struct {
	Start, End time.Time
	// Original is the start the rule gives; it differs from Start only for a moved occurrence, and it
	// is what identifies the occurrence to Cancel, Move and Restore.
	Original time.Time
	Moved    bool
}

// Parse builds and validates a schedule from a local start such as "2026-11-24T19:00" (seconds
// optional), an IANA zone name, a duration and a recurrence rule ("" for a one-off). The result is
// normalized (see Normalize).
func Parse(start, zone string, dur time.Duration, rule string) (Schedule, error) {
	w, loc, err := parseStart(start, zone)
	if err != nil {
		return Schedule{}, err
	}
	return Schedule{Start: w, Location: loc, Duration: dur, RRule: rule}.Normalize()
}

func parseStart(start, zone string) (time.Time, *time.Location, error) {
	zone = strings.TrimSpace(zone)
	if zone == "" || zone == "Local" || len(zone) > maxZoneLen {
		return time.Time{}, nil, fmt.Errorf("%w: time zone %q: want an IANA name such as Europe/Berlin", ErrInvalid, zone)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("%w: unknown time zone %q", ErrInvalid, zone)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(start)); err == nil {
			return t, loc, nil
		}
	}
	return time.Time{}, nil, fmt.Errorf("%w: start %q: want a local date and time such as 2026-11-24T19:00", ErrInvalid, start)
}

// Validate reports whether s is a usable schedule: a named zone, a start between 1970 and 2999 that
// is the rule's first occurrence, a duration in (0, MaxDuration], a rule within Hearth's limits (at
// most daily, COUNT <= MaxCount, a first occurrence within FirstWithin) and exceptions that each
// cancel or move (by at most MaxMove) a distinct real occurrence.
func (s Schedule) Validate() error {
	_, err := s.check()
	return err
}

// Normalize validates s and returns it in canonical form: Start as a wall time in UTC, the rule in
// upper case with its parts in a fixed order and UNTIL as a UTC instant (as RFC 5545 requires next
// to a zoned DTSTART), and exceptions sorted by Original with instants in UTC.
func (s Schedule) Normalize() (Schedule, error) {
	p, err := s.check()
	if err != nil {
		return Schedule{}, err
	}
	n := Schedule{Start: p.start, Location: s.Location, Duration: s.Duration}
	if p.rule != nil {
		n.RRule = p.rule.canonical(p.loc)
	}
	for _, e := range s.Exceptions {
		e.Original = e.Original.UTC()
		if !e.MovedTo.IsZero() {
			e.MovedTo = e.MovedTo.UTC()
		}
		n.Exceptions = append(n.Exceptions, e)
	}
	slices.SortFunc(n.Exceptions, func(a, b Exception) int { return a.Original.Compare(b.Original) })
	return n, nil
}

// Recurring reports whether s has a recurrence rule.
func (s Schedule) Recurring() bool { return strings.TrimSpace(s.RRule) != "" }

// Between returns the occurrences whose start lies in [from, to), exceptions applied, sorted by
// start, at most max of them. It returns nothing for a schedule that is not even well-formed; call
// Validate to learn why. Its cost grows with the number of occurrences from the first one to `to`,
// which the rule limits keep to at most one a day for HorizonYears.
func (s Schedule) Between(from, to time.Time, max int) []Occurrence {
	if max <= 0 || !from.Before(to) {
		return nil
	}
	p, err := s.compile()
	if err != nil {
		return nil
	}
	occ, _ := p.between(s.Exceptions, from, to, max)
	return occ
}

// Next returns the first occurrence that starts strictly after `after`, and false if there is none
// (the rule has ended, or the schedule is malformed).
func (s Schedule) Next(after time.Time) (Occurrence, bool) {
	p, err := s.compile()
	if err != nil {
		return Occurrence{}, false
	}
	end := Instant(p.horizon, p.loc).Add(MaxMove + 24*time.Hour)
	from := after.Add(time.Nanosecond)
	if !from.Before(end) {
		return Occurrence{}, false
	}
	occ, _ := p.between(s.Exceptions, from, end, 1)
	if len(occ) == 0 {
		return Occurrence{}, false
	}
	return occ[0], true
}

// Cancel returns s with the occurrence originally starting at original cancelled (replacing any
// earlier exception for it).
func (s Schedule) Cancel(original time.Time) (Schedule, error) {
	return s.except(original, &Exception{Original: original, Cancelled: true})
}

// Move returns s with the occurrence originally starting at original moved to start at `to`
// (replacing any earlier exception for it). Moving it back to its original time restores it.
func (s Schedule) Move(original, to time.Time) (Schedule, error) {
	if to.Equal(original) {
		return s.Restore(original)
	}
	if to.IsZero() {
		return Schedule{}, fmt.Errorf("%w: no time to move the occurrence to", ErrInvalid)
	}
	return s.except(original, &Exception{Original: original, MovedTo: to})
}

// Restore returns s without any exception for the occurrence originally starting at original.
func (s Schedule) Restore(original time.Time) (Schedule, error) {
	return s.except(original, nil)
}

func (s Schedule) except(original time.Time, e *Exception) (Schedule, error) {
	out := s
	out.Exceptions = nil
	for _, x := range s.Exceptions {
		if !x.Original.Equal(original) {
			out.Exceptions = append(out.Exceptions, x)
		}
	}
	if e != nil {
		out.Exceptions = append(out.Exceptions, *e)
	}
	return out.Normalize()
}

// plan is a well-formed schedule, ready to expand.
type plan struct {
	loc   *time.Location
	start time.Time // floating wall time of the first occurrence
	dur   time.Duration
	rule  *rule // nil for a one-off
	rr    *rrule.RRule
	until time.Time // last instant the rule may produce, zero if unbounded
	// horizon is the floating wall time after which nothing is expanded.
	horizon time.Time
}

// compile checks what can be checked without expanding the rule.
func (s Schedule) compile() (*plan, error) {
	if s.Location == nil {
		return nil, fmt.Errorf("%w: no time zone", ErrInvalid)
	}
	if name := s.Location.String(); name == "" || name == "Local" {
		return nil, fmt.Errorf("%w: time zone %q: want an IANA name such as Europe/Berlin, not the server's own zone", ErrInvalid, name)
	}
	start := floating(s.Start)
	if y := start.Year(); y < minYear || y > maxYear {
		return nil, fmt.Errorf("%w: start year %d: want %d..%d", ErrInvalid, y, minYear, maxYear)
	}
	if start.Nanosecond() != 0 {
		return nil, fmt.Errorf("%w: start has a fraction of a second", ErrInvalid)
	}
	if s.Duration <= 0 || s.Duration > MaxDuration || s.Duration%time.Second != 0 {
		return nil, fmt.Errorf("%w: duration %v: want whole seconds, more than 0 and at most %v", ErrInvalid, s.Duration, MaxDuration)
	}
	p := &plan{loc: s.Location, start: start, dur: s.Duration, horizon: start.AddDate(HorizonYears, 0, 0)}
	if !s.Recurring() {
		return p, nil
	}
	r, err := parseRule(s.RRule)
	if err != nil {
		return nil, err
	}
	opt := r.opt
	opt.Dtstart = start
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, fmt.Errorf("%w: recurrence rule: %v", ErrInvalid, err)
	}
	p.rule, p.rr, p.until = r, rr, r.untilInstant(s.Location)
	return p, nil
}

// check is compile plus the checks that need the rule expanded.
func (s Schedule) check() (*plan, error) {
	p, err := s.compile()
	if err != nil {
		return nil, err
	}
	if err := p.checkFirst(); err != nil {
		return nil, err
	}
	if err := p.checkExceptions(s.Exceptions); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *plan) checkFirst() error {
	first, err := p.first()
	if err != nil {
		return err
	}
	if first.IsZero() || first.Sub(p.start) > FirstWithin {
		return fmt.Errorf("%w: the rule has no occurrence within two years of the start", ErrInvalid)
	}
	if !p.until.IsZero() && Instant(first, p.loc).After(p.until) {
		return fmt.Errorf("%w: the rule ends (UNTIL) before its first occurrence", ErrInvalid)
	}
	if !first.Equal(p.start) {
		return fmt.Errorf("%w: the start, %s, is not an occurrence of the rule; its first occurrence is %s",
			ErrInvalid, p.start.Format("Monday 2006-01-02 15:04"), first.Format("Monday 2006-01-02 15:04"))
	}
	return nil
}

// first returns the floating wall time of the rule's first occurrence at or after the start, or the
// zero time if there is none within FirstWithin.
//
// rrule-go looks for a match up to the year 9999 before giving up, which for an impossible daily
// rule (BYMONTH=2;BYMONTHDAY=30) takes a tenth of a second. The Gregorian calendar repeats every 400
// years (146097 days, a whole number of weeks), so the search runs on the start moved into the last
// such cycle before 9999, where the same answer comes after at most four centuries of days.
func (p *plan) first() (first time.Time, err error) {
	if p.rr == nil {
		return p.start, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %w: %v", ErrInvalid, errExpand, r)
		}
	}()
	shift := (rrule.MAXYEAR - 2 - p.start.Year()) / 400 * 400
	opt := p.rule.opt
	opt.Dtstart = p.start.AddDate(shift, 0, 0)
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: recurrence rule: %v", ErrInvalid, err)
	}
	w, ok := rr.Iterator()()
	if !ok {
		return time.Time{}, nil
	}
	return w.AddDate(-shift, 0, 0), nil
}

func (p *plan) checkExceptions(exs []Exception) error {
	if len(exs) > MaxExceptions {
		return fmt.Errorf("%w: more than %d exceptions", ErrInvalid, MaxExceptions)
	}
	missing := map[instant]time.Time{}
	var last time.Time
	for _, e := range exs {
		if e.Original.IsZero() {
			return fmt.Errorf("%w: exception without the occurrence's original start", ErrInvalid)
		}
		if e.Cancelled == !e.MovedTo.IsZero() {
			return fmt.Errorf("%w: exception for %s must either cancel or move the occurrence", ErrInvalid, e.Original.UTC().Format(time.RFC3339))
		}
		if !e.Cancelled {
			if d := e.MovedTo.Sub(e.Original); d > MaxMove || d < -MaxMove || d == 0 {
				return fmt.Errorf("%w: exception moves %s by %v: want a change of at most %v", ErrInvalid, e.Original.UTC().Format(time.RFC3339), d, MaxMove)
			}
		}
		k := instantOf(e.Original)
		if _, dup := missing[k]; dup {
			return fmt.Errorf("%w: two exceptions for %s", ErrInvalid, e.Original.UTC().Format(time.RFC3339))
		}
		missing[k] = e.Original
		if e.Original.After(last) {
			last = e.Original
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err := p.walk(func(_, at time.Time) bool {
		delete(missing, instantOf(at))
		return len(missing) > 0 && !at.After(last)
	})
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		ts := make([]time.Time, 0, len(missing))
		for _, t := range missing {
			ts = append(ts, t)
		}
		slices.SortFunc(ts, time.Time.Compare)
		return fmt.Errorf("%w: exception for %s matches no occurrence (use Occurrence.Original)", ErrInvalid, ts[0].UTC().Format(time.RFC3339))
	}
	return nil
}

// between does the work of Between. Moved occurrences count only if their original start is a real
// occurrence, which the walk confirms on its way.
func (p *plan) between(exs []Exception, from, to time.Time, max int) ([]Occurrence, error) {
	byOriginal := make(map[instant]bool, len(exs))
	pending := map[instant]Exception{} // moved into the window, original not yet met
	var lastPending time.Time
	for _, e := range exs {
		k := instantOf(e.Original)
		if byOriginal[k] {
			continue // Validate refuses duplicates; the first one wins here.
		}
		byOriginal[k] = true
		if !e.Cancelled && !e.MovedTo.IsZero() && !e.MovedTo.Before(from) && e.MovedTo.Before(to) {
			pending[k] = e
			if e.Original.After(lastPending) {
				lastPending = e.Original
			}
		}
	}
	// A floating wall time this far past `to` starts after `to` in any zone, gap or not.
	const slack = 50 * time.Hour
	stop := to.UTC().Add(slack)
	stopPending := lastPending.UTC().Add(slack)
	var out []Occurrence
	regular := 0
	err := p.walk(func(w, at time.Time) bool {
		k := instantOf(at)
		if byOriginal[k] {
			if e, ok := pending[k]; ok {
				start := e.MovedTo.UTC()
				out = append(out, Occurrence{Start: start, End: start.Add(p.dur), Original: at, Moved: true})
				delete(pending, k)
			}
		} else if !at.Before(from) && at.Before(to) && regular < max {
			out = append(out, Occurrence{Start: at, End: at.Add(p.dur), Original: at})
			regular++
		}
		regularDone := regular >= max || w.After(stop)
		pendingDone := len(pending) == 0 || w.After(stopPending)
		return !(regularDone && pendingDone)
	})
	slices.SortStableFunc(out, func(a, b Occurrence) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.Original.Compare(b.Original)
	})
	if len(out) > max {
		out = out[:max]
	}
	return out, err
}

// walk calls yield with the floating wall time and the instant (in UTC) of each occurrence the
// schedule's rule produces, exceptions not applied, in order, until yield returns false, the rule
// ends or the horizon is passed. Two wall times that a gap folds onto one instant (only a zone that
// skips a whole day does that) count once.
func (p *plan) walk(yield func(wall, at time.Time) bool) (err error) {
	if p.rr == nil {
		yield(p.start, Instant(p.start, p.loc).UTC())
		return nil
	}
	defer func() {
		// rrule-go indexes fixed-size tables. parseRule keeps rules inside them, but a rule is user
		// input, and a rule it failed to foresee must make an invalid schedule, not a crashed server.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %w: %v", ErrInvalid, errExpand, r)
		}
	}()
	next := p.rr.Iterator()
	var last time.Time
	for {
		w, ok := next()
		if !ok || w.After(p.horizon) {
			return nil
		}
		at := Instant(w, p.loc).UTC()
		if !p.until.IsZero() && at.After(p.until) {
			return nil
		}
		if !last.IsZero() && !at.After(last) {
			continue
		}
		last = at
		if !yield(w, at) {
			return nil
		}
	}
}

// instant is a time.Time usable as a map key: equal instants give equal keys whatever their zone.
type instant struct {
	sec  int64
	nsec int
}

func instantOf(t time.Time) instant { return instant{t.Unix(), t.Nanosecond()} }
