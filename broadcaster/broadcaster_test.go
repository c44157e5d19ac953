package broadcaster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"hearth/clock"
	"hearth/playlist"
)

// rampSource is a synthetic item: the left channel carries the item's marker and the right channel
// the frame index, so a test can read exactly which sample of which item landed where.
type rampSource struct {
	marker float32
	n, pos int64
	closed *int
	mu     *sync.Mutex
}

func (s *rampSource) Read(p []float32) (int, error) {
	if s.pos >= s.n {
		return 0, io.EOF
	}
	k := 0
	for ; k+1 < len(p) && s.pos < s.n; k += 2 {
		p[k] = s.marker
		p[k+1] = float32(s.pos)
		s.pos++
	}
	return k, nil
}

func (s *rampSource) SeekFrame(f int64) error {
	if f < 0 || f > s.n {
		return errors.New("seek out of range")
	}
	s.pos = f
	return nil
}

func (s *rampSource) Close() error {
	s.mu.Lock()
	*s.closed++
	s.mu.Unlock()
	return nil
}

type rampOpener struct {
	mu     sync.Mutex
	items  map[string]int64
	marks  map[string]float32
	opens  int
	closed int
}

func (o *rampOpener) Open(_ context.Context, id string) (Source, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return nil, errors.New("no such item")
	}
	o.opens++
	return &rampSource{marker: o.marks[id], n: n, closed: &o.closed, mu: &o.mu}, nil
}

// recorder keeps every frame it is handed.
type recorder struct {
	mu     sync.Mutex
	frames []Frame
	left   []float32
	right  []float32
}

func (r *recorder) WriteFrame(f Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// PCM is reused after return: copy what the test inspects.
	for i := 0; i < FrameSamples; i++ {
		r.left = append(r.left, f.PCM[2*i])
		r.right = append(r.right, f.PCM[2*i+1])
	}
	f.PCM = nil
	r.frames = append(r.frames, f)
}

// fixedTimeline plays from start with no events, like session.At without controls.
type fixedTimeline struct {
	start time.Time
	pl    playlist.Playlist
	// pauseAt, if set, pauses from then until resumeAt.
	pauseAt, resumeAt time.Time
}

func (t fixedTimeline) At(at time.Time) Cue {
	if at.Before(t.start) {
		return Cue{}
	}
	played := at.Sub(t.start)
	paused := false
	if !t.pauseAt.IsZero() && !at.Before(t.pauseAt) {
		if t.resumeAt.IsZero() || at.Before(t.resumeAt) {
			paused = true
			played = t.pauseAt.Sub(t.start)
		} else {
			played -= t.resumeAt.Sub(t.pauseAt)
		}
	}
	n := playlist.DurationToFrames(played)
	i := 0
	for {
		s := t.pl.Slot(i)
		if n < s {
			return Cue{Playing: !paused, Index: i, Offset: n, Loop: t.pl.Loop}
		}
		n -= s
		i++
		if i == len(t.pl.Items) {
			if !t.pl.Loop {
				return Cue{Ended: true, Index: i - 1, Loop: false}
			}
			i = 0
		}
	}
}

type harness struct {
	t      *testing.T
	clk    *clock.Fake
	rec    *recorder
	open   *rampOpener
	b      *Broadcaster
	cancel context.CancelFunc
	done   chan struct{}
}

var t0 = time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, pl playlist.Playlist, tl Timeline) *harness {
	t.Helper()
	o := &rampOpener{items: map[string]int64{}, marks: map[string]float32{}}
	for i, it := range pl.Items {
		o.items[it.MediaID] = it.Frames
		o.marks[it.MediaID] = float32(i + 1)
	}
	h := &harness{t: t, clk: clock.NewFake(t0), rec: &recorder{}, open: o, done: make(chan struct{})}
	h.b = New(pl, tl, o, h.rec, h.clk, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		h.b.Run(ctx)
	}()
	t.Cleanup(h.stop)
	return h
}

// step lets the broadcaster reach its next deadline, then advances the clock by d.
func (h *harness) step(d time.Duration) {
	h.t.Helper()
	if !h.clk.WaitForSleepers(1, 5*time.Second) {
		h.t.Fatal("broadcaster never slept")
	}
	h.clk.Advance(d)
}

func (h *harness) run(frames int) {
	for i := 0; i < frames; i++ {
		h.step(FrameDuration)
	}
	// Wait for the last frame to be written.
	if !h.clk.WaitForSleepers(1, 5*time.Second) {
		h.t.Fatal("broadcaster never slept")
	}
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

func TestPacingOnAbsoluteDeadlines(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000 * 10}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(100)
	h.stop()
	if got := len(h.rec.frames); got != 101 {
		t.Fatalf("got %d frames, want 101", got)
	}
	for i, f := range h.rec.frames {
		if f.Seq != int64(i) || !f.Due.Equal(t0.Add(time.Duration(i)*FrameDuration)) {
			t.Fatalf("frame %d: seq %d due %v, want seq %d due +%v", i, f.Seq, f.Due.Sub(t0), i, time.Duration(i)*FrameDuration)
		}
	}
}

