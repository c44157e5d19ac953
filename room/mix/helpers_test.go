package mix

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/pion/opus"
	libopus "gopkg.in/hraban/opus.v2"
)

// readWAV16 reads a mono 16-bit PCM WAV file and returns its samples and rate.
func readWAV16(t testing.TB, path string) ([]float32, int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s: not a WAV file", path)
	}
	var rate, channels, bits int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(p+8+size, len(b))]
		switch id {
		case "fmt ":
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case "data":
			if channels != 1 || bits != 16 {
				t.Fatalf("%s: want mono 16-bit, got %d channels, %d bits", path, channels, bits)
			}
			out := make([]float32, len(body)/2)
			for i := range out {
				out[i] = float32(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return out, rate
		}
		p += 8 + size + size%2
	}
	t.Fatalf("%s: no data chunk", path)
	return nil, 0
}

// speech48k loads a speech fixture and brings it to 48 kHz (linear interpolation: the fixtures
// hold nothing above 8 kHz, and the tests measure levels and timing, not fidelity).
func speech48k(t testing.TB, name string) []float32 {
	t.Helper()
	in, rate := readWAV16(t, "testdata/"+name)
	if Rate%rate != 0 {
		t.Fatalf("%s: rate %d does not divide 48000", name, rate)
	}
	k := Rate / rate
	out := make([]float32, len(in)*k)
	for i := range in {
		next := float32(0)
		if i+1 < len(in) {
			next = in[i+1]
		}
		for j := 0; j < k; j++ {
			f := float32(j) / float32(k)
			out[i*k+j] = in[i]*(1-f) + next*f
		}
	}
	return out
}

func dbfs(db float64) float32 { return float32(math.Pow(10, db/20)) }

// sine returns n samples of a sine of the given frequency and peak amplitude.
func sine(freq float64, amp float32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = amp * float32(math.Sin(2*math.Pi*freq*float64(i)/Rate))
	}
	return out
}

// whiteNoise returns n samples of white noise with the given RMS level in dBFS.
func whiteNoise(seed uint64, rmsDB float64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return normalize(out, rmsDB)
}

// pinkNoise returns n samples of pink (1/f) noise with the given RMS level, made with Paul
// Kellet's economy filter on white noise.
func pinkNoise(seed uint64, rmsDB float64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]float32, n)
	var b0, b1, b2 float64
	for i := range out {
		w := r.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		out[i] = float32(b0 + b1 + b2 + w*0.1848)
	}
	return normalize(out, rmsDB)
}

// brownNoise returns n samples of low-frequency rumble (integrated white noise, leaky), like a
// fan or air conditioning, at the given RMS level.
func brownNoise(seed uint64, rmsDB float64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 3))
	out := make([]float32, n)
	var y float64
	for i := range out {
		y = 0.995*y + r.NormFloat64()
		out[i] = float32(y)
	}
	return normalize(out, rmsDB)
}

// hum returns mains hum: the fundamental at the given peak level and odd and even harmonics up to
// 1 kHz, each 6 dB below the one before.
func hum(fundamental float64, peakDB float64, n int) []float32 {
	out := make([]float32, n)
	amp := float64(dbfs(peakDB))
	for h := 1; float64(h)*fundamental <= 1000; h++ {
		a := amp * math.Pow(0.5, float64(h-1))
		for i := range out {
			out[i] += float32(a * math.Sin(2*math.Pi*fundamental*float64(h)*float64(i)/Rate))
		}
	}
	return out
}

func normalize(x []float32, rmsDB float64) []float32 {
	k := float64(dbfs(rmsDB)) / rms(x)
	for i := range x {
		x[i] = float32(float64(x[i]) * k)
	}
	return x
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(1, len(x))))
}

func peak(x []float32) float32 {
	var p float32
	for _, v := range x {
		p = max(p, v, -v)
	}
	return p
}

