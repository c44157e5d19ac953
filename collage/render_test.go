package collage

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
	"time"
)

// show is a small show exercising every path: a covering photo, a portrait over its fill, a 3:2
// photo cropped to cover, with crossfades between and fades from and to black.
func show(t testing.TB, cfg Config) *Renderer {
	t.Helper()
	imgs := []*image.RGBA{photo(640, 360), photo(300, 533), photo(600, 400)}
	slides, err := Plan(imgs, []string{"a", "b", "c"}, 16*time.Second, 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return mustRenderer(t, cfg, slides)
}

func TestFrameIsAPureFunctionOfTime(t *testing.T) {
	cfg := testConfig()
	var times []time.Duration
	for at := -time.Second; at <= 17*time.Second; at += 310 * time.Millisecond {
		times = append(times, at)
	}
	// Crossfade midpoints and edges, where two slides are drawn.
	times = append(times, 500*time.Millisecond, 5*time.Second+500*time.Millisecond, 6*time.Second-time.Nanosecond, 15500*time.Millisecond)

	r := show(t, cfg)
	want := make(map[time.Duration][32]byte)
	for _, at := range times {
		want[at] = sha256.Sum256(mustFrame(t, r, at))
	}

	// The same instants in another order, on a fresh renderer and on the used one, into buffers
	// full of garbage: every byte must come from t alone.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rr := range []*Renderer{show(t, cfg), r} {
		order := append([]time.Duration(nil), times...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		buf := make([]byte, cfg.FrameSize())
		for _, at := range order {
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			if err := rr.Frame(buf, at); err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(buf) != want[at] {
				t.Fatalf("frame at %v differs when rendered in another order", at)
			}
		}
	}

	// And the frame does move: the same slide at two instants differs.
	if bytes.Equal(mustFrame(t, r, 2*time.Second), mustFrame(t, r, 3*time.Second)) {
		t.Fatal("frames 1 s apart are identical; no motion")
	}
}

var quad = [4]color.RGBA{red, green, blue, yellow}

// quadrantBoxes are boxes of frac the size of each quarter of a w x h area at (x0, y0), centred in
// the quarter: away from the dividing lines, which the pan and zoom move by a few percent.
func quadrantBoxes(x0, y0, w, h int, frac float64) [4]image.Rectangle {
	var out [4]image.Rectangle
	bw, bh := int(frac*float64(w)/2), int(frac*float64(h)/2)
	for k := range 4 {
		cx, cy := x0+(k%2)*w/2+w/4, y0+(k/2)*h/2+h/4
		out[k] = image.Rect(cx-bw/2, cy-bh/2, cx+bw/2, cy+bh/2)
	}
	return out
}

func TestCoveringPhotoShowsItsQuadrants(t *testing.T) {
	cfg := testConfig()
	for _, size := range []image.Point{{1600, 900}, {320, 180}, {1500, 1000}, {1001, 563}} {
		img := quadrants(size.X, size.Y, quad)
		r := mustRenderer(t, cfg, []Slide{{Image: img, Start: time.Second, Length: 10 * time.Second}})
		if r.slides[0].img.contain {
			t.Fatalf("%v: near-16:9 photo was not cropped to cover", size)
		}
		// Fully in from 1 s until the fade-out at 10 s, moving throughout.
		for _, at := range []time.Duration{time.Second, 4 * time.Second, 7 * time.Second, 10 * time.Second} {
			f := mustFrame(t, r, at)
			for k, box := range quadrantBoxes(0, 0, cfg.Width, cfg.Height, 0.5) {
				if got, want := average(f, cfg.Width, cfg.Height, box), rgbOf(quad[k]); got.dist(want) > 8 {
					t.Errorf("%v at %v: quadrant %d is %.0f, want %.0f", size, at, k, got, want)
				}
			}
		}
	}
}

func TestPortraitIsWholeOverBlurredFill(t *testing.T) {
	cfg := testConfig()
	img := quadrants(900, 1600, quad)
	r := mustRenderer(t, cfg, []Slide{{Image: img, Start: time.Second, Length: 10 * time.Second}})
	if !r.slides[0].img.contain {
		t.Fatal("portrait photo was cropped to cover")
	}
	W, H := cfg.Width, cfg.Height
	for _, at := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second} {
		f := mustFrame(t, r, at)
		// The photo is 9:16 and at most the frame's height: about 405 px wide, centred, drifting a
		// little. Its own quarters appear in the middle of the frame.
		pw := H * 9 / 16
		for k, box := range quadrantBoxes((W-pw)/2, 0, pw, H, 0.3) {
			if got, want := average(f, W, H, box), rgbOf(quad[k]); got.dist(want) > 10 {
				t.Errorf("at %v: photo quadrant %d is %.0f, want %.0f", at, k, got, want)
			}
		}
		// The sides show the photo's middle band, blurred and darkened: dim versions of the left
		// (red over blue) and right (green over yellow) colours, smooth from pixel to pixel.
		for _, side := range []struct {
			name     string
			box      image.Rectangle
			top, bot rgb
		}{
			{"left", image.Rect(20, 0, 300, H), rgbOf(red), rgbOf(blue)},
			{"right", image.Rect(W-300, 0, W-20, H), rgbOf(green), rgbOf(yellow)},
		} {
			top := average(f, W, H, image.Rect(side.box.Min.X, 20, side.box.Max.X, 120))
			bot := average(f, W, H, image.Rect(side.box.Min.X, H-120, side.box.Max.X, H-20))
			for _, c := range []struct {
				name      string
				got, full rgb
			}{{"top", top, side.top}, {"bottom", bot, side.bot}} {
				if lum(c.got) > 0.8*lum(c.full) || lum(c.got) < 0.2*lum(c.full) {
					t.Errorf("at %v: %s fill %s is %.0f; want a darkened %.0f", at, side.name, c.name, c.got, c.full)
				}
				if nearest(c.got, quad[:]) != c.full {
					t.Errorf("at %v: %s fill %s is %.0f, which does not lean toward %.0f", at, side.name, c.name, c.got, c.full)
				}
			}
			if step := maxStep(f, W, side.box); step > 3 {
				t.Errorf("at %v: %s fill jumps by %d between neighbouring pixels; not blurred", at, side.name, step)
			}
		}
	}
}

