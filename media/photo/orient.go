package photo

import (
	"image"
	"image/color"
	"image/draw"
)

// The EXIF orientation says how the stored pixels must be turned to be seen upright:
//
//	1 as stored          5 transposed (mirrored across the main diagonal)
//	2 mirrored left-right 6 turned 90° clockwise (a phone held upright, home button down)
//	3 turned 180°         7 transversed (mirrored across the other diagonal)
//	4 mirrored top-bottom 8 turned 90° counter-clockwise
//
// walk gives, for row y of the upright image, the stored pixel shown at its left end and the step
// in stored coordinates from one upright pixel to the next. w and h are the stored size.
func walk(o, y, w, h int) (sx, sy, dx, dy int) {
	switch o {
	case 2:
		return w - 1, y, -1, 0
	case 3:
		return w - 1, h - 1 - y, -1, 0
	case 4:
		return 0, h - 1 - y, 1, 0
	case 5:
		return y, 0, 0, 1
	case 6:
		return y, h - 1, 0, -1
	case 7:
		return w - 1 - y, h - 1, 0, -1
	case 8:
		return w - 1 - y, 0, 0, 1
	}
	return 0, y, 1, 0
}

// uprightSize returns the size of the upright image for a stored w×h.
func uprightSize(o, w, h int) (int, int) {
	if o >= 5 && o <= 8 {
		return h, w
	}
	return w, h
}

// toUprightRGBA converts a decoded image to RGBA on a canvas of the given size (a GIF frame may be
// smaller than its canvas and offset in it) and applies the orientation. The colour conversion is
// image/draw's, which is exact for every model the decoders return (YCbCr, CMYK, gray, paletted,
// 16-bit). The common phone case, a YCbCr JPEG that needs turning, is converted and turned in one
// pass so that only one RGBA buffer is allocated; other turned images are converted then turned.
func toUprightRGBA(src image.Image, canvas image.Point, o int) *image.RGBA {
	if y, ok := src.(*image.YCbCr); ok && o != 1 && y.Rect == image.Rect(0, 0, canvas.X, canvas.Y) {
		if dst := turnYCbCr(y, o); dst != nil {
			return dst
		}
	}
	flat := image.NewRGBA(image.Rectangle{Max: canvas})
	draw.Draw(flat, src.Bounds(), src, src.Bounds().Min, draw.Src)
	if o == 1 {
		return flat
	}
	return turnRGBA(flat, o)
}

// turnRGBA returns src turned upright by orientation o; src starts at (0, 0).
func turnRGBA(src *image.RGBA, o int) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	uw, uh := uprightSize(o, w, h)
	dst := image.NewRGBA(image.Rect(0, 0, uw, uh))
	tiles(o, w, h, func(y, x0, x1, sx, sy, dx, dy int) {
		s := sy*src.Stride + 4*sx
		step := dy*src.Stride + 4*dx
		row := dst.Pix[y*dst.Stride+4*x0 : y*dst.Stride+4*x1]
		for d := 0; d < len(row); d += 4 {
			copy(row[d:d+4], src.Pix[s:s+4])
			s += step
		}
	})
	return dst
}

// turnYCbCr converts src to RGBA and turns it upright in one pass. It returns nil for a chroma
// layout it does not know, and the caller takes the general path.
func turnYCbCr(src *image.YCbCr, o int) *image.RGBA {
	var hs, vs uint // chroma subsampling as shifts
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
	case image.YCbCrSubsampleRatio422:
		hs = 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio440:
		vs = 1
	case image.YCbCrSubsampleRatio411:
		hs = 2
	case image.YCbCrSubsampleRatio410:
		hs, vs = 2, 1
	default:
		return nil
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	uw, uh := uprightSize(o, w, h)
	dst := image.NewRGBA(image.Rect(0, 0, uw, uh))
	tiles(o, w, h, func(y, x0, x1, sx, sy, dx, dy int) {
		row := dst.Pix[y*dst.Stride+4*x0 : y*dst.Stride+4*x1]
		for d := 0; d < len(row); d += 4 {
			yy := src.Y[sy*src.YStride+sx]
			c := (sy>>vs)*src.CStride + (sx >> hs)
			r, g, b := color.YCbCrToRGB(yy, src.Cb[c], src.Cr[c])
			row[d], row[d+1], row[d+2], row[d+3] = r, g, b, 0xff
			sx += dx
			sy += dy
		}
	})
	return dst
}

// tile is the side of the squares the upright image is filled in. Turning by 90° reads the
// stored image down its columns; in tiles those reads stay within a few hundred cached rows.
const tile = 64

// tiles calls row for every row segment [x0, x1) of row y of the upright image, tile by tile,
// with the stored pixel shown at x0 and the step between stored pixels (see walk).
func tiles(o, w, h int, row func(y, x0, x1, sx, sy, dx, dy int)) {
	uw, uh := uprightSize(o, w, h)
	for ty := 0; ty < uh; ty += tile {
		for tx := 0; tx < uw; tx += tile {
			for y := ty; y < min(ty+tile, uh); y++ {
				sx, sy, dx, dy := walk(o, y, w, h)
				row(y, tx, min(tx+tile, uw), sx+tx*dx, sy+tx*dy, dx, dy)
			}
		}
	}
}
