package session

import (
	"testing"
	"time"

	"hearth/playlist"
)

var t0 = time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func frames(s float64) int64 { return int64(s * playlist.Rate) }

func threeItems(loop bool) playlist.Playlist {
	return playlist.Playlist{Loop: loop, Items: []playlist.Item{
		{MediaID: "a", Frames: frames(10)},
		{MediaID: "b", Frames: frames(20)},
		{MediaID: "c", Frames: frames(5)},
	}}
}

func TestAt(t *testing.T) {
	tests := []struct {
		name   string
		pl     playlist.Playlist
		events []Event
		at     time.Duration
		want   Position
	}{
		{"before start", threeItems(false), nil, -sec(1), Position{}},
		{"at start", threeItems(false), nil, 0, Position{Started: true}},
		{"inside first", threeItems(false), nil, sec(3.5), Position{Started: true, Offset: frames(3.5)}},
		{"second item", threeItems(false), nil, sec(12), Position{Started: true, Index: 1, Offset: frames(2)}},
		{"exact boundary", threeItems(false), nil, sec(10), Position{Started: true, Index: 1}},
		{"ended", threeItems(false), nil, sec(36), Position{Started: true, Ended: true, Index: 2, Offset: frames(5)}},
		{"loop wraps", threeItems(true), nil, sec(36), Position{Started: true, Loop: true, Offset: frames(1)}},
		{"loop many passes", threeItems(true), nil, 1000*sec(35) + sec(12), Position{Started: true, Loop: true, Index: 1, Offset: frames(2)}},
		{"pause freezes", threeItems(false), []Event{{At: t0.Add(sec(4)), Action: ActionPause}}, sec(30),
			Position{Started: true, Paused: true, Offset: frames(4)}},
		{"resume continues", threeItems(false), []Event{
			{At: t0.Add(sec(4)), Action: ActionPause},
			{At: t0.Add(sec(100)), Action: ActionResume},
		}, sec(103), Position{Started: true, Offset: frames(7)}},
		{"skip", threeItems(false), []Event{{At: t0.Add(sec(4)), Action: ActionSkip}}, sec(5),
			Position{Started: true, Index: 1, Offset: frames(1)}},
		{"skip past last ends", threeItems(false), []Event{{At: t0.Add(sec(31)), Action: ActionSkip}}, sec(32),
			Position{Started: true, Ended: true, Index: 2, Offset: frames(5)}},
		{"skip past last loops", threeItems(true), []Event{{At: t0.Add(sec(31)), Action: ActionSkip}}, sec(32),
			Position{Started: true, Loop: true, Offset: frames(1)}},
		{"seek", threeItems(false), []Event{{At: t0.Add(sec(12)), Action: ActionSeek, Position: sec(15)}}, sec(13),
			Position{Started: true, Index: 1, Offset: frames(16)}},
		{"seek past end clamps", threeItems(false), []Event{{At: t0.Add(sec(1)), Action: ActionSeek, Position: sec(99)}}, sec(1),
			Position{Started: true, Offset: frames(10) - 1}},
		{"skip before start", threeItems(false), []Event{{At: t0.Add(-sec(60)), Action: ActionSkip}}, sec(2),
			Position{Started: true, Index: 1, Offset: frames(2)}},
		{"loop switched on", threeItems(false), []Event{{At: t0.Add(sec(1)), Action: ActionLoop, Loop: true}}, sec(36),
			Position{Started: true, Loop: true, Offset: frames(1)}},
		{"end event", threeItems(true), []Event{{At: t0.Add(sec(2)), Action: ActionEnd}}, sec(3),
			Position{Started: true, Ended: true, Loop: true, Offset: frames(2)}},
		{"events out of order", threeItems(false), []Event{
			{At: t0.Add(sec(8)), Action: ActionResume},
			{At: t0.Add(sec(2)), Action: ActionPause},
		}, sec(9), Position{Started: true, Offset: frames(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := At(t0, tc.pl, tc.events, t0.Add(tc.at))
			if got != tc.want {
				t.Errorf("At(+%s) = %+v, want %+v", tc.at, got, tc.want)
			}
		})
	}
}

func TestAtCrossfade(t *testing.T) {
	pl := threeItems(false)
	pl.Crossfade = frames(2)
	// Item 0 owns 8 s (10 - 2), item 1 owns 18 s, item 2 its full 5 s.
	cases := []struct {
		at   float64
		want Position
	}{
		{7.9, Position{Started: true, Offset: frames(7.9)}},
		{8, Position{Started: true, Index: 1}},
		{27, Position{Started: true, Index: 2, Offset: frames(1)}},
		{31, Position{Started: true, Ended: true, Index: 2, Offset: frames(5)}},
	}
	for _, c := range cases {
		if got := At(t0, pl, nil, t0.Add(sec(c.at))); got != c.want {
			t.Errorf("At(+%.1fs) = %+v, want %+v", c.at, got, c.want)
		}
	}
	if got, want := pl.Total(), frames(31); got != want {
		t.Errorf("Total = %d, want %d", got, want)
	}
}

// TestAtIsPure checks the property a restart relies on: the answer depends only on the inputs, and
// computing positions incrementally agrees with computing them from scratch.
func TestAtIsPure(t *testing.T) {
	pl := threeItems(true)
	events := []Event{
		{At: t0.Add(sec(3)), Action: ActionPause},
		{At: t0.Add(sec(9)), Action: ActionResume},
		{At: t0.Add(sec(15)), Action: ActionSkip},
		{At: t0.Add(sec(16)), Action: ActionSeek, Position: sec(1)},
	}
	for ms := 0; ms < 120000; ms += 20 {
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		a := At(t0, pl, events, at)
		b := At(t0, pl, append([]Event(nil), events...), at)
		if a != b {
			t.Fatalf("not deterministic at %dms: %+v vs %+v", ms, a, b)
		}
		// Playing time since start minus the 6 s pause, modulo the loop, matches the position.
		if ms == 20000 {
			// 3 s played, paused 6 s, 6 s more (to 15 s) -> 9 s into item 0; skip -> item 1 at 0;
			// seek at 16 s -> 1 s; at 20 s -> 5 s.
			if want := (Position{Started: true, Loop: true, Index: 1, Offset: frames(5)}); a != want {
				t.Fatalf("At(20s) = %+v, want %+v", a, want)
			}
		}
	}
}

func TestEndsAt(t *testing.T) {
	pl := threeItems(false)
	if end, ok := EndsAt(t0, pl, nil); !ok || !end.Equal(t0.Add(sec(35))) {
		t.Errorf("EndsAt = %v %v, want +35s", end, ok)
	}
	paused := []Event{{At: t0.Add(sec(5)), Action: ActionPause}, {At: t0.Add(sec(65)), Action: ActionResume}}
	if end, ok := EndsAt(t0, pl, paused); !ok || !end.Equal(t0.Add(sec(95))) {
		t.Errorf("EndsAt with a minute's pause = %v %v, want +95s", end.Sub(t0), ok)
	}
	if _, ok := EndsAt(t0, threeItems(true), nil); ok {
		t.Error("a looping playlist should not end by itself")
	}
	if _, ok := EndsAt(t0, pl, paused[:1]); ok {
		t.Error("a paused playlist should not end by itself")
	}
	ended := []Event{{At: t0.Add(sec(7)), Action: ActionEnd}}
	if end, ok := EndsAt(t0, threeItems(true), ended); !ok || !end.Equal(t0.Add(sec(7))) {
		t.Errorf("EndsAt after end event = %v %v, want +7s", end.Sub(t0), ok)
	}
}

// BenchmarkAtWithMaxEvents is the per-frame cost of the timeline at the event cap.
func BenchmarkAtWithMaxEvents(b *testing.B) {
	pl := threeItems(true)
	var evs []Event
	for i := 0; i < MaxEvents; i++ {
		a := ActionPause
		if i%2 == 1 {
			a = ActionResume
		}
		evs = append(evs, Event{At: t0.Add(time.Duration(i) * time.Second), Action: a})
	}
	at := t0.Add(3 * time.Hour)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		At(t0, pl, evs, at)
	}
}
