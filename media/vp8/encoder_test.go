package vp8

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"hearth/internal/vpxdec"
)

const (
	testW, testH = 1280, 720
	testBitrate  = 1_500_000
)

func testConfig() Config {
	return Config{Width: testW, Height: testH, FPS: 30, Bitrate: testBitrate, KeyframeInterval: 500 * time.Millisecond}
}

func newTestEncoder(t testing.TB, cfg Config) *Encoder {
	t.Helper()
	e, err := NewEncoder(cfg)
	if err != nil {
		t.Fatalf("NewEncoder(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func newTestDecoder(t testing.TB) *vpxdec.Decoder {
	t.Helper()
	d, err := vpxdec.New()
	if err != nil {
		t.Fatalf("vpxdec.New: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// frameHeader is the uncompressed data chunk at the start of every VP8 frame (RFC 6386, 9.1).
type frameHeader struct {
	key                   bool
	version               int
	show                  bool
	firstPartSize         int
	width, height         int // keyframes only
	horizScale, vertScale int
}

func parseFrameHeader(frame []byte) (frameHeader, error) {
	if len(frame) < 3 {
		return frameHeader{}, fmt.Errorf("frame of %d bytes has no frame tag", len(frame))
	}
	tag := uint32(frame[0]) | uint32(frame[1])<<8 | uint32(frame[2])<<16
	h := frameHeader{
		key:           tag&1 == 0,
		version:       int(tag>>1) & 7,
		show:          tag>>4&1 == 1,
		firstPartSize: int(tag >> 5),
	}
	rest := 3
	if h.key {
		if len(frame) < 10 {
			return h, fmt.Errorf("keyframe of %d bytes is too short", len(frame))
		}
		if frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
			return h, fmt.Errorf("keyframe start code % x, want 9d 01 2a", frame[3:6])
		}
		w, ht := binary.LittleEndian.Uint16(frame[6:]), binary.LittleEndian.Uint16(frame[8:])
		h.width, h.horizScale = int(w&0x3fff), int(w>>14)
		h.height, h.vertScale = int(ht&0x3fff), int(ht>>14)
		rest = 10
	}
	if h.firstPartSize == 0 || rest+h.firstPartSize > len(frame) {
		return h, fmt.Errorf("first partition of %d bytes does not fit a %d-byte frame", h.firstPartSize, len(frame))
	}
	return h, nil
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"odd width", func(c *Config) { c.Width = 1279 }},
		{"odd height", func(c *Config) { c.Height = 719 }},
		{"tiny", func(c *Config) { c.Width, c.Height = 8, 8 }},
		{"huge", func(c *Config) { c.Width = 8192 }},
		{"zero size", func(c *Config) { c.Width, c.Height = 0, 0 }},
		{"zero fps", func(c *Config) { c.FPS = 0 }},
		{"negative fps", func(c *Config) { c.FPS = -30 }},
		{"fps too high", func(c *Config) { c.FPS = 61 }},
		{"zero bitrate", func(c *Config) { c.Bitrate = 0 }},
		{"bitrate too high", func(c *Config) { c.Bitrate = 1e9 }},
		{"negative keyframe interval", func(c *Config) { c.KeyframeInterval = -time.Second }},
		{"cpu-used too fast", func(c *Config) { c.CPUUsed = -17 }},
		{"cpu-used positive too high", func(c *Config) { c.CPUUsed = 17 }},
		{"negative threads", func(c *Config) { c.Threads = -1 }},
		{"too many threads", func(c *Config) { c.Threads = 64 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.change(&cfg)
			e, err := NewEncoder(cfg)
			if !errors.Is(err, ErrConfig) || e != nil {
				t.Fatalf("NewEncoder(%+v) = %v, %v; want nil, ErrConfig", cfg, e, err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	e := newTestEncoder(t, Config{Width: 320, Height: 240, FPS: 25, Bitrate: 300_000})
	got := e.Config()
	if got.CPUUsed != DefaultCPUUsed || got.Threads != DefaultThreads || got.KeyframeInterval != DefaultKeyframeInterval {
		t.Fatalf("defaults: %+v", got)
	}
	if e.keyEvery != 50 {
		t.Fatalf("2 s at 25 fps: keyframe every %d frames, want 50", e.keyEvery)
	}
}

// TestEncodeDecode encodes two seconds of a moving test pattern, checks that keyframes come
// exactly at frame 0 and every KeyframeInterval, that every frame's header is valid, and that the
// decoded picture is close to the input.
func TestEncodeDecode(t *testing.T) {
	cfg := testConfig()
	e := newTestEncoder(t, cfg)
	d := newTestDecoder(t)
	var (
		frame   []byte
		total   int
		sumPSNR float64
		minPSNR = math.Inf(1)
	)
	const frames = 60
	for i := range frames {
		in := gradientSquare(testW, testH, i)
		var key bool
		var err error
		frame, key, err = e.Encode(frame[:0], in, int64(i), false)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		total += len(frame)
		if want := i%15 == 0; key != want {
			t.Errorf("frame %d: keyframe %v, want %v", i, key, want)
		}
		h, err := parseFrameHeader(frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if h.key != key || !h.show || h.version != 0 {
			t.Errorf("frame %d: header %+v, Encode said key=%v", i, h, key)
		}
		if key && (h.width != testW || h.height != testH || h.horizScale != 0 || h.vertScale != 0) {
			t.Errorf("frame %d: keyframe header says %dx%d scale %d/%d", i, h.width, h.height, h.horizScale, h.vertScale)
		}
		pic, err := d.Decode(frame)
		if err != nil {
			t.Fatalf("frame %d: decode: %v", i, err)
		}
		if pic.Width != testW || pic.Height != testH {
			t.Fatalf("frame %d: decoded %dx%d", i, pic.Width, pic.Height)
		}
		p := psnr(in[:testW*testH], pic.Y())
		sumPSNR += p
		minPSNR = min(minPSNR, p)
	}
	mean := sumPSNR / frames
	kbps := float64(total*8) / (frames / float64(cfg.FPS)) / 1000
	t.Logf("test pattern 1280x720 at %d kbit/s: luma PSNR mean %.2f dB, min %.2f dB; stream %.0f kbit/s", cfg.Bitrate/1000, mean, minPSNR, kbps)
	if minPSNR < 35 {
		t.Errorf("luma PSNR min %.2f dB, want >= 35", minPSNR)
	}
	// Four keyframes in two seconds cost more than the target, but the stream must stay near it.
	if kbps > 2*float64(cfg.Bitrate)/1000 {
		t.Errorf("stream %.0f kbit/s, more than twice the target", kbps)
	}
}

// TestForceKeyframe asks for a keyframe from another goroutine, as the RTCP reader does on a PLI.
func TestForceKeyframe(t *testing.T) {
	cfg := testConfig()
	cfg.KeyframeInterval = time.Second // 30 frames
	e := newTestEncoder(t, cfg)
	in := gradientSquare(testW, testH, 0)
	var frame []byte
	for i := range 70 {
		var key bool
		var err error
		frame, key, err = e.Encode(frame[:0], in, int64(i), false)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		// Forced at 11, the periodic keyframe moves from 30 to 41 and then 71.
		if want := i == 0 || i == 11 || i == 41; key != want {
			t.Errorf("frame %d: keyframe %v, want %v", i, key, want)
		}
		if i == 10 {
			done := make(chan struct{})
			go func() {
				defer close(done)
				e.ForceKeyframe()
				e.ForceKeyframe() // coalesces with the first
			}()
			<-done
		}
	}
	// The key argument forces one too.
	frame, key, err := e.Encode(frame[:0], in, 70, true)
	if err != nil || !key {
		t.Fatalf("Encode(key=true) = %v, %v; want a keyframe", key, err)
	}
}

func TestBadInput(t *testing.T) {
	cfg := testConfig()
	e := newTestEncoder(t, cfg)
	good := gradientSquare(testW, testH, 0)
	for _, in := range [][]byte{nil, {}, good[:len(good)-1], append(good[:len(good):len(good)], 0), good[:testW*testH]} {
		dst := []byte("kept")
		out, key, err := e.Encode(dst, in, 0, false)
		if !errors.Is(err, ErrFrameSize) || key || string(out) != "kept" {
			t.Errorf("Encode(%d bytes) = %q, %v, %v; want dst unchanged and ErrFrameSize", len(in), out, key, err)
		}
	}
	for _, bps := range []int{0, -1, MinBitrate - 1, MaxBitrate + 1} {
		if err := e.SetBitrate(bps); !errors.Is(err, ErrBitrate) {
			t.Errorf("SetBitrate(%d) = %v, want ErrBitrate", bps, err)
		}
	}
	if _, _, err := e.Encode(nil, good, 0, false); err != nil {
		t.Fatalf("good frame after bad ones: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, _, err := e.Encode(nil, good, 1, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("Encode after Close = %v, want ErrClosed", err)
	}
	if err := e.SetBitrate(500_000); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetBitrate after Close = %v, want ErrClosed", err)
	}
	e.ForceKeyframe() // harmless
}

// TestSetBitrate lowers the bitrate mid-stream on a panning photo and checks that the frames shrink
// to about the new target.
func TestSetBitrate(t *testing.T) {
	cfg := testConfig()
	cfg.Bitrate = 2_000_000
	cfg.KeyframeInterval = time.Minute
	e := newTestEncoder(t, cfg)
	ph := newPhoto(1, 1400, 800, soft)
	in := make([]byte, cfg.FrameSize())
	var frame []byte
	var before, after int
	for i := range 120 {
		if i == 60 {
			if err := e.SetBitrate(400_000); err != nil {
				t.Fatal(err)
			}
		}
		x0, y0, s := kenBurns(float64(i))
		ph.render(in, testW, testH, x0, y0, s, 1)
		var err error
		frame, _, err = e.Encode(frame[:0], in, int64(i), false)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		switch {
		case i >= 30 && i < 60:
			before += len(frame)
		case i >= 90:
			after += len(frame)
		}
	}
	beforeKbps, afterKbps := float64(before*8)/1000, float64(after*8)/1000 // 30 frames = 1 s
	t.Logf("panning photo: %.0f kbit/s at 2000, %.0f kbit/s after SetBitrate(400k)", beforeKbps, afterKbps)
	if afterKbps > 1.3*400 || afterKbps > beforeKbps/2 {
		t.Errorf("after SetBitrate(400k): %.0f kbit/s (before %.0f)", afterKbps, beforeKbps)
	}
}

// TestEncodeAllocs checks that steady-state encoding into a reused buffer does not allocate.
func TestEncodeAllocs(t *testing.T) {
	cfg := testConfig()
	e := newTestEncoder(t, cfg)
	in := gradientSquare(testW, testH, 3)
	dst := make([]byte, 0, 1<<20)
	pts := int64(0)
	allocs := testing.AllocsPerRun(20, func() {
		var err error
		dst, _, err = e.Encode(dst[:0], in, pts, false)
		if err != nil {
			t.Fatal(err)
		}
		pts++
	})
	if allocs != 0 {
		t.Fatalf("Encode allocates %.1f times per frame", allocs)
	}
}
