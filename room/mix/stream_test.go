package mix

import (
	"math"
	"sort"
	"sync"
	"testing"
	"time"
)

// The stream starts a member by queueing the target delay (40 ms) before playing, so with one
// 20 ms packet per tick its output is the decoded audio one frame late, faded in over the first
// xfade samples.
const startDelay = minTarget - FrameSamples

func TestStreamInOrder(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	for _, tc := range []struct {
		name string
		kind encoderKind
	}{
		{"chrome voice (hybrid/SILK)", chromeVoice},
		{"CELT", celtMusic},
		{"stereo packets", stereoMusic},
		{"stereo voice (SILK/hybrid stereo)", stereoVoice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkts := encode(t, speech, FrameSamples, tc.kind, 1000, 12345)
			t.Logf("TOC configs: %v", tocConfigs(pkts))
			want, _ := reference(t, pkts)
			p := newPlayer(t)
			p.playInOrder(pkts, 3)
			if d, i := compare(p.out, want, startDelay, [2]int{0, xfade}); d > 1e-6 {
				t.Errorf("output differs from a straight decode by %g at sample %d", d, i)
			}
			st := p.s.Stats()
			if st.Packets != uint64(len(pkts)) || st.Lost != 0 || st.Concealed != 0 || st.DecodeErrors != 0 ||
				st.Dropped != 0 || st.Underruns != 0 || st.Skipped != 0 {
				t.Errorf("stats %+v", st)
			}
			if in, out := rms(speech), rms(p.out); math.Abs(20*math.Log10(out/in)) > 3 {
				t.Errorf("level %.1f dB against %.1f dB in", 20*math.Log10(out), 20*math.Log10(in))
			}
			if p.has[0] {
				t.Error("first pull (still buffering) reported audio")
			}
			if !p.has[1] {
				t.Error("second pull reported silence")
			}
		})
	}
}

