package media

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"hearth/media/mp3"
	"hearth/media/wav"
)

// decoder is the shape both file decoders present: interleaved stereo float32 at the file's own
// rate, with exact gapless length and seeking.
type decoder interface {
	Read(p []float32) (int, error)
	SampleRate() int
	Length() int64
	Seek(frame framePos) error
}

// framePos is a position in stereo frames. Spelling it differently from int64 (it is an alias)
// keeps go vet from mistaking Seek(frame) for io.Seeker's Seek.
type framePos = int64

// sniff names the container a file's first bytes belong to, whatever its name says.
func sniff(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
		return "wav"
	case len(head) >= 3 && string(head[:3]) == "ID3":
		return "mp3"
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return "mp3"
	case len(head) >= 4 && string(head[:4]) == "fLaC":
		return "FLAC"
	case len(head) >= 4 && string(head[:4]) == "OggS":
		return "Ogg"
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		return "MP4/M4A"
	case len(head) == 0:
		return "empty"
	}
	return ""
}

// openDecoder picks the decoder for a file by its content, and checks the content against the name
// the host gave it, so that a mislabelled file is caught at upload rather than at 19:00.
func openDecoder(f io.ReadSeeker, filename string) (decoder, string, error) {
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, "", err
	}
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	kind := sniff(head)
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(filename)), ".")
	switch {
	case kind == "empty":
		return nil, "", fmt.Errorf("%w: the file is empty", ErrInvalid)
	case kind == "wav" && ext == "mp3":
		return nil, "", fmt.Errorf("%w: this is a WAV file named .mp3; rename it to .wav and upload it again", ErrInvalid)
	case kind == "mp3" && ext == "wav":
		return nil, "", fmt.Errorf("%w: this is an MP3 file named .wav; rename it to .mp3 and upload it again", ErrInvalid)
	case kind == "wav":
		d, err := wav.NewDecoder(f)
		if err != nil {
			return nil, "", classify(err)
		}
		return d, "wav", nil
	case kind == "mp3" || (kind == "" && ext == "mp3"):
		d, err := mp3.NewDecoder(f)
		if err != nil {
			return nil, "", classify(err)
		}
		return d, "mp3", nil
	case kind != "":
		return nil, "", fmt.Errorf("%w: this is a %s file; Hearth plays MP3 and WAV", ErrUnsupported, kind)
	}
	return nil, "", fmt.Errorf("%w: not an MP3 or WAV file", ErrUnsupported)
}

// classify maps decoder errors onto the package's sentinels, keeping their human message.
func classify(err error) error {
	switch {
	case errors.Is(err, mp3.ErrMPEG25), errors.Is(err, mp3.ErrFreeFormat), errors.Is(err, mp3.ErrLayer),
		errors.Is(err, wav.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}
