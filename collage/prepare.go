package collage

import (
	"image"
	"math"
)

// How a photo is fitted. A photo whose shape is close to the frame's is cropped to cover it,
// losing at most coverLoss of one dimension (3:2 camera photos lose 16% of their height on a 16:9
// frame); anything further off, portraits and 4:3 phone photos among them, is shown whole over
// its blurred fill rather than losing heads and hands.
const coverLoss = 1.0 / 6

// The blurred fill: made at 1/fillScale of the output resolution (a heavy blur has no detail to
// keep, so this costs little memory and time), with three box passes of radius fillBlur times
// the fill's height (together close to a Gaussian of sigma about that radius: some 70 output
// pixels at 720p), then darkened in linear light so the photo stands out.
const (
	fillScale  = 4
	fillBlur   = 0.1
	fillPasses = 3
	fillGain   = 0.3
)

// plane is one 8-bit channel of a prepared image with one extra column and row replicating the
// last, so that bilinear sampling at the far edge can read x+1 and y+1 without a bounds case.
type plane struct {
	pix    []byte
	w, h   int // logical size
	stride int // w+1
}

func newPlane(w, h int) plane {
	return plane{pix: make([]byte, (w+1)*(h+1)), w: w, h: h, stride: w + 1}
}

// pad fills the extra column and row from the last real ones.
func (p plane) pad() {
	for y := 0; y < p.h; y++ {
		p.pix[y*p.stride+p.w] = p.pix[y*p.stride+p.w-1]
	}
	copy(p.pix[p.h*p.stride:], p.pix[(p.h-1)*p.stride:p.h*p.stride])
}

// ycc is an image in the frame's colour space: BT.601 limited range Y at full resolution and
// Cb, Cr averaged over 2x2.
type ycc struct{ y, cb, cr plane }

func (c ycc) bytes() int { return len(c.y.pix) + len(c.cb.pix) + len(c.cr.pix) }

// prepared is a photo made ready for the frame loop.
type prepared struct {
	// photo is the photo at the resolution it has at the far end of the zoom, so that sampling
	// it only ever shrinks (by up to Motion) and never magnifies.
	photo ycc
	// contain marks a photo shown whole over fill; fill is then its blurred, darkened cover.
	contain bool
	fill    ycc
}

func (p *prepared) bytes() int { return p.photo.bytes() + p.fill.bytes() }

// preparer holds the tables and scratch reused while preparing a show's photos.
type preparer struct {
	cfg      Config
	toLinear [256]float32
	toSRGB   []uint8 // indexed by linear value * (len-1)
	lin      []float32
	fillLin  []float32
	row      []float32
	ring     []float32
	tmp      []float32
	enc      [2][]uint8
}

func newPreparer(cfg Config) *preparer {
	p := &preparer{cfg: cfg, toSRGB: make([]uint8, 1<<16)}
	for i := range p.toLinear {
		v := float64(i) / 255
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		p.toLinear[i] = float32(v)
	}
	n := float64(len(p.toSRGB) - 1)
	for i := range p.toSRGB {
		v := float64(i) / n
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		p.toSRGB[i] = uint8(math.Round(v * 255))
	}
	return p
}

