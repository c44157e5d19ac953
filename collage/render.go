package collage

import (
	"fmt"
	"image"
	"math"
	"time"
)

// Black in BT.601 limited range.
const (
	blackY = 16
	blackC = 128
)

// one is full opacity in the crossfade weights.
const one = 1 << 16

// slide is a Slide made ready: its prepared photo and its motion.
type slide struct {
	start, length time.Duration
	caption       string
	img           *prepared
	// dirX, dirY is where the push heads, each in [-1, 1] of the room there is to move in.
	dirX, dirY float64
	zoomIn     bool
}

// Renderer draws the frames of one show. Frame is a pure function of its instant; the Renderer's
// scratch buffers make it unsafe for concurrent use, so a pacer owns one.
type Renderer struct {
	cfg     Config
	slides  []slide
	changes []time.Duration // when each slide becomes dominant
	ends    []time.Duration // when each stops being dominant
	bytes   int             // prepared images and scratch, for reports

	spare []byte // the incoming slide during a crossfade
	tmp   []byte
	// Sampling tables for the photo and fill layers, luma and chroma, and the photo's coverage.
	photoY, photoC, fillY, fillC axes
	cov, covC                    axes
}

// axes holds one value per output column and per output row.
type axes struct{ x, y []int32 }

func newAxes(w, h int) axes { return axes{x: make([]int32, w), y: make([]int32, h)} }

// NewRenderer prepares every slide's photo once, so that Frame only samples. Slides must be in
// order of Start, each at least Crossfade long (and longer than zero), and none may start before
// the previous one's Start+Length. The images are not kept; the memory held is bounded by the
// output size, not the photos' (about 1.6 MB per distinct photo at 720p; slides sharing one
// *image.RGBA, as Plan's repeats do, share its preparation).
func NewRenderer(cfg Config, slides []Slide) (*Renderer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(slides) == 0 {
		return nil, ErrNoPhotos
	}
	for i, s := range slides {
		if err := checkImage(s.Image); err != nil {
			return nil, fmt.Errorf("slide %d: %w", i, err)
		}
		switch {
		case s.Start < 0:
			return nil, fmt.Errorf("%w: slide %d starts at %v", ErrSlides, i, s.Start)
		case s.Length <= 0 || s.Length < cfg.Crossfade:
			return nil, fmt.Errorf("%w: slide %d lasts %v, less than the %v crossfade or nothing", ErrSlides, i, s.Length, cfg.Crossfade)
		case s.Start > math.MaxInt64/2 || s.Length > math.MaxInt64/2:
			return nil, fmt.Errorf("%w: slide %d is out of range", ErrSlides, i)
		case i > 0 && s.Start < slides[i-1].Start+slides[i-1].Length:
			return nil, fmt.Errorf("%w: slide %d starts at %v, before slide %d ends at %v",
				ErrSlides, i, s.Start, i-1, slides[i-1].Start+slides[i-1].Length)
		}
	}

	W, H := cfg.Width, cfg.Height
	r := &Renderer{
		cfg:     cfg,
		slides:  make([]slide, len(slides)),
		changes: make([]time.Duration, len(slides)),
		ends:    make([]time.Duration, len(slides)),
		spare:   make([]byte, cfg.FrameSize()),
		photoY:  newAxes(W, H), photoC: newAxes(W/2, H/2),
		fillY: newAxes(W, H), fillC: newAxes(W/2, H/2),
		cov: newAxes(W, H), covC: newAxes(W/2, H/2),
	}
	prep := newPreparer(cfg)
	done := make(map[*image.RGBA]*prepared)
	widest := 0
	for i, s := range slides {
		p := done[s.Image]
		if p == nil {
			p = prep.prepare(s.Image)
			done[s.Image] = p
			r.bytes += p.bytes()
			widest = max(widest, p.photo.y.stride, p.fill.y.stride)
		}
		dx, dy, in := direction(i)
		r.slides[i] = slide{start: s.Start, length: s.Length, caption: s.Caption, img: p, dirX: dx, dirY: dy, zoomIn: in}
		r.changes[i] = s.Start - cfg.Crossfade/2
		r.ends[i] = s.Start + s.Length - cfg.Crossfade/2
		if i > 0 {
			r.ends[i-1] = min(r.ends[i-1], r.changes[i])
		}
	}
	r.tmp = make([]byte, 2*widest+8)
	r.bytes += len(r.spare) + len(r.tmp) + 4*8*(W+H)
	return r, nil
}

