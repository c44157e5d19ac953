package mp3

import (
	"errors"
	"fmt"
	"io"
)

// blockSize is how much of the file source keeps in memory. Both the probe walk and the repacker
// read many small pieces close together, so one block spares a seek and a read per frame.
const blockSize = 64 << 10

// blockBack is how far before a requested offset a new block starts, so that the repacker's short
// look-backs into the bit reservoir do not reload the block.
const blockBack = 4 << 10

// source gives random access to an io.ReadSeeker of known size through one cached block.
type source struct {
	r     io.ReadSeeker
	size  int64
	block []byte
	start int64 // file offset of block[0]
}

func newSource(r io.ReadSeeker) (*source, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("mp3: finding the file size: %w", err)
	}
	return &source{r: r, size: size, block: make([]byte, 0, blockSize)}, nil
}

// peek returns up to n bytes at off, fewer only at the end of the file. The slice is valid until
// the next call. n must not exceed blockSize-blockBack.
func (s *source) peek(off int64, n int) ([]byte, error) {
	if off < 0 || off >= s.size || n <= 0 {
		return nil, nil
	}
	if off >= s.start && off+int64(n) <= s.start+int64(len(s.block)) {
		i := off - s.start
		return s.block[i : i+int64(n)], nil
	}
	if err := s.load(off); err != nil {
		return nil, err
	}
	i := off - s.start
	if i >= int64(len(s.block)) {
		return nil, nil
	}
	end := min(i+int64(n), int64(len(s.block)))
	return s.block[i:end], nil
}

// load fills the block so that it covers off, starting a little before it.
func (s *source) load(off int64) error {
	start := max(off-blockBack, 0)
	want := min(int64(cap(s.block)), s.size-start)
	if _, err := s.r.Seek(start, io.SeekStart); err != nil {
		return fmt.Errorf("mp3: seeking in the file: %w", err)
	}
	b := s.block[:want]
	n, err := io.ReadFull(s.r, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		s.block, s.start = s.block[:0], 0
		return fmt.Errorf("mp3: reading the file: %w", err)
	}
	// A file that shrank under us simply ends earlier.
	s.block, s.start = b[:n], start
	if int64(n) < want {
		s.size = start + int64(n)
	}
	return nil
}

// readAt copies the bytes at off into p and returns how many were available.
func (s *source) readAt(p []byte, off int64) (int, error) {
	done := 0
	for done < len(p) {
		b, err := s.peek(off+int64(done), min(len(p)-done, blockSize-blockBack))
		if err != nil {
			return done, err
		}
		if len(b) == 0 {
			break
		}
		done += copy(p[done:], b)
	}
	return done, nil
}
