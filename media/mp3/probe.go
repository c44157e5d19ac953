package mp3

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

const (
	// confirmFrames is how many consecutive, consistent frame headers make a frame chain
	// believable. Any 4 bytes can look like a header; random data holding four in a row,
	// each exactly one frame length after the last, is vanishingly rare.
	confirmFrames = 4
	// maxFreeFrame bounds the search for the next header of a free-format frame.
	maxFreeFrame = 8192
	// minCoverage is the share of the audio region that must be valid frames.
	minCoverage = 0.9
	// maxTags bounds the loops that skip stacked tags at either end of the file.
	maxTags = 16
)

// Probe checks that r holds MP3 audio that NewDecoder can play gaplessly, walking every frame
// header from the first to the last, and describes it. It reads r from the start and leaves its
// position unspecified.
func Probe(r io.ReadSeeker) (Info, error) {
	in, _, err := probe(r, false)
	return in, err
}

// prober holds the state of one walk over a file.
type prober struct {
	s     *source
	start int64 // first byte after any leading ID3v2 tags
	end   int64 // first byte of any trailing tags
	keep  bool
	table []frameRec
}

// probe does Probe's work; with keep it also collects the audio frames for the decoder.
func probe(r io.ReadSeeker, keep bool) (Info, *prober, error) {
	s, err := newSource(r)
	if err != nil {
		return Info{}, nil, err
	}
	if s.size == 0 {
		return Info{}, nil, fmt.Errorf("%w: the file is empty (0 bytes)", ErrEmpty)
	}
	p := &prober{s: s, keep: keep}
	if err := p.skipTags(); err != nil {
		return Info{}, nil, err
	}
	first, h0, err := p.findFirst()
	if err != nil {
		return Info{}, nil, err
	}
	switch {
	case h0.version == 25:
		return Info{}, nil, fmt.Errorf("%w (this file is %d Hz)", ErrMPEG25, h0.sampleRate)
	case h0.layer != 3:
		return Info{}, nil, fmt.Errorf("%w: this is an %s Layer %s file (.mp%d); re-encode it as MP3",
			ErrLayer, h0.versionName(), []string{"", "I", "II"}[h0.layer], h0.layer)
	case h0.bitrate == 0:
		return Info{}, nil, fmt.Errorf("%w (this file is %d Hz free-format)", ErrFreeFormat, h0.sampleRate)
	}
	in, err := p.walk(first, h0)
	if err != nil {
		return Info{}, nil, err
	}
	return in, p, nil
}

// skipTags finds the audio region: after any ID3v2 tags at the start, before any ID3v1, APEv2,
// Lyrics3 or appended ID3v2 tags at the end. It also names files that are something else.
func (p *prober) skipTags() error {
	head, err := p.s.peek(0, 64)
	if err != nil {
		return err
	}
	if what := sniffOther(head); what != "" {
		return fmt.Errorf("%w: %s", ErrNotMP3, what)
	}
	for range maxTags {
		b, err := p.s.peek(p.start, 10)
		if err != nil {
			return err
		}
		n, ok := id3v2Len(b)
		if !ok {
			break
		}
		if p.start+n > p.s.size {
			return fmt.Errorf("%w: it ends inside its ID3 tag, before any audio", ErrTruncated)
		}
		p.start += n
	}
	if p.start > 0 {
		if p.start == p.s.size {
			return fmt.Errorf("%w: the file holds only an ID3 tag (title or artwork), no audio", ErrNotMP3)
		}
		b, err := p.s.peek(p.start, 64)
		if err != nil {
			return err
		}
		if what := sniffOther(b); what != "" {
			return fmt.Errorf("%w: after its ID3 tag, %s", ErrNotMP3, what)
		}
	}
	p.end = p.s.size
	for range maxTags {
		n, err := p.trailingTag()
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		p.end -= n
	}
	if p.end <= p.start {
		return fmt.Errorf("%w: the file holds only tags (title or artwork), no audio", ErrNotMP3)
	}
	return nil
}

// id3v2Len returns the total length of the ID3v2 tag whose 10-byte header is b.
func id3v2Len(b []byte) (int64, bool) {
	if len(b) < 10 || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF ||
		(b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
		return 0, false
	}
	n := 10 + syncsafe(b[6:10])
	if b[3] >= 4 && b[5]&0x10 != 0 {
		n += 10 // footer
	}
	return n, true
}

// syncsafe decodes ID3v2's 28-bit size, stored 7 bits per byte.
func syncsafe(b []byte) int64 {
	return int64(b[0])<<21 | int64(b[1])<<14 | int64(b[2])<<7 | int64(b[3])
}

