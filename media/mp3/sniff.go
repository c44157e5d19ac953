package mp3

import "bytes"

// sniffOther names a well-known non-MP3 format from a file's first bytes, so that a host who
// uploads, say, a WAV or an M4A under an .mp3 name is told what the file really is. It returns ""
// when the bytes match none of them.
func sniffOther(head []byte) string {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "RIFF") && has(8, "WAVE"):
		return "this is a WAV file named .mp3; rename it to .wav"
	case has(0, "RIFF"):
		return "this is a RIFF file (perhaps AVI), not MP3 audio"
	case has(0, "RF64"):
		return "this is an RF64 (large WAV) file, not MP3 audio"
	case has(0, "fLaC"):
		return "this is a FLAC file; convert it to MP3"
	case has(0, "OggS"):
		return "this is an Ogg file (Vorbis or Opus); convert it to MP3"
	case has(4, "ftyp"):
		return "this is an MP4/M4A (AAC) file; convert it to MP3"
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return "this is an AIFF file; convert it to MP3"
	case has(0, "\x1aE\xdf\xa3"):
		return "this is a WebM/Matroska file; convert it to MP3"
	case has(0, "#!AMR"):
		return "this is an AMR voice recording; convert it to MP3"
	case has(0, "\xff\xd8\xff"), has(0, "\x89PNG"), has(0, "GIF8"):
		return "this is an image, not audio"
	case has(0, "%PDF"):
		return "this is a PDF document, not audio"
	case has(0, "PK\x03\x04"):
		return "this is a ZIP archive (or Office document), not audio"
	case has(0, "wvpk"), has(0, "MAC "):
		return "this is a lossless audio file (WavPack/APE); convert it to MP3"
	case len(head) >= 2 && head[0] == 0xFF && head[1]&0xF6 == 0xF0:
		return "this is an AAC (ADTS) file; convert it to MP3"
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("<")):
		return "this is a text or web page, not audio"
	}
	return ""
}
