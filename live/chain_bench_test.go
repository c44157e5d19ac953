package live

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hearth/assets"
	"hearth/broadcaster"
	"hearth/internal/testpeer"
	"hearth/media"
	"hearth/playlist"
	"hearth/room"
)

// virtualClock never waits: each deadline is reached the moment it is asked for, so a paced loop
// runs as fast as its work allows and the benchmark measures the work, not the pacing.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) SleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	return ctx.Err()
}

type fileOpener struct{ path string }

func (o fileOpener) Open(context.Context, string) (broadcaster.Source, error) {
	return media.OpenFile(o.path, "meditation.mp3")
}

// countingSink passes frames to the room and stops the run after n frames.
type countingSink struct {
	r      *room.Room
	n      int
	cancel context.CancelFunc
}

func (s *countingSink) WriteFrame(f broadcaster.Frame) {
	s.r.WriteAudio(f.Seq, f.PCM)
	s.n--
	if s.n == 0 {
		s.cancel()
	}
}

type playAll struct{ pl playlist.Playlist }

func (p playAll) At(t time.Time) broadcaster.Cue {
	n := playlist.DurationToFrames(t.Sub(time.Unix(0, 0))) % p.pl.Items[0].Frames
	return broadcaster.Cue{Playing: true, Offset: n, Loop: true}
}

// BenchmarkBroadcastChain is the whole per-room chain on the sample meditation (44.1 kHz MP3):
// decode, resample to 48 kHz, gain, the room's tick (speech detection, ducking, mix), the libopus
// encodes at 96 kbps complexity 10 that have receivers, RTP packetisation and sending. "idle" has
// nobody connected (nothing is encoded), "listener" one WHEP listener (the listeners' mix is
// encoded), "listener+member" also a member (the members' ducked broadcast is encoded too, and the
// member's forwarded and mixed microphone is silent). The x-realtime metric is how many such rooms
// one core could carry; the test peers receive without decoding.
func BenchmarkBroadcastChain(b *testing.B) {
	for _, tc := range []struct {
		name             string
		listener, member bool
	}{{"idle", false, false}, {"listener", true, false}, {"listener+member", true, true}} {
		b.Run(tc.name, func(b *testing.B) { benchChain(b, tc.listener, tc.member) })
	}
}

func benchChain(b *testing.B, withListener, withMember bool) {
	path := filepath.Join(b.TempDir(), "meditation.mp3")
	if err := os.WriteFile(path, assets.Meditation(), 0o600); err != nil {
		b.Fatal(err)
	}
	src, err := media.OpenFile(path, "meditation.mp3")
	if err != nil {
		b.Fatal(err)
	}
	frames := src.Frames()
	src.Close()
	api, closer, err := room.NewAPI(room.NetConfig{Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	defer closer()
	enc, err := media.NewOpusEncoder(96000, 10)
	if err != nil {
		b.Fatal(err)
	}
	enc2, err := media.NewOpusEncoder(96000, 10)
	if err != nil {
		b.Fatal(err)
	}
	rm, err := room.New("bench", api, enc, enc2, room.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer rm.Close()
	ctx := context.Background()
	if withListener {
		l, offer, err := testpeer.NewWith(false)
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		_, answer, err := rm.AddListener(ctx, offer)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Accept(answer); err != nil {
			b.Fatal(err)
		}
	}
	if withMember {
		m, offer, err := testpeer.NewMemberWith(false)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		_, answer, err := rm.Join(ctx, offer, "Bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Accept(answer); err != nil {
			b.Fatal(err)
		}
	}
	pl := playlist.Playlist{Loop: true, Items: []playlist.Item{{MediaID: "m", Frames: frames}}}
	const perIter = 50 // one second of audio per iteration
	b.ResetTimer()
	runCtx, cancel := context.WithCancel(ctx)
	sink := &countingSink{r: rm, n: b.N * perIter, cancel: cancel}
	bc := broadcaster.New(pl, playAll{pl}, fileOpener{path}, sink, &virtualClock{now: time.Unix(0, 0)}, slog.New(slog.DiscardHandler))
	bc.Run(runCtx)
	b.StopTimer()
	perSecond := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1/perSecond, "x-realtime")
}
