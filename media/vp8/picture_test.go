package vp8

import (
	"math"
	"math/rand/v2"
)

// Synthetic pictures for the tests and benchmarks. Real photos would make the repository heavy;
// these have the properties that matter to the encoder: smooth areas, edges, fine texture and
// slow sub-pixel motion.

// gradientSquare returns an I420 picture with a diagonal luma gradient, smooth chroma and a bright
// 160x160 square that moves 6 px right and 3 px down per frame.
func gradientSquare(w, h, frame int) []byte {
	buf := make([]byte, w*h*3/2)
	y, u, v := planes(buf, w, h)
	sx, sy := 40+6*frame, 60+3*frame
	for r := range h {
		for c := range w {
			val := 16 + (c*150/w + r*69/h)
			if c >= sx && c < sx+160 && r >= sy && r < sy+160 {
				val = 230
			}
			y[r*w+c] = byte(val)
		}
	}
	cw, ch := w/2, h/2
	for r := range ch {
		for c := range cw {
			u[r*cw+c] = byte(90 + c*80/cw)
			v[r*cw+c] = byte(160 - r*60/ch)
			if 2*c >= sx && 2*c < sx+160 && 2*r >= sy && 2*r < sy+160 {
				u[r*cw+c], v[r*cw+c] = 70, 190
			}
		}
	}
	return buf
}

// planes splits a tightly packed I420 buffer.
func planes(buf []byte, w, h int) (y, u, v []byte) {
	ys, cs := w*h, (w/2)*(h/2)
	return buf[:ys], buf[ys : ys+cs], buf[ys+cs : ys+2*cs]
}

// photo is a synthetic still with the texture of a photograph: broad gradients, soft blobs at
// several scales, objects with hard edges and sensor grain. Its planes are larger than the video
// so that a window can pan and zoom over it.
type photo struct {
	w, h    int
	y, u, v []float32 // chroma at half resolution
}

// texture says how much fine detail a synthetic photo has.
type texture int

const (
	soft     texture = iota // a portrait or landscape with smooth areas and mild grain
	detailed                // foliage, gravel or fabric: strong detail down to 2 px
)

func (t texture) String() string { return [...]string{"soft", "detailed"}[t] }

func newPhoto(seed uint64, w, h int, tex texture) *photo {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	p := &photo{w: w, h: h, y: make([]float32, w*h), u: make([]float32, w*h/4), v: make([]float32, w*h/4)}
	// Luma: a gradient, octaves of value noise, a few hard-edged discs and grain.
	gx, gy := rng.Float32()*80-40, rng.Float32()*60-30
	type octave struct {
		cell int
		amp  float32
	}
	octaves := []octave{{160, 70}, {40, 30}, {8, 16}, {3, 14}}
	if tex == detailed {
		octaves = []octave{{160, 70}, {40, 30}, {8, 30}, {3, 30}, {2, 20}}
	}
	grids := make([]*valueNoise, len(octaves))
	for i, o := range octaves {
		grids[i] = newValueNoise(rng, w, h, o.cell)
	}
	type disc struct{ x, y, r, d float32 }
	discs := make([]disc, 12)
	for i := range discs {
		discs[i] = disc{rng.Float32() * float32(w), rng.Float32() * float32(h), 20 + rng.Float32()*90, rng.Float32()*100 - 50}
	}
	for r := range h {
		for c := range w {
			val := 120 + gx*float32(c)/float32(w) + gy*float32(r)/float32(h)
			for i, o := range octaves {
				val += o.amp * (grids[i].at(float32(c), float32(r)) - 0.5)
			}
			for _, d := range discs {
				dx, dy := float32(c)-d.x, float32(r)-d.y
				if dx*dx+dy*dy < d.r*d.r {
					val += d.d
				}
			}
			val += float32(rng.NormFloat64()) * 3
			p.y[r*w+c] = clamp(val)
		}
	}
	cu, cv := newValueNoise(rng, w/2, h/2, 120), newValueNoise(rng, w/2, h/2, 120)
	for r := range h / 2 {
		for c := range w / 2 {
			p.u[r*(w/2)+c] = clamp(128 + 60*(cu.at(float32(c), float32(r))-0.5) - 20*float32(r)/float32(h))
			p.v[r*(w/2)+c] = clamp(128 + 60*(cv.at(float32(c), float32(r))-0.5) + 20*float32(c)/float32(w))
		}
	}
	return p
}