// fit returns the size a sw x sh photo is prepared at, and whether it is shown whole over fill
// (contain) rather than cropped to cover the frame.
func fit(sw, sh int, cfg Config) (pw, ph int, contain bool) {
	W, H, M := float64(cfg.Width), float64(cfg.Height), cfg.Motion
	aspect, frame := float64(sw)/float64(sh), W/H
	contain = 1-math.Min(aspect/frame, frame/aspect) > coverLoss
	var k float64
	if contain {
		// Whole at the far end of the zoom, so whole throughout.
		k = math.Min(W/float64(sw), H/float64(sh))
	} else {
		k = math.Max(W/float64(sw), H/float64(sh)) * M
	}
	pw = max(1, int(math.Round(float64(sw)*k)))
	ph = max(1, int(math.Round(float64(sh)*k)))
	if abs(pw-sw) <= 1 && abs(ph-sh) <= 1 {
		// Already the right size but for rounding (a photo Shrink has reduced): keep it as it is,
		// which makes the resampling an exact copy.
		pw, ph = sw, sh
	}
	return pw, ph, contain
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// prepare scales img for the frame: area-averaged in linear light when shrinking (a 12 MP photo
// to 720p averages about nine source pixels into each), linearly interpolated when enlarging.
func (p *preparer) prepare(img *image.RGBA) *prepared {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	pw, ph, contain := fit(sw, sh, p.cfg)
	out := &prepared{contain: contain}
	p.linearize(img, pw, ph)
	out.photo = p.encode(p.lin[:3*pw*ph], pw, ph, 1)

	if out.contain {
		fw, fh := max(2, p.cfg.Width/fillScale), max(2, p.cfg.Height/fillScale)
		// The fill covers the frame, so crop the prepared photo's middle to the frame's shape.
		c := math.Max(float64(fw)/float64(pw), float64(fh)/float64(ph))
		cw, ch := float64(fw)/c, float64(fh)/c
		src := p.lin[:3*pw*ph]
		// Make the fill from the photo as stored, in 8 bits, so that a photo Shrink has already
		// reduced (and stored in 8 bits) gets exactly the same fill.
		for i, v := range src {
			src[i] = p.toLinear[p.srgb(v, 1)]
		}
		p.fillLin = grow(p.fillLin, 3*fw*fh)
		fill := p.fillLin[:3*fw*fh]
		p.resample(fill, fw, fh, pw, ph, (float64(pw)-cw)/2, (float64(ph)-ch)/2, cw, ch,
			func(y int) []float32 { return src[3*pw*y : 3*pw*(y+1)] })
		r := max(1, int(math.Round(fillBlur*float64(fh))))
		for range fillPasses {
			p.boxBlur(fill, fw, fh, r)
		}
		out.fill = p.encode(fill, fw, fh, fillGain)
	}
	return out
}

// linearize resamples img to pw x ph linear RGB in p.lin.
func (p *preparer) linearize(img *image.RGBA, pw, ph int) {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	p.row = grow(p.row, 3*sw)
	fetch := func(y int) []float32 {
		src := img.Pix[y*img.Stride : y*img.Stride+4*sw]
		dst := p.row[:3*sw]
		for x := 0; x < sw; x++ {
			// image.RGBA is premultiplied: ignoring alpha composites any transparency over black.
			dst[3*x] = p.toLinear[src[4*x]]
			dst[3*x+1] = p.toLinear[src[4*x+1]]
			dst[3*x+2] = p.toLinear[src[4*x+2]]
		}
		return dst
	}
	p.lin = grow(p.lin, 3*pw*ph)
	p.resample(p.lin[:3*pw*ph], pw, ph, sw, sh, 0, 0, float64(sw), float64(sh), fetch)
}

// srgb encodes one linear value, scaled by gain, to 8-bit sRGB.
func (p *preparer) srgb(v, gain float32) uint8 {
	last := float32(len(p.toSRGB) - 1)
	return p.toSRGB[int(min(max(v*gain*last, 0), last)+0.5)]
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// filter is a separable resampling filter along one axis: output i is the weighted sum of n
// source samples from first[i], with the weights w[i*n:(i+1)*n] (zero-padded).
type filter struct {
	first []int
	n     int
	w     []float32
}

// newFilter maps the source interval [x0, x0+span) of a line of size srcLen onto dstLen outputs.
// Each output takes the area under a box as wide as the step between outputs, or one source pixel
// when enlarging, which is bilinear interpolation. Outside the source the edge pixel repeats.
func newFilter(srcLen int, x0, span float64, dstLen int) filter {
	step := span / float64(dstLen)
	width := math.Max(step, 1)
	n := int(math.Ceil(width)) + 1
	f := filter{first: make([]int, dstLen), n: n, w: make([]float32, dstLen*n)}
	for i := range dstLen {
		c := x0 + (float64(i)+0.5)*step
		lo, hi := c-width/2, c+width/2
		a, b := int(math.Floor(lo)), int(math.Ceil(hi))
		first := min(max(a, 0), srcLen-1)
		f.first[i] = first
		w := f.w[i*n : (i+1)*n]
		var sum float64
		for j := a; j < b; j++ {
			o := math.Min(hi, float64(j+1)) - math.Max(lo, float64(j))
			if o <= 0 {
				continue
			}
			k := min(max(j, 0), srcLen-1) - first
			if k >= n {
				// Cannot happen: the box spans at most n pixels. Fold into the last tap anyway.
				k = n - 1
			}
			w[k] += float32(o)
			sum += o
		}
		if sum > 0 {
			for k := range w {
				w[k] = float32(float64(w[k]) / sum)
			}
		} else {
			w[0] = 1
		}
	}
	return f
}

// resample fills dst (dw x dh, linear RGB) from the rectangle (x0, y0, cw, ch) of a sw x sh
// source whose rows fetch returns as linear RGB. Rows are filtered horizontally once each, kept
// in a small ring while the vertical filter needs them, so memory stays a few rows wide however
// large the source.
func (p *preparer) resample(dst []float32, dw, dh, sw, sh int, x0, y0, cw, ch float64, fetch func(y int) []float32) {
	hf := newFilter(sw, x0, cw, dw)
	vf := newFilter(sh, y0, ch, dh)
	rowLen := 3 * dw
	p.ring = grow(p.ring, vf.n*rowLen)
	slotRow := make([]int, vf.n)
	for i := range slotRow {
		slotRow[i] = -1
	}
	for j := range dh {
		acc := dst[j*rowLen : (j+1)*rowLen]
		clear(acc)
		ws := vf.w[j*vf.n : (j+1)*vf.n]
		for k, w := range ws {
			y := vf.first[j] + k
			if w == 0 || y >= sh {
				continue
			}
			slot := y % vf.n
			r := p.ring[slot*rowLen : (slot+1)*rowLen]
			if slotRow[slot] != y {
				hf.apply(r, fetch(y))
				slotRow[slot] = y
			}
			for i, v := range r {
				acc[i] += w * v
			}
		}
	}
}

// apply filters one row of linear RGB.
func (f *filter) apply(dst, src []float32) {
	n := f.n
	for i, first := range f.first {
		ws := f.w[i*n : (i+1)*n]
		s := src[3*first:]
		var r, g, b float32
		for k, w := range ws {
			if 3*k+2 >= len(s) {
				break
			}
			r += w * s[3*k]
			g += w * s[3*k+1]
			b += w * s[3*k+2]
		}
		dst[3*i], dst[3*i+1], dst[3*i+2] = r, g, b
	}
}

// boxBlur blurs linear RGB in place with a box of radius r, horizontally then vertically, the
// edges repeating. Three passes approximate a Gaussian closely enough for a background.
func (p *preparer) boxBlur(img []float32, w, h, r int) {
	n := max(w, h)
	p.tmp = grow(p.tmp, 3*n)
	line := p.tmp
	inv := 1 / float32(2*r+1)
	blur := func(base, stride, count int) {
		for i := range count {
			o := base + i*stride
			line[3*i], line[3*i+1], line[3*i+2] = img[o], img[o+1], img[o+2]
		}
		at := func(i, c int) float32 { return line[3*min(max(i, 0), count-1)+c] }
		for c := range 3 {
			var sum float32
			for i := -r; i <= r; i++ {
				sum += at(i, c)
			}
			for i := range count {
				img[base+i*stride+c] = sum * inv
				sum += at(i+r+1, c) - at(i-r, c)
			}
		}
	}
	for y := range h {
		blur(3*w*y, 3, w)
	}
	for x := range w {
		blur(3*x, 3*w, h)
	}
}

// encode turns linear RGB (scaled by gain) into sRGB and then BT.601 limited-range Y'CbCr, with
// chroma averaged over each 2x2 block (the last column or row repeating for odd sizes).
func (p *preparer) encode(lin []float32, w, h int, gain float32) ycc {
	cw, ch := (w+1)/2, (h+1)/2
	out := ycc{y: newPlane(w, h), cb: newPlane(cw, ch), cr: newPlane(cw, ch)}
	scale := gain * float32(len(p.toSRGB)-1)
	last := float32(len(p.toSRGB) - 1)
	for r := range p.enc {
		p.enc[r] = grow(p.enc[r], 3*(w+1))
	}
	for cy := range ch {
		for r := range 2 {
			y := min(2*cy+r, h-1)
			src := lin[3*w*y : 3*w*(y+1)]
			e := p.enc[r]
			for i, v := range src {
				e[i] = p.toSRGB[int(min(max(v*scale, 0), last)+0.5)]
			}
			copy(e[3*w:], e[3*w-3:3*w])
			if 2*cy+r < h {
				row := out.y.pix[y*out.y.stride:]
				for x := range w {
					R, G, B := int32(e[3*x]), int32(e[3*x+1]), int32(e[3*x+2])
					row[x] = uint8((66*R+129*G+25*B+128)>>8 + 16)
				}
			}
		}
		e0, e1 := p.enc[0], p.enc[1]
		cbRow, crRow := out.cb.pix[cy*out.cb.stride:], out.cr.pix[cy*out.cr.stride:]
		for cx := range cw {
			i, j := 6*cx, min(6*cx+3, 3*w)
			R := int32(e0[i]) + int32(e0[j]) + int32(e1[i]) + int32(e1[j])
			G := int32(e0[i+1]) + int32(e0[j+1]) + int32(e1[i+1]) + int32(e1[j+1])
			B := int32(e0[i+2]) + int32(e0[j+2]) + int32(e1[i+2]) + int32(e1[j+2])
			cbRow[cx] = uint8((-38*R-74*G+112*B+512)>>10 + 128)
			crRow[cx] = uint8((112*R-94*G-18*B+512)>>10 + 128)
		}
	}
	out.y.pad()
	out.cb.pad()
	out.cr.pad()
	return out
}
