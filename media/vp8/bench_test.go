package vp8

import (
	"fmt"
	"testing"
	"time"
)

// panFrames renders n frames of a slow pan and zoom over a synthetic photo.
func panFrames(n int, tex texture) [][]byte {
	ph := newPhoto(7, 1400, 800, tex)
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = make([]byte, testW*testH*3/2)
		x0, y0, s := kenBurns(float64(i))
		ph.render(frames[i], testW, testH, x0, y0, s, 1)
	}
	return frames
}

// pingPong returns frame i of a sequence that plays frames forward and back, so that a benchmark
// of any length sees continuous motion without a cut.
func pingPong(frames [][]byte, i int) []byte {
	n := len(frames)
	i %= 2*n - 2
	if i >= n {
		i = 2*n - 2 - i
	}
	return frames[i]
}

// BenchmarkEncode720p measures realtime encoding speed of a slowly panning photo at 1.5 Mbit/s,
// 30 fps, one keyframe every 2 s, for several cpu-used values and thread counts.
func BenchmarkEncode720p(b *testing.B) {
	cases := []struct{ cpu, threads int }{
		{-4, 1}, {-6, 1}, {-8, 1}, {-10, 1}, {-12, 1}, {-14, 1}, {-16, 1}, {-8, 2}, {-12, 2},
	}
	for _, tex := range []texture{soft, detailed} {
		frames := panFrames(24, tex)
		for _, c := range cases {
			b.Run(fmt.Sprintf("%v/cpu-used=%d/threads=%d", tex, c.cpu, c.threads), func(b *testing.B) {
				e := newTestEncoder(b, Config{Width: testW, Height: testH, FPS: 30, Bitrate: testBitrate,
					KeyframeInterval: 2 * time.Second, CPUUsed: c.cpu, Threads: c.threads})
				dst := make([]byte, 0, 1<<20)
				var bytes int
				i := 0
				for b.Loop() {
					var err error
					dst, _, err = e.Encode(dst[:0], pingPong(frames, i), int64(i), false)
					if err != nil {
						b.Fatal(err)
					}
					bytes += len(dst)
					i++
				}
				b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "fps")
				b.ReportMetric(float64(bytes*8)/float64(i)*30/1000, "kbit/s")
			})
		}
	}
}