// TestLateClockDoesNotDrift advances the clock in uneven steps: frames stay on the 20 ms grid and
// none is lost while the lag stays under the skip threshold.
func TestLateClockDoesNotDrift(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000 * 10}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	for i := 0; i < 50; i++ {
		h.step(FrameDuration + 7*time.Millisecond) // always late
	}
	h.step(0)
	h.stop()
	for i, f := range h.rec.frames {
		if f.Seq != int64(i) || !f.Due.Equal(t0.Add(time.Duration(i)*FrameDuration)) {
			t.Fatalf("frame %d off the grid: seq %d due +%v", i, f.Seq, f.Due.Sub(t0))
		}
	}
}

func TestStallSkipsAhead(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000 * 10}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(5)
	h.step(time.Second) // a one-second stall
	h.step(FrameDuration)
	h.step(0)
	h.stop()
	last := h.rec.frames[len(h.rec.frames)-1]
	if last.Seq < 55 {
		t.Fatalf("after a 1 s stall the last frame has seq %d, want >= 55 (skipped ahead)", last.Seq)
	}
	if st := h.b.Stats(); st.Skipped == 0 {
		t.Fatal("no skipped frames counted")
	}
	// The timeline, not the frame count, decides what plays: the audio after the stall comes from
	// the position at the new wall-clock time.
	for i := 1; i < len(h.rec.frames); i++ {
		f := h.rec.frames[i]
		if !f.Due.Equal(t0.Add(time.Duration(f.Seq) * FrameDuration)) {
			t.Fatalf("frame seq %d due +%v, off the grid", f.Seq, f.Due.Sub(t0))
		}
	}
}

// TestGaplessJoin plays two items whose lengths are not multiples of a frame: every sample of both
// arrives, in order, with no silence at the join.
func TestGaplessJoin(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 1000}, {MediaID: "b", Frames: 2500}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(5)
	h.stop()
	l, r := h.rec.left, h.rec.right
	for i := fadeFrames; i < 3500; i++ {
		wantMark, wantPos := float32(1), float32(i)
		if i >= 1000 {
			wantMark, wantPos = 2, float32(i-1000)
		}
		if l[i] != wantMark || r[i] != wantPos {
			t.Fatalf("sample %d = (%v, %v), want item %v frame %v", i, l[i], r[i], wantMark, wantPos)
		}
	}
	for i := 3500; i < len(l); i++ {
		if l[i] != 0 || r[i] != 0 {
			t.Fatalf("sample %d after the end = (%v, %v), want silence", i, l[i], r[i])
		}
	}
}

func TestLoopWrapsGaplessly(t *testing.T) {
	pl := playlist.Playlist{Loop: true, Items: []playlist.Item{{MediaID: "a", Frames: 700}, {MediaID: "b", Frames: 900}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(6)
	h.stop()
	l, r := h.rec.left, h.rec.right
	for i := fadeFrames; i < len(l); i++ {
		k := int64(i) % 1600
		wantMark, wantPos := float32(1), float32(k)
		if k >= 700 {
			wantMark, wantPos = 2, float32(k-700)
		}
		if l[i] != wantMark || r[i] != wantPos {
			t.Fatalf("sample %d = (%v, %v), want item %v frame %v", i, l[i], r[i], wantMark, wantPos)
		}
	}
}

func TestSilenceBeforeStartThenPlay(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000}}}
	start := t0.Add(100 * time.Millisecond)
	h := newHarness(t, pl, fixedTimeline{start: start, pl: pl})
	h.run(10)
	h.stop()
	for i, f := range h.rec.frames {
		early := f.Due.Before(start)
		if f.Silent != early {
			t.Fatalf("frame %d (due +%v) silent=%v, want %v", i, f.Due.Sub(t0), f.Silent, early)
		}
	}
	// Frame 5 is due exactly at the start and begins at the item's first sample.
	if got := h.rec.right[5*FrameSamples+fadeFrames]; got != float32(fadeFrames) {
		t.Fatalf("first frame after start holds item frame %v, want %d", got, fadeFrames)
	}
}