// trailingTag returns the length of a tag that ends at p.end, or 0.
func (p *prober) trailingTag() (int64, error) {
	room := p.end - p.start
	if room >= 128 {
		b, err := p.s.peek(p.end-128, 3)
		if err != nil {
			return 0, err
		}
		if string(b) == "TAG" {
			return 128, nil
		}
	}
	if room >= 32 {
		b, err := p.s.peek(p.end-32, 32)
		if err != nil {
			return 0, err
		}
		if string(b[:8]) == "APETAGEX" {
			n := int64(binary.LittleEndian.Uint32(b[12:]))
			if binary.LittleEndian.Uint32(b[20:])&(1<<31) != 0 {
				n += 32 // header
			}
			if n >= 32 && n <= room {
				return n, nil
			}
		}
	}
	if room >= 15+11 {
		b, err := p.s.peek(p.end-15, 15)
		if err != nil {
			return 0, err
		}
		if string(b[6:]) == "LYRICS200" {
			var n int64
			for _, c := range b[:6] {
				if c < '0' || c > '9' {
					return 0, nil
				}
				n = n*10 + int64(c-'0')
			}
			if n+15 <= room {
				if begin, err := p.s.peek(p.end-15-n, 11); err == nil && string(begin) == "LYRICSBEGIN" {
					return n + 15, nil
				}
			}
		}
	}
	if room >= 20 {
		b, err := p.s.peek(p.end-10, 10)
		if err != nil {
			return 0, err
		}
		if string(b[:3]) == "3DI" && (b[6]|b[7]|b[8]|b[9])&0x80 == 0 {
			n := 20 + syncsafe(b[6:10])
			if n <= room {
				if h, err := p.s.peek(p.end-n, 3); err == nil && string(h) == "ID3" {
					return n, nil
				}
			}
		}
	}
	return 0, nil
}

// nextSync returns the offset of the next 0xFF byte at or after off that could start a header, or
// -1.
func (p *prober) nextSync(off int64) (int64, error) {
	for off+4 <= p.end {
		b, err := p.s.peek(off, int(min(p.end-off, 32<<10)))
		if err != nil {
			return -1, err
		}
		if len(b) == 0 {
			return -1, nil
		}
		i := bytes.IndexByte(b, 0xFF)
		if i < 0 {
			off += int64(len(b))
			continue
		}
		off += int64(i)
		if off+4 > p.end {
			return -1, nil
		}
		return off, nil
	}
	return -1, nil
}

// headerAt parses the frame header at off, if there is one inside the audio region.
func (p *prober) headerAt(off int64) (header, bool, error) {
	if off < p.start || off+4 > p.end {
		return header{}, false, nil
	}
	b, err := p.s.peek(off, 4)
	if err != nil {
		return header{}, false, err
	}
	h, ok := parseHeader(b)
	return h, ok, nil
}

// findFirst returns the first confirmed frame.
func (p *prober) findFirst() (int64, header, error) {
	sawHeader := false
	for off := p.start; ; off++ {
		var err error
		off, err = p.nextSync(off)
		if err != nil {
			return 0, header{}, err
		}
		if off < 0 {
			break
		}
		h, ok, err := p.headerAt(off)
		if err != nil {
			return 0, header{}, err
		}
		if !ok {
			continue
		}
		sawHeader = true
		ok, err = p.confirm(off, h, off == p.start)
		if err != nil {
			return 0, header{}, err
		}
		if ok {
			return off, h, nil
		}
	}
	if sawHeader {
		return 0, header{}, fmt.Errorf("%w: no playable MP3 frames found; the file is damaged or is not an MP3", ErrCorrupt)
	}
	return 0, header{}, fmt.Errorf("%w: no MPEG audio frames found", ErrNotMP3)
}

// confirm reports whether a frame chain starts at off: confirmFrames consistent headers, or a
// shorter chain that runs exactly to the end of the audio (or into a cut-off last frame) and
// either starts the audio region or has at least two frames.
func (p *prober) confirm(off int64, h header, atStart bool) (bool, error) {
	if h.bitrate == 0 {
		return p.confirmFree(off, h, atStart)
	}
	q := off
	hq := h
	for k := 1; ; k++ {
		q += int64(hq.size())
		if q >= p.end {
			return atStart || k >= 2, nil
		}
		if k >= confirmFrames {
			return true, nil
		}
		next, ok, err := p.headerAt(q)
		if err != nil || !ok || !next.sameStream(h) || next.bitrate == 0 {
			return false, err
		}
		hq = next
	}
}

