// Package vpxdec decodes VP8 frames with libvpx so that tests (the encoder's, the end-to-end
// ones) can check what viewers would see. It lives apart from the encoder because cgo is not allowed in _test.go files,
// and as an internal package it is linked into no program: only tests import it. It trusts its
// input and must not be used on video from the network.
package vpxdec

/*
#cgo pkg-config: vpx
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8dx.h>

typedef struct {
	vpx_codec_ctx_t ctx;
	vpx_image_t *img;
	int open;
} hearth_vpxdec;

typedef struct {
	int width, height, ok;
} hearth_vpxdec_info;

static hearth_vpxdec *hearth_vpxdec_new(void) { return calloc(1, sizeof(hearth_vpxdec)); }

static vpx_codec_err_t hearth_vpxdec_open(hearth_vpxdec *d) {
	vpx_codec_dec_cfg_t cfg = {0};
	cfg.threads = 1;
	vpx_codec_err_t err = vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &cfg, 0);
	if (err == VPX_CODEC_OK) d->open = 1;
	return err;
}

// hearth_vpxdec_decode decodes one frame and keeps the picture until the next call.
static vpx_codec_err_t hearth_vpxdec_decode(hearth_vpxdec *d, const uint8_t *data, size_t size) {
	d->img = NULL;
	vpx_codec_err_t err = vpx_codec_decode(&d->ctx, data, (unsigned int)size, NULL, 0);
	if (err != VPX_CODEC_OK) return err;
	vpx_codec_iter_t iter = NULL;
	d->img = vpx_codec_get_frame(&d->ctx, &iter);
	return VPX_CODEC_OK;
}

static hearth_vpxdec_info hearth_vpxdec_info_of(hearth_vpxdec *d) {
	hearth_vpxdec_info out = {0};
	if (d->img == NULL || d->img->fmt != VPX_IMG_FMT_I420) return out;
	out.width = d->img->d_w;
	out.height = d->img->d_h;
	out.ok = 1;
	return out;
}

// hearth_vpxdec_copy copies the picture into a tightly packed I420 buffer of the right size.
static void hearth_vpxdec_copy(hearth_vpxdec *d, unsigned char *out) {
	const vpx_image_t *img = d->img;
	for (int plane = 0; plane < 3; plane++) {
		unsigned int w = plane ? (img->d_w + 1) / 2 : img->d_w;
		unsigned int h = plane ? (img->d_h + 1) / 2 : img->d_h;
		const unsigned char *src = img->planes[plane];
		for (unsigned int y = 0; y < h; y++) {
			memcpy(out, src, w);
			out += w;
			src += img->stride[plane];
		}
	}
}

static const char *hearth_vpxdec_detail(hearth_vpxdec *d) {
	return d->open ? vpx_codec_error_detail(&d->ctx) : NULL;
}

static void hearth_vpxdec_free(hearth_vpxdec *d) {
	if (d->open) vpx_codec_destroy(&d->ctx);
	free(d);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

var (
	// ErrDecode means libvpx rejected a frame.
	ErrDecode = errors.New("vpxdec: cannot decode")
	// ErrNoPicture means a frame decoded to no picture (for example a frame libvpx was told to drop).
	ErrNoPicture = errors.New("vpxdec: frame has no picture")
)

// Picture is one decoded frame as tightly packed I420.
type Picture struct {
	Width, Height int
	I420          []byte
}

// Y returns the luma plane.
func (p Picture) Y() []byte { return p.I420[:p.Width*p.Height] }

// Decoder decodes one VP8 stream in order.
type Decoder struct {
	c *C.hearth_vpxdec
}

// New opens a single-threaded VP8 decoder.
func New() (*Decoder, error) {
	c := C.hearth_vpxdec_new()
	if c == nil {
		return nil, fmt.Errorf("%w: out of memory", ErrDecode)
	}
	if rc := C.hearth_vpxdec_open(c); rc != C.VPX_CODEC_OK {
		err := decodeError(c, rc)
		C.hearth_vpxdec_free(c)
		return nil, err
	}
	return &Decoder{c: c}, nil
}

// Decode decodes one compressed frame and returns its picture in a new buffer.
func (d *Decoder) Decode(frame []byte) (Picture, error) {
	if len(frame) == 0 {
		return Picture{}, fmt.Errorf("%w: empty frame", ErrDecode)
	}
	rc := C.hearth_vpxdec_decode(d.c, (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(frame))), C.size_t(len(frame)))
	if rc != C.VPX_CODEC_OK {
		return Picture{}, decodeError(d.c, rc)
	}
	info := C.hearth_vpxdec_info_of(d.c)
	if info.ok == 0 {
		return Picture{}, ErrNoPicture
	}
	w, h := int(info.width), int(info.height)
	buf := make([]byte, w*h+2*((w+1)/2)*((h+1)/2))
	C.hearth_vpxdec_copy(d.c, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(buf))))
	return Picture{Width: w, Height: h, I420: buf}, nil
}

// Close releases libvpx.
func (d *Decoder) Close() error {
	if d.c != nil {
		C.hearth_vpxdec_free(d.c)
		d.c = nil
	}
	return nil
}

func decodeError(c *C.hearth_vpxdec, rc C.vpx_codec_err_t) error {
	msg := C.GoString(C.vpx_codec_err_to_string(rc))
	if d := C.hearth_vpxdec_detail(c); d != nil {
		msg += ": " + C.GoString(d)
	}
	return fmt.Errorf("%w: %s", ErrDecode, msg)
}