func TestStreamReordered(t *testing.T) {
	speech := speech48k(t, "speech_female.wav")
	pkts := encode(t, speech, FrameSamples, chromeVoice, 40000, 0)
	want, _ := reference(t, pkts)
	p := newPlayer(t)
	// In order for 5 packets, then every pair swapped: each even packet arrives one tick late,
	// after its successor, still in time to play.
	for i := 0; i < len(pkts); i++ {
		switch {
		case i < 5 || i == len(pkts)-1:
			p.tick(pkts[i])
		case i%2 == 1:
			p.tick(pkts[i+1])
		default:
			p.tick(pkts[i-1])
		}
	}
	p.idle(3)
	// Compared up to the first adaptation (2 s): the reordering leaves no slack at times, and the
	// stream then makes some at a quiet moment.
	if d, i := compare(p.out, want[:adaptPulls*FrameSamples-startDelay], startDelay, [2]int{0, xfade}); d > 1e-6 {
		t.Errorf("output differs from a straight decode by %g at sample %d", d, i)
	}
	if st := p.s.Stats(); st.Lost != 0 || st.Concealed != 0 || st.Dropped != 0 || st.Underruns != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamTooLate: a packet that arrives after its turn is dropped, its gap concealed, and the
// packet after it is decoded in time.
func TestStreamTooLate(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	pkts := encode(t, speech, FrameSamples, chromeVoice, 7, 0)[:40]
	_, starts := reference(t, pkts)
	want := referenceLossy(t, pkts, map[int]bool{10: true})
	p := newPlayer(t)
	for i := 0; i < 10; i++ {
		p.tick(pkts[i])
	}
	p.tick(pkts[11])           // 10 is late
	p.tick()                   // nothing: 10 must be concealed now
	p.tick(pkts[10], pkts[12]) // 10 arrives too late
	for i := 13; i < 40; i++ {
		p.tick(pkts[i])
	}
	p.idle(2)
	st := p.s.Stats()
	if st.Lost != 1 || st.Dropped != 1 || st.Concealed != FrameSamples || st.Underruns != 0 {
		t.Errorf("stats %+v, want 1 lost, 1 dropped, %d concealed", st, FrameSamples)
	}
	// Everything but packet 10 (and the crossfade into 11) plays where it would have: 12 came a
	// tick late, but the concealment of 10 covered for it.
	if d, i := compare(p.out, want, startDelay, [2]int{0, xfade}, [2]int{starts[10], starts[11] + xfade}); d > 1e-6 {
		t.Errorf("differs from a decode without packet 10 by %g at %d", d, i)
	}
}

// TestStreamLoss loses some packets of a steady tone and checks the concealment: exactly the
// missing duration, no click going in or out, and everything else untouched.
func TestStreamLoss(t *testing.T) {
	tone := sine(440, dbfs(-6), 4*Rate)
	for _, tc := range []struct {
		name string
		kind encoderKind
	}{{"CELT", celtMusic}, {"chrome voice", chromeVoice}} {
		t.Run(tc.name, func(t *testing.T) {
			pkts := encode(t, tone, FrameSamples, tc.kind, 65000, 0)
			clean, starts := reference(t, pkts)
			lost := map[int]bool{50: true, 80: true, 81: true, 82: true}
			for i := 120; i < 126; i++ { // 120 ms: 60 ms of fading repeat, then silence
				lost[i] = true
			}
			want := referenceLossy(t, pkts, lost)
			p := newPlayer(t)
			for i, k := range pkts {
				if lost[i] {
					p.tick()
				} else {
					p.tick(k)
				}
			}
			p.idle(3)
			st := p.s.Stats()
			if st.Lost != uint64(len(lost)) || st.Concealed != uint64(len(lost)*FrameSamples) || st.Underruns != 0 {
				t.Errorf("stats %+v, want %d lost and %d samples concealed, no underrun", st, len(lost), len(lost)*FrameSamples)
			}
			// Every packet that arrived plays at its own place: the concealment took exactly the
			// missing time. The lost packets and the crossfades after them are skipped.
			skip := [][2]int{{0, xfade}}
			for _, g := range [][2]int{{50, 51}, {80, 83}, {120, 126}} {
				skip = append(skip, [2]int{starts[g[0]], starts[g[1]] + xfade})
			}
			if d, i := compare(p.out, want, startDelay, skip...); d > 1e-6 {
				t.Errorf("received audio differs from a straight decode by %g at sample %d", d, i)
			}
			// No clicks: around each gap the output moves no faster than the tone does (plus
			// what a 2.5 ms crossfade of two phases of it can add).
			natural := maxStep(clean[starts[10]:starts[40]])
			for _, g := range [][2]int{{50, 51}, {80, 83}, {120, 126}} {
				seg := p.out[startDelay+starts[g[0]]-200 : startDelay+starts[g[1]]+xfade+200]
				if s := maxStep(seg); s > 1.6*natural {
					t.Errorf("gap %v: max step %.4f, tone's own %.4f: a click", g, s, natural)
				}
			}
			// The concealment fades: the 120 ms gap is silent from 60 ms in.
			g := p.out[startDelay+starts[120]+concealLen : startDelay+starts[126]]
			if pk := peak(g); pk != 0 {
				t.Errorf("long gap after 60 ms: peak %g, want silence", pk)
			}
			// And the repeat is audible at first: -6 dB per 20 ms.
			first := p.out[startDelay+starts[120]+xfade : startDelay+starts[120]+FrameSamples]
			if r := 20 * math.Log10(rms(first)/rms(clean[starts[119]:starts[120]])); r > 0 || r < -6 {
				t.Errorf("first 20 ms of concealment at %.1f dB relative to the tone, want 0..-6", r)
			}
			t.Logf("max step around gaps vs tone's own %.4f; stats %+v", natural, st)
		})
	}
}

func TestStreamDTX(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	pkts := encode(t, speech[:2*Rate], FrameSamples, chromeVoice, 100, 0)
	for _, tc := range []struct {
		name string
		dtx  []byte
	}{{"empty payload", nil}, {"TOC only", []byte{pkts[0].payload[0] &^ 3}}} {
		t.Run(tc.name, func(t *testing.T) {
			// 40 packets of speech, 25 DTX (500 ms of silence), the rest of the speech: the
			// sequence numbers run on; the timestamps jump over the silence.
			var seq []packet
			seq = append(seq, pkts[:40]...)
			for i := 0; i < 25; i++ {
				seq = append(seq, packet{seq: pkts[40].seq + uint16(i), ts: pkts[40].ts + uint32(i*FrameSamples), payload: tc.dtx, samples: FrameSamples})
			}
			for _, k := range pkts[40:] {
				k.seq += 25
				k.ts += 25 * FrameSamples
				seq = append(seq, k)
			}
			p := newPlayer(t)
			p.playInOrder(seq, 3)
			st := p.s.Stats()
			if st.DTX != 25 || st.Lost != 0 || st.Concealed != 0 || st.Underruns != 0 || st.DecodeErrors != 0 || st.Dropped != 0 {
				t.Errorf("stats %+v", st)
			}
			// The silence is silent (after a 2.5 ms fade) and reported as such.
			silent := 0
			for _, h := range p.has[42:64] {
				if !h {
					silent++
				}
			}
			if silent < 20 {
				t.Errorf("only %d of 22 pulls in the DTX period reported silence", silent)
			}
			// Going quiet and starting again adds no step larger than the speech's own.
			natural := maxStep(p.out[:39*FrameSamples])
			if s := maxStep(p.out[39*FrameSamples : 70*FrameSamples]); s > natural {
				t.Errorf("max step %.3f around the DTX period, speech's own %.3f", s, natural)
			}
		})
	}
}

func TestStreamDuplicates(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	pkts := encode(t, speech[:2*Rate], FrameSamples, chromeVoice, 0, 0)
	want, _ := reference(t, pkts)
	p := newPlayer(t)
	for i, k := range pkts {
		if i > 0 && i%2 == 0 { // the previous one again, after it was played or buffered
			p.tick(k, pkts[i-1], k)
		} else {
			p.tick(k)
		}
	}
	p.idle(2)
	if d, i := compare(p.out, want, startDelay, [2]int{0, xfade}); d > 1e-6 {
		t.Errorf("output differs by %g at %d", d, i)
	}
	if st := p.s.Stats(); st.Dropped != uint64(2*((len(pkts)-1)/2)) || st.Lost != 0 || st.Concealed != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamWrap runs the sequence number and the timestamp through their wrap-around together and
// loses the two packets either side of the sequence wrap.
func TestStreamWrap(t *testing.T) {
	speech := speech48k(t, "speech_female.wav")
	pkts := encode(t, speech[:2*Rate], FrameSamples, chromeVoice, 65535-20, math.MaxUint32-20*FrameSamples+1)
	_, starts := reference(t, pkts)
	lost := map[int]bool{}
	p := newPlayer(t)
	for i, k := range pkts {
		if k.seq == 65535 || k.seq == 0 {
			lost[i] = true
			p.tick()
			continue
		}
		p.tick(k)
	}
	want := referenceLossy(t, pkts, lost)
	p.idle(3)
	st := p.s.Stats()
	if st.Lost != 2 || st.Concealed != 2*FrameSamples || st.Dropped != 0 || st.Resyncs != 0 {
		t.Errorf("stats %+v, want 2 lost, %d concealed", st, 2*FrameSamples)
	}
	if d, i := compare(p.out, want, startDelay, [2]int{0, xfade}, [2]int{starts[20], starts[22] + xfade}); d > 1e-6 {
		t.Errorf("differs by %g at %d", d, i)
	}
}

// TestStreamPacketSizes: 10, 40 and 60 ms packets come out as steady 20 ms frames.
func TestStreamPacketSizes(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	for _, tc := range []struct {
		name    string
		samples int
		kind    encoderKind
	}{
		{"2.5 ms CELT", 120, celtMusic},
		{"10 ms voice", 480, chromeVoice},
		{"40 ms voice", 1920, chromeVoice},
		{"60 ms voice", 2880, chromeVoice},
		{"60 ms stereo", 2880, stereoMusic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkts := encode(t, speech[:Rate*19/10], tc.samples, tc.kind, 9, 0)
			t.Logf("%d packets, TOC configs %v, first payload %d bytes, code %d", len(pkts), tocConfigs(pkts), len(pkts[0].payload), pkts[0].payload[0]&3)
			want, _ := reference(t, pkts)
			p := newPlayer(t)
			p.playInOrder(pkts, 4)
			delay := max(0, minTarget-tc.samples) // queued before the first pull
			if d, i := compare(p.out, want, delay, [2]int{0, xfade}); d > 1e-6 {
				t.Errorf("output differs by %g at %d", d, i)
			}
			if st := p.s.Stats(); st.Lost != 0 || st.Concealed != 0 || st.DecodeErrors != 0 || st.Underruns != 0 || st.Dropped != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestStreamUnderrun: the member's packets stop for 100 ms and then come late (not lost). The
// stream conceals, counts one underrun, raises its target and plays the late audio after.
func TestStreamUnderrun(t *testing.T) {
	tone := sine(330, dbfs(-10), 3*Rate)
	pkts := encode(t, tone, FrameSamples, celtMusic, 0, 0)
	p := newPlayer(t)
	for i := 0; i < 50; i++ {
		p.tick(pkts[i])
	}
	p.idle(5)
	p.tick(pkts[50:56]...) // all late, in a burst
	for i := 56; i < len(pkts); i++ {
		p.tick(pkts[i])
	}
	p.idle(8)
	st := p.s.Stats()
	if st.Underruns != 1 || st.Lost != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v, want one underrun", st)
	}
	if st.Concealed != 4*FrameSamples { // the first idle tick still had a frame queued
		t.Errorf("concealed %d, want %d", st.Concealed, 4*FrameSamples)
	}
	if st.Target != 60*time.Millisecond {
		t.Errorf("target %v after an underrun, want 60ms", st.Target)
	}
	natural := maxStep(p.out[10*FrameSamples : 40*FrameSamples])
	if s := maxStep(p.out[45*FrameSamples : 65*FrameSamples]); s > 1.6*natural {
		t.Errorf("max step %.4f around the underrun, tone's own %.4f", s, natural)
	}
	// Nothing of the tone is lost: all of it is played, just later.
	var loud int
	for i := 0; i < len(p.out); i += FrameSamples {
		if rms(p.out[i:min(i+FrameSamples, len(p.out))]) > 0.1 {
			loud++
		}
	}
	if loud < len(pkts) {
		t.Errorf("%d loud frames, want at least the %d sent", loud, len(pkts))
	}
}

// TestStreamCalm: after an underrun the target delay rises, and ten calm seconds later it is back
// at 40 ms, with the extra delay trimmed (smoothly) from the queue.
func TestStreamCalm(t *testing.T) {
	tone := sine(330, dbfs(-10), 16*Rate)
	pkts := encode(t, tone, FrameSamples, celtMusic, 0, 0)
	p := newPlayer(t)
	for i := 0; i < 50; i++ {
		p.tick(pkts[i])
	}
	p.idle(3)
	p.tick(pkts[50:53]...)
	if st := p.s.Stats(); st.Target != 60*time.Millisecond || st.Underruns != 1 {
		t.Fatalf("after the underrun: %+v", st)
	}
	for i := 53; i < len(pkts); i++ {
		p.tick(pkts[i])
	}
	st := p.s.Stats()
	if st.Target != 40*time.Millisecond || st.Delay != 20*time.Millisecond || st.Skipped == 0 {
		t.Errorf("after 15 calm seconds: %+v, want target 40ms and 20ms queued after the pull", st)
	}
	natural := maxStep(p.out[10*FrameSamples : 40*FrameSamples])
	if s := maxStep(p.out[60*FrameSamples:]); s > 1.6*natural {
		t.Errorf("max step %.4f while trimming, tone's own %.4f", s, natural)
	}
}

// TestStreamDecodesInPush: the decoding is done by the time Push returns, so the mixer's Pull only
// copies.
func TestStreamDecodesInPush(t *testing.T) {
	pkts := encode(t, speech48k(t, "speech_male.wav")[:Rate/5], FrameSamples, chromeVoice, 0, 0)
	s, err := NewStream()
	if err != nil {
		t.Fatal(err)
	}
	s.Push(pkts[0].seq, pkts[0].ts, pkts[0].payload)
	if st := s.Stats(); st.Delay != 40*time.Millisecond {
		t.Errorf("queued %v after the first Push, want 40ms (20 ms decoded + 20 ms lead-in)", st.Delay)
	}
}

// TestStreamCatchUp: a burst of a second's worth of packets at once (after a stall) is cut back
// to the target delay instead of being played a second late.
func TestStreamCatchUp(t *testing.T) {
	tone := sine(330, dbfs(-10), 6*Rate)
	pkts := encode(t, tone, FrameSamples, celtMusic, 0, 0)
	p := newPlayer(t)
	for i := 0; i < 50; i++ {
		p.tick(pkts[i])
	}
	p.tick(pkts[50:100]...)
	for i := 100; i < len(pkts); i++ {
		p.tick(pkts[i])
	}
	st := p.s.Stats()
	if st.Skipped == 0 || st.Delay > 2*st.Target {
		t.Errorf("after a burst: %+v", st)
	}
	natural := maxStep(p.out[10*FrameSamples : 40*FrameSamples])
	if s := maxStep(p.out); s > 1.6*natural {
		t.Errorf("max step %.4f, tone's own %.4f", s, natural)
	}
	t.Logf("stats after a 1 s burst: %+v", st)
}

// TestStreamGarbage: whatever arrives, Push neither panics nor lets it through undecoded: it is
// dropped (not Opus) or fails to decode and is concealed like a loss, and Pull's output stays
// finite and within [-1, 1] (checked by the player on every tick).
func TestStreamGarbage(t *testing.T) {
	speech := speech48k(t, "speech_male.wav")
	pkts := encode(t, speech[:3*Rate], FrameSamples, chromeVoice, 500, 0)
	p := newPlayer(t)
	bad := map[string][]byte{
		"code 3, zero frames":    {0x7b, 0x00},
		"code 3, 49 frames":      {0x7b, 0x31, 1, 2, 3},
		"code 1, odd length":     {0x79, 1, 2},
		"code 2, length overrun": {0x7a, 250, 1, 2},
		"RTP header bytes":       {0x80, 0x6f, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef},
		"all ones":               bytesOf(0xff, 200),
		"all zeros":              bytesOf(0x00, 200),
		"too large":              bytesOf(0x78, maxPayload+1),
		"text":                   []byte("this is not opus at all, but it is long enough to look like a frame"),
	}
	var names []string
	for name := range bad {
		names = append(names, name)
	}
	sort.Strings(names)
	n := 0
	for i, k := range pkts {
		switch {
		case i%5 == 3: // a good packet cut short
			k.payload = k.payload[:len(k.payload)/3]
		case i%5 == 4:
			k.payload = bad[names[n%len(names)]]
			n++
		}
		p.tick(k)
	}
	p.idle(3)
	st := p.s.Stats()
	t.Logf("stats %+v", st)
	if st.Packets != uint64(len(pkts)) {
		t.Errorf("packets %d, want %d", st.Packets, len(pkts))
	}
	if st.DecodeErrors+st.Dropped == 0 {
		t.Error("no bad packet was counted")
	}
	if st.Underruns != 0 {
		t.Errorf("%d underruns: bad packets should be concealed in place", st.Underruns)
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// TestStreamResync: the sender restarts with new sequence numbers and timestamps; the stream
// follows it after the queued audio.
func TestStreamResync(t *testing.T) {
	tone := sine(330, dbfs(-10), 2*Rate)
	a := encode(t, tone, FrameSamples, celtMusic, 100, 0)
	b := encode(t, tone, FrameSamples, celtMusic, 30000, 999999)
	c := encode(t, tone, FrameSamples, celtMusic, 20, 5) // far behind b: a restart lower
	p := newPlayer(t)
	p.playInOrder(a[:40], 0)
	p.playInOrder(b[:40], 0)
	p.playInOrder(c[:40], 2)
	st := p.s.Stats()
	if st.Resyncs != 2 || st.Underruns != 0 || st.Lost != 0 {
		t.Errorf("stats %+v, want 2 resyncs", st)
	}
	quiet := 0
	for _, h := range p.has[2:] {
		if !h {
			quiet++
		}
	}
	if quiet > 2 {
		t.Errorf("%d silent pulls across the restarts", quiet)
	}
}

func TestStreamReset(t *testing.T) {
	tone := sine(330, dbfs(-10), 2*Rate)
	pkts := encode(t, tone, FrameSamples, celtMusic, 100, 0)
	p := newPlayer(t)
	p.playInOrder(pkts[:30], 0)
	p.s.Reset()
	if p.tick() {
		t.Error("audio right after Reset")
	}
	// A new sender with unrelated numbers starts cleanly.
	again := encode(t, tone, FrameSamples, celtMusic, 7, 7)
	want, _ := reference(t, again)
	p.out = nil
	p.playInOrder(again, 2)
	if d, i := compare(p.out, want, startDelay, [2]int{0, xfade}); d > 1e-6 {
		t.Errorf("after Reset output differs by %g at %d", d, i)
	}
	if st := p.s.Stats(); st.Resyncs != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestStreamConcurrent pushes from a reader goroutine with uneven timing while a paced loop
// pulls; run with -race.
func TestStreamConcurrent(t *testing.T) {
	speech := speech48k(t, "speech_female.wav")
	pkts := encode(t, speech[:3*Rate], FrameSamples, chromeVoice, 1, 1)
	s, err := NewStream()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, k := range pkts {
			s.Push(k.seq, k.ts, k.payload)
			if i%7 == 0 {
				s.Push(k.seq, k.ts, k.payload[:1+len(k.payload)/2])
			}
			time.Sleep(time.Duration(i%3) * 3 * time.Millisecond)
		}
	}()
	buf := make([]float32, FrameLen)
	for i := 0; i < len(pkts); i++ {
		s.Pull(buf)
		for _, v := range buf {
			if v != v || v > 1 || v < -1 {
				t.Fatalf("pull %d: sample %v", i, v)
			}
		}
		if i == len(pkts)/2 {
			s.Stats()
		}
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	t.Logf("stats %+v", s.Stats())
}

// conversation returns about d of speech: the two fixtures in turn with half-second pauses, over
// quiet room noise.
func conversation(t testing.TB, d time.Duration) []float32 {
	a, b := speech48k(t, "speech_male.wav"), speech48k(t, "speech_female.wav")
	pause := make([]float32, Rate/2)
	var x []float32
	for len(x) < int(d.Seconds()*Rate) {
		x = concat(x, a, pause, b, pause)
	}
	x = x[:int(d.Seconds()*Rate)]
	return add(x, pinkNoise(1, -65, len(x)))
}

// TestStreamClockDrift: a sender whose clock runs 0.25% slow or fast against the mixer's never
// underruns and keeps its delay, by repeating or cutting a few milliseconds while it is quiet.
func TestStreamClockDrift(t *testing.T) {
	pkts := encode(t, conversation(t, 48*time.Second), FrameSamples, chromeVoice, 0, 0)
	for _, tc := range []struct {
		name string
		slow bool
	}{{"slow sender", true}, {"fast sender", false}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlayer(t)
			var maxDelay time.Duration
			for i := 0; i < len(pkts); i++ {
				switch {
				case i%400 != 399 || i+1 == len(pkts):
					p.tick(pkts[i])
				case tc.slow: // one tick with no packet: the sender fell 20 ms behind
					p.tick()
					p.tick(pkts[i])
				default: // two packets in one tick: it got 20 ms ahead
					p.tick(pkts[i], pkts[i+1])
					i++
				}
				maxDelay = max(maxDelay, p.s.Stats().Delay)
			}
			st := p.s.Stats()
			t.Logf("stats %+v, most queued after a pull %v", st, maxDelay)
			if st.Underruns != 0 || st.Lost != 0 {
				t.Errorf("%d underruns, %d lost", st.Underruns, st.Lost)
			}
			if tc.slow && st.Stretched == 0 || !tc.slow && st.Skipped == 0 {
				t.Error("no adjustment made")
			}
			if maxDelay > 60*time.Millisecond {
				t.Errorf("up to %v queued after a pull", maxDelay)
			}
		})
	}
}
