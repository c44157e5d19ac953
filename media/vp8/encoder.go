package vp8

/*
#cgo pkg-config: vpx
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vp8cx.h>

// hearth_vp8 is the encoder state. It lives in C memory so that libvpx may keep pointers into it
// (the context points at its own configuration) and Go never moves it.
typedef struct {
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t img;
	vpx_codec_iter_t iter;
	int open;
} hearth_vp8;

typedef struct {
	int width, height, fps, kbps, cpu_used, threads, partitions;
	int cbr, min_q, max_q, max_intra_pct, static_threshold;
} hearth_vp8_params;

typedef struct {
	const void *buf;
	size_t size;
	int key;
	int ok;
} hearth_vp8_packet;

static hearth_vp8 *hearth_vp8_new(void) { return calloc(1, sizeof(hearth_vp8)); }

#define HEARTH_CTRL(id, v) do { \
	vpx_codec_err_t e_ = vpx_codec_control(&h->ctx, id, v); \
	if (e_ != VPX_CODEC_OK) return e_; \
} while (0)

static vpx_codec_err_t hearth_vp8_open(hearth_vp8 *h, hearth_vp8_params p) {
	vpx_codec_err_t err = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &h->cfg, 0);
	if (err != VPX_CODEC_OK) return err;
	vpx_codec_enc_cfg_t *c = &h->cfg;
	c->g_w = p.width;
	c->g_h = p.height;
	c->g_timebase.num = 1;
	c->g_timebase.den = p.fps;
	c->g_threads = p.threads;
	c->g_pass = VPX_RC_ONE_PASS;
	c->g_lag_in_frames = 0;
	c->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	c->rc_end_usage = p.cbr ? VPX_CBR : VPX_VBR;
	c->rc_target_bitrate = p.kbps;
	c->rc_min_quantizer = p.min_q;
	c->rc_max_quantizer = p.max_q;
	c->rc_undershoot_pct = 100;
	c->rc_overshoot_pct = 15;
	c->rc_buf_initial_sz = 500;
	c->rc_buf_optimal_sz = 600;
	c->rc_buf_sz = 1000;
	c->rc_dropframe_thresh = 0;
	c->rc_resize_allowed = 0;
	c->kf_mode = VPX_KF_DISABLED;
	c->kf_min_dist = 0;
	c->kf_max_dist = 0x7fffffff;
	err = vpx_codec_enc_init(&h->ctx, vpx_codec_vp8_cx(), c, 0);
	if (err != VPX_CODEC_OK) return err;
	h->open = 1;
	HEARTH_CTRL(VP8E_SET_CPUUSED, p.cpu_used);
	HEARTH_CTRL(VP8E_SET_NOISE_SENSITIVITY, 0u);
	HEARTH_CTRL(VP8E_SET_STATIC_THRESHOLD, (unsigned int)p.static_threshold);
	HEARTH_CTRL(VP8E_SET_TOKEN_PARTITIONS, p.partitions);
	HEARTH_CTRL(VP8E_SET_MAX_INTRA_BITRATE_PCT, (unsigned int)p.max_intra_pct);
	HEARTH_CTRL(VP8E_SET_ENABLEAUTOALTREF, 0u);
	return VPX_CODEC_OK;
}

static vpx_codec_err_t hearth_vp8_set_kbps(hearth_vp8 *h, int kbps) {
	h->cfg.rc_target_bitrate = kbps;
	return vpx_codec_enc_config_set(&h->ctx, &h->cfg);
}

// hearth_vp8_encode wraps the caller's tightly packed I420 buffer without copying and encodes it.
// libvpx copies the picture into its own lookahead buffer, and the wrapper forgets the pointer
// before returning, so no Go pointer outlives the call.
static vpx_codec_err_t hearth_vp8_encode(hearth_vp8 *h, unsigned char *data, int64_t pts, int key) {
	vpx_img_wrap(&h->img, VPX_IMG_FMT_I420, h->cfg.g_w, h->cfg.g_h, 1, data);
	vpx_codec_err_t err = vpx_codec_encode(&h->ctx, &h->img, pts, 1,
		key ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME);
	memset(&h->img, 0, sizeof h->img);
	h->iter = NULL;
	return err;
}

static hearth_vp8_packet hearth_vp8_next(hearth_vp8 *h) {
	hearth_vp8_packet out = {0};
	const vpx_codec_cx_pkt_t *pkt;
	while ((pkt = vpx_codec_get_cx_data(&h->ctx, &h->iter)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
		out.buf = pkt->data.frame.buf;
		out.size = pkt->data.frame.sz;
		out.key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
		out.ok = 1;
		break;
	}
	return out;
}

static const char *hearth_vp8_detail(hearth_vp8 *h) {
	if (!h->open) return NULL;
	return vpx_codec_error_detail(&h->ctx);
}

static void hearth_vp8_free(hearth_vp8 *h) {
	if (h->open) vpx_codec_destroy(&h->ctx);
	free(h);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Rate control. CBR with a one-second buffer: one encoding goes to every viewer with no per-viewer
// adaptation, so the stream must stay near the rate the weakest link was promised. Slow pans cost
// less than the target, the buffer fills, and the encoder spends the saved bits on the next
// crossfade or keeps refining a held picture down to a low quantizer. On the 720p slideshows of
// quality_test.go at 1.5 Mbit/s VBR gained 0.1-0.3 dB by spending 2-6% more bits, and ran its
// crossfades 8-13% over the target where CBR stayed within 2-6%.
const (
	minQuantizer = 2  // lets a held picture sharpen to about 47 dB luma PSNR within three seconds
	maxQuantizer = 56 // keeps crossfades from breaking into blocks; 63 gained nothing measurable
	// staticThreshold 0 leaves libvpx's default. Skipping blocks that changed little stops a held
	// picture refining (1000 froze a still at 43 dB instead of 47) and would make slow fades step;
	// 1 measured the same as 0.
	staticThreshold = 0
)

// Encoder encodes I420 pictures into VP8 frames. Encode and Close must be called from one
// goroutine at a time; ForceKeyframe and SetBitrate may be called from any goroutine.
type Encoder struct {
	c        *C.hearth_vp8
	cfg      Config
	keyEvery int64
	kbps     int

	lastKey int64 // pts of the last keyframe
	haveKey bool

	forceKey    atomic.Bool
	pendingKbps atomic.Int64 // 0 when no change is waiting
	closed      atomic.Bool
	cleanup     runtime.Cleanup
}

// NewEncoder opens a libvpx VP8 encoder for cfg. Zero tuning fields take the package defaults.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := C.hearth_vp8_new()
	if c == nil {
		return nil, fmt.Errorf("%w: out of memory", ErrCodec)
	}
	kbps := toKbps(cfg.Bitrate)
	p := C.hearth_vp8_params{
		width:      C.int(cfg.Width),
		height:     C.int(cfg.Height),
		fps:        C.int(cfg.FPS),
		kbps:       C.int(kbps),
		cpu_used:   C.int(cfg.CPUUsed),
		threads:    C.int(cfg.Threads),
		partitions: C.int(tokenPartitions(cfg.Threads)),
		cbr:        1,
		min_q:      minQuantizer,
		max_q:      maxQuantizer,
		// A keyframe may take up to 0.3 s worth of the target bitrate. libvpx's own keyframe
		// target is lower (about 32 KB at 720p and 1.5 Mbit/s, 0.17 s); the cap bounds the burst
		// when its estimate of a picture is wrong.
		max_intra_pct:    C.int(max(30*cfg.FPS, 300)),
		static_threshold: staticThreshold,
	}
	if rc := C.hearth_vp8_open(c, p); rc != C.VPX_CODEC_OK {
		err := codecError(c, rc, "open")
		C.hearth_vp8_free(c)
		return nil, err
	}
	e := &Encoder{c: c, cfg: cfg, keyEvery: cfg.keyframeEvery(), kbps: kbps}
	// An encoder dropped without Close still releases its C memory and libvpx threads.
	e.cleanup = runtime.AddCleanup(e, func(c *C.hearth_vp8) { C.hearth_vp8_free(c) }, c)
	return e, nil
}

// Config returns the settings in use, defaults filled in.
func (e *Encoder) Config() Config { return e.cfg }

// Encode encodes one tightly packed I420 picture (see Config.FrameSize) with presentation time pts,
// counted in frames; pts should increase, and going back makes a keyframe. It makes a keyframe when key is true, when ForceKeyframe was called since the
// last frame, and when KeyframeInterval has passed since the last keyframe. It appends the
// compressed frame to dst and returns the extended slice and whether the frame is a keyframe.
//
// In steady state Encode allocates nothing but the growth of dst, and libvpx is not reconfigured
// unless SetBitrate was called.
func (e *Encoder) Encode(dst []byte, i420 []byte, pts int64, key bool) ([]byte, bool, error) {
	if e.closed.Load() {
		return dst, false, ErrClosed
	}
	// The cleanup must not free the C state while a libvpx call is using it.
	defer runtime.KeepAlive(e)
	if want := e.cfg.FrameSize(); len(i420) != want {
		return dst, false, fmt.Errorf("%w: %d bytes, want %d for %dx%d", ErrFrameSize, len(i420), want, e.cfg.Width, e.cfg.Height)
	}
	if kbps := int(e.pendingKbps.Swap(0)); kbps != 0 && kbps != e.kbps {
		if rc := C.hearth_vp8_set_kbps(e.c, C.int(kbps)); rc != C.VPX_CODEC_OK {
			return dst, false, codecError(e.c, rc, "set bitrate")
		}
		e.kbps = kbps
	}
	if e.forceKey.Swap(false) || !e.haveKey || pts-e.lastKey >= e.keyEvery || pts < e.lastKey {
		key = true
	}
	var k C.int
	if key {
		k = 1
	}
	rc := C.hearth_vp8_encode(e.c, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(i420))), C.int64_t(pts), k)
	if rc != C.VPX_CODEC_OK {
		if key {
			e.forceKey.Store(true) // still owed to whoever asked
		}
		return dst, false, codecError(e.c, rc, "encode")
	}
	isKey := false
	for {
		pkt := C.hearth_vp8_next(e.c)
		if pkt.ok == 0 {
			break
		}
		dst = append(dst, unsafe.Slice((*byte)(pkt.buf), int(pkt.size))...)
		isKey = isKey || pkt.key != 0
	}
	switch {
	case isKey:
		e.lastKey, e.haveKey = pts, true
	case key:
		e.forceKey.Store(true) // libvpx produced no keyframe this time: ask again
	}
	return dst, isKey, nil
}

// ForceKeyframe makes the next encoded frame a keyframe. It is safe from any goroutine, typically
// the RTCP reader answering a viewer's PLI; requests before the same frame coalesce.
func (e *Encoder) ForceKeyframe() { e.forceKey.Store(true) }

// SetBitrate changes the target bitrate in bits per second. It is safe from any goroutine; the
// change is applied before the next frame, reconfiguring libvpx once.
func (e *Encoder) SetBitrate(bps int) error {
	if bps < MinBitrate || bps > MaxBitrate {
		return fmt.Errorf("%w: %d must be %d..%d", ErrBitrate, bps, MinBitrate, MaxBitrate)
	}
	if e.closed.Load() {
		return ErrClosed
	}
	e.pendingKbps.Store(int64(toKbps(bps)))
	return nil
}

// Close releases libvpx. Further calls to Encode return ErrClosed; Close is idempotent.
func (e *Encoder) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.cleanup.Stop()
	C.hearth_vp8_free(e.c)
	e.c = nil
	return nil
}

// toKbps rounds bits per second to libvpx's kilobits per second.
func toKbps(bps int) int { return (bps + 500) / 1000 }

// tokenPartitions returns log2 of the number of token partitions for a thread count: one partition
// per thread lets encoder and decoder threads each work on their own rows of macroblocks.
func tokenPartitions(threads int) int {
	switch {
	case threads >= 8:
		return C.VP8_EIGHT_TOKENPARTITION
	case threads >= 4:
		return C.VP8_FOUR_TOKENPARTITION
	case threads >= 2:
		return C.VP8_TWO_TOKENPARTITION
	}
	return C.VP8_ONE_TOKENPARTITION
}

// codecError describes a libvpx failure, wrapping ErrCodec.
func codecError(c *C.hearth_vp8, rc C.vpx_codec_err_t, op string) error {
	msg := C.GoString(C.vpx_codec_err_to_string(rc))
	if d := C.hearth_vp8_detail(c); d != nil {
		msg += ": " + C.GoString(d)
	}
	return fmt.Errorf("%w: %s: %s", ErrCodec, op, msg)
}
