// Package broadcaster turns a playlist into paced 20 ms frames of 48 kHz stereo audio. It follows a
// timeline (where playback should be at each instant) and realises it with real decoders: gapless
// joins or crossfades between items, loudness gains, and repositioning when the host pauses, skips
// or seeks. It knows nothing of HTTP or peers; a Sink receives the frames.
package broadcaster

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"hearth/clock"
	"hearth/playlist"
)

// FrameSamples is the samples per channel in one 20 ms frame.
const FrameSamples = 960

// FrameDuration is the pacing interval.
const FrameDuration = 20 * time.Millisecond

const (
	// tolerance is how far the playing position may differ from the timeline before the broadcaster
	// seeks: small differences come from pauses and rounding and are not worth a discontinuity.
	tolerance = 2 * FrameSamples
	// maxLag is how late a frame may be before the broadcaster skips ahead instead of sending a burst
	// that listeners' jitter buffers would have to swallow.
	maxLag = 200 * time.Millisecond
	// fadeFrames smooths every discontinuity (pause, seek, skip) so it never clicks.
	fadeFrames = 240
	// prefetchAhead is how long before an item ends the next one is opened in the background.
	prefetchAhead = 5 * time.Second
)

// Source is an opened media item delivering interleaved stereo float32 at 48 kHz.
type Source interface {
	Read(p []float32) (int, error)
	SeekFrame(frame int64) error
	Close() error
}

// Opener opens playlist items.
type Opener interface {
	Open(ctx context.Context, mediaID string) (Source, error)
}

// Cue is where the timeline says playback should be at an instant.
type Cue struct {
	// Playing is false before the start, while paused and after the end.
	Playing bool
	Ended   bool
	Index   int
	Offset  int64
	// Loop is whether the playlist wraps around after its last item.
	Loop bool
}

// Timeline answers where playback should be at an instant.
type Timeline interface {
	At(t time.Time) Cue
}

// Sequencer is an optional Timeline that says which item follows another, for playlists made of
// parts (a program's segments) where the next item in the list is not always what plays next.
type Sequencer interface {
	Next(index int, loop bool) (int, bool)
}

// Frame is one paced 20 ms frame handed to the sink.
type Frame struct {
	// Seq counts frames from the broadcaster's start; a jump means frames were skipped after a stall.
	Seq int64
	Due time.Time
	// PCM holds 2*FrameSamples interleaved samples. It is reused after WriteFrame returns.
	PCM []float32
	// Silent is true when nothing is playing (before the start, paused, ended).
	Silent bool
}

// Sink receives frames on the pacing goroutine and must not block.
type Sink interface {
	WriteFrame(f Frame)
}

// Stats counts what the broadcaster has done, for logs and tests.
type Stats struct {
	Frames, Skipped, Seeks, OpenErrors int64
}

// Broadcaster paces one session's playlist.
type Broadcaster struct {
	pl    playlist.Playlist
	open  Opener
	sink  Sink
	clock clock.Clock
	log   *slog.Logger

	timeline atomic.Pointer[timelineBox]

	cur, tail *track
	// tailFrom is where in the current frame a crossfade tail that began mid-frame starts.
	tailFrom  int
	failed    int // index of an item that failed to open, to avoid retrying every frame
	pcm       []float32
	scratch   []float32
	wasSilent bool

	prefetchMu sync.Mutex
	prefetch   *pending
	wg         sync.WaitGroup

	frames, skipped, seeks, openErrors atomic.Int64
}

type timelineBox struct{ tl Timeline }

// track is an open item being played.
type track struct {
	index  int
	src    Source
	gain   float32
	offset int64 // frames read so far
	// fadeIn counts down the frames of fade-in left, out of fadeInLen.
	fadeIn, fadeInLen int64
	// fadeOut is the length of the fade-out this track is in (a crossfade tail), and faded how far it
	// has gone.
	fadeOut, faded int64
}

type pending struct {
	index int
	done  chan struct{}
	src   Source
	err   error
}

// New returns a broadcaster; call Run to start pacing.
func New(pl playlist.Playlist, tl Timeline, open Opener, sink Sink, clk clock.Clock, log *slog.Logger) *Broadcaster {
	b := &Broadcaster{
		pl: pl, open: open, sink: sink, clock: clk, log: log,
		failed:  -1,
		pcm:     make([]float32, 2*FrameSamples),
		scratch: make([]float32, 2*FrameSamples),
	}
	b.timeline.Store(&timelineBox{tl})
	return b
}

// SetTimeline replaces the timeline, e.g. after a host's control action. The next frame follows it.
func (b *Broadcaster) SetTimeline(tl Timeline) { b.timeline.Store(&timelineBox{tl}) }

// Stats returns counters.
func (b *Broadcaster) Stats() Stats {
	return Stats{Frames: b.frames.Load(), Skipped: b.skipped.Load(), Seeks: b.seeks.Load(), OpenErrors: b.openErrors.Load()}
}

