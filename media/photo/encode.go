package photo

import (
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
)

// Quality is the JPEG quality of stored photos: visually lossless for a slideshow, about a third
// of the size of a phone's original.
const Quality = 90

// EncodeJPEG writes img as a baseline JPEG for storage. This, never the uploaded bytes, is what
// Hearth stores and serves. The output holds no metadata at all: Go's encoder writes only the
// quantisation and Huffman tables, the frame and the scan (no JFIF, EXIF, XMP, ICC or comment
// segment), which the tests check marker by marker. JPEG has no transparency, so transparent
// pixels are laid over white, as a browser shows them on a light page.
func EncodeJPEG(w io.Writer, img image.Image) error {
	if img == nil || img.Bounds().Empty() {
		return errors.New("photo: nothing to encode")
	}
	if !isOpaque(img) {
		b := img.Bounds()
		flat := image.NewRGBA(b)
		draw.Draw(flat, b, image.White, image.Point{}, draw.Src)
		draw.Draw(flat, b, img, b.Min, draw.Over)
		img = flat
	}
	return jpeg.Encode(w, img, &jpeg.Options{Quality: Quality})
}

// isOpaque asks the image when it can tell; an image that cannot is flattened to be safe.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
