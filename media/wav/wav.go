// Package wav checks and decodes uploaded WAV files.
//
// Uploads are untrusted, so the RIFF structure is parsed strictly: every chunk must fit in the
// file, the format must be one this package decodes exactly, and a data chunk that promises more
// audio than the file holds is refused. Errors carry a message meant for the host who uploaded
// the file.
package wav

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Every error from NewDecoder wraps one of them (or an I/O error from the reader).
var (
	ErrNotWAV      = errors.New("not a WAV file")
	ErrUnsupported = errors.New("unsupported WAV format")
	ErrTruncated   = errors.New("the WAV file is cut off")
	ErrCorrupt     = errors.New("the WAV file is damaged")
	// ErrEmpty is for a well-formed WAV file (or a 0-byte file) without a single sample.
	ErrEmpty = errors.New("the WAV file contains no audio")
)

const (
	minRate = 8000
	maxRate = 192000
	// maxChunks bounds the chunk walk: real files have a handful of chunks.
	maxChunks = 10000
	// streamingSize is the data size writers put in a header they cannot go back to fix.
	streamingSize = 0xFFFFFFFF
)

// Format tags of the fmt chunk.
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

// extensibleGUID is the tail shared by the KSDATAFORMAT_SUBTYPE GUIDs of PCM and IEEE float; the
// first two bytes hold the format tag.
const extensibleGUID = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"

// Info describes a WAV file's audio.
type Info struct {
	SampleRate    int
	Channels      int  // 1 or 2
	BitsPerSample int  // container size: 8, 16, 24 or 32 for integers, 32 or 64 for float
	Float         bool // IEEE float samples
	Extensible    bool // the fmt chunk is WAVE_FORMAT_EXTENSIBLE
	Frames        int64
	// PartialFrame reports that the file ended inside its last sample frame, which was dropped.
	PartialFrame bool
}

// formatNames names the formats hosts are likely to meet that this package does not decode.
var formatNames = map[uint16]string{
	0x0002: "Microsoft ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0050: "MPEG audio",
	0x0055: "MP3",
	0x0161: "Windows Media Audio",
	0x2000: "AC-3",
}

// parseFmt validates a fmt chunk body.
func parseFmt(b []byte) (Info, error) {
	if len(b) < 16 {
		return Info{}, fmt.Errorf("%w: its format chunk is %d bytes, too short", ErrCorrupt, len(b))
	}
	tag := le16(b[0:])
	in := Info{
		Channels:      int(le16(b[2:])),
		SampleRate:    int(le32(b[4:])),
		BitsPerSample: int(le16(b[14:])),
	}
	blockAlign := int(le16(b[12:]))
	if tag == tagExtensible {
		if len(b) < 40 || le16(b[16:]) < 22 {
			return Info{}, fmt.Errorf("%w: its extensible format chunk is too short", ErrCorrupt)
		}
		if string(b[26:40]) != extensibleGUID {
			return Info{}, fmt.Errorf("%w: it uses an unknown extensible sub-format; export it as PCM", ErrUnsupported)
		}
		if valid := int(le16(b[18:])); valid > in.BitsPerSample {
			return Info{}, fmt.Errorf("%w: it claims %d valid bits in %d-bit samples", ErrCorrupt, valid, in.BitsPerSample)
		}
		in.Extensible = true
		tag = le16(b[24:])
	}
	switch tag {
	case tagPCM:
		switch in.BitsPerSample {
		case 8, 16, 24, 32:
		default:
			return Info{}, fmt.Errorf("%w: %d-bit PCM; export it as 16- or 24-bit", ErrUnsupported, in.BitsPerSample)
		}
	case tagFloat:
		in.Float = true
		switch in.BitsPerSample {
		case 32, 64:
		default:
			return Info{}, fmt.Errorf("%w: %d-bit floating point; export it as 32-bit float or 16-bit PCM", ErrUnsupported, in.BitsPerSample)
		}
	default:
		name, ok := formatNames[tag]
		if !ok {
			name = fmt.Sprintf("format 0x%04X", tag)
		}
		return Info{}, fmt.Errorf("%w: it holds %s audio; export it as 16-bit PCM WAV", ErrUnsupported, name)
	}
	switch {
	case in.Channels == 0:
		return Info{}, fmt.Errorf("%w: its format says 0 channels", ErrCorrupt)
	case in.Channels > 2:
		return Info{}, fmt.Errorf("%w: it has %d channels; only mono and stereo are supported, mix it down to stereo",
			ErrUnsupported, in.Channels)
	case in.SampleRate < minRate || in.SampleRate > maxRate:
		return Info{}, fmt.Errorf("%w: its sample rate is %d Hz; it must be between %d and %d Hz",
			ErrUnsupported, in.SampleRate, minRate, maxRate)
	case blockAlign != in.Channels*in.BitsPerSample/8:
		return Info{}, fmt.Errorf("%w: its format says %d bytes per frame for %d channels of %d bits",
			ErrCorrupt, blockAlign, in.Channels, in.BitsPerSample)
	}
	return in, nil
}

// sniff names what a file that is not RIFF/WAVE actually is.
func sniff(head []byte) string {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "ID3"), len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && head[1]&0x06 != 0:
		return "this is an MP3 file named .wav; rename it to .mp3"
	case has(0, "RIFF"):
		return "this is a RIFF file but not WAVE audio (perhaps AVI)"
	case has(0, "fLaC"):
		return "this is a FLAC file; convert it to WAV or MP3"
	case has(0, "OggS"):
		return "this is an Ogg file (Vorbis or Opus); convert it to WAV or MP3"
	case has(4, "ftyp"):
		return "this is an MP4/M4A file; convert it to WAV or MP3"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "this is an AIFF file; convert it to WAV"
	case has(0, "\x1aE\xdf\xa3"):
		return "this is a WebM/Matroska file; convert it to WAV or MP3"
	}
	return "it does not start with a RIFF/WAVE header"
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// readAt reads exactly len(b) bytes at off.
func readAt(r io.ReadSeeker, b []byte, off int64) error {
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	_, err := io.ReadFull(r, b)
	return err
}
