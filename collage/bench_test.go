package collage

import (
	"testing"
	"time"
)

// benchShow is a show of one 12 MP-class photo of the given shape, whole at 720p.
func benchShow(b *testing.B, w, h int) (*Renderer, []Slide) {
	b.Helper()
	img := photo(w, h)
	slides := []Slide{
		{Image: img, Start: time.Second, Length: 10 * time.Second},
		{Image: photo(w/4, h/4), Start: 11 * time.Second, Length: 10 * time.Second},
	}
	return mustRenderer(b, testConfig(), slides), slides
}

// benchFrames renders frames while the slide moves: each iteration a new instant 1/30 s on, in
// the slide's fully shown middle (from..to), so the pan and zoom positions change every frame.
func benchFrames(b *testing.B, r *Renderer, from, to time.Duration) {
	buf := make([]byte, r.cfg.FrameSize())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	cpu0, ok := cpuTime()
	for b.Loop() {
		at := from + time.Duration(n)*time.Second/30%(to-from)
		if err := r.Frame(buf, at); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "fps")
	if cpu1, ok1 := cpuTime(); ok && ok1 && cpu1 > cpu0 {
		// Frames per second of CPU: what one core would do with the machine to itself. Run with
		// -cpu 1 so that only the frame loop (and a little GC) runs.
		b.ReportMetric(float64(n)/(cpu1-cpu0).Seconds(), "cpu-fps")
	}
}

// BenchmarkFrame720p is the common case: a landscape photo panning and zooming, every output
// pixel sampled once from the prepared photo.
func BenchmarkFrame720p(b *testing.B) {
	r, _ := benchShow(b, 4000, 2250)
	benchFrames(b, r, time.Second, 10*time.Second)
	b.ReportMetric(float64(r.bytes)/(1<<20), "MB-held")
}

// BenchmarkFrame720pPortrait is a portrait photo over its blurred fill, with anti-aliased edges.
func BenchmarkFrame720pPortrait(b *testing.B) {
	r, _ := benchShow(b, 2250, 4000)
	benchFrames(b, r, time.Second, 10*time.Second)
}

// BenchmarkFrame720pCrossfade is the worst case: two slides drawn and mixed.
func BenchmarkFrame720pCrossfade(b *testing.B) {
	r, _ := benchShow(b, 4000, 2250)
	benchFrames(b, r, 10*time.Second, 11*time.Second)
}

// BenchmarkPrepare12MP is the one-off cost of preparing a 4000x3000 photo (4:3, so shown whole
// over its fill, the more expensive preparation).
func BenchmarkPrepare12MP(b *testing.B) {
	img := photo(4000, 3000)
	p := newPreparer(testConfig())
	b.ReportAllocs()
	for b.Loop() {
		if pr := p.prepare(img); !pr.contain {
			b.Fatal("4:3 photo was cropped")
		}
	}
}
