package mix

// Audio format constants shared by the whole package.
const (
	// Rate is the sample rate of everything in the package, and of Opus's RTP clock.
	Rate = 48000
	// FrameSamples is the sample frames in one 20 ms frame.
	FrameSamples = 960
	// FrameLen is the float32s in one interleaved stereo 20 ms frame.
	FrameLen = 2 * FrameSamples
	// maxPacketSamples bounds one Opus packet: RFC 6716 allows 120 ms.
	maxPacketSamples = 120 * Rate / 1000
)

// packetSamples reads an Opus packet's table-of-contents byte (RFC 6716 section 3.1) and returns
// the audio it holds in samples per channel at 48 kHz, or 0 if the header is not valid Opus. It
// lets the jitter buffer know a packet's duration before decoding, and conceal a packet the
// decoder rejects for the right length. Deeper checks are left to the decoder.
func packetSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	toc := p[0]
	config := int(toc >> 3)
	var frame int
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]int{480, 960, 1920, 2880}[config&3]
	case config < 16: // Hybrid: 10, 20 ms
		frame = [2]int{480, 960}[config&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]int{120, 240, 480, 960}[config&3]
	}
	var frames int
	switch toc & 3 {
	case 0:
		frames = 1
	case 1:
		if (len(p)-1)%2 != 0 {
			return 0
		}
		frames = 2
	case 2:
		if len(p) < 2 {
			return 0
		}
		frames = 2
	case 3:
		if len(p) < 2 {
			return 0
		}
		frames = int(p[1] & 0x3f)
	}
	n := frames * frame
	if n == 0 || n > maxPacketSamples {
		return 0
	}
	return n
}

// isDTX reports whether a payload carries no audio: an empty RTP payload (Chrome sends these while
// in discontinuous transmission) or a lone table-of-contents byte, a zero-length Opus frame.
func isDTX(p []byte) bool {
	return len(p) == 0 || (len(p) == 1 && p[0]&3 == 0)
}
