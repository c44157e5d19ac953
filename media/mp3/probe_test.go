package mp3

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestProbeErrors(t *testing.T) {
	tone := func(t testing.TB) []byte { return fixture(t, "tone_44100_stereo_cbr.mp3") }
	tests := []struct {
		name string
		data func(t testing.TB) []byte
		want error  // nil: accepted
		msg  string // in the error message
	}{
		{"empty", file("empty.mp3"), ErrEmpty, "empty"},
		{"WAV named .mp3", file("wav_named.mp3"), ErrNotMP3, "WAV file named .mp3"},
		{"MPEG-2.5 8 kHz", file("mpeg25_8000.mp3"), ErrMPEG25, "8000 Hz"},
		{"MPEG-2.5 11 kHz", file("mpeg25_11025.mp3"), ErrMPEG25, "re-encode at 44.1 kHz"},
		{"free format", file("freeformat.mp3"), ErrFreeFormat, "free-format"},
		{"Layer II", file("layer2.mp3"), ErrLayer, "Layer II"},
		{"Layer I", func(testing.TB) []byte { return layer1() }, ErrLayer, "Layer I "},
		{"cut to 300 bytes", file("truncated_300.mp3"), ErrTruncated, "first audio frame"},
		{"header only", func(t testing.TB) []byte { return tone(t)[:4] }, ErrTruncated, "cut off"},
		{"random bytes", file("random.mp3"), ErrCorrupt, "damaged"},
		{"50 KB garbage mid-file", file("garbage_mid.mp3"), ErrCorrupt, "readable"},
		{"zeros", func(testing.TB) []byte { return make([]byte, 5000) }, ErrNotMP3, "no MPEG audio"},
		{"text", func(testing.TB) []byte { return []byte(strings.Repeat("hello, group\n", 200)) }, ErrNotMP3, ""},
		{"FLAC", magic("fLaC\x00\x00\x00\x22"), ErrNotMP3, "FLAC"},
		{"Ogg", magic("OggS\x00\x02"), ErrNotMP3, "Ogg"},
		{"M4A", magic("\x00\x00\x00\x20ftypM4A "), ErrNotMP3, "MP4/M4A"},
		{"JPEG", magic("\xff\xd8\xff\xe0\x00\x10JFIF"), ErrNotMP3, "image"},
		{"ID3 only", func(testing.TB) []byte { return id3v2(100, false) }, ErrNotMP3, "only an ID3 tag"},
		{"ID3 then FLAC", func(t testing.TB) []byte { return append(id3v2(100, false), magic("fLaC")(t)...) }, ErrNotMP3, "FLAC"},
		{"ID3 longer than file", func(t testing.TB) []byte { return id3v2(100, false)[:60] }, ErrTruncated, "ID3"},
		{"Info frame only", func(t testing.TB) []byte {
			b := tone(t)
			h, _ := parseHeader(b)
			return b[:h.size()]
		}, ErrTruncated, "announces 40 audio frames"},
		{"Info frame announcing no audio", func(t testing.TB) []byte {
			b := tone(t)
			h, _ := parseHeader(b)
			b = append([]byte{}, b[:h.size()]...)
			copy(b[36+8:], []byte{0, 0, 0, 0})
			return b
		}, ErrEmpty, "no audio frames"},
		{"two rates joined", func(t testing.TB) []byte {
			return append(fixture(t, "tone_44100_mono_cbr.mp3"), fixture(t, "tone_48000_mono_cbr.mp3")...)
		}, ErrCorrupt, "joins 44100 Hz MPEG-1 audio with 48000 Hz"},
		{"MPEG-1 then MPEG-2", func(t testing.TB) []byte {
			return append(fixture(t, "tone_44100_mono_cbr.mp3"), fixture(t, "tone_22050_mono_vbr.mp3")...)
		}, ErrCorrupt, "22050 Hz MPEG-2"},
		{"cut mid-frame", file("truncated_midframe.mp3"), nil, ""},
		{"ID3v2 with picture and ID3v1", file("id3_picture.mp3"), nil, ""},
		{"ID3v2.4 with footer", func(t testing.TB) []byte { return append(id3v2(3000, true), tone(t)...) }, nil, ""},
		{"two ID3v2 tags", func(t testing.TB) []byte {
			return append(append(id3v2(50, false), id3v2(70, true)...), tone(t)...)
		}, nil, ""},
		{"APEv2, Lyrics3 and ID3v1 at the end", func(t testing.TB) []byte { return withTrailingTags(tone(t)) }, nil, ""},
		{"appended ID3v2 with footer", func(t testing.TB) []byte { return append(tone(t), id3v2(200, true)...) }, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Probe(bytes.NewReader(tt.data(t)))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				if in.Frames == 0 || in.JunkBytes != 0 || in.Layer != 3 {
					t.Fatalf("Probe: %+v", in)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Probe error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
			// NewDecoder probes first, so it fails the same way.
			if _, derr := NewDecoder(bytes.NewReader(tt.data(t))); !errors.Is(derr, tt.want) {
				t.Fatalf("NewDecoder error %v, want %v", derr, tt.want)
			}
		})
	}
}

