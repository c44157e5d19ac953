package room

import (
	"context"
	"testing"
	"time"

	"hearth/internal/testpeer"
)

// BenchmarkMixLatency measures what the listeners' mix adds over plain forwarding: a member sends
// tone bursts; the onset reaches another member through forwarding and a WHEP listener through the
// mix (jitter buffer, the next 20 ms tick, encode). Reports the mean extra delay.
func BenchmarkMixLatency(b *testing.B) {
	r := newTestRoom(b, Config{DuckingOff: true})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	go pump(ctx, r, 0) // a silent broadcast keeps the room's clock going
	join := func(name string) *testpeer.Member {
		m, offer, err := testpeer.NewMember()
		if err != nil {
			b.Fatal(err)
		}
		_, answer, err := r.Join(ctx, offer, name)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Accept(answer); err != nil {
			b.Fatal(err)
		}
		if err := m.WaitOpen(ctx); err != nil {
			b.Fatal(err)
		}
		return m
	}
	speaker, other := join("Speaker"), join("Other")
	defer speaker.Close()
	defer other.Close()
	l, offer, err := testpeer.New()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	_, answer, err := r.AddListener(ctx, offer)
	if err != nil {
		b.Fatal(err)
	}
	l.Accept(answer)
	time.Sleep(time.Second)
	sid := speaker.Messages("welcome")[0]["you"].(map[string]any)["id"].(string)
	var total time.Duration
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		speaker.SendTone(700, -10, nil)
		time.Sleep(400 * time.Millisecond)
		speaker.StopTone()
		time.Sleep(600 * time.Millisecond)
		fp, fa, fo := other.StreamAt(sid)
		lp, la, lo := l.PCMAt()
		fwd := testpeer.Onset(fp, fa, fo, start, 700, -30)
		mixed := testpeer.Onset(lp, la, lo, start, 700, -30)
		if fwd.IsZero() || mixed.IsZero() {
			continue
		}
		total += mixed.Sub(fwd)
		n++
	}
	b.StopTimer()
	if n == 0 {
		b.Fatal("no burst was heard on both paths")
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-added-by-mix")
}
