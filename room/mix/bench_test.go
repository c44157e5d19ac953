package mix

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/opus"
)

// benchPackets returns Chrome-like packets (mono, 32 kbps VoIP: hybrid) of 5 s of speech.
func benchPackets(b *testing.B) []packet {
	b.Helper()
	return encode(b, speech48k(b, "speech_male.wav"), FrameSamples, chromeVoice, 0, 0)
}

// BenchmarkStreamPushPull is one member's whole cost per 20 ms: Push (which decodes) and Pull.
// Each op is one 20 ms frame.
func BenchmarkStreamPushPull(b *testing.B) {
	pkts := benchPackets(b)
	s, err := NewStream()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]float32, FrameLen)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pkts[i%len(pkts)]
		s.Push(uint16(i), uint32(i*FrameSamples), p.payload)
		s.Pull(buf)
	}
}

// BenchmarkStreamPull is what a member costs the mixer's tick: Pull alone, the decoding having
// been done in Push on the member's goroutine. Reported as ns/pull.
func BenchmarkStreamPull(b *testing.B) {
	pkts := benchPackets(b)
	s, err := NewStream()
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]float32, FrameLen)
	var pulling time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pkts[i%len(pkts)]
		s.Push(uint16(i), uint32(i*FrameSamples), p.payload)
		t0 := time.Now()
		s.Pull(buf)
		pulling += time.Since(t0)
	}
	b.ReportMetric(float64(pulling.Nanoseconds())/float64(b.N), "ns/pull")
}

// BenchmarkDecode is pion/opus alone on the same packets: what each member would add to the
// tick if decoding happened in Pull.
func BenchmarkDecode(b *testing.B) {
	pkts := benchPackets(b)
	dec, err := opus.NewDecoderWithOutput(Rate, 1)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]float32, maxPacketSamples)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := dec.DecodeToFloat32(pkts[i%len(pkts)].payload, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMix is the mixer on one 20 ms frame with N members talking at normal level over the
// broadcast (limiter at rest), and loud enough that the limiter works.
func BenchmarkMix(b *testing.B) {
	speech := stereo(normalize(speech48k(b, "speech_male.wav")[:FrameSamples*50], -30))
	broadcast := stereo(pinkNoise(1, -24, FrameSamples*50))
	for _, loud := range []bool{false, true} {
		for _, n := range []int{1, 10, 50} {
			name := fmt.Sprintf("members=%d", n)
			if loud {
				name += "/limiting"
			}
			b.Run(name, func(b *testing.B) {
				members := make([][]float32, n)
				for j := range members {
					members[j] = make([]float32, FrameLen)
				}
				m := NewMixer()
				out := make([]float32, FrameLen)
				bc := make([]float32, FrameLen)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					off := (i % 50) * FrameLen
					for j := range members {
						copy(members[j], speech[off:off+FrameLen])
					}
					copy(bc, broadcast[off:off+FrameLen])
					if loud {
						bc[0] = 4 // one peak far over the ceiling per frame keeps it working
					}
					m.Mix(out, bc, members)
				}
			})
		}
	}
}

// BenchmarkTick is a room's whole mixer tick with N members: Pull and VAD for each, the ducker on
// the broadcast, the mix. Packets are pushed (and decoded) outside the timing, as the members'
// goroutines do. Each op is one 20 ms tick; 20 ms is the budget.
func BenchmarkTick(b *testing.B) {
	pkts := benchPackets(b)
	broadcast := stereo(pinkNoise(1, -18, FrameSamples*50))
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			streams := make([]*Stream, n)
			vads := make([]*VAD, n)
			frames := make([][]float32, n)
			for j := range streams {
				s, err := NewStream()
				if err != nil {
					b.Fatal(err)
				}
				streams[j], vads[j], frames[j] = s, NewVAD(), make([]float32, FrameLen)
			}
			d := NewDucker(DuckConfig{})
			m := NewMixer()
			out := make([]float32, FrameLen)
			bc := make([]float32, FrameLen)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j, s := range streams {
					p := pkts[(i+j)%len(pkts)]
					s.Push(uint16(i), uint32(i*FrameSamples), p.payload)
				}
				off := (i % 50) * FrameLen
				copy(bc, broadcast[off:off+FrameLen])
				b.StartTimer()
				anyone := false
				for j, s := range streams {
					s.Pull(frames[j])
					if vads[j].Update(frames[j]) {
						anyone = true
					}
				}
				d.Apply(bc, anyone)
				m.Mix(out, bc, frames)
			}
		})
	}
}

func BenchmarkVAD(b *testing.B) {
	x := stereo(normalize(speech48k(b, "speech_male.wav")[:FrameSamples*50], -20))
	v := NewVAD()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := (i % 50) * FrameLen
		v.Update(x[off : off+FrameLen])
	}
}

func BenchmarkDucker(b *testing.B) {
	frame := make([]float32, FrameLen)
	d := NewDucker(DuckConfig{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Moving: alternate 200 ms active and idle so the gain is always gliding.
		d.Apply(frame, (i/10)%2 == 0)
	}
}
