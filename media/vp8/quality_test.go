package vp8

import (
	"flag"
	"fmt"
	"math"
	"testing"
	"time"
)

// slideshow renders frame i of a five-second sequence at 30 fps: photo a panning, a one-second
// crossfade to photo b while both keep moving, then b panning alone. With keyframes every 2 s the
// fade sits between two keyframes.
type slideshow struct{ a, b *photo }

const (
	fadeStart, fadeEnd = 75, 105
	slideshowFrames    = 150
)

func newSlideshow(tex texture) slideshow {
	return slideshow{newPhoto(11, 1400, 800, tex), newPhoto(12, 1400, 800, tex)}
}

func (s slideshow) render(dst []byte, i int) {
	x0, y0, sc := kenBurns(float64(i))
	if i < fadeEnd {
		s.a.render(dst, testW, testH, x0, y0, sc, 1)
	}
	if i >= fadeStart {
		j := float64(i - fadeStart)
		bx, by, bs := kenBurns(j)
		alpha := 1.0
		if i < fadeEnd {
			alpha = (j + 1) / (fadeEnd - fadeStart + 1)
		}
		s.b.render(dst, testW, testH, bx, by, bs, alpha)
	}
}

// segmentStats sums up the frames of one part of the slideshow.
type segmentStats struct {
	frames   int
	bytes    int
	sumPSNR  float64
	minPSNR  float64
	maxFrame int
}

func (s *segmentStats) add(n int, p float64) {
	if s.frames == 0 {
		s.minPSNR = math.Inf(1)
	}
	s.frames++
	s.bytes += n
	s.sumPSNR += p
	s.minPSNR = min(s.minPSNR, p)
	s.maxFrame = max(s.maxFrame, n)
}

func (s segmentStats) mean() float64 { return s.sumPSNR / float64(s.frames) }

func (s segmentStats) String() string {
	return fmt.Sprintf("PSNR mean %.2f min %.2f dB, %.0f kbit/s, largest frame %d B",
		s.mean(), s.minPSNR, float64(s.bytes*8)*30/float64(s.frames)/1000, s.maxFrame)
}

// encodeSlideshow encodes the slideshow with cfg, decodes it and returns luma statistics for the
// pans and for the crossfade.
func encodeSlideshow(t *testing.T, cfg Config, tex texture) (pan, fade segmentStats) {
	e := newTestEncoder(t, cfg)
	d := newTestDecoder(t)
	s := newSlideshow(tex)
	in := make([]byte, cfg.FrameSize())
	var frame []byte
	for i := range slideshowFrames {
		s.render(in, i)
		var err error
		frame, _, err = e.Encode(frame[:0], in, int64(i), false)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		pic, err := d.Decode(frame)
		if err != nil {
			t.Fatalf("frame %d: decode: %v", i, err)
		}
		p := psnr(in[:testW*testH], pic.Y())
		if i >= fadeStart && i < fadeEnd {
			fade.add(len(frame), p)
		} else {
			pan.add(len(frame), p)
		}
	}
	return pan, fade
}

var sweep = flag.Bool("sweep", false, "TestSlideshowQuality: measure every cpu-used value, not just the default")

// TestSlideshowQuality encodes pans and a crossfade of soft and detailed photos at 1.5 Mbit/s and
// checks the decoded picture at the default speed. With -args -sweep it logs the other speeds too:
// those numbers chose DefaultCPUUsed.
func TestSlideshowQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes 5 s of 720p video per texture")
	}
	speeds := []int{DefaultCPUUsed}
	if *sweep {
		speeds = []int{-4, -6, -8, -10, -12, -14, -16}
	}
	want := map[texture]float64{soft: 39, detailed: 36}
	for _, tex := range []texture{soft, detailed} {
		t.Run(tex.String(), func(t *testing.T) {
			t.Parallel()
			for _, cpu := range speeds {
				cfg := Config{Width: testW, Height: testH, FPS: 30, Bitrate: testBitrate, KeyframeInterval: 2 * time.Second, CPUUsed: cpu}
				pan, fade := encodeSlideshow(t, cfg, tex)
				t.Logf("%v photos, cpu-used %d: pans %v; crossfade %v", tex, cpu, pan, fade)
				if cpu == DefaultCPUUsed && (pan.mean() < want[tex] || fade.mean() < want[tex]) {
					t.Errorf("default speed: pans %.2f dB, crossfade %.2f dB; want >= %.0f", pan.mean(), fade.mean(), want[tex])
				}
			}
		})
	}
}