// direction gives slide i its motion: the eight compass directions in an order that turns by
// 135 degrees from one slide to the next, pushing in and pulling out by turns, and a reach that
// varies from slide to slide. It depends only on i, so the show is the same every time.
func direction(i int) (dx, dy float64, zoomIn bool) {
	a := float64((3*i)%8) * math.Pi / 4
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x6A09E667F3BCC909
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	reach := 0.6 + 0.35*float64(h>>11)/float64(1<<53)
	return reach * math.Cos(a), reach * math.Sin(a), i%2 == 0
}

// ease is the crossfade curve, 0 to 1 with zero slope at both ends and symmetric about 1/2, so
// two slides crossing always sum to full and the midpoint is an even mix.
func ease(x float64) float64 {
	x = math.Min(math.Max(x, 0), 1)
	return 0.5 - 0.5*math.Cos(math.Pi*x)
}

// Changes returns the instants at which each slide becomes dominant: the middle of its crossfade
// in (from black, for the first).
func (r *Renderer) Changes() []time.Duration {
	return append([]time.Duration(nil), r.changes...)
}

// CaptionAt returns the caption of the slide dominant at t and the instant it became dominant,
// or "" and the instant the screen went (mostly) black when no slide is.
func (r *Renderer) CaptionAt(t time.Duration) (string, time.Duration) {
	lo, hi := 0, len(r.changes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.changes[m] <= t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo - 1
	if i < 0 {
		return "", 0
	}
	if t < r.ends[i] {
		return r.slides[i].caption, r.changes[i]
	}
	return "", r.ends[i]
}

// Frame renders the frame at instant t of the show into dst, tightly packed I420 (Y, then U, then
// V, each plane's rows without padding); dst must hold at least Config.FrameSize bytes. The bytes
// depend on t alone, never on which frames were rendered before. Frame does not allocate.
func (r *Renderer) Frame(dst []byte, t time.Duration) error {
	n := r.cfg.FrameSize()
	if len(dst) < n {
		return fmt.Errorf("%w: %d bytes for a %dx%d frame of %d", ErrBuffer, len(dst), r.cfg.Width, r.cfg.Height, n)
	}
	dst = dst[:n]
	a, b, wa, wb := r.active(t)
	switch {
	case a < 0:
		luma := r.cfg.Width * r.cfg.Height
		for i := range dst[:luma] {
			dst[i] = blackY
		}
		for i := range dst[luma:] {
			dst[luma+i] = blackC
		}
	case b < 0:
		r.draw(dst, a, t)
		if wa < one {
			r.mix(dst, nil, wa, 0)
		}
	default:
		r.draw(dst, a, t)
		r.draw(r.spare, b, t)
		r.mix(dst, r.spare, wa, wb)
	}
	return nil
}

// active returns the slides visible at t, earlier first (-1 for none), with their opacities in
// 1/65536. Slides may not overlap beyond a crossfade, so there are at most two.
func (r *Renderer) active(t time.Duration) (a, b int, wa, wb int32) {
	C := r.cfg.Crossfade
	// The last slide whose fade-in has begun.
	lo, hi := 0, len(r.slides)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.slides[m].start-C <= t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	a, b = -1, -1
	var fa, fb float64
	for i := max(lo-2, 0); i < lo; i++ {
		f := r.opacity(i, t)
		if f <= 0 {
			continue
		}
		if a < 0 {
			a, fa = i, f
		} else {
			b, fb = i, f
		}
	}
	if a < 0 {
		return -1, -1, 0, 0
	}
	wa = int32(math.Round(fa * one))
	if b < 0 {
		return a, -1, wa, 0
	}
	wb = int32(math.Round(fb * one))
	sa, sb := &r.slides[a], &r.slides[b]
	if sa.start+sa.length == sb.start && t >= sa.start {
		// Back to back: make the two weights sum to exactly one, so no frame flickers darker.
		wa = one - wb
	}
	return a, b, wa, wb
}

// opacity is slide i's weight at t: eased in over the Crossfade before its Start, eased out over
// the Crossfade before its end.
func (r *Renderer) opacity(i int, t time.Duration) float64 {
	s, C := &r.slides[i], r.cfg.Crossfade
	end := s.start + s.length
	if t < s.start-C || t >= end {
		return 0
	}
	w := 1.0
	if C > 0 {
		if t < s.start {
			w = ease(float64(t-(s.start-C)) / float64(C))
		}
		if t > end-C {
			w *= 1 - ease(float64(t-(end-C))/float64(C))
		}
	}
	return w
}

// place works out where slide s is at t: its zoom z and the scale sc from output pixels to
// prepared pixels (Motion/z), and the output position (left, top) of the prepared photo's corner.
//
// The motion runs over everything the slide is on screen for, eased (half linear, half a cosine,
// so it is under way when the slide appears yet never lurches), and zooms geometrically between
// 1 and Motion so the push feels even. A covering photo is pushed toward (or pulled back from) a
// point given by its direction, within the room the zoom leaves; a contained photo grows in place
// and drifts by as much as a covering one would, never leaving the frame.
func (r *Renderer) place(s *slide, t time.Duration) (left, top, sc, z float64) {
	C, M := r.cfg.Crossfade, r.cfg.Motion
	W, H := float64(r.cfg.Width), float64(r.cfg.Height)
	p := math.Min(math.Max(float64(t-(s.start-C))/float64(s.length+C), 0), 1)
	e := 0.5*p + 0.5*ease(p)
	q := e // how far into the zoom, 0 at 1x and 1 at Motion
	if !s.zoomIn {
		q = 1 - e
	}
	if M <= 1 {
		q = 0
	}
	z = math.Pow(M, q)
	sc = M / z
	pw, ph := float64(s.img.photo.y.w), float64(s.img.photo.y.h)
	if !s.img.contain {
		sx, sy := math.Max(pw-W*sc, 0), math.Max(ph-H*sc, 0)
		ox, oy := sx/2*(1+s.dirX*q), sy/2*(1+s.dirY*q)
		return -ox / sc, -oy / sc, sc, z
	}
	dw, dh := pw/sc, ph/sc
	roomX, roomY := math.Max((W-dw)/2, 0), math.Max((H-dh)/2, 0)
	reachX, reachY := (M-1)*W/2, (M-1)*H/2
	left = (W-dw)/2 + s.dirX*q*math.Min(roomX, reachX)
	top = (H-dh)/2 + s.dirY*q*math.Min(roomY, reachY)
	return left, top, sc, z
}

// draw renders slide i, fully opaque, at t into the frame dst.
func (r *Renderer) draw(dst []byte, i int, t time.Duration) {
	s := &r.slides[i]
	img := s.img
	W, H := r.cfg.Width, r.cfg.Height
	cw, ch := W/2, H/2
	yPlane := dst[:W*H]
	uPlane := dst[W*H : W*H+cw*ch]
	vPlane := dst[W*H+cw*ch:]

	left, top, sc, z := r.place(s, t)
	// Output pixel x's centre is x+0.5; prepared luma index u has its centre at u, and prepared
	// chroma index c averages luma 2c and 2c+1, so its centre is at luma 2c+0.5. An output chroma
	// sample covers luma 2x and 2x+1, centred at 2x+1.
	mapLayer(r.photoY, r.photoC, img.photo, left, top, sc, sc)

	py := sampler{src: img.photo.y, cols: r.photoY.x, rows: r.photoY.y, tmp: r.tmp}
	pu := sampler{src: img.photo.cb, cols: r.photoC.x, rows: r.photoC.y, tmp: r.tmp}
	pv := sampler{src: img.photo.cr, cols: r.photoC.x, rows: r.photoC.y, tmp: r.tmp}
	if !img.contain {
		// A covering photo fills the frame: one layer, every pixel sampled once.
		py.fill(yPlane, W, 0, W, 0, H)
		pu.fill(uPlane, cw, 0, cw, 0, ch)
		pv.fill(vPlane, cw, 0, cw, 0, ch)
		return
	}

	// The fill covers the frame, zooming with the photo about the centre.
	fw, fh := float64(img.fill.y.w), float64(img.fill.y.h)
	sx, sy := fw/float64(W)/z, fh/float64(H)/z
	mapLayer(r.fillY, r.fillC, img.fill, float64(W)*(1-z)/2, float64(H)*(1-z)/2, sx, sy)
	fy := sampler{src: img.fill.y, cols: r.fillY.x, rows: r.fillY.y, tmp: r.tmp}
	fu := sampler{src: img.fill.cb, cols: r.fillC.x, rows: r.fillC.y, tmp: r.tmp}
	fv := sampler{src: img.fill.cr, cols: r.fillC.x, rows: r.fillC.y, tmp: r.tmp}

	pw, ph := float64(img.photo.y.w)/sc, float64(img.photo.y.h)/sc
	ox0, ox1, ix0, ix1 := coverage(r.cov.x, left, left+pw)
	oy0, oy1, iy0, iy1 := coverage(r.cov.y, top, top+ph)
	composite(yPlane, W, H, &py, &fy, r.cov, rect{ox0, ox1, ix0, ix1, oy0, oy1, iy0, iy1})
	halve(r.covC.x, r.cov.x)
	halve(r.covC.y, r.cov.y)
	ox0, ox1, ix0, ix1 = span(r.covC.x)
	oy0, oy1, iy0, iy1 = span(r.covC.y)
	cr := rect{ox0, ox1, ix0, ix1, oy0, oy1, iy0, iy1}
	composite(uPlane, cw, ch, &pu, &fu, r.covC, cr)
	composite(vPlane, cw, ch, &pv, &fv, r.covC, cr)
}

// mapLayer fills a layer's luma and chroma tables for an image whose corner is at output
// (left, top) and which has sx, sy prepared pixels per output pixel.
func mapLayer(luma, chroma axes, img ycc, left, top, sx, sy float64) {
	mapAxis(luma.x, sx, (0.5-left)*sx-0.5, img.y.w)
	mapAxis(luma.y, sy, (0.5-top)*sy-0.5, img.y.h)
	mapAxis(chroma.x, sx, ((1-left)*sx-1)/2, img.cb.w)
	mapAxis(chroma.y, sy, ((1-top)*sy-1)/2, img.cb.h)
}

// rect is the part of a plane a contained photo touches: columns [ox0, ox1) and rows [oy0, oy1)
// at all, columns [ix0, ix1) and rows [iy0, iy1) fully.
type rect struct{ ox0, ox1, ix0, ix1, oy0, oy1, iy0, iy1 int }

// composite draws a contained photo over its fill into one plane: the fill everywhere the photo
// does not fully cover, the photo's interior straight over it, and its edge pixels blended by
// coverage so the photo's border glides smoothly as it moves.
func composite(dst []byte, w, h int, photo, fill *sampler, cov axes, c rect) {
	fill.fill(dst, w, 0, w, 0, c.iy0)
	fill.fill(dst, w, 0, w, c.iy1, h)
	fill.fill(dst, w, 0, c.ix0, c.iy0, c.iy1)
	fill.fill(dst, w, c.ix1, w, c.iy0, c.iy1)
	photo.fill(dst, w, c.ix0, c.ix1, c.iy0, c.iy1)
	photo.blend(dst, w, c.ox0, c.ox1, c.oy0, c.iy0, cov.x, cov.y)
	photo.blend(dst, w, c.ox0, c.ox1, c.iy1, c.oy1, cov.x, cov.y)
	photo.blend(dst, w, c.ox0, c.ix0, c.iy0, c.iy1, cov.x, cov.y)
	photo.blend(dst, w, c.ix1, c.ox1, c.iy0, c.iy1, cov.x, cov.y)
}

// mix crossfades the frame in dst with src (nil: black) by weights in 1/65536.
func (r *Renderer) mix(dst, src []byte, wa, wb int32) {
	luma := r.cfg.Width * r.cfg.Height
	if src == nil {
		mix(dst[:luma], nil, blackY, wa, 0)
		mix(dst[luma:], nil, blackC, wa, 0)
		return
	}
	mix(dst[:luma], src[:luma], blackY, wa, wb)
	mix(dst[luma:], src[luma:], blackC, wa, wb)
}