func add(a, b []float32) []float32 {
	out := make([]float32, max(len(a), len(b)))
	copy(out, a)
	for i, v := range b {
		out[i] += v
	}
	return out
}

func scale(x []float32, db float64) []float32 {
	k := dbfs(db)
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = v * k
	}
	return out
}

// stereo interleaves a mono signal into both channels.
func stereo(x []float32) []float32 {
	out := make([]float32, 2*len(x))
	for i, v := range x {
		out[2*i], out[2*i+1] = v, v
	}
	return out
}

// left returns the left channel of an interleaved stereo signal.
func left(x []float32) []float32 {
	out := make([]float32, len(x)/2)
	for i := range out {
		out[i] = x[2*i]
	}
	return out
}

// maxStep returns the largest difference between neighbouring samples of x: a click shows as a
// step far larger than the signal's own.
func maxStep(x []float32) float32 {
	var m float32
	for i := 1; i < len(x); i++ {
		d := x[i] - x[i-1]
		m = max(m, d, -d)
	}
	return m
}

// packet is one RTP packet's fields as Push takes them.
type packet struct {
	seq     uint16
	ts      uint32
	payload []byte
	samples int
}

// encoderKind picks what kind of packets libopus makes, to look like what browsers send.
type encoderKind int

const (
	// chromeVoice: mono, VoIP application, 32 kbps, like Chrome's default microphone track (libopus
	// then picks hybrid or SILK, depending on the content).
	chromeVoice encoderKind = iota
	// celtMusic: mono, low-delay application (CELT only), 64 kbps.
	celtMusic
	// stereoMusic: stereo input from a mono signal, audio application, 96 kbps.
	stereoMusic
	// stereoVoice: Chrome's microphone once an answer says stereo=1 (the room's answers do, for
	// the broadcast on the same section): the mono microphone coded as stereo, VoIP, 32 kbps.
	stereoVoice
)

// encode cuts mono 48 kHz audio into packets of frameSamples (120..2880) with libopus, numbering
// them from seq0/ts0 with wrap-around.
func encode(t testing.TB, x []float32, frameSamples int, kind encoderKind, seq0 uint16, ts0 uint32) []packet {
	t.Helper()
	channels, app, bitrate := 1, libopus.AppVoIP, 32000
	switch kind {
	case celtMusic:
		app, bitrate = libopus.AppRestrictedLowdelay, 64000
	case stereoMusic:
		channels, app, bitrate = 2, libopus.AppAudio, 96000
	case stereoVoice:
		channels = 2
	}
	enc, err := libopus.NewEncoder(Rate, channels, app)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		t.Fatal(err)
	}
	var pkts []packet
	buf := make([]byte, 4000)
	in := make([]float32, frameSamples*channels)
	for i := 0; i+frameSamples <= len(x); i += frameSamples {
		for j := 0; j < frameSamples; j++ {
			for c := 0; c < channels; c++ {
				in[j*channels+c] = x[i+j]
			}
		}
		n, err := enc.EncodeFloat32(in, buf)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, packet{
			seq:     seq0 + uint16(len(pkts)),
			ts:      ts0 + uint32(i),
			payload: append([]byte(nil), buf[:n]...),
			samples: frameSamples,
		})
	}
	return pkts
}

