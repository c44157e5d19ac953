package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// Limits on recurrence rules. A support group meets at most once a day, so rules are cut down to
// the parts that can say that: FREQ is DAILY or slower and BYHOUR, BYMINUTE and BYSECOND are refused
// (the time of day is the start's), which leaves no INTERVAL that could meet more often. Every number
// is bounded so that expanding a rule stays cheap.
const (
	// MaxCount is the largest COUNT a rule may have.
	MaxCount = 1000
	// MaxInterval is the largest INTERVAL a rule may have.
	MaxInterval = 1000
	// maxRuleLen bounds the text of a rule; real ones are a few dozen characters.
	maxRuleLen = 512
)

// rule is a checked recurrence rule.
type rule struct {
	parts []part
	freq  string
	// until is UNTIL as given; its meaning depends on the schedule's zone (see untilInstant).
	until     string
	untilKind untilKind
	// opt is the rule for rrule-go, without UNTIL, which is applied on instants instead.
	opt rrule.ROption
}

type part struct{ key, value string }

type untilKind int

const (
	untilNone     untilKind = iota
	untilUTC                // 20261231T230000Z: an instant
	untilFloating           // 20261231T230000: a wall time in the schedule's zone
	untilDate               // 20261231: through the end of that local day
)

// partOrder is the order of parts in a canonical rule.
var partOrder = []string{"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY",
	"BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"}

// parseRule checks the text of an RRULE value (without DTSTART) against RFC 5545 and Hearth's limits.
func parseRule(text string) (*rule, error) {
	text = strings.TrimSpace(text)
	if len(text) > maxRuleLen {
		return nil, fmt.Errorf("%w: recurrence rule longer than %d characters", ErrInvalid, maxRuleLen)
	}
	text = strings.ToUpper(text)
	text = strings.TrimPrefix(text, "RRULE:")
	if strings.Contains(text, "DTSTART") {
		return nil, fmt.Errorf("%w: the rule must not contain DTSTART; the schedule's start is the first occurrence", ErrInvalid)
	}
	for _, c := range text {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("=;,+-", c)) {
			return nil, fmt.Errorf("%w: recurrence rule contains %q", ErrInvalid, c)
		}
	}
	r := &rule{}
	seen := map[string]bool{}
	for _, p := range strings.Split(text, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%w: recurrence rule part %q is not NAME=VALUE", ErrInvalid, p)
		}
		if seen[k] {
			return nil, fmt.Errorf("%w: recurrence rule repeats %s", ErrInvalid, k)
		}
		seen[k] = true
		r.parts = append(r.parts, part{k, v})
	}
	for _, p := range r.parts {
		if err := r.check(p, seen); err != nil {
			return nil, err
		}
	}
	if r.freq == "" {
		return nil, fmt.Errorf("%w: recurrence rule has no FREQ", ErrInvalid)
	}
	if seen["COUNT"] && seen["UNTIL"] {
		return nil, fmt.Errorf("%w: recurrence rule has both COUNT and UNTIL", ErrInvalid)
	}
	if seen["BYSETPOS"] && !(seen["BYMONTH"] || seen["BYWEEKNO"] || seen["BYYEARDAY"] || seen["BYMONTHDAY"] || seen["BYDAY"]) {
		return nil, fmt.Errorf("%w: BYSETPOS needs another BY part to select from", ErrInvalid)
	}
	// The ordinal limits keep rrule-go's day masks in range: it indexes past them (and panics) for
	// BYDAY=+53MO in a month.
	if v := r.value("BYDAY"); v != "" {
		monthly := r.freq == "MONTHLY" || r.freq == "YEARLY" && seen["BYMONTH"]
		for _, d := range strings.Split(v, ",") {
			n, _, err := weekday(d)
			if err != nil {
				return nil, err
			}
			switch {
			case n != 0 && r.freq != "MONTHLY" && r.freq != "YEARLY":
				return nil, fmt.Errorf("%w: BYDAY=%s: a numbered weekday needs FREQ=MONTHLY or YEARLY", ErrInvalid, d)
			case n != 0 && r.freq == "YEARLY" && seen["BYWEEKNO"]:
				return nil, fmt.Errorf("%w: BYDAY=%s: a numbered weekday cannot be combined with BYWEEKNO", ErrInvalid, d)
			case monthly && (n > 5 || n < -5):
				return nil, fmt.Errorf("%w: BYDAY=%s: a month has at most 5 of each weekday", ErrInvalid, d)
			}
		}
	}

	// rrule-go reads the rule; UNTIL stays out because it must be compared with zoned instants,
	// while rrule-go expands floating wall times.
	var b strings.Builder
	for _, p := range r.parts {
		if p.key == "UNTIL" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(p.key + "=" + p.value)
	}
	opt, err := rrule.StrToROption(b.String())
	if err != nil {
		return nil, fmt.Errorf("%w: recurrence rule: %v", ErrInvalid, err)
	}
	r.opt = *opt
	return r, nil
}

