package room

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/hraban/opus.v2"

	"hearth/internal/testpeer"
)

// libopusEncoder is the real encoder, used directly so this package's tests need no media files.
type libopusEncoder struct{ enc *opus.Encoder }

func (e libopusEncoder) Encode(frame []float32, out []byte) (int, error) {
	return e.enc.EncodeFloat32(frame, out)
}

func (e libopusEncoder) Reset() error { return e.enc.Reset() }

func newTestRoom(t testing.TB, cfg Config) *Room {
	t.Helper()
	api, closer, err := NewAPI(NetConfig{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closer() })
	enc, err := opus.NewEncoder(48000, 2, opus.AppAudio)
	if err != nil {
		t.Fatal(err)
	}
	enc2, err := opus.NewEncoder(48000, 2, opus.AppAudio)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New("test", api, libopusEncoder{enc}, libopusEncoder{enc2}, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pump writes a sine into the room every 20 ms until ctx ends.
func pump(ctx context.Context, r *Room, freq float64) {
	pcm := make([]float32, 2*960)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var n int64
	for {
		for i := 0; i < 960; i++ {
			v := float32(0.25 * math.Sin(2*math.Pi*freq*float64(n*960+int64(i))/48000))
			pcm[2*i], pcm[2*i+1] = v, v
		}
		r.WriteAudio(n, pcm)
		n++
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func TestListenerHearsToneWithContinuousTimestamps(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go pump(ctx, r, 523.25)

	l, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	id, answer, err := r.AddListener(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, "a=candidate") {
		t.Fatal("answer carries no candidates (WHEP players may not trickle)")
	}
	if err := l.Accept(answer); err != nil {
		t.Fatal(err)
	}
	if err := l.WaitPackets(ctx, 150); err != nil {
		t.Fatal(err)
	}
	pkts := l.Packets()
	for i := 1; i < len(pkts); i++ {
		if d := pkts[i].Timestamp - pkts[i-1].Timestamp; d != 960 {
			t.Fatalf("packet %d: timestamp step %d, want 960", i, d)
		}
		if d := pkts[i].Seq - pkts[i-1].Seq; d != 1 {
			t.Fatalf("packet %d: sequence step %d, want 1", i, d)
		}
	}
	pcm, errs := l.PCM()
	if errs != 0 {
		t.Fatalf("%d Opus decode errors", errs)
	}
	left := testpeer.Left(pcm)
	if f := testpeer.Frequency(left[4800:], 48000); math.Abs(f-523.25) > 1 {
		t.Fatalf("heard %.2f Hz, want 523.25 +/- 1", f)
	}
	if got := r.Listeners(); got != 1 {
		t.Fatalf("listeners = %d, want 1", got)
	}
	if !r.RemoveListener(id) {
		t.Fatal("RemoveListener reported no such peer")
	}
	if got := r.Listeners(); got != 0 {
		t.Fatalf("listeners after remove = %d", got)
	}
}

func TestBadOffers(t *testing.T) {
	r := newTestRoom(t, Config{})
	defer r.Close()
	_, good, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	noAudio := strings.ReplaceAll(good, "m=audio", "m=video")
	tests := map[string]string{
		"empty":         "",
		"garbage":       "hello, I am not SDP",
		"oversized":     good + strings.Repeat("a=x-padding:"+strings.Repeat("x", 1000)+"\r\n", 70),
		"no audio":      noAudio,
		"many sections": good + strings.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=recvonly\r\n", 9),
	}
	for name, offer := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := r.AddListener(context.Background(), offer)
			if err == nil {
				t.Fatal("offer accepted")
			}
			if !errorsIs(err, ErrBadOffer) {
				t.Fatalf("error %v is not ErrBadOffer", err)
			}
		})
	}
	if r.Listeners() != 0 {
		t.Fatal("a bad offer left a peer behind")
	}
}

func TestFullRoom(t *testing.T) {
	r := newTestRoom(t, Config{MaxListeners: 1})
	defer r.Close()
	for i, want := range []error{nil, ErrFull} {
		l, offer, err := testpeer.New()
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, _, err = r.AddListener(context.Background(), offer)
		if !errorsIs(err, want) {
			t.Fatalf("listener %d: err %v, want %v", i, err, want)
		}
	}
}

// TestNeverConnectedPeerIsRemoved covers a listener who posts an offer and vanishes before ICE.
func TestNeverConnectedPeerIsRemoved(t *testing.T) {
	r := newTestRoom(t, Config{ConnectTimeout: 300 * time.Millisecond})
	defer r.Close()
	l, offer, err := testpeer.New()
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // never applies the answer
	if _, _, err := r.AddListener(context.Background(), offer); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Listeners() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a peer that never connected was not cleaned up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNoGoroutineLeakAfterListenersLeave(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		r := newTestRoom(t, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); pump(pctx, r, 440) }()
		var ls []*testpeer.Listener
		for i := 0; i < 5; i++ {
			l, offer, err := testpeer.New()
			if err != nil {
				t.Fatal(err)
			}
			_, answer, err := r.AddListener(ctx, offer)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Accept(answer); err != nil {
				t.Fatal(err)
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			if err := l.WaitPackets(ctx, 10); err != nil {
				t.Fatal(err)
			}
			l.Close()
		}
		stop()
		<-done
		r.Close()
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before+2 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
