package mp3

// header is one decoded 32-bit MPEG audio frame header. It is this package's own parser: Probe
// must understand (and name) streams that go-mp3 cannot play, such as Layer II or MPEG-2.5, and it
// must compute frame sizes exactly where go-mp3 does not (see repack.go).
type header struct {
	version    int // 1, 2, or 25 for MPEG-2.5
	layer      int // 1, 2 or 3
	crc        bool
	bitrateIdx int // 0 is free format
	rateIdx    int
	padding    int
	mode       int // 3 is single channel
	sampleRate int
	bitrate    int // bits per second; 0 for free format
}

// Version codes as stored in bits 19-20 of the header.
const (
	versionCode25 = 0
	versionCode2  = 2
	versionCode1  = 3
)

const modeMono = 3

var sampleRates = [3][3]int{
	{44100, 48000, 32000}, // MPEG-1
	{22050, 24000, 16000}, // MPEG-2
	{11025, 12000, 8000},  // MPEG-2.5
}

// bitrates in kbps, indexed by [MPEG-1 or not][layer-1][index].
var bitrates = [2][3][15]int{
	{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	},
	{
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
	},
}

// parseHeader decodes b[0:4]. It reports false for anything that cannot be a frame header:
// no 11-bit sync, reserved version, reserved layer, bad bitrate index, reserved sample rate or
// reserved emphasis.
func parseHeader(b []byte) (header, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return header{}, false
	}
	var h header
	switch (b[1] >> 3) & 3 {
	case versionCode1:
		h.version = 1
	case versionCode2:
		h.version = 2
	case versionCode25:
		h.version = 25
	default:
		return header{}, false
	}
	layerCode := (b[1] >> 1) & 3
	if layerCode == 0 {
		return header{}, false
	}
	h.layer = int(4 - layerCode)
	h.crc = b[1]&1 == 0
	h.bitrateIdx = int(b[2] >> 4)
	h.rateIdx = int(b[2]>>2) & 3
	if h.bitrateIdx == 15 || h.rateIdx == 3 || b[3]&3 == 2 {
		return header{}, false
	}
	h.padding = int(b[2]>>1) & 1
	h.mode = int(b[3] >> 6)
	h.sampleRate = sampleRates[h.versionRow()][h.rateIdx]
	h.bitrate = 1000 * bitrates[h.lsf()][h.layer-1][h.bitrateIdx]
	return h, true
}

// versionRow indexes sampleRates.
func (h header) versionRow() int {
	switch h.version {
	case 1:
		return 0
	case 2:
		return 1
	}
	return 2
}

// lsf is 1 for the low sampling frequency extensions (MPEG-2 and 2.5).
func (h header) lsf() int {
	if h.version == 1 {
		return 0
	}
	return 1
}

func (h header) channels() int {
	if h.mode == modeMono {
		return 1
	}
	return 2
}

// samplesPerFrame is the number of PCM samples per channel one frame carries.
func (h header) samplesPerFrame() int {
	switch {
	case h.layer == 1:
		return 384
	case h.layer == 3 && h.version != 1:
		return 576
	}
	return 1152
}

// size is the frame length in bytes including the header; 0 for free format, whose size cannot
// be known from the header alone.
func (h header) size() int {
	if h.bitrate == 0 {
		return 0
	}
	switch {
	case h.layer == 1:
		return (12*h.bitrate/h.sampleRate + h.padding) * 4
	case h.layer == 3 && h.version != 1:
		return 72*h.bitrate/h.sampleRate + h.padding
	}
	return 144*h.bitrate/h.sampleRate + h.padding
}

// sideInfoSize is the Layer III side information length that follows the header (and CRC).
func (h header) sideInfoSize() int {
	mono := h.mode == modeMono
	switch {
	case h.version == 1 && mono:
		return 17
	case h.version == 1:
		return 32
	case mono:
		return 9
	}
	return 17
}

// dataOffset is where the side information starts within the frame.
func (h header) dataOffset() int {
	if h.crc {
		return 6
	}
	return 4
}

// sameStream reports whether two headers can belong to one elementary stream: MPEG version, layer
// and sample rate never change within a stream (channel mode and bitrate may).
func (h header) sameStream(o header) bool {
	return h.version == o.version && h.layer == o.layer && h.rateIdx == o.rateIdx
}

func (h header) versionName() string {
	switch h.version {
	case 1:
		return "MPEG-1"
	case 2:
		return "MPEG-2"
	}
	return "MPEG-2.5"
}