// Run paces frames on absolute deadlines, frame n being due at start + n*20 ms, until ctx ends. It
// closes every source it opened before returning.
func (b *Broadcaster) Run(ctx context.Context) error {
	defer b.closeAll()
	start := b.clock.Now()
	for n := int64(0); ; n++ {
		due := start.Add(time.Duration(n) * FrameDuration)
		if err := b.clock.SleepUntil(ctx, due); err != nil {
			return nil
		}
		if lag := b.clock.Now().Sub(due); lag > maxLag {
			// A stall (CPU starvation, a paused VM): jump to the present rather than burst.
			skip := int64(lag / FrameDuration)
			n += skip
			due = start.Add(time.Duration(n) * FrameDuration)
			b.skipped.Add(skip)
			b.log.Warn("broadcaster fell behind; skipping ahead", "lag", lag, "frames", skip)
		}
		silent := b.render(ctx, due)
		b.frames.Add(1)
		b.sink.WriteFrame(Frame{Seq: n, Due: due, PCM: b.pcm, Silent: silent})
	}
}

// render fills b.pcm with the frame due at t and reports whether it is silence.
func (b *Broadcaster) render(ctx context.Context, t time.Time) bool {
	cue := b.timeline.Load().tl.At(t)
	clear(b.pcm)
	if !cue.Playing {
		if b.cur != nil && !b.wasSilent {
			// Fade out over the start of the frame so a pause never clicks; the 20 ms this reads
			// ahead is within the tolerance and is corrected by the next seek if it grows.
			b.mixTrack(b.cur, b.pcm, fadeFrames, -1)
		}
		if cue.Ended {
			b.closeAll()
		}
		b.wasSilent = true
		return true
	}
	b.reconcile(ctx, cue)
	filled := 0
	pl := b.pl
	pl.Loop = cue.Loop
	for filled < FrameSamples && b.cur != nil {
		want := FrameSamples - filled
		// An item hands over at the end of its slot; the last item of a playlist that does not
		// loop plays to the end of its file.
		last := b.cur.index == len(pl.Items)-1 && !pl.Loop
		if !last {
			want = int(min(int64(want), max(pl.Slot(b.cur.index)-b.cur.offset, 0)))
		}
		got := b.mixTrack(b.cur, b.pcm[2*filled:2*(filled+want)], 0, 0)
		filled += got
		// Hand over as soon as the slot is used up, even on a frame boundary, so the next item
		// starts with its first sample rather than through a seek.
		if got < want || (!last && b.cur.offset >= pl.Slot(b.cur.index)) {
			if !b.advance(ctx, cue.Loop, filled) {
				break
			}
		}
	}
	if b.tail != nil {
		b.mixTrack(b.tail, b.pcm[2*b.tailFrom:], 0, 0)
		b.tailFrom = 0
		if b.tail.faded >= b.tail.fadeOut {
			b.tail.src.Close()
			b.tail = nil
		}
	}
	b.maybePrefetch(ctx, cue.Loop)
	b.wasSilent = false
	return false
}

// reconcile makes the current track agree with the cue, seeking or opening only when they differ
// by more than the tolerance.
func (b *Broadcaster) reconcile(ctx context.Context, cue Cue) {
	if b.cur != nil && b.cur.index == cue.Index {
		if d := b.cur.offset - cue.Offset; d <= tolerance && d >= -tolerance {
			if b.wasSilent {
				b.cur.startFade(fadeFrames)
			}
			return
		}
		b.seeks.Add(1)
		if err := b.cur.src.SeekFrame(cue.Offset); err != nil {
			b.log.Warn("seek failed", "index", cue.Index, "err", err)
			b.dropCur()
			return
		}
		b.cur.offset = cue.Offset
		b.cur.startFade(fadeFrames)
		return
	}
	if b.cur != nil {
		b.seeks.Add(1)
	}
	b.dropCur()
	if b.failed == cue.Index {
		return
	}
	tr := b.openTrack(ctx, cue.Index)
	if tr == nil {
		return
	}
	if cue.Offset > 0 {
		if err := tr.src.SeekFrame(cue.Offset); err != nil {
			b.log.Warn("seek failed", "index", cue.Index, "err", err)
			tr.src.Close()
			return
		}
		tr.offset = cue.Offset
	}
	tr.startFade(fadeFrames)
	b.cur = tr
}

// advance moves from the current item to the next at a slot boundary (or early end of file), at
// frame position at within the current frame. With a crossfade the current item carries on as a
// fading tail under the next one.
func (b *Broadcaster) advance(ctx context.Context, loop bool, at int) bool {
	prev := b.cur
	next := prev.index + 1
	if sq, ok := b.timeline.Load().tl.(Sequencer); ok {
		n, more := sq.Next(prev.index, loop)
		if !more {
			return false
		}
		next = n
	} else if next >= len(b.pl.Items) {
		if !loop {
			return false
		}
		next = 0
	}
	b.cur = nil
	if b.tail != nil {
		b.tail.src.Close()
		b.tail = nil
	}
	if b.pl.Crossfade > 0 && prev.fadeOut == 0 {
		prev.fadeOut = b.pl.Crossfade
		b.tail = prev
		b.tailFrom = at
	} else {
		prev.src.Close()
	}
	tr := b.openTrack(ctx, next)
	if tr == nil {
		return false
	}
	if b.pl.Crossfade > 0 {
		tr.startFade(b.pl.Crossfade)
	}
	b.cur = tr
	return true
}

