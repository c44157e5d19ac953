package mp3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// fixture returns the bytes of testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openBytes is NewDecoder over an in-memory file.
func openBytes(t testing.TB, b []byte) *Decoder {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	return d
}

// readAll decodes everything left, checking the Read contract on the way.
func readAll(t testing.TB, d *Decoder, chunk int) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, chunk)
	for range 1 << 20 {
		n, err := d.Read(buf)
		if n%2 != 0 || n > len(buf)-len(buf)%2 {
			t.Fatalf("Read returned %d values into %d", n, len(buf))
		}
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			if n != 0 {
				t.Fatalf("io.EOF with %d values", n)
			}
			return out
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if n == 0 {
			t.Fatal("Read made no progress")
		}
	}
	t.Fatal("Read never reached io.EOF")
	return nil
}

// channel picks one channel out of interleaved stereo.
func channel(st []float32, ch int) []float32 {
	out := make([]float32, len(st)/2)
	for i := range out {
		out[i] = st[2*i+ch]
	}
	return out
}

// loadWAV reads a mono 16-bit PCM WAV as written by sox.
func loadWAV(t testing.TB, name string) []float32 {
	t.Helper()
	b := fixture(t, name)
	i := bytes.Index(b, []byte("data"))
	if i < 0 || string(b[:4]) != "RIFF" {
		t.Fatalf("%s: not a plain WAV", name)
	}
	n := int(binary.LittleEndian.Uint32(b[i+4:]))
	pcm := b[i+8 : i+8+n]
	out := make([]float32, len(pcm)/2)
	for k := range out {
		out[k] = float32(int16(binary.LittleEndian.Uint16(pcm[2*k:]))) / 32768
	}
	return out
}

// xcorr returns sum(ref[i]*got[i+lag]) normalised by the energy of ref.
func xcorr(ref, got []float32, lag int) float64 {
	var s, e float64
	for i, v := range ref {
		e += float64(v) * float64(v)
		if j := i + lag; j >= 0 && j < len(got) {
			s += float64(v) * float64(got[j])
		}
	}
	return s / e
}

// bestLag is the lag in [-max, max] where got best matches ref.
func bestLag(ref, got []float32, max int) (int, float64) {
	best, at := math.Inf(-1), 0
	for lag := -max; lag <= max; lag++ {
		if c := xcorr(ref, got, lag); c > best {
			best, at = c, lag
		}
	}
	return at, best
}

// toneShare is the share of x's power at freq (Goertzel over the whole signal).
func toneShare(x []float32, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range x {
		s := float64(v) + c*s1 - s2
		s2, s1 = s1, s
		total += float64(v) * float64(v)
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	// A sine of amplitude A over N samples gives p = (A*N/2)^2 and total = A^2*N/2.
	return p / (total * float64(len(x)) / 2)
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}
