package room

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"

	"hearth/internal/testpeer"
)

// BenchmarkFanout measures sending one already-encoded Opus packet to N connected listeners: the
// per-listener work of the broadcast path (pion's RTP fan-out, interceptors, SRTP, the UDP write).
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			r := newTestRoom(b, Config{MaxListeners: n})
			defer r.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var ls []*testpeer.Listener
			for i := 0; i < n; i++ {
				l, offer, err := testpeer.NewWith(false)
				if err != nil {
					b.Fatal(err)
				}
				_, answer, err := r.AddListener(ctx, offer)
				if err != nil {
					b.Fatal(err)
				}
				if err := l.Accept(answer); err != nil {
					b.Fatal(err)
				}
				ls = append(ls, l)
			}
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: make([]byte, 240)}
			// Wait until every listener receives, so all bindings are live.
			for _, l := range ls {
				for len(l.Packets()) == 0 {
					pkt.SequenceNumber++
					pkt.Timestamp += 960
					r.track.WriteRTP(pkt)
					time.Sleep(5 * time.Millisecond)
					if ctx.Err() != nil {
						b.Fatal("listeners never received")
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pkt.SequenceNumber++
				pkt.Timestamp += 960
				r.track.WriteRTP(pkt)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n)/1000, "us/listener-packet")
			for _, l := range ls {
				l.Close()
			}
		})
	}
}
