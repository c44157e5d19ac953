package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// stored returns the pixels a camera would store for the upright image up under orientation o.
// It is written from the EXIF specification's table (where the stored 0th row and 0th column
// appear when the photo is shown), independently of walk(), so that the two check each other.
func stored(up *image.RGBA, o int) *image.RGBA {
	sides := map[int][2]string{
		1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
		5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
	}[o]
	W, H := up.Rect.Dx(), up.Rect.Dy()
	sw, sh := W, H
	if sides[0] == "left" || sides[0] == "right" {
		sw, sh = H, W
	}
	m := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for r := range sh {
		for c := range sw {
			var x, y int
			switch sides[0] { // stored row r is this upright row or column
			case "top":
				y = r
			case "bottom":
				y = H - 1 - r
			case "left":
				x = r
			case "right":
				x = W - 1 - r
			}
			switch sides[1] { // stored column c is this upright column or row
			case "left":
				x = c
			case "right":
				x = W - 1 - c
			case "top":
				y = c
			case "bottom":
				y = H - 1 - c
			}
			m.SetRGBA(c, r, up.RGBAAt(x, y))
		}
	}
	return m
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffWithOrientation builds the TIFF body of an EXIF block: IFD0 holds a Make tag (pointing to
// its text elsewhere in the block) and then the orientation, as cameras write them.
func tiffWithOrientation(o int, order byteOrder) []byte {
	b := []byte("II")
	if order.String() == binary.BigEndian.String() {
		b = []byte("MM")
	}
	b = order.AppendUint16(b, 42)
	b = order.AppendUint32(b, 8) // IFD0 offset
	b = order.AppendUint16(b, 2) // entries
	camera := []byte("Hearth test camera\x00")
	b = order.AppendUint16(b, 0x010f) // Make, ASCII
	b = order.AppendUint16(b, 2)
	b = order.AppendUint32(b, uint32(len(camera)))
	b = order.AppendUint32(b, 8+2+2*12+4) // right after IFD0
	b = order.AppendUint16(b, tagOrientation)
	b = order.AppendUint16(b, 3) // SHORT
	b = order.AppendUint32(b, 1)
	b = order.AppendUint16(b, uint16(o))
	b = order.AppendUint16(b, 0)
	b = order.AppendUint32(b, 0) // no next IFD
	return append(b, camera...)
}

// withSegment inserts a marker segment right after a JPEG's SOI.
func withSegment(jpg []byte, marker byte, payload []byte) []byte {
	seg := []byte{0xff, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// withPNGChunk inserts a chunk right after a PNG's IHDR.
func withPNGChunk(p []byte, typ string, data []byte) []byte {
	at := len(pngSignature) + 8 + 13 + 4
	out := append([]byte{}, p[:at]...)
	out = append(out, pngChunk(typ, data)...)
	return append(out, p[at:]...)
}

// TestOrientations builds, for each of the eight EXIF orientations, the file a camera would write
// (pixels stored turned, tag saying how to show them), as a JPEG and as a PNG, and checks that
// Decode returns the upright card. JPEGs take the one-pass YCbCr path, PNGs the RGBA path.
func TestOrientations(t *testing.T) {
	up := card(cardW, cardH)
	d := NewDecoder(Limits{}, 1)
	for o := 1; o <= 8; o++ {
		order := byteOrder(binary.LittleEndian)
		if o%2 == 0 {
			order = binary.BigEndian
		}
		tiff := tiffWithOrientation(o, order)
		files := map[string][]byte{
			"jpeg": withSegment(encodeJPEG(t, stored(up, o)), 0xe1, append([]byte(exifHeader), tiff...)),
			"png":  withPNGChunk(encodePNG(t, stored(up, o)), "eXIf", tiff),
		}
		for format, data := range files {
			p, err := decode(t, d, data)
			if err != nil {
				t.Fatalf("orientation %d %s: %v", o, format, err)
			}
			if p.Orientation != o || p.Width != cardW || p.Height != cardH {
				t.Fatalf("orientation %d %s: got orientation %d size %d×%d", o, format, p.Orientation, p.Width, p.Height)
			}
			tol := 0
			if format == "jpeg" {
				tol = 24
			}
			checkCard(t, p.Image, tol)
			if format == "png" && !bytes.Equal(p.Image.Pix, up.Pix) {
				t.Errorf("orientation %d png: pixels differ from the upright card", o)
			}
		}
	}
}

// TestTurnYCbCrMatchesDraw checks the one-pass YCbCr path against converting with image/draw and
// then turning, for every chroma layout and orientation, on odd sizes and noise: they must agree
// to the bit.
func TestTurnYCbCrMatchesDraw(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	for _, ratio := range ratios {
		src := image.NewYCbCr(image.Rect(0, 0, 37, 23), ratio)
		for _, p := range [][]byte{src.Y, src.Cb, src.Cr} {
			for i := range p {
				p[i] = byte(rng.IntN(256))
			}
		}
		for o := 1; o <= 8; o++ {
			got := toUprightRGBA(src, image.Pt(37, 23), o)
			flat := image.NewRGBA(src.Rect)
			for y := range 23 {
				for x := range 37 {
					flat.Set(x, y, color.RGBAModel.Convert(src.At(x, y)))
				}
			}
			want := turnRGBA(flat, o)
			if got.Rect != want.Rect || !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("ratio %v orientation %d: one-pass conversion differs", ratio, o)
			}
		}
	}
}

func TestTiffOrientation(t *testing.T) {
	valid := tiffWithOrientation(6, binary.BigEndian)
	long := tiffWithOrientation(8, binary.LittleEndian)
	long[8+2+12+2] = 4 // type LONG; the value's low bytes come first in little-endian
	outOfRange := tiffWithOrientation(9, binary.LittleEndian)
	badOffset := bytes.Clone(valid)
	binary.BigEndian.PutUint32(badOffset[4:], 0xfffffff0)
	selfOffset := bytes.Clone(valid)
	binary.BigEndian.PutUint32(selfOffset[4:], 2)
	hugeCount := bytes.Clone(valid)
	binary.BigEndian.PutUint16(hugeCount[8:], 0xffff)
	wrongMagic := bytes.Clone(valid)
	wrongMagic[3] = 43
	tests := []struct {
		name string
		b    []byte
		want int
		ok   bool
	}{
		{"big-endian", valid, 6, true},
		{"LONG value", long, 8, true},
		{"value 9", outOfRange, 0, false},
		{"IFD offset past the end", badOffset, 0, false},
		{"IFD offset inside the header", selfOffset, 0, false},
		{"entry count past the end, tag still found", hugeCount, 6, true},
		{"entries cut before the tag", valid[:8+2+12+6], 0, false},
		{"wrong magic", wrongMagic, 0, false},
		{"not TIFF", []byte("XX*\x00\x08\x00\x00\x00"), 0, false},
		{"empty", nil, 0, false},
		{"header only", valid[:8], 0, false},
	}
	for _, tt := range tests {
		got, ok := tiffOrientation(tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %d %v, want %d %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJPEGExifWalk(t *testing.T) {
	base := encodeJPEG(t, card(16, 16))
	exif := append([]byte(exifHeader), tiffWithOrientation(3, binary.LittleEndian)...)
	xmp := []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"none", base, 1},
		{"Exif first", withSegment(base, 0xe1, exif), 3},
		{"after XMP and JFIF", withSegment(withSegment(withSegment(base, 0xe1, exif), 0xe1, xmp), 0xe0, []byte("JFIF\x00\x01\x01")), 3},
		{"fill bytes before the marker", append([]byte{0xff, 0xd8, 0xff, 0xff}, withSegment(base, 0xe1, exif)[3:]...), 3},
		{"segment length past the end", withSegment(base, 0xe1, exif)[:20], 1},
		{"segment length below 2", []byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01, 'E', 'x', 'i', 'f'}, 1},
		{"garbage between segments", []byte{0xff, 0xd8, 0x00, 0xff, 0xe1}, 1},
	}
	for _, tt := range tests {
		if got := orientationOf("jpeg", tt.data); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	// Exif after the first scan is not metadata any more.
	late := append(bytes.Clone(base[:len(base)-2]), withSegment([]byte{0xff, 0xd8}, 0xe1, exif)[2:]...)
	late = append(late, 0xff, 0xd9)
	if got := orientationOf("jpeg", late); got != 1 {
		t.Errorf("Exif after the scan: got %d, want 1", got)
	}
}

func TestPNGExifChunk(t *testing.T) {
	base := encodePNG(t, card(16, 16))
	tiff := tiffWithOrientation(5, binary.BigEndian)
	broken := withPNGChunk(base, "eXIf", tiff)
	broken[len(pngSignature)+25+8+20] ^= 0xff // inside the eXIf data: its CRC no longer matches
	afterIDAT := append(bytes.Clone(base[:len(base)-12]), pngChunk("eXIf", tiff)...)
	afterIDAT = append(afterIDAT, base[len(base)-12:]...)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"none", base, 1},
		{"eXIf", withPNGChunk(base, "eXIf", tiff), 5},
		{"eXIf with the JPEG prefix", withPNGChunk(base, "eXIf", append([]byte(exifHeader), tiff...)), 5},
		{"eXIf after IDAT", afterIDAT, 5},
		{"bad CRC", broken, 1},
		{"chunk length past the end", withPNGChunk(base, "eXIf", tiff)[:60], 1},
	}
	for _, tt := range tests {
		if got := orientationOf("png", tt.data); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}
