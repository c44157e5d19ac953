package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// jpegMarkers lists the markers of a JPEG up to and including its first scan, and checks that
// what follows the scan is entropy-coded data ending at EOI, with no segment hidden after it.
func jpegMarkers(t *testing.T, b []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		t.Fatal("no SOI")
	}
	var markers []byte
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xff {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		markers = append(markers, m)
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		i += 2 + n
		if m == 0xda {
			break
		}
	}
	for ; i < len(b)-2; i++ {
		if b[i] == 0xff && b[i+1] != 0x00 && (b[i+1] < 0xd0 || b[i+1] > 0xd7) {
			t.Fatalf("marker %#x at %d inside the scan", b[i+1], i)
		}
	}
	if !bytes.HasSuffix(b, []byte{0xff, 0xd9}) {
		t.Fatal("does not end with EOI")
	}
	return markers
}

// leaks lists the metadata signatures a stored photo must never contain.
var leaks = []string{
	"Exif", "GPS", "http://ns.adobe.com", "<x:xmpmeta", "ICC_PROFILE", "Photoshop", "8BIM", "JFIF",
	"Apple", "iPhone", "Grandma", "1972", "ftyp", "MotionPhoto",
}

// checkClean decodes the upload, re-encodes it for storage and checks that the result is a plain
// JPEG: only tables, frame and scan, none of the metadata's bytes.
func checkClean(t *testing.T, upload []byte) []byte {
	t.Helper()
	p, err := decode(t, NewDecoder(Limits{}, 1), upload)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := EncodeJPEG(&out, p.Image); err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	for _, s := range leaks {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("stored JPEG contains %q", s)
		}
	}
	for _, m := range jpegMarkers(t, b) {
		switch m {
		case 0xdb, 0xc0, 0xc4, 0xda: // DQT, SOF0, DHT, SOS
		default:
			t.Errorf("stored JPEG has marker %#x", m)
		}
	}
	return b
}

// TestEncodeDropsPhoneMetadata takes the phone-like fixture (GPS in EXIF and XMP, make, model,
// date, comment, written by exiftool) and checks none of it reaches the stored JPEG.
func TestEncodeDropsPhoneMetadata(t *testing.T) {
	upload := fixture(t, "phone_gps.jpg")
	for _, s := range []string{"Exif", "GPS", "http://ns.adobe.com", "Grandma"} {
		if !bytes.Contains(upload, []byte(s)) {
			t.Fatalf("the fixture should contain %q", s)
		}
	}
	stored := checkClean(t, upload)
	p, err := decode(t, NewDecoder(Limits{}, 1), stored)
	if err != nil {
		t.Fatal(err)
	}
	checkCard(t, p.Image, 32)
}

// TestEncodeDropsEverySegment injects every metadata carrier a phone or editor writes, plus a
// "motion photo" video appended after EOI, and checks that none of it survives.
func TestEncodeDropsEverySegment(t *testing.T) {
	gps := []byte("GPS 46.204391 N 6.143158 E")
	up := encodeJPEG(t, card(cardW, cardH))
	up = withSegment(up, 0xfe, []byte("Grandma at the lake, 1972"))                                  // COM
	up = withSegment(up, 0xed, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00"))                      // IPTC
	up = withSegment(up, 0xe2, append([]byte("ICC_PROFILE\x00\x01\x01"), 0, 0, 0, 0))                // ICC
	up = withSegment(up, 0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>GPS</x:xmpmeta>")) // XMP
	up = withSegment(up, 0xe1, append([]byte(exifHeader), append(tiffWithOrientation(1, binary.BigEndian), gps...)...))
	up = withSegment(up, 0xe0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	up = append(up, []byte("\x00\x00\x00\x18ftypmp42MotionPhoto_Data GPS")...)
	checkClean(t, up)
}

// TestEncodeFlattensAlpha checks that transparent pixels become white, not black, in the JPEG.
func TestEncodeFlattensAlpha(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 16 {
			m.SetNRGBA(x, y, color.NRGBA{0, 0, 0xff, 0xff}) // left half opaque blue, right transparent
		}
	}
	p, err := decode(t, NewDecoder(Limits{}, 1), encodePNG(t, m))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := EncodeJPEG(&out, p.Image); err != nil {
		t.Fatal(err)
	}
	back, err := jpeg.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	left := color.RGBAModel.Convert(back.At(4, 16)).(color.RGBA)
	right := color.RGBAModel.Convert(back.At(28, 16)).(color.RGBA)
	if !near(left, color.RGBA{0, 0, 0xff, 0xff}, 24) || !near(right, color.RGBA{0xff, 0xff, 0xff, 0xff}, 8) {
		t.Errorf("left %v right %v, want blue and white", left, right)
	}
}

func TestEncodeRejectsEmpty(t *testing.T) {
	for _, m := range []image.Image{nil, image.NewRGBA(image.Rectangle{})} {
		if err := EncodeJPEG(&bytes.Buffer{}, m); err == nil {
			t.Errorf("%s: no error", fmt.Sprint(m))
		}
	}
}
