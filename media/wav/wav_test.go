package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixtures decodes every supported sox-made file: a 0.15 s tone of 440 Hz (660 Hz on the
// right of stereo files) at half scale.
func TestFixtures(t *testing.T) {
	tests := []struct {
		name  string
		rate  int
		ch    int
		bits  int
		float bool
		ext   bool
		tol   float64 // largest error against the ideal sine
	}{
		{"pcm8_mono.wav", 44100, 1, 8, false, false, 2.0 / 128},
		{"pcm16_mono.wav", 44100, 1, 16, false, false, 2.0 / 32768},
		{"pcm16_stereo.wav", 44100, 2, 16, false, false, 2.0 / 32768},
		{"pcm24_stereo.wav", 48000, 2, 24, false, true, 1e-5},
		{"pcm24_mono.wav", 22050, 1, 24, false, true, 1e-5},
		{"pcm32_stereo.wav", 32000, 2, 32, false, true, 1e-5},
		{"float32_stereo.wav", 48000, 2, 32, true, false, 1e-5},
		{"float64_mono.wav", 16000, 1, 64, true, false, 1e-5},
		{"pcm16_8k.wav", 8000, 1, 16, false, false, 2.0 / 32768},
		{"pcm24_96k.wav", 96000, 1, 24, false, true, 1e-5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder(bytes.NewReader(fixture(t, tt.name)))
			if err != nil {
				t.Fatal(err)
			}
			in := d.Info()
			frames := int64(math.Round(0.15 * float64(tt.rate)))
			if in.SampleRate != tt.rate || in.Channels != tt.ch || in.BitsPerSample != tt.bits ||
				in.Float != tt.float || in.Extensible != tt.ext || d.Length() != frames || d.SampleRate() != tt.rate {
				t.Fatalf("Info %+v, Length %d", in, d.Length())
			}
			st := readAll(t, d, 1000)
			if int64(len(st)) != 2*frames {
				t.Fatalf("read %d frames, want %d", len(st)/2, frames)
			}
			freq := [2]float64{440, 660}
			if tt.ch == 1 {
				freq[1] = 440
			}
			for c := range 2 {
				var worst float64
				for i := range frames {
					want := 0.5 * math.Sin(2*math.Pi*freq[c]*float64(i)/float64(tt.rate))
					worst = max(worst, math.Abs(float64(st[2*i+int64(c)])-want))
				}
				if worst > tt.tol {
					t.Errorf("channel %d is off the %.0f Hz sine by up to %g", c, freq[c], worst)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", fixture(t, "empty.wav"), ErrEmpty, "0 bytes"},
		{"MP3 named .wav", fixture(t, "mp3_named.wav"), ErrNotWAV, "MP3 file named .wav"},
		{"text", []byte("hello, this is not audio at all"), ErrNotWAV, "RIFF/WAVE"},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22\x00\x00\x00\x00"), ErrNotWAV, "FLAC"},
		{"AVI", []byte("RIFF\x00\x00\x00\x00AVI LIST"), ErrNotWAV, "AVI"},
		{"RF64", []byte("RF64\xff\xff\xff\xffWAVEds64"), ErrUnsupported, "RF64"},
		{"six channels", fixture(t, "six_channels.wav"), ErrUnsupported, "6 channels"},
		{"IMA ADPCM", fixture(t, "adpcm.wav"), ErrUnsupported, "IMA ADPCM"},
		{"truncated", fixture(t, "truncated.wav"), ErrTruncated, "only 0.1 s"},
		{"truncated header", fixture(t, "truncated_header.wav"), ErrTruncated, "inside its format chunk"},
		{"RIFF only", []byte("RIFF\x24\x00"), ErrTruncated, "RIFF header"},
		{"no fmt", build(nil, chunk("data", make([]byte, 400))), ErrCorrupt, "no format chunk"},
		{"no data", build(fmtPCM(1, 44100, 16)), ErrTruncated, "before its audio"},
		{"empty data", build(fmtPCM(1, 44100, 16), chunk("data", nil)), ErrEmpty, "no sample frames"},
		{"two fmt", build(fmtPCM(1, 44100, 16), fmtPCM(1, 44100, 16), chunk("data", make([]byte, 4))), ErrCorrupt, "two format"},
		{"fmt too short", build(chunk("fmt ", make([]byte, 12)), chunk("data", make([]byte, 4))), ErrCorrupt, "too short"},
		{"fmt past the end", build(chunk("fmt ", make([]byte, 16)))[:30], ErrTruncated, "format chunk"},
		{"rate 4 kHz", build(fmtPCM(1, 4000, 16), chunk("data", make([]byte, 4))), ErrUnsupported, "4000 Hz"},
		{"rate 384 kHz", build(fmtPCM(2, 384000, 16), chunk("data", make([]byte, 4))), ErrUnsupported, "384000 Hz"},
		{"12-bit", build(fmtPCM(1, 44100, 12), chunk("data", make([]byte, 4))), ErrUnsupported, "12-bit"},
		{"16-bit float", build(fmtTag(tagFloat, 1, 44100, 16), chunk("data", make([]byte, 4))), ErrUnsupported, "16-bit floating"},
		{"0 channels", build(fmtPCM(0, 44100, 16), chunk("data", make([]byte, 4))), ErrCorrupt, "0 channels"},
		{"µ-law", build(fmtTag(7, 1, 8000, 8), chunk("data", make([]byte, 4))), ErrUnsupported, "µ-law"},
		{"bad block align", build(badAlign(), chunk("data", make([]byte, 8))), ErrCorrupt, "bytes per frame"},
		{"extensible, unknown GUID", build(fmtExt(2, 48000, 16, 16, tagPCM, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x72"),
			chunk("data", make([]byte, 8))), ErrUnsupported, "sub-format"},
		{"extensible, valid bits > container", build(fmtExt(2, 48000, 16, 24, tagPCM, extensibleGUID),
			chunk("data", make([]byte, 8))), ErrCorrupt, "valid bits"},
		{"data promises more", append(build(fmtPCM(2, 44100, 16)), chunk("data", make([]byte, 4000))[:2000]...), ErrTruncated, "promises"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDecoder(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

// TestAccepted covers the structures a strict parser must still accept.
func TestAccepted(t *testing.T) {
	samples := []byte{0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x00, 0x80} // 0.5, -0.5, ~1, -1
	want := []float32{0.5, -0.5, 32767.0 / 32768, -1}
	tests := []struct {
		name    string
		data    []byte
		frames  int64
		partial bool
	}{
		{"plain", build(fmtPCM(2, 44100, 16), chunk("data", samples)), 2, false},
		{"LIST and odd-sized chunks first", build(chunk("LIST", []byte("INFOISFT\x03\x00\x00\x00sox")), chunk("junk", []byte{1, 2, 3}),
			fmtPCM(2, 44100, 16), chunk("bext", make([]byte, 5)), chunk("data", samples)), 2, false},
		// A 3-byte chunk directly followed by the next chunk, as some writers do.
		{"odd chunk without its pad byte", append(append(build(fmtPCM(2, 44100, 16)), "junk\x03\x00\x00\x00abc"...),
			chunk("data", samples)...), 2, false},
		{"chunks after data", build(fmtPCM(2, 44100, 16), chunk("data", samples), chunk("LIST", make([]byte, 9))), 2, false},
		{"fmt after data", build(chunk("data", samples), fmtPCM(2, 44100, 16)), 2, false},
		{"streaming data size", withDataSize(build(fmtPCM(2, 44100, 16), chunk("data", samples)), 0xFFFFFFFF), 2, false},
		{"data size odd", withDataSize(build(fmtPCM(2, 44100, 16), chunk("data", append(samples, 0))), 9), 2, true},
		{"last frame cut", build(fmtPCM(2, 44100, 16), chunk("data", samples))[:44+6], 1, true},
		{"extensible PCM", build(fmtExt(2, 44100, 16, 16, tagPCM, extensibleGUID), chunk("data", samples)), 2, false},
		{"extensible PCM, 0 valid bits", build(fmtExt(2, 44100, 16, 0, tagPCM, extensibleGUID), chunk("data", samples)), 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if d.Length() != tt.frames || d.Info().PartialFrame != tt.partial {
				t.Fatalf("Length() %d, partial %v; want %d, %v", d.Length(), d.Info().PartialFrame, tt.frames, tt.partial)
			}
			got := readAll(t, d, 64)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("samples %v, want %v", got, want[:len(got)])
				}
			}
		})
	}
}

// TestFloatSanitised: an untrusted float file cannot push NaN, infinities or overs downstream.
func TestFloatSanitised(t *testing.T) {
	var data []byte
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 3, -0.25, 1e-30} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	d, err := NewDecoder(bytes.NewReader(build(fmtTag(tagFloat, 1, 44100, 32), chunk("data", data))))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, d, 100)
	want := []float32{0, 0, 1, 1, -1, -1, 1, 1, -0.25, -0.25, 1e-30, 1e-30}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// TestDepthsAgree: the same tone stored as 16-bit integers and as 32-bit float has the same level.
func TestDepthsAgree(t *testing.T) {
	i16, f32 := rmsOf(decodeFile(t, "pcm16_stereo.wav")), rmsOf(decodeFile(t, "float32_stereo.wav"))
	if math.Abs(i16-f32) > 0.001 {
		t.Fatalf("RMS %.4f (16-bit) vs %.4f (float)", i16, f32)
	}
}

func TestSeek(t *testing.T) {
	d, err := NewDecoder(bytes.NewReader(fixture(t, "pcm24_stereo.wav")))
	if err != nil {
		t.Fatal(err)
	}
	full := readAll(t, d, 4096)
	n := d.Length()
	for _, p := range []int64{0, 1, 777, n / 2, n - 1, n} {
		if err := d.Seek(p); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, d, 999)
		if !equal(got, full[2*p:]) {
			t.Fatalf("Seek(%d) then Read differs from reading from the start", p)
		}
	}
	for _, p := range []int64{-1, n + 1} {
		if d.Seek(p) == nil {
			t.Errorf("Seek(%d) succeeded", p)
		}
	}
}

func TestPartialFrameFixture(t *testing.T) {
	d, err := NewDecoder(bytes.NewReader(fixture(t, "partial_frame.wav")))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := NewDecoder(bytes.NewReader(fixture(t, "pcm16_stereo.wav")))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Info().PartialFrame || d.Length() != whole.Length()-1 {
		t.Fatalf("partial %v, Length %d; want true, %d", d.Info().PartialFrame, d.Length(), whole.Length()-1)
	}
}

func decodeFile(t *testing.T, name string) []float32 {
	d, err := NewDecoder(bytes.NewReader(fixture(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, d, 4096)
}

func readAll(t testing.TB, d *Decoder, chunk int) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, chunk)
	for range 1 << 20 {
		n, err := d.Read(buf)
		if n%2 != 0 {
			t.Fatalf("Read returned %d values", n)
		}
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
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

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func rmsOf(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// build assembles a RIFF/WAVE file from chunks.
func build(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	b := []byte("RIFF")
	b = binary.LittleEndian.AppendUint32(b, uint32(4+len(body)))
	b = append(b, "WAVE"...)
	return append(b, body...)
}

// chunk is one RIFF chunk, padded to an even length.
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)))
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func fmtTag(tag uint16, ch, rate, bits int) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint16(b, tag)
	b = binary.LittleEndian.AppendUint16(b, uint16(ch))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*ch*bits/8))
	b = binary.LittleEndian.AppendUint16(b, uint16(ch*bits/8))
	b = binary.LittleEndian.AppendUint16(b, uint16(bits))
	return chunk("fmt ", b)
}

func fmtPCM(ch, rate, bits int) []byte { return fmtTag(tagPCM, ch, rate, bits) }

func fmtExt(ch, rate, bits, valid int, sub uint16, guid string) []byte {
	b := fmtTag(tagExtensible, ch, rate, bits)[8:]
	b = binary.LittleEndian.AppendUint16(b, 22)
	b = binary.LittleEndian.AppendUint16(b, uint16(valid))
	b = binary.LittleEndian.AppendUint32(b, 3) // front left and right
	b = binary.LittleEndian.AppendUint16(b, sub)
	b = append(b, guid...)
	return chunk("fmt ", b)
}

func badAlign() []byte {
	c := fmtPCM(2, 44100, 16)
	binary.LittleEndian.PutUint16(c[8+12:], 3)
	return c
}

// withDataSize rewrites the size field of the data chunk.
func withDataSize(b []byte, size uint32) []byte {
	i := bytes.Index(b, []byte("data"))
	binary.LittleEndian.PutUint32(b[i+4:], size)
	return b
}
