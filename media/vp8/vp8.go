// Package vp8 encodes raw I420 pictures into a VP8 stream for WebRTC with libvpx.
//
// A room's picture is rendered and encoded once on the server and the same frames are sent to every
// viewer, so the encoder is tuned for one realtime stream that must stay within a fixed bitrate,
// survive packet loss and recover quickly when a viewer asks for a keyframe. The encoder is trusted
// server-side code and runs through cgo; untrusted video is never decoded here.
package vp8

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrConfig means an encoder setting is out of range.
	ErrConfig = errors.New("vp8: invalid encoder configuration")
	// ErrFrameSize means a picture buffer does not hold exactly one I420 frame of the configured size.
	ErrFrameSize = errors.New("vp8: picture buffer has the wrong size")
	// ErrBitrate means a bitrate is out of range.
	ErrBitrate = errors.New("vp8: bitrate out of range")
	// ErrClosed means the encoder was used after Close.
	ErrClosed = errors.New("vp8: encoder closed")
	// ErrCodec means libvpx refused a call; the wrapped message says why.
	ErrCodec = errors.New("vp8: libvpx error")
)

// Limits on the settings. VP8 itself allows up to 16383x16383; 4096 bounds the memory a room's
// encoder may take.
const (
	MinSize    = 16
	MaxSize    = 4096
	MaxFPS     = 60
	MinBitrate = 10_000
	MaxBitrate = 50_000_000
	MaxThreads = 8
)

// Defaults for the zero values of Config's tuning fields.
const (
	// DefaultCPUUsed is a fixed libvpx speed, chosen from BenchmarkEncode720p and
	// TestSlideshowQuality -sweep (slowly panning 720p photos at 1.5 Mbit/s, one thread, two shared
	// cores): -4, -8, -12, -14 and -16 ran at about 100, 190, 240, 255 and 280 fps. Luma PSNR stayed
	// within 0.75 dB from -4 to -14 (-12 was among the best), then fell by 3.4 dB at -16 on detailed
	// photos. -12 keeps two steps from that cliff; a 720p30 room costs about an eighth of a core.
	DefaultCPUUsed = -12
	// DefaultThreads is one thread per encoder: each room has its own encoder and rooms already
	// spread over the cores. A second thread made one encoder only about 20% faster.
	DefaultThreads = 1
	// DefaultKeyframeInterval bounds how long a viewer that lost a frame (or joined without asking
	// for a keyframe) waits for a clean picture. Each periodic keyframe costs a one-frame dip in
	// sharpness (34 against 40 dB on detailed 720p photos at 1.5 Mbit/s, once libvpx has settled)
	// and about 60 KB for it and the frame that restores the detail.
	DefaultKeyframeInterval = 2 * time.Second
)

// Config describes one encoded stream. Width, Height, FPS and Bitrate are required; zero tuning
// fields take the defaults above.
type Config struct {
	Width, Height int // even, MinSize..MaxSize
	FPS           int // 1..MaxFPS; pts passed to Encode count frames at this rate
	Bitrate       int // target bits per second, MinBitrate..MaxBitrate, e.g. 1_500_000 for 720p photos

	// KeyframeInterval is the longest time between keyframes. Any keyframe, forced ones included,
	// restarts the interval, so a keyframe asked for by a viewer is not followed shortly by a
	// periodic one. Zero means DefaultKeyframeInterval.
	KeyframeInterval time.Duration

	// CPUUsed is libvpx's realtime speed. Negative values -1..-16 fix the speed (higher magnitude
	// is faster and coarser). Positive values 1..16 let libvpx adapt the speed to keep encoding
	// within (16-CPUUsed)/16 of the frame time, which depends on the load of the whole machine.
	// Zero means DefaultCPUUsed; libvpx's own speed 0 is too slow for realtime and not offered.
	CPUUsed int

	// Threads is the number of encoder threads, 1..MaxThreads. Zero means DefaultThreads.
	Threads int
}

// withDefaults fills the zero tuning fields.
func (c Config) withDefaults() Config {
	if c.KeyframeInterval == 0 {
		c.KeyframeInterval = DefaultKeyframeInterval
	}
	if c.CPUUsed == 0 {
		c.CPUUsed = DefaultCPUUsed
	}
	if c.Threads == 0 {
		c.Threads = DefaultThreads
	}
	return c
}

// Validate reports the first setting out of range, wrapping ErrConfig. Zero tuning fields are
// valid: they take the defaults.
func (c Config) Validate() error {
	switch {
	case c.Width < MinSize || c.Width > MaxSize || c.Width%2 != 0:
		return fmt.Errorf("%w: width %d must be even and %d..%d", ErrConfig, c.Width, MinSize, MaxSize)
	case c.Height < MinSize || c.Height > MaxSize || c.Height%2 != 0:
		return fmt.Errorf("%w: height %d must be even and %d..%d", ErrConfig, c.Height, MinSize, MaxSize)
	case c.FPS < 1 || c.FPS > MaxFPS:
		return fmt.Errorf("%w: fps %d must be 1..%d", ErrConfig, c.FPS, MaxFPS)
	case c.Bitrate < MinBitrate || c.Bitrate > MaxBitrate:
		return fmt.Errorf("%w: bitrate %d must be %d..%d", ErrConfig, c.Bitrate, MinBitrate, MaxBitrate)
	case c.KeyframeInterval < 0:
		return fmt.Errorf("%w: keyframe interval %v is negative", ErrConfig, c.KeyframeInterval)
	case c.CPUUsed < -16 || c.CPUUsed > 16:
		return fmt.Errorf("%w: cpu-used %d must be -16..16", ErrConfig, c.CPUUsed)
	case c.Threads < 0 || c.Threads > MaxThreads:
		return fmt.Errorf("%w: threads %d must be 1..%d", ErrConfig, c.Threads, MaxThreads)
	}
	return nil
}

// FrameSize is the length of one tightly packed I420 picture: the luma plane followed by the two
// chroma planes at half resolution in both directions.
func (c Config) FrameSize() int {
	return c.Width*c.Height + 2*(c.Width/2)*(c.Height/2)
}

// keyframeEvery converts KeyframeInterval to frames, at least one.
func (c Config) keyframeEvery() int64 {
	n := (int64(c.KeyframeInterval)*int64(c.FPS) + int64(time.Second)/2) / int64(time.Second)
	return max(n, 1)
}