// mixTrack adds up to len(dst)/2 frames of tr into dst with its gain and fades, and returns how many
// frames it delivered. fade < 0 with fadeLen > 0 applies a one-off fade-out without advancing the
// track's bookkeeping beyond what it reads.
func (b *Broadcaster) mixTrack(tr *track, dst []float32, fadeLen int64, fade int) int {
	want := len(dst) / 2
	buf := b.scratch[:2*want]
	got := 0
	for got < want {
		n, err := tr.src.Read(buf[2*got:])
		got += n / 2
		if err != nil {
			if !errors.Is(err, io.EOF) {
				b.log.Warn("decode failed during playback", "index", tr.index, "err", err)
			}
			break
		}
		if n == 0 {
			break
		}
	}
	for i := 0; i < got; i++ {
		g := tr.gain
		if fade < 0 && fadeLen > 0 {
			if int64(i) >= fadeLen {
				g = 0
			} else {
				g *= float32(1 - float64(i)/float64(fadeLen))
			}
		}
		if tr.fadeIn > 0 {
			x := float64(tr.fadeInLen-tr.fadeIn) / float64(tr.fadeInLen)
			g *= float32(math.Sin(x * math.Pi / 2))
			tr.fadeIn--
		}
		if tr.fadeOut > 0 {
			x := float64(tr.faded) / float64(tr.fadeOut)
			if x >= 1 {
				g = 0
			} else {
				g *= float32(math.Cos(x * math.Pi / 2))
			}
			tr.faded++
		}
		dst[2*i] += buf[2*i] * g
		dst[2*i+1] += buf[2*i+1] * g
	}
	tr.offset += int64(got)
	if tr.fadeOut > 0 && got < want {
		tr.faded = tr.fadeOut
	}
	return got
}

// startFade begins an equal-power fade-in over n frames.
func (tr *track) startFade(n int64) { tr.fadeIn, tr.fadeInLen = n, n }

func (b *Broadcaster) openTrack(ctx context.Context, index int) *track {
	src := b.takePrefetch(index)
	if src == nil {
		var err error
		src, err = b.open.Open(ctx, b.pl.Items[index].MediaID)
		if err != nil {
			b.openErrors.Add(1)
			b.failed = index
			b.log.Error("cannot open playlist item; playing silence in its place", "index", index,
				"media", b.pl.Items[index].MediaID, "err", err)
			return nil
		}
	}
	b.failed = -1
	return &track{index: index, src: src, gain: float32(math.Pow(10, b.pl.Items[index].GainDB/20))}
}

func (b *Broadcaster) dropCur() {
	if b.cur != nil {
		b.cur.src.Close()
		b.cur = nil
	}
}

// maybePrefetch opens the next item in the background shortly before the current one ends, so that
// a slow open (a long file being scanned) never delays a frame.
func (b *Broadcaster) maybePrefetch(ctx context.Context, loop bool) {
	if b.cur == nil {
		return
	}
	left := b.pl.Slot(b.cur.index) - b.cur.offset
	if left > playlist.DurationToFrames(prefetchAhead) {
		return
	}
	next := b.cur.index + 1
	if sq, ok := b.timeline.Load().tl.(Sequencer); ok {
		n, more := sq.Next(b.cur.index, loop)
		if !more {
			return
		}
		next = n
	} else if next >= len(b.pl.Items) {
		if !loop {
			return
		}
		next = 0
	}
	b.prefetchMu.Lock()
	defer b.prefetchMu.Unlock()
	if b.prefetch != nil {
		return
	}
	p := &pending{index: next, done: make(chan struct{})}
	b.prefetch = p
	id := b.pl.Items[next].MediaID
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer close(p.done)
		p.src, p.err = b.open.Open(ctx, id)
	}()
}

// takePrefetch returns the prefetched source for index, waiting for it if still opening.
func (b *Broadcaster) takePrefetch(index int) Source {
	b.prefetchMu.Lock()
	p := b.prefetch
	b.prefetch = nil
	b.prefetchMu.Unlock()
	if p == nil {
		return nil
	}
	<-p.done
	if p.err != nil {
		return nil
	}
	if p.index != index {
		p.src.Close()
		return nil
	}
	return p.src
}

func (b *Broadcaster) closeAll() {
	b.dropCur()
	if b.tail != nil {
		b.tail.src.Close()
		b.tail = nil
	}
	if src := b.takePrefetch(-1); src != nil {
		src.Close()
	}
	b.wg.Wait()
}
