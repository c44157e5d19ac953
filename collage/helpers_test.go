package collage

import (
	"image"
	"image/color"
	"math"
	"testing"
	"time"
)

// rgb is a decoded colour, 0..255 per channel.
type rgb struct{ r, g, b float64 }

func (c rgb) dist(o rgb) float64 {
	return math.Sqrt((c.r-o.r)*(c.r-o.r) + (c.g-o.g)*(c.g-o.g) + (c.b-o.b)*(c.b-o.b))
}

func rgbOf(c color.RGBA) rgb { return rgb{float64(c.R), float64(c.G), float64(c.B)} }

var (
	red    = color.RGBA{220, 30, 30, 255}
	green  = color.RGBA{30, 200, 40, 255}
	blue   = color.RGBA{30, 50, 220, 255}
	yellow = color.RGBA{230, 220, 40, 255}
)

// quadrants makes a w x h image whose top-left, top-right, bottom-left and bottom-right quarters
// are the four colours, in that order.
func quadrants(w, h int, c [4]color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			k := 0
			if x >= w/2 {
				k++
			}
			if y >= h/2 {
				k += 2
			}
			img.SetRGBA(x, y, c[k])
		}
	}
	return img
}

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// photo is a busy synthetic photo: gradients, rings and a fine checker, so that sampling does
// real work and every pixel differs.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			dx, dy := float64(x-w/2), float64(y-h/3)
			ring := uint8(128 + 100*math.Sin(math.Sqrt(dx*dx+dy*dy)/17))
			check := uint8(((x / 3) ^ (y / 3)) & 1 * 40)
			o := img.PixOffset(x, y)
			img.Pix[o] = uint8(x * 255 / w)
			img.Pix[o+1] = ring
			img.Pix[o+2] = uint8(y*200/h) + check
			img.Pix[o+3] = 255
		}
	}
	return img
}

// decode returns the colour of frame pixel (x, y), converting BT.601 limited range back to RGB.
func decode(frame []byte, w, h, x, y int) rgb {
	Y := float64(frame[y*w+x]) - 16
	U := float64(frame[w*h+(y/2)*(w/2)+x/2]) - 128
	V := float64(frame[w*h+(w/2)*(h/2)+(y/2)*(w/2)+x/2]) - 128
	return rgb{1.164*Y + 1.596*V, 1.164*Y - 0.392*U - 0.813*V, 1.164*Y + 2.017*U}
}

// average decodes and averages the pixels of r.
func average(frame []byte, w, h int, r image.Rectangle) rgb {
	var s rgb
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := decode(frame, w, h, x, y)
			s.r += c.r
			s.g += c.g
			s.b += c.b
			n++
		}
	}
	return rgb{s.r / float64(n), s.g / float64(n), s.b / float64(n)}
}

func testConfig() Config {
	return Config{Width: 1280, Height: 720, FPS: 30, Crossfade: time.Second, Motion: 1.08}
}

func mustRenderer(t testing.TB, cfg Config, slides []Slide) *Renderer {
	t.Helper()
	r, err := NewRenderer(cfg, slides)
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	return r
}

func mustFrame(t testing.TB, r *Renderer, at time.Duration) []byte {
	t.Helper()
	buf := make([]byte, r.cfg.FrameSize())
	if err := r.Frame(buf, at); err != nil {
		t.Fatalf("Frame(%v): %v", at, err)
	}
	return buf
}
