package session

import (
	"math/rand"
	"testing"
	"time"

	"hearth/playlist"
)

// TestProgramOfOneSegmentIsThePlaylistTimeline: a session without a program is a program of one
// segment that lasts as long as its playlist; both timelines must agree at every instant, whatever
// the host did.
func TestProgramOfOneSegmentIsThePlaylistTimeline(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	actions := []Action{ActionPause, ActionResume, ActionSkip, ActionSeek, ActionLoop}
	for trial := 0; trial < 300; trial++ {
		pl := threeItems(rng.Intn(2) == 0)
		var evs []Event
		at := t0
		for i := rng.Intn(8); i > 0; i-- {
			at = at.Add(time.Duration(rng.Intn(20000)) * time.Millisecond)
			evs = append(evs, Event{At: at, Action: actions[rng.Intn(len(actions))],
				Position: time.Duration(rng.Intn(25000)) * time.Millisecond, Loop: rng.Intn(2) == 0})
		}
		segs := []Segment{{Name: "all", Playlist: pl, Mics: MicsOpen}}
		for ms := -1000; ms < 120000; ms += 370 {
			when := t0.Add(time.Duration(ms) * time.Millisecond)
			a := At(t0, pl, evs, when)
			p := ProgramAt(t0, segs, evs, when)
			if a.Ended != p.Ended || a.Started != p.Started {
				t.Fatalf("trial %d at %dms: At %+v, ProgramAt %+v (events %+v)", trial, ms, a, p, evs)
			}
			if a.Ended {
				continue
			}
			if a.Paused != p.Paused || a.Index != p.Item || a.Offset != p.Offset || a.Loop != p.Loop {
				t.Fatalf("trial %d at %dms: At %+v, ProgramAt %+v (events %+v)", trial, ms, a, p, evs)
			}
		}
	}
}

func circleProgram() []Segment {
	arrival := playlist.Playlist{Loop: true, Items: []playlist.Item{{MediaID: "ambience", Frames: frames(4)}}}
	meditation := playlist.Playlist{Items: []playlist.Item{{MediaID: "med", Frames: frames(10)}}}
	bell := playlist.Playlist{Items: []playlist.Item{{MediaID: "bell", Frames: frames(3)}}}
	return []Segment{
		{Name: "Arrival", Playlist: arrival, Length: 10 * time.Second, Mics: MicsOpen},
		{Name: "Meditation", Playlist: meditation, Mics: MicsMuted, Ducking: true},
		{Name: "Sharing circle", Length: 20 * time.Second, Mics: MicsOpen},
		{Name: "Closing bell", Playlist: bell, Mics: MicsMuted},
	}
}

// TestSegmentsSwitchOnTime walks a circle's program second by second, as the scheduler's clock
// would: arrival (looping ambience, 10 s), meditation (until it ends, 10 s), sharing (silence,
// 20 s), closing bell (3 s), then the end.
func TestSegmentsSwitchOnTime(t *testing.T) {
	segs := circleProgram()
	if err := ValidateProgram(segs); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at      float64
		seg     int
		item    int
		offset  float64
		silent  bool
		ended   bool
		elapsed float64
	}{
		{0, 0, 0, 0, false, false, 0},
		{5, 0, 0, 1, false, false, 5}, // the 4 s ambience looped once
		{9.99, 0, 0, 1.99, false, false, 9.99},
		{10, 1, 0, 0, false, false, 0},
		{19.5, 1, 0, 9.5, false, false, 9.5},
		{20, 2, 0, 0, true, false, 0},
		{39.9, 2, 0, 0, true, false, 19.9},
		{40, 3, 0, 0, false, false, 0},
		{42, 3, 0, 2, false, false, 2},
		{43, 3, 0, 0, false, true, 0},
	}
	for _, c := range cases {
		p := ProgramAt(t0, segs, nil, t0.Add(sec(c.at)))
		if p.Ended != c.ended {
			t.Fatalf("at %.2fs: ended=%v, want %v (%+v)", c.at, p.Ended, c.ended, p)
		}
		if c.ended {
			continue
		}
		if p.Segment != c.seg || p.Silent != c.silent || p.Item != c.item || p.Offset != frames(c.offset) ||
			p.Elapsed != sec(c.elapsed).Round(time.Second/48000) && absDur(p.Elapsed-sec(c.elapsed)) > time.Millisecond {
			t.Fatalf("at %.2fs: %+v, want segment %d item %d offset %.2fs silent %v elapsed %.2fs", c.at, p, c.seg, c.item, c.offset, c.silent, c.elapsed)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestNextSegmentAndPauseInAProgram(t *testing.T) {
	segs := circleProgram()
	events := []Event{
		{At: t0.Add(sec(3)), Action: ActionNext},    // the host starts the meditation early
		{At: t0.Add(sec(5)), Action: ActionPause},   // 2 s in
		{At: t0.Add(sec(65)), Action: ActionResume}, // a minute's pause
	}
	p := ProgramAt(t0, segs, events, t0.Add(sec(70)))
	if p.Segment != 1 || p.Offset != frames(7) || p.Paused {
		t.Fatalf("after next, pause and resume: %+v, want meditation at 7 s", p)
	}
	// The pause delays everything after it: the sharing circle starts at 3+10+60 = 73 s.
	if p := ProgramAt(t0, segs, events, t0.Add(sec(73))); p.Segment != 2 {
		t.Fatalf("at 73 s: %+v, want the sharing circle", p)
	}
	if p := ProgramAt(t0, segs, append(events, Event{At: t0.Add(sec(80)), Action: ActionNext}), t0.Add(sec(81))); p.Segment != 3 || p.Offset != frames(1) {
		t.Fatalf("next from the sharing circle: %+v", p)
	}
}

func TestValidateProgram(t *testing.T) {
	good := circleProgram()
	bad := map[string][]Segment{
		"empty":            nil,
		"no way to end":    {{Name: "x", Mics: MicsOpen}},
		"loop with no end": {{Name: "x", Mics: MicsOpen, Playlist: playlist.Playlist{Loop: true, Items: good[1].Playlist.Items}}},
		"bad mic rule":     {{Name: "x", Mics: "loud", Length: time.Minute}},
		"no name":          {{Name: " ", Mics: MicsOpen, Length: time.Minute}},
	}
	for name, segs := range bad {
		if err := ValidateProgram(segs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestProgramEndsAt(t *testing.T) {
	segs := circleProgram()
	if end, ok := ProgramEndsAt(t0, segs, nil); !ok || !end.Equal(t0.Add(sec(43))) {
		t.Fatalf("ends %v %v, want +43s", end.Sub(t0), ok)
	}
	pause := []Event{{At: t0.Add(sec(12)), Action: ActionPause}, {At: t0.Add(sec(42)), Action: ActionResume}}
	if end, ok := ProgramEndsAt(t0, segs, pause); !ok || !end.Equal(t0.Add(sec(73))) {
		t.Fatalf("with a 30 s pause: %v %v, want +73s", end.Sub(t0), ok)
	}
	// A legacy session agrees with EndsAt.
	pl := threeItems(false)
	a, _ := EndsAt(t0, pl, pause)
	b, _ := ProgramEndsAt(t0, []Segment{{Name: "x", Playlist: pl, Mics: MicsOpen}}, pause)
	if !a.Equal(b) {
		t.Fatalf("EndsAt %v, ProgramEndsAt %v", a, b)
	}
}