func (r *rule) value(key string) string {
	for _, p := range r.parts {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

// check validates one part of a rule.
func (r *rule) check(p part, seen map[string]bool) error {
	freq := r.value("FREQ")
	switch p.key {
	case "FREQ":
		switch p.value {
		case "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
			r.freq = p.value
		case "HOURLY", "MINUTELY", "SECONDLY":
			return fmt.Errorf("%w: FREQ=%s: a group meets at most once a day", ErrInvalid, p.value)
		default:
			return fmt.Errorf("%w: unknown FREQ=%s", ErrInvalid, p.value)
		}
	case "BYHOUR", "BYMINUTE", "BYSECOND":
		return fmt.Errorf("%w: %s is not supported: the time of day comes from the start, and a group meets at most once a day", ErrInvalid, p.key)
	case "INTERVAL":
		return checkInts(p, 1, MaxInterval, false, 1)
	case "COUNT":
		return checkInts(p, 1, MaxCount, false, 1)
	case "UNTIL":
		kind, err := untilForm(p.value)
		if err != nil {
			return err
		}
		r.until, r.untilKind = p.value, kind
	case "BYMONTH":
		return checkInts(p, 1, 12, false, 12)
	case "BYWEEKNO":
		if freq != "YEARLY" {
			return fmt.Errorf("%w: BYWEEKNO needs FREQ=YEARLY", ErrInvalid)
		}
		return checkInts(p, 1, 53, true, 106)
	case "BYYEARDAY":
		if freq != "YEARLY" {
			return fmt.Errorf("%w: BYYEARDAY needs FREQ=YEARLY", ErrInvalid)
		}
		return checkInts(p, 1, 366, true, 366)
	case "BYMONTHDAY":
		if freq == "WEEKLY" {
			return fmt.Errorf("%w: BYMONTHDAY cannot be used with FREQ=WEEKLY", ErrInvalid)
		}
		return checkInts(p, 1, 31, true, 62)
	case "BYSETPOS":
		return checkInts(p, 1, 366, true, 366)
	case "BYDAY":
		days := strings.Split(p.value, ",")
		if len(days) > 7*5*2 {
			return fmt.Errorf("%w: BYDAY lists too many days", ErrInvalid)
		}
		for _, d := range days {
			if _, _, err := weekday(d); err != nil {
				return err
			}
		}
	case "WKST":
		n, _, err := weekday(p.value)
		if err != nil || n != 0 {
			return fmt.Errorf("%w: WKST=%s is not a weekday", ErrInvalid, p.value)
		}
	case "BYEASTER":
		return fmt.Errorf("%w: BYEASTER is not part of RFC 5545", ErrInvalid)
	default:
		return fmt.Errorf("%w: unknown recurrence rule part %s", ErrInvalid, p.key)
	}
	return nil
}

// checkInts checks a comma-separated list of at most maxItems integers in [lo, hi] (or in
// [-hi, -lo] too, when negative is set).
func checkInts(p part, lo, hi int, negative bool, maxItems int) error {
	items := strings.Split(p.value, ",")
	if len(items) > maxItems {
		return fmt.Errorf("%w: %s lists too many values", ErrInvalid, p.key)
	}
	for _, s := range items {
		n, err := strconv.Atoi(s)
		if err != nil || !(n >= lo && n <= hi || negative && n <= -lo && n >= -hi) {
			if negative {
				return fmt.Errorf("%w: %s=%s: want %d..%d or -%d..-%d", ErrInvalid, p.key, s, lo, hi, hi, lo)
			}
			return fmt.Errorf("%w: %s=%s: want %d..%d", ErrInvalid, p.key, s, lo, hi)
		}
	}
	return nil
}

// weekday parses a BYDAY item such as TU, +2TU or -1FR into its ordinal (0 if none) and day.
func weekday(s string) (int, string, error) {
	if len(s) < 2 {
		return 0, "", fmt.Errorf("%w: %q is not a weekday", ErrInvalid, s)
	}
	day := s[len(s)-2:]
	switch day {
	case "MO", "TU", "WE", "TH", "FR", "SA", "SU":
	default:
		return 0, "", fmt.Errorf("%w: %q is not a weekday", ErrInvalid, s)
	}
	if len(s) == 2 {
		return 0, day, nil
	}
	n, err := strconv.Atoi(s[:len(s)-2])
	if err != nil || n == 0 || n > 53 || n < -53 {
		return 0, "", fmt.Errorf("%w: %q is not a weekday with an ordinal in 1..53 or -53..-1", ErrInvalid, s)
	}
	return n, day, nil
}

const (
	icalDate  = "20060102"
	icalLocal = "20060102T150405"
	icalUTC   = "20060102T150405Z"
)

func untilForm(v string) (untilKind, error) {
	var layout string
	var kind untilKind
	switch len(v) {
	case len(icalDate):
		layout, kind = icalDate, untilDate
	case len(icalLocal):
		layout, kind = icalLocal, untilFloating
	case len(icalUTC):
		layout, kind = icalUTC, untilUTC
	}
	if layout == "" {
		return 0, fmt.Errorf("%w: UNTIL=%s is not a date or date-time", ErrInvalid, v)
	}
	if _, err := time.Parse(layout, v); err != nil {
		return 0, fmt.Errorf("%w: UNTIL=%s is not a date or date-time", ErrInvalid, v)
	}
	return kind, nil
}

// untilInstant returns the last instant the rule may produce in loc, or the zero time without UNTIL.
func (r *rule) untilInstant(loc *time.Location) time.Time {
	switch r.untilKind {
	case untilUTC:
		t, _ := time.Parse(icalUTC, r.until)
		return t
	case untilFloating:
		t, _ := time.Parse(icalLocal, r.until)
		return Instant(t, loc).UTC()
	case untilDate:
		t, _ := time.Parse(icalDate, r.until)
		return Instant(t.AddDate(0, 0, 1), loc).UTC().Add(-time.Second)
	}
	return time.Time{}
}

// canonical returns the rule as Hearth stores and publishes it: upper case, parts in a fixed order
// and UNTIL as a UTC instant, which RFC 5545 requires when DTSTART names a time zone.
func (r *rule) canonical(loc *time.Location) string {
	var out []string
	for _, k := range partOrder {
		v := r.value(k)
		if v == "" {
			continue
		}
		if k == "UNTIL" {
			v = r.untilInstant(loc).Format(icalUTC)
		}
		out = append(out, k+"="+v)
	}
	return strings.Join(out, ";")
}
