package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"hearth/media/resample"
)

// Rate is the rate every source is delivered at.
const Rate = 48000

// Source is an opened media file delivering interleaved stereo float32 at 48 kHz.
type Source struct {
	f     io.ReadSeeker
	dec   decoder
	rs    *resample.Resampler
	in    []float32
	out   []float32 // pending output not yet handed to Read
	eof   bool
	flush bool
}

// OpenFile opens a library file for playback. The file was validated at upload, but decoding still
// runs under recover() because a file on disk can change.
func OpenFile(path, filename string) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := newSource(f, filename)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func newSource(f io.ReadSeeker, filename string) (s *Source, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder failed: %v", ErrInvalid, r)
		}
	}()
	dec, _, err := openDecoder(f, filename)
	if err != nil {
		return nil, err
	}
	rs, err := resample.New(dec.SampleRate(), Rate, 2)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return &Source{f: f, dec: dec, rs: rs, in: make([]float32, 2*2048)}, nil
}

// Frames returns the source's length at 48 kHz.
func (s *Source) Frames() int64 {
	return resample.OutputFrames(s.dec.Length(), s.dec.SampleRate(), Rate)
}

// Read fills p (interleaved stereo, even length) and returns the number of float32 values written.
// It returns io.EOF only with n == 0, once everything has been delivered.
func (s *Source) Read(p []float32) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("%w: decoder failed: %v", ErrInvalid, r)
		}
	}()
	for n < len(p) {
		if len(s.out) > 0 {
			c := copy(p[n:], s.out)
			n += c
			s.out = s.out[c:]
			continue
		}
		if s.flush {
			break
		}
		if err := s.fill(); err != nil {
			return n, err
		}
	}
	if n == 0 && s.flush && len(s.out) == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// fill decodes the next block and resamples it into s.out.
func (s *Source) fill() error {
	out := s.out[:0]
	if s.eof {
		s.out = s.rs.Flush(out)
		s.flush = true
		return nil
	}
	k, err := s.dec.Read(s.in)
	k -= k % 2
	if k > 0 {
		out = s.rs.Process(out, s.in[:k])
	}
	if errors.Is(err, io.EOF) {
		s.eof = true
	} else if err != nil {
		return err
	}
	s.out = out
	return nil
}

// SeekFrame moves to a 48 kHz frame position.
func (s *Source) SeekFrame(frame int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoder failed: %v", ErrInvalid, r)
		}
	}()
	if frame < 0 {
		frame = 0
	}
	native := frame * int64(s.dec.SampleRate()) / Rate
	if native > s.dec.Length() {
		native = s.dec.Length()
	}
	if err := s.dec.Seek(native); err != nil {
		return err
	}
	s.rs.Reset()
	s.out = s.out[:0]
	s.eof, s.flush = false, false
	return nil
}

// Close releases the file.
func (s *Source) Close() error {
	if s == nil {
		return nil
	}
	if c, ok := s.f.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// DecodeAll decodes a whole in-memory file to 48 kHz stereo, for short clips kept in memory. It
// refuses anything longer than max.
func DecodeAll(b []byte, filename string, max time.Duration) ([]float32, error) {
	s, err := newSource(bytes.NewReader(b), filename)
	if err != nil {
		return nil, err
	}
	if limit := int64(max.Seconds() * Rate); s.Frames() > limit {
		return nil, fmt.Errorf("%w: longer than %s", ErrTooLong, max)
	}
	out := make([]float32, 0, 2*s.Frames())
	buf := make([]float32, 2*4096)
	for {
		n, err := s.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
