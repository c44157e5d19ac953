package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// phonePhoto makes a 4000×3000 (12-megapixel) JPEG like a phone's: smooth gradients with noise,
// so that the entropy-coded data has a realistic size, optionally with an orientation.
func phonePhoto(b *testing.B, o int) []byte {
	b.Helper()
	const w, h = 4000, 3000
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(7, 11))
	for y := range h {
		for x := range w {
			m.Y[y*m.YStride+x] = byte((x*255/w+y*255/h)/2 + rng.IntN(24))
		}
	}
	for i := range m.Cb {
		m.Cb[i] = byte(96 + rng.IntN(64))
		m.Cr[i] = byte(112 + rng.IntN(32))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	if o != 1 {
		data = withSegment(data, 0xe1, append([]byte(exifHeader), tiffWithOrientation(o, binary.BigEndian)...))
	}
	return data
}

// peakHeap samples the live heap while f runs and returns the highest value above the heap
// before it started: an estimate of a decode's peak memory (sampling every millisecond).
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var s runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&s)
			peak = max(peak, s.HeapAlloc)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	return peak - base
}

func benchmarkDecode(b *testing.B, o int) {
	data := phonePhoto(b, o)
	d := NewDecoder(Limits{}, 1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			p, err := d.Decode(context.Background(), bytes.NewReader(data))
			if err != nil || p.Width*p.Height != 12_000_000 {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(len(data))/(1<<20), "file-MB")
}

// BenchmarkDecode12MP decodes a 12-megapixel phone JPEG stored upright.
func BenchmarkDecode12MP(b *testing.B) { benchmarkDecode(b, 1) }

// BenchmarkDecode12MPOrientation6 decodes one held upright (stored turned, orientation 6), the
// common case for portrait phone photos: the one-pass YCbCr path.
func BenchmarkDecode12MPOrientation6(b *testing.B) { benchmarkDecode(b, 6) }

// BenchmarkEncode12MP encodes a decoded 12-megapixel photo for storage.
func BenchmarkEncode12MP(b *testing.B) {
	p, err := NewDecoder(Limits{}, 1).Decode(context.Background(), bytes.NewReader(phonePhoto(b, 1)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := EncodeJPEG(io.Discard, p.Image); err != nil {
			b.Fatal(err)
		}
	}
}
