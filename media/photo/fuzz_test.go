package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzLimits are small so that the fuzzer explores many inputs a second; what is checked is that
// they hold whatever the bytes.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 4096, Timeout: 5 * time.Second}

// FuzzDecode feeds arbitrary bytes through the whole upload path. It must never panic, never
// return more pixels than the limits allow, always return a classified error or a consistent
// photo, and finish quickly: with a one-megapixel limit a timeout is a finding.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) <= 8<<10 {
			f.Add(b)
		}
	}
	f.Add(pngHeaderOnly(100000, 100000))
	f.Add(pngHeaderOnly(1024, 1024))
	f.Add(withPNGChunk(encodePNG(f, card(24, 16)), "eXIf", tiffWithOrientation(6, binary.BigEndian)))
	f.Add(withSegment(encodeJPEG(f, card(24, 16)), 0xe1, append([]byte(exifHeader), tiffWithOrientation(7, binary.LittleEndian)...)))
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"))
	f.Add([]byte("GIF89a\xff\xff\xff\xff\x00\x00\x00;"))
	f.Add(scanBomb(f, fixture(f, "progressive.jpg"), 30))

	d := NewDecoder(fuzzLimits, 1)
	sentinels := []error{ErrEmpty, ErrTooLarge, ErrTooManyPixels, ErrHEIC, ErrUnsupported, ErrCorrupt}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		p, err := d.Decode(context.Background(), bytes.NewReader(data))
		d.Wait()
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("took %s", took)
		}
		if err != nil {
			if errors.Is(err, ErrTimeout) {
				t.Fatalf("a %d-byte file timed out under a one-megapixel limit", len(data))
			}
			classified := false
			for _, s := range sentinels {
				classified = classified || errors.Is(err, s)
			}
			if !classified {
				t.Fatalf("unclassified error: %v", err)
			}
			if p.Image != nil {
				t.Fatal("an image came back with the error")
			}
			return
		}
		w, h := p.Width, p.Height
		switch {
		case p.Image == nil:
			t.Fatal("no image and no error")
		case w <= 0 || h <= 0 || w > fuzzLimits.MaxSide || h > fuzzLimits.MaxSide || int64(w)*int64(h) > fuzzLimits.MaxPixels:
			t.Fatalf("accepted %d×%d", w, h)
		case p.Image.Rect.Min != (image.Point{}) || p.Image.Rect.Dx() != w || p.Image.Rect.Dy() != h || len(p.Image.Pix) != 4*w*h:
			t.Fatalf("image %v with %d bytes for a %d×%d photo", p.Image.Rect, len(p.Image.Pix), w, h)
		case p.Orientation < 1 || p.Orientation > 8:
			t.Fatalf("orientation %d", p.Orientation)
		case p.Format != "jpeg" && p.Format != "png" && p.Format != "webp" && p.Format != "gif":
			t.Fatalf("format %q", p.Format)
		}
	})
}

// FuzzOrientation feeds arbitrary bytes to the EXIF reader alone: as a TIFF block, as a whole
// JPEG, as a whole PNG, and wrapped in a JPEG APP1 segment and a PNG eXIf chunk, where it must
// find exactly what it finds in the bare block.
func FuzzOrientation(f *testing.F) {
	for o := 1; o <= 8; o++ {
		f.Add(tiffWithOrientation(o, binary.BigEndian))
		f.Add(tiffWithOrientation(o, binary.LittleEndian))
	}
	f.Add(withSegment([]byte{0xff, 0xd8, 0xff, 0xd9}, 0xe1, append([]byte(exifHeader), tiffWithOrientation(3, binary.BigEndian)...)))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\xff\xff"))
	f.Add([]byte("MM\x00*\xff\xff\xff\xf0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"jpeg", "png", "webp"} {
			if o := orientationOf(format, b); o < 1 || o > 8 {
				t.Fatalf("%s: orientation %d", format, o)
			}
		}
		o, ok := tiffOrientation(b)
		if ok != (o >= 1 && o <= 8) || !ok && o != 0 {
			t.Fatalf("tiffOrientation = %d, %v", o, ok)
		}
		want := 1
		if ok {
			want = o
		}
		if len(b) <= 0xffff-2-len(exifHeader) {
			jpg := withSegment([]byte{0xff, 0xd8, 0xff, 0xd9}, 0xe1, append([]byte(exifHeader), b...))
			if got := orientationOf("jpeg", jpg); got != want {
				t.Fatalf("in a JPEG: %d, bare: %d", got, want)
			}
		}
		if !bytes.HasPrefix(b, []byte(exifHeader)) {
			p := append([]byte(pngSignature), pngChunk("eXIf", b)...)
			if got := orientationOf("png", p); got != want {
				t.Fatalf("in a PNG: %d, bare: %d", got, want)
			}
		}
	})
}
