package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The test card every fixture shows when upright: four quadrants of different colours on a
// landscape canvas, so that any turn or mirror moves at least one colour to the wrong corner.
var cardColors = [4]color.RGBA{
	{0xff, 0, 0, 0xff},    // top-left: red
	{0, 0xff, 0, 0xff},    // top-right: green
	{0, 0, 0xff, 0xff},    // bottom-left: blue
	{0xff, 0xff, 0, 0xff}, // bottom-right: yellow
}

const cardW, cardH = 96, 64

// card draws the test card at w×h.
func card(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			m.SetRGBA(x, y, cardColors[q])
		}
	}
	return m
}

// checkCard samples the middle of each quadrant of an upright card and compares it with the
// colour it should have, within tol per channel (lossy formats move colours a little).
func checkCard(t *testing.T, m *image.RGBA, tol int) {
	t.Helper()
	w, h := m.Rect.Dx(), m.Rect.Dy()
	points := [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
	for q, p := range points {
		got := m.RGBAAt(p.X, p.Y)
		want := cardColors[q]
		if !near(got, want, tol) {
			t.Errorf("quadrant %d at %v: got %v, want %v (±%d)", q, p, got, want, tol)
		}
	}
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return abs(int(x)-int(y)) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngChunk builds one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngHeaderOnly builds a PNG with a valid IHDR declaring w×h and nothing else worth decoding:
// a decompression bomb's calling card.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, deflate, adaptive filter, no interlace
	b := []byte(pngSignature)
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

func decode(t testing.TB, d *Decoder, data []byte) (Photo, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return d.Decode(ctx, bytes.NewReader(data))
}

// TestFixtures decodes each committed fixture (made by testdata/make.sh with ImageMagick and
// exiftool) and checks that it comes out upright, in the right colours, as RGBA.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file        string
		format      string
		orientation int
		tol         int
	}{
		{"phone_gps.jpg", "jpeg", 1, 24},
		{"orient6.jpg", "jpeg", 6, 24},
		{"orient8.jpg", "jpeg", 8, 24},
		{"progressive.jpg", "jpeg", 1, 24},
		{"cmyk.jpg", "jpeg", 1, 32},
		{"orient6.png", "png", 6, 0},
		{"rgb16.png", "png", 1, 0},
		{"paletted.png", "png", 1, 0},
		{"photo.webp", "webp", 1, 32},
		{"animated.gif", "gif", 1, 0},
	}
	d := NewDecoder(Limits{}, 2)
	defer d.Wait()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := decode(t, d, fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != tt.format || p.Orientation != tt.orientation {
				t.Errorf("format %q orientation %d, want %q %d", p.Format, p.Orientation, tt.format, tt.orientation)
			}
			if p.Width != cardW || p.Height != cardH || p.Image.Rect != image.Rect(0, 0, cardW, cardH) {
				t.Fatalf("size %d×%d (image %v), want %d×%d upright", p.Width, p.Height, p.Image.Rect, cardW, cardH)
			}
			checkCard(t, p.Image, tt.tol)
		})
	}
}

