package mix

import (
	"encoding/binary"
	"testing"
)

// fuzzOps encodes packets as FuzzStreamPush reads them: an op byte >= 64 pushes (seq, ts, length,
// payload), 0 pulls, 1 resets.
func fuzzOps(pkts []packet, pullEvery int) []byte {
	var b []byte
	for i, p := range pkts {
		b = append(b, 64)
		b = binary.BigEndian.AppendUint16(b, p.seq)
		b = binary.BigEndian.AppendUint32(b, p.ts)
		n := min(len(p.payload), 255)
		b = append(b, byte(n))
		b = append(b, p.payload[:n]...)
		if i%pullEvery == 0 {
			b = append(b, 0)
		}
	}
	return b
}

// FuzzStreamPush feeds a stream arbitrary sequences of packets (any sequence numbers, timestamps
// and payloads), pulls and resets: Push must never panic, and every Pull must fill the frame with
// finite samples within [-1, 1].
func FuzzStreamPush(f *testing.F) {
	// Seeds are kept short (10 packets): the fuzzer minimises every input that finds new code,
	// running the target for each byte it tries to remove.
	speech := speech48k(f, "speech_male.wav")[Rate/2 : Rate/2+Rate/5]
	voice := encode(f, speech, FrameSamples, chromeVoice, 65530, 4294960000)
	celt := encode(f, speech, FrameSamples, celtMusic, 0, 0)
	long := encode(f, speech, 2880, chromeVoice, 100, 0)
	short := encode(f, speech, 480, chromeVoice, 100, 0)
	f.Add(fuzzOps(voice, 1))
	f.Add(fuzzOps(celt, 2))
	f.Add(fuzzOps(long, 1))
	f.Add(fuzzOps(short, 2))
	swapped := append([]packet(nil), voice...)
	for i := 1; i+1 < len(swapped); i += 3 {
		swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
	}
	f.Add(fuzzOps(swapped, 1))
	lossy := append([]packet(nil), voice[:3]...)
	lossy = append(lossy, voice[6:]...)
	f.Add(fuzzOps(lossy, 1))
	f.Add([]byte{64, 0, 1, 0, 0, 0, 0, 0, 0, 64, 0, 2, 0, 0, 3, 192, 1, 0x7b, 0, 1, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := NewStream()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]float32, FrameLen)
		pull := func() {
			for i := range buf {
				buf[i] = 2 // Pull must overwrite every sample
			}
			s.Pull(buf)
			for i, v := range buf {
				if v != v || v > 1 || v < -1 {
					t.Fatalf("sample %d = %v", i, v)
				}
			}
		}
		for len(data) > 0 {
			op := data[0]
			data = data[1:]
			switch {
			case op == 0:
				pull()
			case op == 1:
				s.Reset()
			case op >= 64 && len(data) >= 7:
				seq := binary.BigEndian.Uint16(data)
				ts := binary.BigEndian.Uint32(data[2:])
				n := min(int(data[6]), len(data)-7)
				s.Push(seq, ts, data[7:7+n])
				data = data[7+n:]
			}
		}
		for range 5 {
			pull()
		}
		st := s.Stats()
		if st.Delay < 0 || st.Target < 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}
