package live

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"hearth/clock"
	"hearth/media"
	"hearth/room"
	"hearth/session"
)

type noMedia struct{}

func (noMedia) Open(context.Context, string) (*media.Source, error) { return nil, media.ErrNotFound }

// TestSegmentsSwitchOnTimeWithAFakeClock runs a program of three silent segments on a fake clock:
// the room's microphone rule must change exactly when each segment begins.
func TestSegmentsSwitchOnTimeWithAFakeClock(t *testing.T) {
	api, closer, err := room.NewAPI(room.NetConfig{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closer()
	t0 := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := NewHub(ctx, api, noMedia{}, clk, Config{OpusBitrate: 64000, OpusComplexity: 5}, slog.New(slog.DiscardHandler))
	defer h.Close()
	s := &session.Session{ID: "prog", Title: "Circle", StartsAt: t0.Add(5 * time.Second), Segments: []session.Segment{
		{Name: "Arrival", Length: 10 * time.Second, Mics: session.MicsOpen},
		{Name: "Meditation", Length: 20 * time.Second, Mics: session.MicsMuted, Ducking: true},
		{Name: "Sharing", Length: 30 * time.Second, Mics: session.MicsOpen},
	}}
	h.Start(s)
	rm, ok := h.Room(s.ID)
	if !ok {
		t.Fatal("no room")
	}
	// Step the fake clock in 50 ms steps, letting the paced loops catch up at each step.
	step := func(until time.Time) {
		for clk.Now().Before(until) {
			if !clk.WaitForSleepers(2, 5*time.Second) {
				t.Fatal("loops never slept")
			}
			clk.Advance(50 * time.Millisecond)
		}
		clk.WaitForSleepers(2, 5*time.Second)
	}
	cases := []struct {
		at         time.Duration // after the start
		micsLocked bool
		ducking    bool
	}{
		{100 * time.Millisecond, false, false},
		{9900 * time.Millisecond, false, false},
		{10200 * time.Millisecond, true, true},
		{29900 * time.Millisecond, true, true},
		{30200 * time.Millisecond, false, false},
	}
	for _, c := range cases {
		step(s.StartsAt.Add(c.at))
		st := rm.Settings()
		if st.MicsLocked != c.micsLocked || st.Ducking != c.ducking {
			t.Fatalf("at +%v: mics_locked=%v ducking=%v, want %v %v", c.at, st.MicsLocked, st.Ducking, c.micsLocked, c.ducking)
		}
	}
}
