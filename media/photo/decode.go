package photo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"sync"

	"golang.org/x/image/webp"
)

// Decoder decodes uploaded photos with at most a fixed number of decodes running at once. A decode
// holds a lot of memory (see Limits.MaxPixels), so the process should create one Decoder and share
// it between every handler that accepts photos.
type Decoder struct {
	limits Limits
	// slots is the semaphore: a decode holds one slot from the moment it starts until its worker
	// goroutine has really finished, even when the caller stopped waiting on a timeout, so that
	// slow files can never pile up more decodes than the process allows.
	slots   chan struct{}
	running sync.WaitGroup
	// decodeImage is the format decoder; tests replace it to simulate a slow or panicking one.
	decodeImage func(format string, r io.Reader) (image.Image, error)
}

// NewDecoder returns a decoder that runs at most concurrency decodes at once (at least one). Zero
// fields of limits take their value from DefaultLimits.
func NewDecoder(limits Limits, concurrency int) *Decoder {
	return &Decoder{
		limits:      limits.withDefaults(),
		slots:       make(chan struct{}, max(concurrency, 1)),
		decodeImage: decodeImage,
	}
}

// Limits returns the limits in force, defaults filled in.
func (d *Decoder) Limits() Limits { return d.limits }

// Wait blocks until every decode that has started is finished, including those whose caller
// already returned with ErrTimeout. A server calls it on shutdown, tests to check for leaks.
func (d *Decoder) Wait() { d.running.Wait() }

// Decode reads an uploaded picture, checks it against the limits and returns its pixels upright
// as RGBA, with every byte of metadata left behind. The upload is read into memory (at most
// Limits.MaxBytes, before a worker slot is taken, so a slow upload holds no slot) and never
// written to disk: the original, with its location data, is nowhere once the decode is over.
// Errors wrap the package's sentinels, except that a ctx that ends while waiting for a worker or
// decoding returns ctx's error. Reading r is bounded by the caller (the server's read timeout).
//
// Order of checks: size, content sniffing, header dimensions, then, holding a worker slot, the
// decode itself under recover() and Limits.Timeout, then orientation and colour conversion.
func (d *Decoder) Decode(ctx context.Context, r io.Reader) (Photo, error) {
	if err := ctx.Err(); err != nil {
		return Photo{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, d.limits.MaxBytes+1))
	if err != nil {
		return Photo{}, fmt.Errorf("%w: the upload was interrupted (%w); please try again", ErrCorrupt, err)
	}
	if int64(len(data)) > d.limits.MaxBytes {
		return Photo{}, fmt.Errorf("%w: it is over %s; please share a smaller copy", ErrTooLarge, byteSize(d.limits.MaxBytes))
	}
	format, err := sniff(data)
	if err != nil {
		return Photo{}, err
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return Photo{}, err
	}
	if err := d.checkSize(cfg.Width, cfg.Height); err != nil {
		return Photo{}, err
	}
	if format == "jpeg" {
		if n := jpegScans(data, maxJPEGScans); n > maxJPEGScans {
			return Photo{}, fmt.Errorf("%w: the JPEG photo has more than %d scans, far more than cameras write; please re-save it as an ordinary JPEG",
				ErrUnsupported, maxJPEGScans)
		}
	}

	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return Photo{}, fmt.Errorf("waiting to decode the photo: %w", ctx.Err())
	}
	d.running.Add(1)
	ctx, cancel := context.WithTimeoutCause(ctx, d.limits.Timeout, ErrTimeout)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		defer func() {
			<-d.slots
			d.running.Done()
		}()
		done <- d.work(ctx, format, data, image.Pt(cfg.Width, cfg.Height))
	}()
	select {
	case res := <-done:
		if res.err != nil && ctx.Err() != nil {
			return Photo{}, d.stopped(ctx)
		}
		return res.photo, res.err
	case <-ctx.Done():
		return Photo{}, d.stopped(ctx)
	}
}

// stopped explains why a decode's context ended: its own timeout, or the caller's context.
func (d *Decoder) stopped(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), ErrTimeout) {
		return fmt.Errorf("%w (more than %s); please share a smaller copy", ErrTimeout, d.limits.Timeout)
	}
	return fmt.Errorf("decoding the photo: %w", ctx.Err())
}

type result struct {
	photo Photo
	err   error
}

