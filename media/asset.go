// Package media turns uploaded audio into something the broadcaster can trust: it validates and
// measures uploads once (decoding under recover() and limits), stores them content-addressed, and
// opens them again as 48 kHz stereo sources. The cgo encoders live here too, behind small types.
package media

import (
	"errors"
	"time"
)

var (
	// ErrUnsupported means the upload is not an audio format Hearth plays.
	ErrUnsupported = errors.New("unsupported media")
	// ErrInvalid means the upload claims a supported format but cannot be decoded.
	ErrInvalid = errors.New("invalid media")
	// ErrTooLarge means the upload exceeds the configured size limit.
	ErrTooLarge = errors.New("media too large")
	// ErrTooLong means the upload's audio is longer than Hearth accepts.
	ErrTooLong = errors.New("media too long")
	// ErrTimeout means validating the upload took longer than allowed.
	ErrTimeout = errors.New("media took too long to validate")
	// ErrNotFound means no media has the given id.
	ErrNotFound = errors.New("media not found")
)

// Asset is a validated media file in the library.
type Asset struct {
	// ID is the hex SHA-256 of the file's bytes: uploading the same file twice yields one asset.
	ID       string
	Title    string
	Filename string
	Format   string // "mp3" or "wav"
	// SampleRate and Channels describe the file as stored.
	SampleRate int
	Channels   int
	// Frames is the length at 48 kHz after gapless trimming.
	Frames int64
	// LoudnessLUFS is the integrated loudness (ITU-R BS.1770); -Inf for silence is stored as -70.
	LoudnessLUFS float64
	// PeakDBFS is the sample peak.
	PeakDBFS float64
	// GainDB brings the file to the house loudness target without clipping.
	GainDB float64
	// EncoderDelay and Padding come from the LAME tag and are trimmed for gapless playback.
	EncoderDelay int
	Padding      int
	Size         int64
	CreatedAt    time.Time
}

// Duration returns the asset's playing time.
func (a Asset) Duration() time.Duration { return time.Duration(a.Frames) * time.Second / 48000 }
