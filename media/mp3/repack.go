package mp3

import (
	"errors"
	"io"
	"sort"
)

// Why repack: go-mp3 v0.3.4 computes the length of an MPEG-2 frame as (144*bitrate/rate+padding)>>1
// instead of 72*bitrate/rate+padding, one byte short for padded frames whenever 144*bitrate/rate
// is even. At 22.05 kHz (where LAME pads every other frame) it then resyncs one byte late, drops a
// byte of the bit reservoir and decodes noise. It also accepts any four bytes that look like a
// header, so junk between frames and tags at the end reach the decoder.
//
// So go-mp3 never reads the file itself. It reads a stream rebuilt from the frames Probe
// validated: every frame gets a header with the largest bitrate of its MPEG version (a frame size
// go-mp3 computes correctly, chosen by goFrameSize below), the original side information, and a
// main data part into which each frame's Huffman data is placed as early as the bit reservoir
// allows. Only main_data_begin is rewritten; the decoded samples are the same (bit-exact for
// MPEG-1, see TestRepackBitExact), and because a frame's data now starts at most one frame back,
// a seek needs only two frames of warm-up to be exact.

// frameRec is one audio frame of the file as the repacker needs it.
type frameRec struct {
	off      int64 // file offset of the frame header
	sStart   int64 // start of this frame's main data part in the file's reservoir stream
	newStart int64 // start of this frame's main data part in the presented reservoir stream
	newP     int64 // where this frame's Huffman data starts in the presented reservoir stream
	mdLen    uint16
	mdb      uint16 // main_data_begin: how far before sStart the frame's data starts
	dataLen  uint16 // bytes of Huffman data (part2_3_length summed over granules and channels)
	mdOff    uint8  // offset of the main data part in the frame
	siLen    uint8
	hdr3     byte // last header byte: channel mode, mode extension, flags
}

// newFrameRec reads the side information of the frame b (complete) found at off.
func newFrameRec(off int64, h header, b []byte) frameRec {
	si := b[h.dataOffset() : h.dataOffset()+h.sideInfoSize()]
	nch := h.channels()
	var mdb, first, stride, fields int
	if h.version == 1 {
		mdb = bitsAt(si, 0, 9)
		private := 3
		if nch == 1 {
			private = 5
		}
		first = 9 + private + 4*nch
		stride, fields = 59, 2*nch
	} else {
		mdb = bitsAt(si, 0, 8)
		first = 8 + nch
		stride, fields = 63, nch
	}
	bits := 0
	for i := range fields {
		bits += bitsAt(si, first+i*stride, 12)
	}
	mdOff := h.dataOffset() + h.sideInfoSize()
	return frameRec{
		off:     off,
		mdLen:   uint16(len(b) - mdOff),
		mdb:     uint16(mdb),
		dataLen: uint16((bits + 7) / 8),
		mdOff:   uint8(mdOff),
		siLen:   uint8(h.sideInfoSize()),
		hdr3:    b[3],
	}
}

// bitsAt reads n bits (n <= 16) starting at bit pos of b, most significant bit first.
func bitsAt(b []byte, pos, n int) int {
	v := 0
	for i := pos; i < pos+n; i++ {
		v = v<<1 | int(b[i>>3]>>(7-uint(i&7)))&1
	}
	return v
}

// goFrameSize is go-mp3's own frame size computation, which the presented stream must satisfy.
func goFrameSize(bitrate, rate, padding, lsf int) int {
	return (144*bitrate/rate + padding) >> lsf
}

// layout is the presented stream: where each frame's data goes and how to build any frame.
type layout struct {
	src    *source
	frames []frameRec
	size   int     // presented frame size
	hdr    [3]byte // presented header bytes 0..2
	v1     bool
}

// newLayout places every frame's Huffman data in the presented stream. It needs the first audio
// frame's header for the stream's version and sample rate.
func newLayout(src *source, frames []frameRec, h header) *layout {
	l := &layout{src: src, frames: frames, v1: h.version == 1}
	maxIdx := 14
	br := 1000 * bitrates[h.lsf()][2][maxIdx]
	pad := 0
	if goFrameSize(br, h.sampleRate, 1, h.lsf()) > goFrameSize(br, h.sampleRate, 0, h.lsf()) {
		pad = 1
	}
	l.size = goFrameSize(br, h.sampleRate, pad, h.lsf())
	vcode := byte(versionCode1)
	maxMDB := int64(511)
	if !l.v1 {
		vcode = versionCode2
		maxMDB = 255
	}
	// Sync, version, Layer III, no CRC; largest bitrate, sample rate, padding.
	l.hdr = [3]byte{0xFF, 0xE0 | vcode<<3 | 0x02 | 0x01, byte(maxIdx<<4 | h.rateIdx<<2 | pad<<1)}

	var sPos, newStart, dataEnd int64
	for i := range frames {
		f := &frames[i]
		f.sStart = sPos
		sPos += int64(f.mdLen)
		room := int64(l.size - 4 - int(f.siLen))
		// As early as possible: after the previous frame's data, and no further back
		// than main_data_begin can point.
		p := max(dataEnd, newStart-maxMDB)
		n := int64(f.dataLen)
		if p+n > newStart+room {
			// Only damaged frames (or a 160 kbps 22.05 kHz stream using all of its
			// reservoir) need more than fits; the frame loses its tail.
			n = newStart + room - p
		}
		f.newStart, f.newP, f.dataLen = newStart, p, uint16(n)
		dataEnd = p + n
		newStart += room
	}
	return l
}

