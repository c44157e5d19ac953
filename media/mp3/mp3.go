// Package mp3 checks and decodes uploaded MP3 files.
//
// Uploads are untrusted, so Probe walks the whole frame chain with this package's own header
// parser before anything is decoded, and names what is wrong in words a host can act on. The
// Decoder plays the file through github.com/hajimehoshi/go-mp3 and trims the encoder and decoder
// delay, so that consecutive tracks join without a gap.
package mp3

import (
	"errors"
	"time"
)

// Sentinel errors. Every error from Probe and NewDecoder wraps one of them (or an I/O error from
// the reader) and carries a message meant for the host who uploaded the file.
var (
	ErrNotMP3     = errors.New("not an MP3 file")
	ErrMPEG25     = errors.New("MPEG-2.5 (8/11/12 kHz) is not supported; re-encode at 44.1 kHz")
	ErrFreeFormat = errors.New("free-format MP3 is not supported; re-encode at a standard bitrate")
	ErrLayer      = errors.New("only MPEG Layer III (MP3) is supported")
	ErrCorrupt    = errors.New("the MP3 file is damaged")
	ErrTruncated  = errors.New("the MP3 file is cut off")
	ErrEmpty      = errors.New("the MP3 file contains no audio")
)

// decoderDelay is the delay, in samples, of the MP3 synthesis filter bank: a decoder's output lags
// the encoder's input by this much on top of the encoder delay. Measured for go-mp3 by
// TestGapless.
const decoderDelay = 529

// Info describes an MP3 file as Probe found it.
type Info struct {
	Version         int   // MPEG version: 1 or 2
	Layer           int   // always 3 for a file Probe accepts
	SampleRate      int   // Hz
	Channels        int   // of the first audio frame: 1 or 2
	Frames          int64 // audio frames, not counting a Xing/Info/VBRI frame
	SamplesPerFrame int   // per channel: 1152 for MPEG-1, 576 for MPEG-2
	EncoderDelay    int   // from the LAME tag: samples the encoder added at the start
	Padding         int   // from the LAME tag: samples the encoder added at the end
	HasGaplessInfo  bool  // a LAME tag with a valid CRC gave EncoderDelay and Padding
	Bitrate         int   // average bits per second over the audio frames
	AudioBytes      int64 // bytes of audio frames, headers included

	// Truncated reports that the file ends early: a partial last frame was dropped, or the
	// Xing/Info frame promised more frames than the file holds. Such a file still plays, but
	// a host may want to hear that it is incomplete.
	Truncated bool
	// JunkBytes counts bytes between the first and last frame that were not valid frames and
	// were skipped. Probe refuses files where this exceeds about a tenth of the audio.
	JunkBytes int64

	xingFrames int64  // frames the Xing/Info frame claims, -1 if it has none
	first      header // the first frame's header
}

// skip is how many samples of go-mp3 output precede the first real input sample. The Xing/Info
// frame is never handed to go-mp3, so only the encoder and decoder delay remain. Without a LAME
// tag the encoder delay is unknown, and only the decoder's own delay is removed.
func (in Info) skip() int64 {
	if in.HasGaplessInfo {
		return int64(in.EncoderDelay) + decoderDelay
	}
	return decoderDelay
}

// Samples is the number of samples per channel the file decodes to after gapless trimming.
func (in Info) Samples() int64 {
	total := in.Frames * int64(in.SamplesPerFrame)
	n := total - in.skip()
	if in.HasGaplessInfo && !in.Truncated && (in.xingFrames < 0 || in.xingFrames == in.Frames) {
		// Padding counts the decoder delay's worth of samples at the end too; an encoder
		// that padded less than that leaves the end short, so never ask for more than exists.
		n = min(n, total-int64(in.EncoderDelay)-int64(in.Padding))
	}
	return max(n, 0)
}

// Duration is the playing time after gapless trimming.
func (in Info) Duration() time.Duration {
	if in.SampleRate <= 0 {
		return 0
	}
	return time.Duration(in.Samples()) * time.Second / time.Duration(in.SampleRate)
}