func TestPauseAndResumeKeepPosition(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000 * 10}}}
	tl := fixedTimeline{start: t0, pl: pl, pauseAt: t0.Add(200 * time.Millisecond), resumeAt: t0.Add(600 * time.Millisecond)}
	h := newHarness(t, pl, tl)
	h.run(40)
	h.stop()
	// Paused frames are silent, and playback resumes within the tolerance of where it paused.
	for i, f := range h.rec.frames {
		d := f.Due.Sub(t0)
		if want := d >= 200*time.Millisecond && d < 600*time.Millisecond; f.Silent != want {
			t.Fatalf("frame %d (+%v) silent=%v, want %v", i, d, f.Silent, want)
		}
	}
	resumed := 30 * FrameSamples // frame due at +600 ms
	got := int64(h.rec.right[resumed+fadeFrames]) - fadeFrames
	want := playlist.DurationToFrames(200 * time.Millisecond)
	if got < want || got > want+tolerance {
		t.Fatalf("resumed at item frame %d, want %d (+ up to %d)", got, want, tolerance)
	}
}

// seekTimeline jumps to an offset at a given instant, as a host's seek does.
type seekTimeline struct {
	fixedTimeline
	at     time.Time
	offset int64
}

func (s seekTimeline) At(t time.Time) Cue {
	if t.Before(s.at) {
		return s.fixedTimeline.At(t)
	}
	return Cue{Playing: true, Index: 0, Offset: s.offset + playlist.DurationToFrames(t.Sub(s.at))}
}

func TestSetTimelineSeeks(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000 * 60}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(10)
	h.b.SetTimeline(seekTimeline{fixedTimeline: fixedTimeline{start: t0, pl: pl}, at: t0, offset: 48000 * 30})
	h.run(10)
	h.stop()
	last := h.rec.right[len(h.rec.right)-1]
	if last < 48000*30 {
		t.Fatalf("after the seek the last sample is item frame %v, want past %d", last, 48000*30)
	}
	if h.b.Stats().Seeks == 0 {
		t.Fatal("no seek counted")
	}
}

func TestUnopenableItemPlaysSilenceAndMovesOn(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "missing", Frames: 1920}, {MediaID: "b", Frames: 48000}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	delete(h.open.items, "missing")
	h.run(6)
	h.stop()
	if h.b.Stats().OpenErrors != 1 {
		t.Fatalf("open errors = %d, want 1 (no retry every frame)", h.b.Stats().OpenErrors)
	}
	if got := h.rec.left[4*FrameSamples]; got != 2 {
		t.Fatalf("after the missing item's slot, marker = %v, want item b", got)
	}
}

func TestRunClosesEverySource(t *testing.T) {
	pl := playlist.Playlist{Loop: true, Items: []playlist.Item{{MediaID: "a", Frames: 500}, {MediaID: "b", Frames: 700}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(20)
	h.stop()
	h.open.mu.Lock()
	defer h.open.mu.Unlock()
	if h.open.opens != h.open.closed {
		t.Fatalf("opened %d sources, closed %d", h.open.opens, h.open.closed)
	}
}

// TestCrossfade checks an equal-power crossfade that begins in the middle of a frame: across the
// overlap each item's samples arrive at their exact positions with cos/sin gains.
func TestCrossfade(t *testing.T) {
	const xf = 960
	pl := playlist.Playlist{Crossfade: xf, Items: []playlist.Item{{MediaID: "a", Frames: 5000}, {MediaID: "b", Frames: 5000}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	h.run(12)
	h.stop()
	l, r := h.rec.left, h.rec.right
	start := int(pl.Slot(0)) // 4040: not on a frame boundary
	for k := 0; k < xf; k++ {
		i := start + k
		x := float64(k) / xf
		ga, gb := math.Cos(x*math.Pi/2), math.Sin(x*math.Pi/2)
		wantL := 1*ga + 2*gb
		wantR := float64(i)*ga + float64(k)*gb
		if math.Abs(float64(l[i])-wantL) > 1e-4 || math.Abs(float64(r[i])-wantR) > 1e-2 {
			t.Fatalf("overlap sample %d: (%v, %v), want (%.4f, %.2f)", k, l[i], r[i], wantL, wantR)
		}
	}
	// After the overlap only b plays, at its own position.
	for i := start + xf; i < start+xf+100; i++ {
		if l[i] != 2 || r[i] != float32(i-start) {
			t.Fatalf("sample %d after the overlap = (%v, %v)", i, l[i], r[i])
		}
	}
}

// TestFailedPrefetchIsNotClosed: when opening the next item fails in the background, shutting the
// broadcaster down must not touch the missing source.
func TestFailedPrefetchIsNotClosed(t *testing.T) {
	pl := playlist.Playlist{Items: []playlist.Item{{MediaID: "a", Frames: 48000}, {MediaID: "gone", Frames: 48000}}}
	h := newHarness(t, pl, fixedTimeline{start: t0, pl: pl})
	delete(h.open.items, "gone")
	h.run(30) // within prefetch distance of the end of item a
	h.stop()  // closeAll takes the failed prefetch
}
