// Package photo turns an uploaded picture into clean pixels Hearth can store and serve. Uploads
// come from members' phones and are untrusted: a photo is sniffed by its content, its header is
// checked against the limits before a single pixel is allocated, and it is decoded under recover()
// with a timeout in a process-wide bounded number of workers. What comes out is an upright RGBA
// image and nothing else: EXIF (with its GPS position), XMP, ICC profiles, comments and any data
// hidden after the image are all left behind, because only decoded pixels are ever re-encoded.
//
// Decisions a member may notice: JPEG, PNG, WebP and GIF are read; an animated GIF becomes a
// still of its first frame; iPhone HEIC is refused with instructions (ErrHEIC), as are AVIF, BMP,
// TIFF and the rest (ErrUnsupported, naming what the file is). A cut-off upload is refused
// (ErrCorrupt) rather than shown half grey: Go's decoders return no partial image anyway. Colours
// are taken as sRGB: ICC profiles are dropped, not applied, so a Display P3 photo looks slightly
// less saturated.
package photo

import (
	"errors"
	"image"
	"time"
)

// Every error Decode returns wraps one of these, so the API can map it to a status and show the
// message to the member who uploaded the file. The text is written for that person.
var (
	// ErrEmpty means the upload had no bytes at all.
	ErrEmpty = errors.New("the file is empty: please choose the photo again")
	// ErrTooLarge means the file has more bytes than Limits.MaxBytes.
	ErrTooLarge = errors.New("the photo file is too large")
	// ErrTooManyPixels means the header declares more pixels (or a longer side) than the limits
	// allow. Decompression bombs, tiny files declaring enormous images, end here before decoding.
	ErrTooManyPixels = errors.New("the photo has too many pixels")
	// ErrHEIC means an iPhone HEIC/HEIF photo, which Hearth cannot decode yet.
	ErrHEIC = errors.New("HEIC photos from iPhones can't be used yet: please share it as JPEG " +
		"(on iPhone: Settings > Camera > Formats > Most Compatible, or send it by mail/messages which converts it)")
	// ErrUnsupported means the file is not a JPEG, PNG, WebP or GIF picture, or uses a feature of
	// one of those that the decoder does not implement.
	ErrUnsupported = errors.New("this kind of file can't be used as a photo")
	// ErrCorrupt means the file claims to be a supported picture but cannot be decoded completely,
	// typically because the upload was cut off.
	ErrCorrupt = errors.New("the photo file is damaged or incomplete")
	// ErrTimeout means decoding took longer than Limits.Timeout.
	ErrTimeout = errors.New("the photo took too long to process")
)

// Limits bound what one uploaded photo may cost.
type Limits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// MaxPixels bounds width*height as declared by the header, checked before decoding. It is
	// what bounds memory: a decode peaks at about 7 bytes per pixel for a phone's baseline JPEG,
	// 12 for a 16-bit PNG and 19 for a progressive full-colour JPEG, so 40 megapixels can take
	// some 760 MB. Choose the Decoder's concurrency with that in mind.
	MaxPixels int64
	// MaxSide bounds the longer side, so that a long thin strip cannot pass the pixel limit.
	MaxSide int
	// Timeout bounds one decode, from the moment a worker starts on it.
	Timeout time.Duration
}

// DefaultLimits are used for each field left zero: they accept any phone or camera photo of today
// (a 200-megapixel phone mode is the exception and should be shared at normal size).
var DefaultLimits = Limits{
	MaxBytes:  25 << 20,
	MaxPixels: 40_000_000,
	MaxSide:   12000,
	Timeout:   30 * time.Second,
}

// withDefaults fills every zero or negative field from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultLimits.MaxSide
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	return l
}

// Photo is a decoded upload, cleaned of everything but its pixels.
type Photo struct {
	// Image is upright (the EXIF orientation has been applied) and starts at (0, 0). Its alpha is
	// premultiplied; JPEG, WebP without alpha and most PNGs are fully opaque.
	Image *image.RGBA
	// Width and Height are those of Image, after orientation.
	Width, Height int
	// Format is what the content turned out to be: "jpeg", "png", "webp" or "gif".
	Format string
	// Orientation is the EXIF orientation (1-8) that was applied; 1 when the file had none.
	Orientation int
}