func lum(c rgb) float64 { return 0.299*c.r + 0.587*c.g + 0.114*c.b }

// nearest returns which of the colours c's hue is closest to, comparing normalised colours so a
// dimmed colour still matches its bright self.
func nearest(c rgb, among []color.RGBA) rgb {
	norm := func(c rgb) rgb {
		s := c.r + c.g + c.b + 1e-9
		return rgb{c.r / s, c.g / s, c.b / s}
	}
	best, bd := rgb{}, 1e9
	for _, o := range among {
		if d := norm(c).dist(norm(rgbOf(o))); d < bd {
			best, bd = rgbOf(o), d
		}
	}
	return best
}

// maxStep is the largest luma difference between horizontally or vertically adjacent pixels in r.
func maxStep(frame []byte, w int, r image.Rectangle) int {
	worst := 0
	for y := r.Min.Y; y < r.Max.Y-1; y++ {
		for x := r.Min.X; x < r.Max.X-1; x++ {
			v := int(frame[y*w+x])
			worst = max(worst, abs(v-int(frame[y*w+x+1])), abs(v-int(frame[(y+1)*w+x])))
		}
	}
	return worst
}

func TestCrossfadeMidpointMixesBothSlides(t *testing.T) {
	cfg := testConfig()
	a, b := solid(64, 36, red), solid(64, 36, blue)
	slides, err := Plan([]*image.RGBA{a, b}, nil, 0, 6*time.Second, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRenderer(t, cfg, slides)
	mid := r.Changes()[1]
	W, H := cfg.Width, cfg.Height
	whole := image.Rect(0, 0, W, H)
	ca, cb := rgbOf(red), rgbOf(blue)
	for _, c := range []struct {
		at   time.Duration
		frac float64 // of b, by the eased curve
	}{
		{mid, 0.5},
		{mid - cfg.Crossfade/4, ease(0.25)},
		{mid + cfg.Crossfade/4, ease(0.75)},
		{mid - cfg.Crossfade/2, 0},
		{mid + cfg.Crossfade/2, 1},
	} {
		got := average(mustFrame(t, r, c.at), W, H, whole)
		want := rgb{ca.r + (cb.r-ca.r)*c.frac, ca.g + (cb.g-ca.g)*c.frac, ca.b + (cb.b-ca.b)*c.frac}
		if got.dist(want) > 4 {
			t.Errorf("at %v: %.1f, want %.1f (%.0f%% of the second slide)", c.at, got, want, 100*c.frac)
		}
	}
}

func TestChangesMatchTheDominantSlide(t *testing.T) {
	cfg := testConfig()
	cfg.Width, cfg.Height = 320, 180 // solid colours: size does not matter, and it is quicker
	colours := []color.RGBA{{240, 200, 80, 255}, {80, 200, 240, 255}, {200, 80, 200, 255}, {120, 240, 120, 255}}
	var imgs []*image.RGBA
	for _, c := range colours {
		imgs = append(imgs, solid(32, 18, c))
	}
	total := 30 * time.Second
	slides, err := Plan(imgs, nil, total, 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRenderer(t, cfg, slides)
	changes := r.Changes()
	if len(changes) != len(colours) {
		t.Fatalf("%d changes for %d slides", len(changes), len(colours))
	}
	// Scan the show in 5 ms steps. At each frame the picture is a mix of at most the dominant
	// slide, the next one and black; record when it comes closest to the next one's colour.
	const step = 5 * time.Millisecond
	seen := make([]time.Duration, len(colours))
	for i := range seen {
		seen[i] = -1
	}
	colour := func(k int) rgb {
		if k < 0 || k >= len(colours) {
			return rgb{}
		}
		return rgbOf(colours[k])
	}
	cur := -1 // black before the first slide
	black := time.Duration(-1)
	box := image.Rect(100, 60, 220, 120)
	for at := time.Duration(0); at <= total; at += step {
		c := average(mustFrame(t, r, at), cfg.Width, cfg.Height, box)
		dCur, dNext, dBlack := c.dist(colour(cur)), c.dist(colour(cur+1)), c.dist(rgb{})
		switch {
		case cur+1 < len(colours) && dNext < dCur && dNext < dBlack:
			cur++
			seen[cur] = at
		case cur == len(colours)-1 && black < 0 && dBlack < dCur:
			black = at
		}
	}
	for i, at := range seen {
		if d := at - changes[i]; d < 0 || d > step {
			t.Errorf("slide %d became dominant at %v; Changes says %v", i, at, changes[i])
		}
	}
	// The last slide gives way to black halfway through its fade-out.
	if end := total - cfg.Crossfade/2; black < end || black > end+step {
		t.Errorf("black became dominant at %v, want %v", black, end)
	}
}

func TestCaptionAt(t *testing.T) {
	cfg := testConfig()
	cfg.Width, cfg.Height = 64, 36
	imgs := []*image.RGBA{solid(8, 8, red), solid(8, 8, green), solid(8, 8, blue)}
	slides, err := Plan(imgs, []string{"Grandma at the lake", "", "Her garden"}, 0, 5*time.Second, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRenderer(t, cfg, slides)
	ch := r.Changes()
	end := slides[2].Start + slides[2].Length - cfg.Crossfade/2
	for _, c := range []struct {
		at        time.Duration
		caption   string
		appeared  time.Duration
		situation string
	}{
		{0, "", 0, "fading in from black"},
		{ch[0] - 1, "", 0, "just before the first change"},
		{ch[0], "Grandma at the lake", ch[0], "at the first change"},
		{ch[1] - 1, "Grandma at the lake", ch[0], "just before the second"},
		{ch[1], "", ch[1], "a slide without a caption"},
		{ch[2] + time.Second, "Her garden", ch[2], "during the last"},
		{end - 1, "Her garden", ch[2], "as the last fades"},
		{end, "", end, "once black dominates"},
		{time.Hour, "", end, "long after"},
	} {
		caption, since := r.CaptionAt(c.at)
		if caption != c.caption || since != c.appeared {
			t.Errorf("%s (%v): got %q since %v, want %q since %v", c.situation, c.at, caption, since, c.caption, c.appeared)
		}
	}
}

func TestFrameDoesNotAllocate(t *testing.T) {
	cfg := testConfig()
	r := show(t, cfg)
	buf := make([]byte, cfg.FrameSize())
	at := time.Duration(0)
	allocs := testing.AllocsPerRun(40, func() {
		at += 397 * time.Millisecond
		if err := r.Frame(buf, at%(17*time.Second)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Frame allocates %.1f times per call", allocs)
	}
}

func TestSubImageMatchesCopy(t *testing.T) {
	cfg := testConfig()
	cfg.Width, cfg.Height = 320, 180
	big := photo(700, 500)
	sub := big.SubImage(image.Rect(33, 47, 633, 447)).(*image.RGBA)
	flat := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for y := range 400 {
		copy(flat.Pix[y*flat.Stride:y*flat.Stride+600*4], sub.Pix[y*sub.Stride:y*sub.Stride+600*4])
	}
	a := mustRenderer(t, cfg, []Slide{{Image: sub, Start: time.Second, Length: 5 * time.Second}})
	b := mustRenderer(t, cfg, []Slide{{Image: flat, Start: time.Second, Length: 5 * time.Second}})
	for _, at := range []time.Duration{500 * time.Millisecond, 3 * time.Second} {
		if !bytes.Equal(mustFrame(t, a, at), mustFrame(t, b, at)) {
			t.Fatalf("at %v: a sub-image renders differently from its copy", at)
		}
	}
}

// TestOddShapes renders photos of awkward sizes, down to a single pixel and as thin as a line,
// which must work (or fail cleanly) and never panic.
func TestOddShapes(t *testing.T) {
	cfg := testConfig()
	cfg.Width, cfg.Height = 322, 182
	for _, size := range []image.Point{{1, 1}, {3, 5}, {2, 1}, {1001, 7}, {7, 1001}, {5000, 3}, {17, 9}} {
		r := mustRenderer(t, cfg, []Slide{{Image: photo(size.X, size.Y), Start: time.Second, Length: 3 * time.Second}})
		for at := time.Duration(0); at <= 4*time.Second; at += 250 * time.Millisecond {
			f := mustFrame(t, r, at)
			for i, v := range f[:cfg.Width*cfg.Height] {
				if v < 16 || v > 235 {
					t.Fatalf("%v at %v: luma %d at %d is outside limited range", size, at, v, i)
				}
			}
		}
	}
}
