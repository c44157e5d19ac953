package collage

import "image"

// Shrink returns img reduced to the size a show with cfg prepares it at, or img itself when it
// is no larger. A renderer given the result draws the same frames as from img, byte for byte (but
// for a photo whose shape sits within rounding of the line between cropping and fitting whole).
//
// NewRenderer needs every photo at once, and a decoded 12 MP photo holds 48 MB; shrinking each
// photo as it is decoded, and dropping the original, keeps a show of a hundred photos within a
// few hundred megabytes (about 4 MB per photo at 720p).
func Shrink(img *image.RGBA, cfg Config) (*image.RGBA, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkImage(img); err != nil {
		return nil, err
	}
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	pw, ph, _ := fit(sw, sh, cfg)
	if pw >= sw || ph >= sh {
		return img, nil
	}
	p := newPreparer(cfg)
	p.linearize(img, pw, ph)
	out := image.NewRGBA(image.Rect(0, 0, pw, ph))
	for i := range pw * ph {
		px := out.Pix[4*i : 4*i+4]
		px[0] = p.srgb(p.lin[3*i], 1)
		px[1] = p.srgb(p.lin[3*i+1], 1)
		px[2] = p.srgb(p.lin[3*i+2], 1)
		px[3] = 0xFF
	}
	return out, nil
}
