package media

import (
	"fmt"

	"gopkg.in/hraban/opus.v2"
)

// FrameSamples is the samples per channel in one 20 ms frame at 48 kHz: every track Hearth sends is
// paced in these frames.
const FrameSamples = 960

// MaxOpusPacket bounds an encoded frame; RFC 6716 allows at most 1275 bytes per frame.
const MaxOpusPacket = 1275

// OpusEncoder encodes 20 ms stereo 48 kHz frames with libopus. The encoder is trusted server-side
// code, so it runs through cgo for quality and speed; untrusted audio is never decoded with it.
type OpusEncoder struct {
	enc *opus.Encoder
}

// NewOpusEncoder returns a stereo music encoder at the given bitrate (bits per second) and
// complexity (0-10).
func NewOpusEncoder(bitrate, complexity int) (*OpusEncoder, error) {
	if bitrate < 6000 || bitrate > 510000 {
		return nil, fmt.Errorf("opus bitrate %d out of range 6000..510000", bitrate)
	}
	enc, err := opus.NewEncoder(Rate, 2, opus.AppAudio)
	if err != nil {
		return nil, fmt.Errorf("opus encoder: %w", err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		return nil, fmt.Errorf("opus bitrate: %w", err)
	}
	if err := enc.SetComplexity(complexity); err != nil {
		return nil, fmt.Errorf("opus complexity: %w", err)
	}
	// In-band FEC lets receivers rebuild a lost packet from the next one; worth a few kbps on the
	// mobile networks listeners are on.
	if err := enc.SetInBandFEC(true); err != nil {
		return nil, fmt.Errorf("opus fec: %w", err)
	}
	if err := enc.SetPacketLossPerc(5); err != nil {
		return nil, fmt.Errorf("opus loss: %w", err)
	}
	return &OpusEncoder{enc: enc}, nil
}

// Encode encodes one frame of 2*FrameSamples interleaved samples into out and returns the packet
// length.
func (e *OpusEncoder) Encode(frame []float32, out []byte) (int, error) {
	if len(frame) != 2*FrameSamples {
		return 0, fmt.Errorf("opus: frame has %d samples, want %d", len(frame), 2*FrameSamples)
	}
	return e.enc.EncodeFloat32(frame, out)
}

// Reset returns the encoder to its initial state, for a stream that resumes after a gap.
func (e *OpusEncoder) Reset() error { return e.enc.Reset() }