// TestGrayJPEG checks that a one-channel JPEG becomes opaque gray RGBA with the quadrants' lumas
// in the right order.
func TestGrayJPEG(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	p, err := decode(t, d, fixture(t, "gray.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	w, h := p.Width, p.Height
	var luma [4]uint8
	for q, pt := range [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}} {
		c := p.Image.RGBAAt(pt.X, pt.Y)
		if c.R != c.G || c.G != c.B || c.A != 0xff {
			t.Fatalf("quadrant %d: %v is not opaque gray", q, c)
		}
		luma[q] = c.R
	}
	// Blue is darkest, then red, green and yellow, whichever luma weights the encoder used.
	if !(luma[2] < luma[0] && luma[0] < luma[1] && luma[1] < luma[3]) {
		t.Errorf("lumas %v out of order", luma)
	}
}

// TestRejects feeds every kind of bad upload and checks the sentinel and that the message tells
// the member what to do.
func TestRejects(t *testing.T) {
	phone := fixture(t, "phone_gps.jpg")
	sof := bytes.Index(phone, []byte{0xff, 0xc0})
	hugeJPEG := bytes.Clone(phone)
	binary.BigEndian.PutUint16(hugeJPEG[sof+5:], 60000) // height
	binary.BigEndian.PutUint16(hugeJPEG[sof+7:], 60000) // width
	arithmetic := bytes.Clone(phone)
	arithmetic[sof+1] = 0xc9 // SOF9: arithmetic coding, which Go does not implement
	whole := encodePNG(t, card(64, 64))
	truncatedPNG := whole[:len(whole)/2]
	badCRC := encodePNG(t, card(8, 8))
	badCRC[len(pngSignature)+8+5] ^= 0xff // a byte of IHDR's data
	gifHeader := func(w, h uint16) []byte {
		b := []byte("GIF89a")
		b = binary.LittleEndian.AppendUint16(b, w)
		b = binary.LittleEndian.AppendUint16(b, h)
		return append(b, 0, 0, 0, ';')
	}
	webpCanvas := func(w, h uint32) []byte {
		vp8x := []byte{'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0,
			byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
		b := []byte("RIFF")
		b = binary.LittleEndian.AppendUint32(b, uint32(4+len(vp8x)))
		b = append(b, "WEBP"...)
		return append(b, vp8x...)
	}

	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   error
		says   string
	}{
		{"zero bytes", nil, Limits{}, ErrEmpty, "empty"},
		{"text named .jpg", fixture(t, "notes.jpg"), Limits{}, ErrUnsupported, "text file"},
		{"iPhone HEIC", fixture(t, "iphone.heic"), Limits{}, ErrHEIC, "Most Compatible"},
		{"ftypheic signature", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), Limits{}, ErrHEIC, "HEIC"},
		{"HEIF with mif1 only", []byte("\x00\x00\x00\x10ftypmif1\x00\x00\x00\x00"), Limits{}, ErrHEIC, "HEIC"},
		{"AVIF", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), Limits{}, ErrUnsupported, "AVIF"},
		{"video", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), Limits{}, ErrUnsupported, "video"},
		{"BMP", fixture(t, "card.bmp"), Limits{}, ErrUnsupported, "BMP"},
		{"TIFF", fixture(t, "card.tif"), Limits{}, ErrUnsupported, "TIFF"},
		{"PDF", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Limits{}, ErrUnsupported, "PDF"},
		{"random bytes", []byte{0x13, 0x37, 0x00, 0x42, 0xfe, 0x01}, Limits{}, ErrUnsupported, "recognise"},
		{"over MaxBytes", phone, Limits{MaxBytes: 1000}, ErrTooLarge, "over 1000 bytes"},
		{"PNG bomb 100000×100000", pngHeaderOnly(100000, 100000), Limits{}, ErrTooManyPixels, "100000×100000"},
		{"PNG strip over MaxSide", pngHeaderOnly(20000, 10), Limits{}, ErrTooManyPixels, "at most 12000"},
		{"PNG 0×0", pngHeaderOnly(0, 0), Limits{}, ErrCorrupt, "please"},
		{"PNG over MaxPixels", pngHeaderOnly(8000, 6000), Limits{}, ErrTooManyPixels, "48.0 megapixels"},
		{"JPEG declaring 60000×60000", hugeJPEG, Limits{}, ErrTooManyPixels, "60000×60000"},
		{"GIF screen 65535×65535", gifHeader(65535, 65535), Limits{}, ErrTooManyPixels, "65535×65535"},
		{"WebP canvas 16384×16384", webpCanvas(16384, 16384), Limits{}, ErrTooManyPixels, "16384×16384"},
		{"truncated JPEG", phone[:len(phone)*2/3], Limits{}, ErrCorrupt, "ends early"},
		{"JPEG cut in its header", phone[:40], Limits{}, ErrCorrupt, "ends early"},
		{"JPEG cut before EOI", phone[:len(phone)-2], Limits{}, ErrCorrupt, "ends early"},
		{"truncated PNG", truncatedPNG, Limits{}, ErrCorrupt, "please send it again"},
		{"PNG with a bad CRC", badCRC, Limits{}, ErrCorrupt, "checksum"},
		{"arithmetic-coded JPEG", arithmetic, Limits{}, ErrUnsupported, "can't read"},
		{"truncated GIF", fixture(t, "animated.gif")[:60], Limits{}, ErrCorrupt, "please send it again"},
		{"truncated WebP", fixture(t, "photo.webp")[:100], Limits{}, ErrCorrupt, "please send it again"},
	}
	d := NewDecoder(Limits{}, 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dd := d
			if tt.limits != (Limits{}) {
				dd = NewDecoder(tt.limits, 1)
			}
			p, err := decode(t, dd, tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v (photo %d×%d), want %v", err, p.Width, p.Height, tt.want)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.says) || !strings.Contains(msg, "please") {
				t.Errorf("message %q should say %q and what to do", msg, tt.says)
			}
			if p.Image != nil {
				t.Errorf("an image came back with the error")
			}
		})
	}
	d.Wait()
}

// TestBombAllocatesNothing checks that a header declaring 100000×100000 pixels (30 GB as RGB) is
// turned away having allocated no more than the file itself: the check happens before decoding.
func TestBombAllocatesNothing(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	bomb := pngHeaderOnly(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decode(t, d, bomb)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatal(err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("rejecting the bomb allocated %d bytes", n)
	}
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestInterruptedUpload(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	_, err := d.Decode(context.Background(), &failingReader{n: 1000})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("got %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Decode(ctx, bytes.NewReader(fixture(t, "phone_gps.jpg"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultsFillZeroFields(t *testing.T) {
	got := NewDecoder(Limits{MaxBytes: 1 << 20}, 0).Limits()
	want := DefaultLimits
	want.MaxBytes = 1 << 20
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
