package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

const pleaseShare = "please share the photo as JPEG or PNG"

// sniff names the format of data from its first bytes, never from a file name: phones and chat
// apps routinely save HEIC or WebP under ".jpg". It returns "jpeg", "png", "webp" or "gif", or an
// error saying what the file appears to be, so that the member knows what to send instead.
func sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", ErrEmpty
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "jpeg", nil
	case bytes.HasPrefix(data, []byte(pngSignature)):
		return "png", nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp", nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif", nil
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return "", sniffISOMedia(data)
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "", fmt.Errorf("%w: it is a TIFF image (from a scanner, or a camera's RAW file); %s", ErrUnsupported, pleaseShare)
	case isBMP(data):
		return "", fmt.Errorf("%w: it is a BMP image; %s", ErrUnsupported, pleaseShare)
	case bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cjP  \r\n\x87\n")), bytes.HasPrefix(data, []byte{0xff, 0x4f, 0xff, 0x51}):
		return "", fmt.Errorf("%w: it is a JPEG 2000 image; %s", ErrUnsupported, pleaseShare)
	case bytes.HasPrefix(data, []byte("8BPS")):
		return "", fmt.Errorf("%w: it is a Photoshop document; %s", ErrUnsupported, pleaseShare)
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "", fmt.Errorf("%w: it is a PDF document, not a photo; %s", ErrUnsupported, pleaseShare)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", fmt.Errorf("%w: it is a zip archive (or an office document), not a photo; %s", ErrUnsupported, pleaseShare)
	case looksLikeText(data):
		return "", fmt.Errorf("%w: it is a text file, not a photo, whatever its name says; %s", ErrUnsupported, pleaseShare)
	}
	return "", fmt.Errorf("%w: it is not a picture format Hearth recognises; %s", ErrUnsupported, pleaseShare)
}

// sniffISOMedia tells HEIC/HEIF photos from AVIF pictures and from videos: all three are ISO base
// media files that start with an "ftyp" box listing brands.
func sniffISOMedia(data []byte) error {
	size := int(binary.BigEndian.Uint32(data))
	if size > len(data) || size < 16 {
		size = min(len(data), 64)
	}
	brands := []string{string(data[8:12])}
	for i := 16; i+4 <= size && len(brands) < 16; i += 4 {
		brands = append(brands, string(data[i:i+4]))
	}
	has := func(names ...string) bool {
		for _, b := range brands {
			for _, n := range names {
				if b == n {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("avif", "avis"):
		return fmt.Errorf("%w: it is an AVIF image, which Hearth can't read yet; %s", ErrUnsupported, pleaseShare)
	case has("heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"):
		return fmt.Errorf("%w", ErrHEIC)
	case has("isom", "iso2", "mp41", "mp42", "qt  ", "M4V ", "3gp4", "3gp5", "3gp6", "3g2a", "avc1", "dash"):
		return fmt.Errorf("%w: it is a video, not a photo; please choose a still photo", ErrUnsupported)
	}
	return fmt.Errorf("%w: it is an ISO media file (brand %q), not a photo Hearth can read; %s", ErrUnsupported, brands[0], pleaseShare)
}

// isBMP checks the "BM" magic and the size of the header that follows, since "BM" alone is common
// at the start of text.
func isBMP(data []byte) bool {
	if len(data) < 18 || data[0] != 'B' || data[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(data[14:]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// looksLikeText reports whether the start of data is UTF-8 text without control characters other
// than whitespace: a note or a web page renamed to ".jpg".
func looksLikeText(data []byte) bool {
	head := data[:min(len(data), 512)]
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size <= 1 {
			// A multi-byte character cut by the 512-byte window is still text.
			return len(head) < len(data) && !utf8.FullRune(head[i:])
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7f {
			return false
		}
		i += size
	}
	return true
}
