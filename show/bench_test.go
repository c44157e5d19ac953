package show

import (
	"context"
	"image"
	"math"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// busy is a detailed synthetic photo (gradients and rings), so the encoder has real work.
func busy(w, h int, phase float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := math.Hypot(fx-0.5, fy-0.5)
			i := 4 * (y*w + x)
			img.Pix[i] = uint8(127 + 120*math.Sin(40*r+phase))
			img.Pix[i+1] = uint8(255 * fx)
			img.Pix[i+2] = uint8(255 * fy)
			img.Pix[i+3] = 255
		}
	}
	return img
}

// benchRoomShow is a 720p30 show of four detailed photos over 20 s.
func benchRoomShow(b *testing.B) *Show {
	b.Helper()
	var photos []Photo
	for i := range 4 {
		photos = append(photos, Photo{Ref: string(rune('a' + i)), Image: busy(1600, 1000, float64(i))})
	}
	s, err := New(DefaultConfig(), photos, 20*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// playRoom plays the show's frames in order, as a room's pacer does, and reports the CPU one
// collage room takes at 30 fps: CPU time per frame times 30, as a share of one core.
func playRoom(b *testing.B, p *Player, frames int64) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := int64(0)
	for b.Loop() {
		f, _, err := p.Frame(n % frames)
		if err != nil {
			b.Fatal(err)
		}
		if f == nil {
			b.Fatal("no frame")
		}
		n++
		if n%frames == 0 {
			// Going round again is a jump back: the player makes a keyframe, as for a seek.
			p.last = -1
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n)/1e6, "cpu-ms/frame")
	b.ReportMetric(100*float64(cpu.Nanoseconds())/float64(n)*30/1e9, "%core-at-30fps")
}

// BenchmarkRoomLive720p: a collage room drawing and encoding every frame itself.
func BenchmarkRoomLive720p(b *testing.B) {
	s := benchRoomShow(b)
	p := NewPlayer(s, nil)
	defer p.Close()
	playRoom(b, p, s.Frames())
}

// BenchmarkRoomRecorded720p: a collage room reading a recording made ahead of time.
func BenchmarkRoomRecorded720p(b *testing.B) {
	s := benchRoomShow(b)
	path := filepath.Join(b.TempDir(), "show.ivf")
	began := time.Now()
	if err := Record(context.Background(), s, path, nil); err != nil {
		b.Fatal(err)
	}
	took := time.Since(began)
	rec, err := OpenRecording(path, s)
	if err != nil {
		b.Fatal(err)
	}
	p := NewPlayer(s, rec)
	defer p.Close()
	playRoom(b, p, s.Frames())
	// Recording's wall time per second of show (one core at most: recordings run one at a time).
	b.ReportMetric(float64(took.Milliseconds())/s.Length().Seconds(), "record-ms/show-s")
}
