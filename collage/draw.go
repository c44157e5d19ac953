package collage

import (
	"encoding/binary"
	"math"
)

// The frame loop works in fixed point: a sample position is packed as source index << 8 | an
// 8-bit fraction, so bilinear sampling is integer multiplies on bytes, and the tables that map
// output columns and rows to source positions are computed once per layer per frame.
const (
	fracBits = 8
	fracOne  = 1 << fracBits
	fracMask = fracOne - 1
)

// mapAxis fills tab with the packed source positions u = a*k + b for k = 0..len(tab)-1, clamped
// to the source's n samples. The padding sample at n lets index n-1 read its right neighbour.
func mapAxis(tab []int32, a, b float64, n int) {
	hi := float64(n - 1)
	for k := range tab {
		u := math.Min(math.Max(a*float64(k)+b, 0), hi)
		i := math.Floor(u)
		f := int32(math.Round((u - i) * fracOne))
		tab[k] = int32(i)<<fracBits + f // f == fracOne carries into the index, which stays <= n-1
	}
}

// coverage fills cov with how much of each output pixel [k, k+1) the interval [lo, hi) covers,
// scaled to 0..fracOne, and returns the range of pixels covered at all, [o0, o1), and fully,
// [i0, i1), with o0 <= i0 <= i1 <= o1.
func coverage(cov []int32, lo, hi float64) (o0, o1, i0, i1 int) {
	for k := range cov {
		c := math.Min(hi, float64(k+1)) - math.Max(lo, float64(k))
		cov[k] = int32(math.Round(math.Min(math.Max(c, 0), 1) * fracOne))
	}
	return span(cov)
}

// halve fills dst (a chroma axis) with the mean coverage of each pair of src (luma) samples.
func halve(dst, src []int32) {
	for k := range dst {
		dst[k] = (src[2*k] + src[2*k+1] + 1) >> 1
	}
}

// span returns the covered and fully covered ranges of a coverage table, as coverage does.
func span(cov []int32) (o0, o1, i0, i1 int) {
	n := len(cov)
	o0, o1, i0, i1 = n, 0, n, 0
	for k, v := range cov {
		if v > 0 {
			o0, o1 = min(o0, k), k+1
		}
		if v == fracOne {
			i0, i1 = min(i0, k), k+1
		}
	}
	if o0 >= o1 {
		return 0, 0, 0, 0
	}
	if i0 >= i1 {
		return o0, o1, o0, o0
	}
	return o0, o1, i0, i1
}

// sampler draws one plane of a layer into one plane of the frame.
type sampler struct {
	src        plane
	cols, rows []int32 // packed source positions per output column and row
	// tmp holds one vertically filtered source row as little-endian 16-bit values, so that the
	// horizontal pass reads a sample and its right neighbour in one 32-bit load. It has room for
	// the widest plane plus an 8-byte store's overhang.
	tmp []byte
}

// rowSpan is the range of source samples that output columns [x0, x1) read, inclusive of the
// right neighbour.
func (s *sampler) rowSpan(x0, x1 int) (lo, hi int) {
	return int(s.cols[x0] >> fracBits), int(s.cols[x1-1]>>fracBits) + 2
}

// spread widens four bytes into four 16-bit lanes.
func spread(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	return (v | v<<8) & 0x00FF00FF00FF00FF
}

// vertical blends source rows i and i+1 at fraction f into s.tmp over [lo, hi): the first half of
// the bilinear filter, done once per source sample rather than once per output pixel, four
// samples at a time in the lanes of a 64-bit word (255*256 fits a lane, so lanes never carry).
func (s *sampler) vertical(r int32, lo, hi int) {
	i, f := int(r>>fracBits), uint32(r&fracMask)
	g := fracOne - f
	r0 := s.src.pix[i*s.src.stride+lo : i*s.src.stride+hi]
	r1 := s.src.pix[(i+1)*s.src.stride+lo : (i+1)*s.src.stride+hi]
	r1 = r1[:len(r0)]
	t := s.tmp[2*lo : 2*hi]
	k := 0
	for ; k+4 <= len(r0); k += 4 {
		a := spread(binary.LittleEndian.Uint32(r0[k:]))
		b := spread(binary.LittleEndian.Uint32(r1[k:]))
		binary.LittleEndian.PutUint64(t[2*k:], a*uint64(g)+b*uint64(f))
	}
	for ; k < len(r0); k++ {
		binary.LittleEndian.PutUint16(t[2*k:], uint16(uint32(r0[k])*g+uint32(r1[k])*f))
	}
}

// lerp is the horizontal half of the filter: the filtered sample at packed position c of the
// row in t, rounded to 8 bits. a*(256-f) + b*f is written a*256 + (b-a)*f, one multiply.
func lerp(t []byte, c int32) uint32 {
	p := binary.LittleEndian.Uint32(t[2*int(c>>fracBits):])
	a, b := int32(p&0xFFFF), int32(p>>16)
	return uint32((a<<fracBits + (b-a)*(c&fracMask) + 1<<15) >> 16)
}

// fill writes the layer into dst (stride bytes per row) over [x0, x1) x [y0, y1).
func (s *sampler) fill(dst []byte, stride, x0, x1, y0, y1 int) {
	if x0 >= x1 || y0 >= y1 {
		return
	}
	lo, hi := s.rowSpan(x0, x1)
	for y := y0; y < y1; y++ {
		s.vertical(s.rows[y], lo, hi)
		horizontal(dst[y*stride+x0:y*stride+x1], s.cols[x0:x1], s.tmp)
	}
}

// horizontal writes one row of output samples from the vertically filtered row in t. It is kept
// out of line: inlined into fill's row loop, the compiler spills this loop's values to the stack.
//
//go:noinline
func horizontal(out []byte, cols []int32, t []byte) {
	cols = cols[:len(out)]
	for k := range out {
		out[k] = uint8(lerp(t, cols[k]))
	}
}

// blend draws the layer over what dst holds in [x0, x1) x [y0, y1), each pixel weighted by its
// column's and row's coverage: the anti-aliased edge of a photo over its fill.
func (s *sampler) blend(dst []byte, stride, x0, x1, y0, y1 int, covX, covY []int32) {
	if x0 >= x1 || y0 >= y1 {
		return
	}
	lo, hi := s.rowSpan(x0, x1)
	for y := y0; y < y1; y++ {
		s.vertical(s.rows[y], lo, hi)
		cy := uint32(covY[y])
		out := dst[y*stride : y*stride+x1]
		for x := x0; x < x1; x++ {
			v := lerp(s.tmp, s.cols[x])
			a := uint32(covX[x]) * cy >> fracBits
			out[x] = uint8((uint32(out[x])*(fracOne-a) + v*a + fracOne/2) >> fracBits)
		}
	}
}

// mix sets dst = base + (dst-base)*wa + (src-base)*wb, weights in 1/65536: a crossfade between two
// rendered slides (src nil for a fade to black), base being the plane's black.
func mix(dst, src []byte, base int32, wa, wb int32) {
	if src == nil {
		for i, a := range dst {
			dst[i] = uint8(base + ((int32(a)-base)*wa+1<<15)>>16)
		}
		return
	}
	src = src[:len(dst)]
	for i, a := range dst {
		dst[i] = uint8(base + ((int32(a)-base)*wa+(int32(src[i])-base)*wb+1<<15)>>16)
	}
}
