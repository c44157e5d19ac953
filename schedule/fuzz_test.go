package schedule

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse feeds Parse arbitrary starts, zones, lengths and rules. Whatever it is given it must
// answer quickly with a schedule or an ErrInvalid, never panic (rrule-go does, on rules that Parse
// must refuse first), and a schedule it accepts must expand to sorted occurrences inside the asked
// window, starting with Start, surviving a cancel and a move, and read back the same from its
// canonical rule.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		start, zone string
		minutes     int64
		rule        string
	}{
		{"2026-11-24T19:00", "Europe/Berlin", 90, "FREQ=WEEKLY;BYDAY=TU"},
		{"2026-03-28T02:30", "Europe/Berlin", 60, "FREQ=DAILY"},
		{"2026-03-07T02:30", "America/New_York", 60, "FREQ=DAILY;COUNT=5"},
		{"2026-04-04T02:30", "Australia/Sydney", 60, "FREQ=DAILY;UNTIL=20261231"},
		{"2026-11-10T19:00", "Europe/London", 60, "FREQ=MONTHLY;BYDAY=2TU"},
		{"2026-11-27T19:00", "Asia/Tokyo", 60, "FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2"},
		{"2026-11-30T19:00", "UTC", 60, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"},
		{"2026-12-28T19:00", "Pacific/Apia", 60, "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO"},
		{"2026-11-24T19:00", "Europe/Berlin", 60, "FREQ=YEARLY;BYYEARDAY=328,-1"},
		{"2026-11-24T19:00", "Europe/Berlin", 60, "FREQ=MONTHLY;BYDAY=+53MO"},
		{"2026-11-24T19:00", "Europe/Berlin", 60, "FREQ=YEARLY;BYEASTER=400"},
		{"2026-11-24T19:00", "Europe/Berlin", 60, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"},
		{"2026-11-24T19:00", "Europe/Berlin", 60, "FREQ=HOURLY;INTERVAL=24"},
		{"2026-11-24T19:00", "Mars/Base", 60, ""},
		{"2999-12-31T23:59:59", "Pacific/Kiritimati", 720, "FREQ=DAILY"},
		{"2026-01-01T00:00", "America/Havana", 30, "FREQ=YEARLY;BYMONTH=3,11;BYDAY=2SU,1SU"},
		{"2026-01-01T00:00", "Europe/Dublin", 30, "FREQ=YEARLY;BYWEEKNO=1,-1;BYDAY=MO,SU;WKST=SU"},
		{"2026-01-01T00:00", "Asia/Kolkata", 30, "FREQ=MONTHLY;BYMONTHDAY=-1,15;BYSETPOS=1;UNTIL=20300101T000000"},
	}
	for _, s := range seeds {
		f.Add(s.start, s.zone, s.minutes, s.rule)
	}
	f.Fuzz(checkParse)
}

func checkParse(t *testing.T, start, zone string, minutes int64, rule string) {
	begin := time.Now()
	defer func() {
		// Generous, because the machine is shared; a hang would take far longer.
		if d := time.Since(begin); d > 10*time.Second {
			t.Fatalf("took %v", d)
		}
	}()
	if minutes > 1<<20 || minutes < -1<<20 {
		minutes %= 1 << 20
	}
	dur := time.Duration(minutes) * time.Minute
	s, err := Parse(start, zone, dur, rule)
	if err != nil {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v does not wrap ErrInvalid", err)
		}
		if errors.Is(err, errExpand) {
			t.Fatalf("rrule-go failed on a rule Parse let through: %v", err)
		}
		// Random rules rarely fall on a random start. Try again from the rule's own first
		// occurrence, so that the fuzzer explores expansions and not only refusals.
		w, loc, perr := parseStart(start, zone)
		if perr != nil {
			return
		}
		p, cerr := Schedule{Start: w, Location: loc, Duration: dur, RRule: rule}.compile()
		if cerr != nil {
			return
		}
		first, ferr := p.first()
		if errors.Is(ferr, errExpand) {
			t.Fatalf("rrule-go failed on a rule Parse let through: %v", ferr)
		}
		if first.IsZero() || first.Equal(p.start) {
			return
		}
		if s, err = Parse(first.Format("2006-01-02T15:04:05"), zone, dur, rule); err != nil {
			if errors.Is(err, errExpand) {
				t.Fatalf("rrule-go failed on a rule Parse let through: %v", err)
			}
			return
		}
		start = first.Format("2006-01-02T15:04:05")
	}
	first := Instant(s.Start, s.Location).UTC()
	from, to := first.Add(-time.Hour), first.AddDate(3, 0, 0)
	occ := s.Between(from, to, 50)
	if len(occ) == 0 || len(occ) > 50 || !occ[0].Start.Equal(first) {
		t.Fatalf("Between gave %d occurrences, first %v; want 1..50 starting at %v", len(occ), occ, first)
	}
	for i, o := range occ {
		if o.Start.Before(from) || !o.Start.Before(to) || o.End.Sub(o.Start) != s.Duration || o.Moved {
			t.Fatalf("occurrence %d %+v outside [%v, %v) or of the wrong length", i, o, from, to)
		}
		if i > 0 && !occ[i-1].Start.Before(o.Start) {
			t.Fatalf("occurrences out of order: %v then %v", occ[i-1].Start, o.Start)
		}
	}
	if n, ok := s.Next(from); !ok || n != occ[0] {
		t.Fatalf("Next = %+v, %v; want %+v", n, ok, occ[0])
	}
	if again, err := Parse(start, zone, dur, s.RRule); err != nil || again.RRule != s.RRule {
		t.Fatalf("canonical rule %q reads back as %q, %v", s.RRule, again.RRule, err)
	}
	if len(occ) < 3 {
		return
	}
	c, err := s.Cancel(occ[1].Original)
	if err != nil {
		t.Fatalf("cancel %v: %v", occ[1].Original, err)
	}
	c, err = c.Move(occ[2].Original, occ[2].Original.Add(time.Hour))
	if err != nil {
		t.Fatalf("move %v: %v", occ[2].Original, err)
	}
	for _, o := range c.Between(from, to, 50) {
		if o.Original.Equal(occ[1].Original) {
			t.Fatalf("cancelled occurrence %v still there", o.Original)
		}
		if o.Original.Equal(occ[2].Original) && (!o.Moved || !o.Start.Equal(occ[2].Original.Add(time.Hour))) {
			t.Fatalf("moved occurrence %+v", o)
		}
	}
}
