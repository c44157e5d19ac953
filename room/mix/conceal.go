package mix

import "math"

const (
	// xfade is the length of every splice in the stream: into and out of concealment, skips that
	// cut delay, and the fade-in when a member starts. 2.5 ms is short enough to keep timing and
	// long enough that a step between two waveforms is not heard as a click.
	xfade = 120
	// histLen is the real audio kept for concealment: the 20 ms that is repeated plus the xfade
	// before it, used to make the repeat loop seamless.
	histLen = FrameSamples + xfade
	// fadeStart and concealLen shape the concealment: the repeated 20 ms falls by 6 dB per repeat
	// for 40 ms, then tapers to silence at 60 ms.
	fadeStart  = 2 * FrameSamples
	concealLen = 3 * FrameSamples
	// expired is a concealment position past every envelope, meaning "silent", without risk of
	// overflow as silence accumulates.
	expired = 1 << 30
)

// Tables computed once; never written after package initialisation.
var (
	// xfIn rises from 0 to 1 over xfade samples (raised cosine); 1-xfIn falls.
	xfIn = func() (t [xfade]float32) {
		for i := range t {
			t[i] = float32(0.5 - 0.5*math.Cos(math.Pi*(float64(i)+0.5)/xfade))
		}
		return t
	}()
	// slowEnv is the loss concealment gain: -6 dB per 20 ms (per sample, so no steps), then a
	// raised-cosine taper from 40 ms to silence at 60 ms.
	slowEnv = func() (t [concealLen]float32) {
		for i := range t {
			g := math.Pow(10, -6.0/20*float64(i)/FrameSamples)
			if i >= fadeStart {
				g *= 0.5 + 0.5*math.Cos(math.Pi*float64(i-fadeStart)/float64(concealLen-fadeStart))
			}
			t[i] = float32(g)
		}
		return t
	}()
)

// concealer synthesises what to play when real audio is missing. When the real audio stops it
// takes the last 20 ms as a loop and plays it, fading, from where the real audio ended. With fast
// set (the sender said it went silent: DTX) the loop fades out within xfade instead.
//
// The loop's last xfade samples are blended into the samples that preceded its start, so the loop
// joins itself without a step; the first xfade samples carry a decaying offset that starts the
// concealment exactly at the last real sample. What comes next is computed, not stored, so the
// stream can ask for any amount and can peek ahead to crossfade into resumed audio.
type concealer struct {
	loop   [FrameSamples]float32
	offset float32
	fast   bool
	// x is the samples generated since the real audio stopped.
	x int
}

// start begins concealment after the real audio held in hist (oldest first, histLen samples).
func (c *concealer) start(hist *[histLen]float32, fast bool) {
	seg := hist[xfade:]
	copy(c.loop[:], seg)
	for j := 0; j < xfade; j++ {
		k := FrameSamples - xfade + j
		c.loop[k] = seg[k]*(1-xfIn[j]) + hist[j]*xfIn[j]
	}
	c.offset = hist[histLen-1] - c.loop[0]
	c.fast = fast
	c.x = 0
}

// silence makes the concealer produce nothing but zeros.
func (c *concealer) silence() { c.x = expired }

// audibleLeft returns how many more samples the concealer will produce before it is silent.
func (c *concealer) audibleLeft() int {
	end := concealLen
	if c.fast {
		end = xfade
	}
	return max(0, end-c.x)
}

// peek writes the next len(dst) samples without consuming them.
func (c *concealer) peek(dst []float32) {
	x := c.x
	if x >= concealLen {
		clear(dst)
		return
	}
	for i := range dst {
		p := x + i
		var v float32
		if p < xfade {
			v = c.offset * (1 - xfIn[p])
		}
		if c.fast {
			if p < xfade {
				v += c.loop[p] * (1 - xfIn[p])
			}
		} else if p < concealLen {
			v += c.loop[p%FrameSamples] * slowEnv[p]
		}
		dst[i] = min(max(v, -1), 1)
	}
}

// fill writes the next len(dst) samples and consumes them.
func (c *concealer) fill(dst []float32) {
	c.peek(dst)
	c.x = min(c.x+len(dst), expired)
}