// reference decodes packets in order with a fresh pion decoder, the way the stream does when
// nothing goes wrong, and returns the mono audio and where each packet starts in it.
func reference(t testing.TB, pkts []packet) ([]float32, []int) {
	t.Helper()
	dec, err := opus.NewDecoderWithOutput(Rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	starts := make([]int, len(pkts))
	buf := make([]float32, maxPacketSamples)
	for i, p := range pkts {
		starts[i] = len(out)
		if isDTX(p.payload) {
			continue
		}
		n, err := dec.DecodeToFloat32(p.payload, buf)
		if err != nil {
			t.Fatalf("reference decode of packet %d: %v", i, err)
		}
		for _, v := range buf[:n] {
			out = append(out, min(max(v, -1), 1))
		}
	}
	return out, starts
}

// referenceLossy decodes the packets not in lost, in order, with a fresh pion decoder, each at
// the place it has in the full sequence (lost packets leave zeros): what the stream should play
// outside the concealed gaps, since the decoder's state after a gap depends on not having seen
// the lost packets.
func referenceLossy(t testing.TB, pkts []packet, lost map[int]bool) []float32 {
	t.Helper()
	dec, err := opus.NewDecoderWithOutput(Rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	buf := make([]float32, maxPacketSamples)
	for i, p := range pkts {
		if lost[i] {
			out = append(out, make([]float32, p.samples)...)
			continue
		}
		n, err := dec.DecodeToFloat32(p.payload, buf)
		if err != nil {
			t.Fatalf("reference decode of packet %d: %v", i, err)
		}
		for _, v := range buf[:n] {
			out = append(out, min(max(v, -1), 1))
		}
	}
	return out
}

// tocConfigs counts the packets of each Opus configuration (TOC byte >> 3).
func tocConfigs(pkts []packet) map[int]int {
	m := map[int]int{}
	for _, p := range pkts {
		if len(p.payload) > 0 {
			m[int(p.payload[0]>>3)]++
		}
	}
	return m
}

// player drives a Stream as a room does: per 20 ms tick, the packets that arrived, then one Pull.
type player struct {
	t   testing.TB
	s   *Stream
	out []float32 // left channel of everything pulled
	has []bool    // Pull's answer per tick
	buf []float32
}

func newPlayer(t testing.TB) *player {
	t.Helper()
	s, err := NewStream()
	if err != nil {
		t.Fatal(err)
	}
	return &player{t: t, s: s, buf: make([]float32, FrameLen)}
}

// tick pushes pkts then pulls one frame, checking it is finite and stereo-identical.
func (p *player) tick(pkts ...packet) bool {
	for _, k := range pkts {
		p.s.Push(k.seq, k.ts, k.payload)
	}
	for i := range p.buf {
		p.buf[i] = float32(math.NaN()) // Pull must write every sample
	}
	has := p.s.Pull(p.buf)
	for i := 0; i < len(p.buf); i += 2 {
		l, r := p.buf[i], p.buf[i+1]
		if l != l || math.IsInf(float64(l), 0) || l != r || l > 1 || l < -1 {
			p.t.Fatalf("tick %d: sample %d is %v/%v", len(p.has), i/2, l, r)
		}
	}
	p.out = append(p.out, left(p.buf)...)
	p.has = append(p.has, has)
	return has
}

// idle pulls n frames with no packets arriving.
func (p *player) idle(n int) {
	for range n {
		p.tick()
	}
}

// playInOrder sends one 20 ms tick's worth of packets per tick (several short packets per tick,
// or one long packet every few ticks), then extra ticks to drain.
func (p *player) playInOrder(pkts []packet, drain int) {
	due, sent := 0, 0 // samples that should have arrived by the end of this tick, and that did
	i := 0
	for i < len(pkts) {
		due += FrameSamples
		var batch []packet
		for i < len(pkts) && sent < due {
			batch = append(batch, pkts[i])
			sent += pkts[i].samples
			i++
		}
		p.tick(batch...)
	}
	p.idle(drain)
}

// compare reports the largest difference between got[offset+i] and want[i] over want, skipping
// the ranges in skip (indices into want).
func compare(got, want []float32, offset int, skip ...[2]int) (maxDiff float64, worst int) {
	worst = -1
outer:
	for i, w := range want {
		for _, s := range skip {
			if i >= s[0] && i < s[1] {
				continue outer
			}
		}
		j := offset + i
		if j < 0 || j >= len(got) {
			return math.Inf(1), i
		}
		if d := math.Abs(float64(got[j] - w)); d > maxDiff {
			maxDiff, worst = d, i
		}
	}
	return maxDiff, worst
}