// confirmFree confirms a free-format chain, whose frame length is only known from the distance
// to the next header: two more headers of the same kind, evenly spaced (give or take a padding
// byte).
func (p *prober) confirmFree(off int64, h header, atStart bool) (bool, error) {
	same := func(at int64) (bool, error) {
		n, ok, err := p.headerAt(at)
		return ok && n.sameStream(h) && n.bitrate == 0, err
	}
	var d int64
	for q := off + int64(h.dataOffset()+h.sideInfoSize()); q <= off+maxFreeFrame && q+4 <= p.end; q++ {
		ok, err := same(q)
		if err != nil {
			return false, err
		}
		if ok {
			d = q - off
			break
		}
	}
	if d == 0 {
		return false, nil
	}
	next := off + d
	for _, e := range []int64{d - 1, d, d + 1} {
		if next+e >= p.end-1 && next+e <= p.end+1 {
			return atStart, nil
		}
		ok, err := same(next + e)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// resync looks for the next confirmed frame of the same stream from off on. A confirmed chain of a
// different stream means two files were joined, which go-mp3 cannot play, so it is an error.
func (p *prober) resync(off int64, h0 header) (int64, error) {
	for ; ; off++ {
		var err error
		off, err = p.nextSync(off)
		if err != nil || off < 0 {
			return -1, err
		}
		h, ok, err := p.headerAt(off)
		if err != nil {
			return -1, err
		}
		if !ok {
			continue
		}
		ok, err = p.confirm(off, h, false)
		if err != nil {
			return -1, err
		}
		if !ok {
			continue
		}
		if h.sameStream(h0) && h.bitrate != 0 {
			return off, nil
		}
		return -1, fmt.Errorf("%w: it joins %d Hz %s audio with %d Hz %s Layer %d audio at byte %d (two files glued together?); re-encode it as one file",
			ErrCorrupt, h0.sampleRate, h0.versionName(), h.sampleRate, h.versionName(), h.layer, off)
	}
}

// walk follows the frame chain from the first frame to the end of the audio region, skipping
// junk and stray tags, and fills in the Info.
func (p *prober) walk(first int64, h0 header) (Info, error) {
	in := Info{
		Version:         h0.version,
		Layer:           h0.layer,
		SampleRate:      h0.sampleRate,
		SamplesPerFrame: h0.samplesPerFrame(),
		xingFrames:      -1,
		first:           h0,
	}
	var (
		frames    int64
		tagBytes  int64 // stray tags between frames
		partial   int64 // a cut-off last frame
		firstJunk int64 = -1
		tag       xingTag
		isTag     bool
	)
	for pos := first; pos < p.end; {
		h, ok, err := p.headerAt(pos)
		if err != nil {
			return Info{}, err
		}
		if ok && h.sameStream(h0) && h.bitrate != 0 {
			size := int64(h.size())
			if pos+size > p.end {
				// Only a real frame that ran out of file; junk would not have
				// led here through consistent headers.
				partial = p.end - pos
				in.Truncated = true
				break
			}
			b, err := p.s.peek(pos, int(size))
			if err != nil {
				return Info{}, err
			}
			if int64(len(b)) < size {
				return Info{}, fmt.Errorf("%w: the file changed while it was read", ErrTruncated)
			}
			if frames == 0 && pos == first {
				tag, isTag = parseXing(b, h)
			}
			if !(frames == 0 && isTag && pos == first) {
				if in.Channels == 0 {
					in.Channels = h.channels()
				}
				in.Frames++
				in.AudioBytes += size
				if p.keep {
					p.table = append(p.table, newFrameRec(pos, h, b))
				}
			}
			frames++
			pos += size
			continue
		}
		if n, ok, err := p.strayTag(pos); err != nil {
			return Info{}, err
		} else if ok {
			tagBytes += n
			pos += n
			continue
		}
		next, err := p.resync(pos, h0)
		if err != nil {
			return Info{}, err
		}
		if firstJunk < 0 {
			firstJunk = pos
		}
		if next < 0 {
			in.JunkBytes += p.end - pos
			break
		}
		in.JunkBytes += next - pos
		pos = next
	}
	if isTag {
		in.xingFrames = tag.frames
		if tag.gapless {
			in.HasGaplessInfo = true
			in.EncoderDelay = tag.delay
			in.Padding = tag.padding
		}
		if tag.frames > in.Frames {
			in.Truncated = true
		}
	}
	if in.Frames == 0 {
		switch {
		case partial > 0:
			return Info{}, fmt.Errorf("%w: it ends inside its first audio frame", ErrTruncated)
		case in.Truncated:
			return Info{}, fmt.Errorf("%w: it ends after its header frame, which announces %d audio frames", ErrTruncated, in.xingFrames)
		}
		return Info{}, fmt.Errorf("%w: it has no audio frames", ErrEmpty)
	}
	region := p.end - first - tagBytes - partial
	if float64(region-in.JunkBytes) < minCoverage*float64(region) {
		return Info{}, fmt.Errorf("%w: only %d%% of it is readable MP3 audio (unreadable data from byte %d); export or download it again",
			ErrCorrupt, 100*(region-in.JunkBytes)/region, firstJunk)
	}
	seconds := float64(in.Frames) * float64(in.SamplesPerFrame) / float64(in.SampleRate)
	in.Bitrate = int(float64(in.AudioBytes)*8/seconds + 0.5)
	if in.Samples() == 0 {
		return Info{}, fmt.Errorf("%w: its %d frames hold only encoder padding", ErrEmpty, in.Frames)
	}
	return in, nil
}

// strayTag recognises an ID3v2 or ID3v1 tag between frames, as found in files joined together.
func (p *prober) strayTag(off int64) (int64, bool, error) {
	b, err := p.s.peek(off, 10)
	if err != nil {
		return 0, false, err
	}
	if n, ok := id3v2Len(b); ok && off+n <= p.end {
		return n, true, nil
	}
	if len(b) >= 3 && string(b[:3]) == "TAG" && off+128 <= p.end {
		return 128, true, nil
	}
	return 0, false, nil
}
