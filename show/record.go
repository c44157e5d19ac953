package show

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"hearth/media/vp8"
)

// A recording is the show's frames encoded ahead of time, one after another in an IVF file (the
// plain VP8 container libvpx's tools and ffmpeg read), with keyframes every KeyframeInterval.

// ErrRecording is returned for a recording that does not belong to the show or is damaged.
var ErrRecording = errors.New("show: unusable recording")

const (
	ivfHeaderSize = 32
	ivfFrameSize  = 12
	// maxFrameBytes bounds one recorded frame; a 4K keyframe at the highest bitrate stays far below.
	maxFrameBytes = 8 << 20
)

// Record encodes every frame of the show into an IVF file at path. It writes to a temporary file
// beside it and renames it into place only when complete, so a path that exists is a whole
// recording. progress, if not nil, is called with frames done and the total, about a hundred times.
func Record(ctx context.Context, s *Show, path string, progress func(done, total int64)) (err error) {
	enc, err := vp8.NewEncoder(s.cfg.vp8())
	if err != nil {
		return err
	}
	defer enc.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".recording-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	total := s.Frames()
	if _, err := w.Write(ivfHeader(s.cfg, total)); err != nil {
		return err
	}
	pic := make([]byte, s.frameSize())
	var out []byte
	var hdr [ivfFrameSize]byte
	step := max(total/100, 1)
	for n := int64(0); n < total; n++ {
		if n%16 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := s.render(pic, n); err != nil {
			return err
		}
		if out, _, err = enc.Encode(out[:0], pic, n, false); err != nil {
			return err
		}
		if len(out) == 0 {
			// libvpx dropped the frame (it never does at these settings); keep one frame per slot.
			return fmt.Errorf("%w: the encoder produced nothing for frame %d", ErrRecording, n)
		}
		binary.LittleEndian.PutUint32(hdr[:4], uint32(len(out)))
		binary.LittleEndian.PutUint64(hdr[4:], uint64(n))
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
		if progress != nil && (n%step == 0 || n == total-1) {
			progress(n+1, total)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func ivfHeader(c Config, frames int64) []byte {
	h := make([]byte, ivfHeaderSize)
	copy(h, "DKIF")
	binary.LittleEndian.PutUint16(h[4:], 0)
	binary.LittleEndian.PutUint16(h[6:], ivfHeaderSize)
	copy(h[8:], "VP80")
	binary.LittleEndian.PutUint16(h[12:], uint16(c.Width))
	binary.LittleEndian.PutUint16(h[14:], uint16(c.Height))
	binary.LittleEndian.PutUint32(h[16:], uint32(c.FPS))
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(frames))
	return h
}

// Recording reads a show's recorded frames.
type Recording struct {
	f       *os.File
	offsets []int64
	sizes   []uint32
	keys    []bool
}

// OpenRecording opens the recording at path and checks that it holds every frame of s, in
// order, at s's size and rate, each of a sane length. It reads only the frame headers.
func OpenRecording(path string, s *Show) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	rec, err := index(f, s)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrRecording, path, err)
	}
	return rec, nil
}

func index(f *os.File, s *Show) (*Recording, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	hdr := make([]byte, ivfHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	want := ivfHeader(s.cfg, s.Frames())
	if string(hdr[:28]) != string(want[:28]) {
		return nil, errors.New("made for another show (size, rate or length differ)")
	}
	total := s.Frames()
	rec := &Recording{f: f, offsets: make([]int64, total), sizes: make([]uint32, total), keys: make([]bool, total)}
	var fh [ivfFrameSize + 1]byte
	off := int64(ivfHeaderSize)
	for n := int64(0); n < total; n++ {
		if off+ivfFrameSize+1 > size {
			return nil, fmt.Errorf("ends at frame %d of %d", n, total)
		}
		if _, err := f.ReadAt(fh[:], off); err != nil {
			return nil, fmt.Errorf("frame %d: %v", n, err)
		}
		sz := binary.LittleEndian.Uint32(fh[:4])
		pts := binary.LittleEndian.Uint64(fh[4:12])
		if sz == 0 || sz > maxFrameBytes || pts != uint64(n) || off+ivfFrameSize+int64(sz) > size {
			return nil, fmt.Errorf("frame %d is damaged", n)
		}
		rec.offsets[n] = off + ivfFrameSize
		rec.sizes[n] = sz
		// In a VP8 frame tag the lowest bit is 0 for a keyframe.
		rec.keys[n] = fh[ivfFrameSize]&1 == 0
		off += ivfFrameSize + int64(sz)
	}
	if !rec.keys[0] {
		return nil, errors.New("does not start with a keyframe")
	}
	return rec, nil
}

// Len is the number of frames.
func (r *Recording) Len() int64 { return int64(len(r.offsets)) }

// IsKey reports whether frame n is a keyframe.
func (r *Recording) IsKey(n int64) bool { return n >= 0 && n < r.Len() && r.keys[n] }

// Frame appends frame n to dst.
func (r *Recording) Frame(dst []byte, n int64) ([]byte, error) {
	if n < 0 || n >= r.Len() {
		return dst, fmt.Errorf("%w: frame %d of %d", ErrRecording, n, r.Len())
	}
	sz := int(r.sizes[n])
	if cap(dst)-len(dst) < sz {
		dst = append(dst, make([]byte, sz)...)[:len(dst)]
	}
	buf := dst[len(dst) : len(dst)+sz]
	if _, err := r.f.ReadAt(buf, r.offsets[n]); err != nil && !errors.Is(err, io.EOF) {
		return dst, err
	}
	return dst[:len(dst)+sz], nil
}

// Close closes the file.
func (r *Recording) Close() error { return r.f.Close() }