// TestTagsChangeNothing: whatever tags surround the audio, Probe finds the same frames.
func TestTagsChangeNothing(t *testing.T) {
	plain := fixture(t, "tone_44100_stereo_cbr.mp3")
	want, err := Probe(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"footer":   append(id3v2(3000, true), plain...),
		"trailing": withTrailingTags(plain),
		"appended": append(append([]byte{}, plain...), id3v2(200, true)...),
	} {
		got, err := Probe(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Frames != want.Frames || got.AudioBytes != want.AudioBytes || got.Samples() != want.Samples() {
			t.Errorf("%s: %d frames, %d bytes; want %d, %d", name, got.Frames, got.AudioBytes, want.Frames, want.AudioBytes)
		}
	}
}

// TestSmallJunk: a little junk between frames is skipped, counted, and the file still plays.
func TestSmallJunk(t *testing.T) {
	b := fixture(t, "tone_44100_stereo_cbr.mp3")
	_, p, err := probe(bytes.NewReader(b), true)
	if err != nil {
		t.Fatal(err)
	}
	at := p.table[20].off
	junk := make([]byte, 500)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
	}
	spliced := append(append(append([]byte{}, b[:at]...), junk...), b[at:]...)
	d := openBytes(t, spliced)
	if in := d.Info(); in.JunkBytes != 500 || in.Frames != 40 {
		t.Fatalf("JunkBytes %d, %d frames; want 500, 40", in.JunkBytes, in.Frames)
	}
	// The junk sits between two frames, so no frame and no reservoir byte is lost.
	if got, want := readAll(t, d, 4096), readAll(t, openBytes(t, b), 4096); !equal(got, want) {
		t.Fatalf("decoded %d frames, differently from the file without junk", len(got)/2)
	}
}

func TestProbeInfo(t *testing.T) {
	in, err := Probe(bytes.NewReader(fixture(t, "tone_22050_stereo_cbr.mp3")))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{Version: 2, Layer: 3, SampleRate: 22050, Channels: 2, Frames: 41, SamplesPerFrame: 576,
		EncoderDelay: 576, Padding: 990, HasGaplessInfo: true, Bitrate: 63999, AudioBytes: 8568}
	if d := in.Duration().Seconds(); d != 1 {
		t.Fatalf("Duration %v s", d)
	}
	in.xingFrames, in.first = 0, header{}
	if in != want {
		t.Fatalf("Probe:\n got %+v\nwant %+v", in, want)
	}
}

func file(name string) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return fixture(t, name) }
}

// magic is a file that starts with another format's signature.
func magic(m string) func(testing.TB) []byte {
	return func(testing.TB) []byte { return append([]byte(m), make([]byte, 2000)...) }
}

// id3v2 builds an ID3v2.4 tag with size bytes of padding, with a footer if asked.
func id3v2(size int, footer bool) []byte {
	flags := byte(0)
	if footer {
		flags = 0x10
	}
	ss := []byte{byte(size >> 21 & 0x7F), byte(size >> 14 & 0x7F), byte(size >> 7 & 0x7F), byte(size & 0x7F)}
	b := append([]byte{'I', 'D', '3', 4, 0, flags}, ss...)
	b = append(b, make([]byte, size)...)
	if footer {
		b = append(b, '3', 'D', 'I', 4, 0, flags)
		b = append(b, ss...)
	}
	return b
}

// withTrailingTags appends an APEv2 tag (with header), a Lyrics3v2 tag and an ID3v1 tag.
func withTrailingTags(audio []byte) []byte {
	b := append([]byte{}, audio...)
	item := []byte("\x05\x00\x00\x00\x00\x00\x00\x00Title\x00Hello")
	ape := func(flags uint32) []byte {
		h := []byte("APETAGEX")
		h = le32(h, 2000)
		h = le32(h, uint32(len(item)+32))
		h = le32(h, 1)
		h = le32(h, flags)
		return append(h, make([]byte, 8)...)
	}
	b = append(b, ape(1<<31|1<<29)...)
	b = append(b, item...)
	b = append(b, ape(1<<31)...)
	lyrics := "LYRICSBEGININD0000210"
	b = append(b, lyrics...)
	b = append(b, []byte("000021LYRICS200")...)
	id3v1 := append([]byte("TAG"), make([]byte, 125)...)
	copy(id3v1[3:], "Evening check-in")
	return append(b, id3v1...)
}

func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// layer1 is a chain of silent MPEG-1 Layer I frames (256 kbps, 44.1 kHz): 276 bytes each.
func layer1() []byte {
	var b []byte
	for range 10 {
		f := make([]byte, 276)
		copy(f, []byte{0xFF, 0xFF, 0x80, 0xC0})
		b = append(b, f...)
	}
	return b
}