// length is the size of the presented stream in bytes.
func (l *layout) length() int64 {
	return int64(len(l.frames)) * int64(l.size)
}

// build writes presented frame j into buf (l.size bytes).
func (l *layout) build(j int, buf []byte) error {
	f := &l.frames[j]
	clear(buf)
	copy(buf, l.hdr[:])
	buf[3] = f.hdr3
	si := buf[4 : 4+int(f.siLen)]
	if _, err := l.src.readAt(si, f.off+int64(f.mdOff-f.siLen)); err != nil {
		return err
	}
	mdb := f.newStart - f.newP
	if l.v1 {
		si[0] = byte(mdb >> 1)
		si[1] = si[1]&0x7F | byte(mdb&1)<<7
	} else {
		si[0] = byte(mdb)
	}
	md := buf[4+int(f.siLen):]
	end := f.newStart + int64(len(md))
	for k := j; k < len(l.frames) && l.frames[k].newP < end; k++ {
		g := &l.frames[k]
		lo := max(g.newP, f.newStart)
		hi := min(g.newP+int64(g.dataLen), end)
		if lo >= hi {
			continue
		}
		orig := g.sStart - int64(g.mdb) + (lo - g.newP)
		if err := l.readReservoir(md[lo-f.newStart:hi-f.newStart], orig); err != nil {
			return err
		}
	}
	return nil
}

// readReservoir fills dst from position pos of the file's reservoir stream: the main data parts
// of all frames, concatenated. Positions before the stream (a damaged first main_data_begin)
// read as zeros.
func (l *layout) readReservoir(dst []byte, pos int64) error {
	for len(dst) > 0 {
		if pos < 0 {
			n := min(int64(len(dst)), -pos)
			dst, pos = dst[n:], pos+n
			continue
		}
		i := sort.Search(len(l.frames), func(i int) bool {
			return l.frames[i].sStart+int64(l.frames[i].mdLen) > pos
		})
		if i == len(l.frames) {
			return nil
		}
		f := &l.frames[i]
		within := pos - f.sStart
		n := min(int64(len(dst)), int64(f.mdLen)-within)
		if _, err := l.src.readAt(dst[:n], f.off+int64(f.mdOff)+within); err != nil {
			return err
		}
		dst, pos = dst[n:], pos+n
	}
	return nil
}

// presented is the presented stream as the io.ReadSeeker go-mp3 reads.
type presented struct {
	l   *layout
	pos int64
	cur int // index of the frame in buf, or -1
	buf []byte
	// ioErr is the last error reading the file, so that the decoder can tell a failing disk
	// from damaged audio when go-mp3 reports either.
	ioErr error
	// headersOnly makes every frame silent: right headers, zero side information and main
	// data. go-mp3's constructor reads the whole stream to index its frames, and nothing it
	// decodes then survives the Seek(0) that follows, so there is no need to build frames.
	headersOnly bool
}

func newPresented(l *layout) *presented {
	return &presented{l: l, cur: -1, buf: make([]byte, l.size)}
}

func (p *presented) Read(b []byte) (int, error) {
	total := p.l.length()
	if p.pos >= total {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && p.pos < total {
		j := int(p.pos / int64(p.l.size))
		if j != p.cur {
			p.cur = -1
			if p.headersOnly {
				clear(p.buf)
				copy(p.buf, p.l.hdr[:])
				p.buf[3] = p.l.frames[j].hdr3
			} else if err := p.l.build(j, p.buf); err != nil {
				p.ioErr = err
				return n, err
			}
			p.cur = j
		}
		c := copy(b[n:], p.buf[p.pos%int64(p.l.size):])
		n += c
		p.pos += int64(c)
	}
	return n, nil
}

func (p *presented) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += p.pos
	case io.SeekEnd:
		offset += p.l.length()
	default:
		return 0, errors.New("mp3: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("mp3: seek before start")
	}
	p.pos = offset
	return offset, nil
}