// kenBurns returns the source window for frame i of a slow pan and zoom: about 0.45 px per frame
// to the right, 0.2 px down, zooming in by 0.05% per frame.
func kenBurns(i float64) (x0, y0, scale float64) {
	return 20 + 0.45*i, 12 + 0.2*i, 0.9 - 0.0005*i
}

// render samples the window starting at (x0, y0) with scale source pixels per output pixel into a
// w x h I420 picture, bilinearly, and blends it over dst with weight alpha (1 replaces dst).
func (p *photo) render(dst []byte, w, h int, x0, y0, scale, alpha float64) {
	y, u, v := planes(dst, w, h)
	sample(y, w, h, p.y, p.w, p.h, x0, y0, scale, alpha)
	sample(u, w/2, h/2, p.u, p.w/2, p.h/2, x0/2, y0/2, scale, alpha)
	sample(v, w/2, h/2, p.v, p.w/2, p.h/2, x0/2, y0/2, scale, alpha)
}

func sample(dst []byte, w, h int, src []float32, sw, sh int, x0, y0, scale, alpha float64) {
	// The horizontal taps are the same on every row.
	ix, fx := make([]int, w), make([]float32, w)
	for c := range w {
		sx := x0 + float64(c)*scale
		ix[c] = min(int(sx), sw-2)
		fx[c] = float32(sx - float64(ix[c]))
	}
	a := float32(alpha)
	for r := range h {
		sy := y0 + float64(r)*scale
		iy := min(int(sy), sh-2)
		fy := float32(sy - float64(iy))
		top, bot, out := src[iy*sw:(iy+1)*sw], src[(iy+1)*sw:(iy+2)*sw], dst[r*w:(r+1)*w]
		for c, i := range ix {
			t := top[i] + (top[i+1]-top[i])*fx[c]
			b := bot[i] + (bot[i+1]-bot[i])*fx[c]
			val := t + (b-t)*fy
			if a < 1 {
				val = a*val + (1-a)*float32(out[c])
			}
			out[c] = byte(val + 0.5)
		}
	}
}

func clamp(v float32) float32 { return max(16, min(235, v)) }

// valueNoise is a grid of random values interpolated smoothly between cells.
type valueNoise struct {
	cols int
	cell float32
	vals []float32
}

func newValueNoise(rng *rand.Rand, w, h, cell int) *valueNoise {
	cols, rows := w/cell+2, h/cell+2
	n := &valueNoise{cols: cols, cell: float32(cell), vals: make([]float32, cols*rows)}
	for i := range n.vals {
		n.vals[i] = rng.Float32()
	}
	return n
}

func (n *valueNoise) at(x, y float32) float32 {
	x, y = x/n.cell, y/n.cell
	ix, iy := int(x), int(y)
	fx, fy := smooth(x-float32(ix)), smooth(y-float32(iy))
	i := iy*n.cols + ix
	top := n.vals[i] + (n.vals[i+1]-n.vals[i])*fx
	bot := n.vals[i+n.cols] + (n.vals[i+n.cols+1]-n.vals[i+n.cols])*fx
	return top + (bot-top)*fy
}

func smooth(t float32) float32 { return t * t * (3 - 2*t) }

// psnr is the peak signal-to-noise ratio of b against a in dB, capped at 99 for identical planes.
func psnr(a, b []byte) float64 {
	var sum float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		sum += d * d
	}
	if sum == 0 {
		return 99
	}
	return 10 * math.Log10(255*255*float64(len(a))/sum)
}