// work decodes and converts one photo. It runs in its own goroutine under recover() so that a
// decoder bug or a pathological file costs one failed upload, never the server; once ctx is done
// it stops at the decoder's next read (see cancelReader) or the next stage.
func (d *Decoder) work(ctx context.Context, format string, data []byte, canvas image.Point) (res result) {
	defer func() {
		if r := recover(); r != nil {
			res = result{err: fmt.Errorf("%w: the %s could not be decoded; please send it again", ErrCorrupt, formatName(format))}
		}
	}()
	img, err := d.decodeImage(format, &cancelReader{ctx: ctx, data: data})
	if err != nil {
		return result{err: classify(format, err)}
	}
	if b := img.Bounds(); b.Empty() || !b.In(image.Rectangle{Max: canvas}) {
		return result{err: fmt.Errorf("%w: the %s's pixels do not match its header; please send it again", ErrCorrupt, formatName(format))}
	}
	if ctx.Err() != nil {
		return result{err: ctx.Err()}
	}
	o := orientationOf(format, data)
	rgba := toUprightRGBA(img, canvas, o)
	return result{photo: Photo{
		Image:       rgba,
		Width:       rgba.Rect.Dx(),
		Height:      rgba.Rect.Dy(),
		Format:      format,
		Orientation: o,
	}}
}

// checkSize applies MaxSide and MaxPixels to the dimensions a header declares.
func (d *Decoder) checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("%w: its header declares a %d×%d picture; please send it again", ErrCorrupt, w, h)
	case w > d.limits.MaxSide || h > d.limits.MaxSide:
		return fmt.Errorf("%w: it is %d×%d, and a side may be at most %d pixels; please share a smaller copy",
			ErrTooManyPixels, w, h, d.limits.MaxSide)
	case int64(w)*int64(h) > d.limits.MaxPixels:
		return fmt.Errorf("%w: it is %d×%d (%.1f megapixels), and the limit is %.1f; please share a smaller copy",
			ErrTooManyPixels, w, h, float64(w)*float64(h)/1e6, float64(d.limits.MaxPixels)/1e6)
	}
	return nil
}

// decodeConfig reads only the header of a sniffed file, under recover(). The decoders are called
// by format rather than through image.DecodeConfig so that a file is only ever parsed as what its
// content says it is.
func decodeConfig(format string, data []byte) (cfg image.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: the %s's header could not be read; please send it again", ErrCorrupt, formatName(format))
		}
	}()
	r := bytes.NewReader(data)
	switch format {
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(r)
	case "png":
		cfg, err = png.DecodeConfig(r)
	case "gif":
		cfg, err = gif.DecodeConfig(r)
	case "webp":
		cfg, err = webp.DecodeConfig(r)
	default:
		return cfg, fmt.Errorf("%w: unknown format %q", ErrUnsupported, format)
	}
	if err != nil {
		return cfg, classify(format, err)
	}
	return cfg, nil
}

// decodeImage decodes a sniffed file. Only the first frame of a GIF is read: an animated GIF
// becomes a still of its first frame, as a slideshow shows stills.
func decodeImage(format string, r io.Reader) (image.Image, error) {
	switch format {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	case "gif":
		return gif.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("%w: unknown format %q", ErrUnsupported, format)
}

// classify turns a decoder's error into one of the package's. Go's decoders return no partial
// image: a JPEG cut off in the middle is rejected rather than shown with a grey lower part, which
// in a memorial slideshow would be worse than asking for the photo again.
func classify(format string, err error) error {
	name := formatName(format)
	var (
		jpegUnsupported jpeg.UnsupportedError
		pngUnsupported  png.UnsupportedError
	)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the %s ends early (was the upload cut off?); please send it again", ErrCorrupt, name)
	case errors.As(err, &jpegUnsupported), errors.As(err, &pngUnsupported):
		return fmt.Errorf("%w: the %s uses a feature Hearth can't read (%w); please re-save it as an ordinary JPEG or PNG",
			ErrUnsupported, name, err)
	}
	return fmt.Errorf("%w: the %s could not be decoded (%w); please send it again", ErrCorrupt, name, err)
}

func formatName(format string) string {
	switch format {
	case "jpeg":
		return "JPEG photo"
	case "png":
		return "PNG image"
	case "gif":
		return "GIF image"
	case "webp":
		return "WebP image"
	}
	return "photo"
}

// byteSize formats a limit for a person: "25 MB", "512 KB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cancelReader hands the decoders the upload in small pieces and fails once ctx is done. Go's
// decoders cannot be interrupted, but they read as they go, so this is what makes Limits.Timeout
// stop the work (and free the worker slot) soon after the caller was told, rather than whenever
// the decoder would have finished. A piece is small so that even a file made of tiny expensive
// parts (JPEG scans) is checked often; the cost is one call per 256 bytes.
type cancelReader struct {
	ctx  context.Context
	data []byte
}

func (r *cancelReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 256)], r.data)
	r.data = r.data[n:]
	return n, nil
}
