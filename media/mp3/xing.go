package mp3

import "encoding/binary"

// xingTag is what the first frame's Xing/Info (or VBRI) header says about the stream.
type xingTag struct {
	frames  int64 // frames announced, excluding the tag frame; -1 if absent
	gapless bool  // a LAME tag whose CRC matches gave delay and padding
	delay   int
	padding int
}

// parseXing looks for a Xing/Info or VBRI header in frame, the complete first frame. It reports
// false when the frame is an ordinary audio frame.
//
// The LAME extension follows the Xing fields: a 9-byte encoder string, then at offset 21 the
// encoder delay and padding as two 12-bit numbers, and at offset 34 a CRC-16 of every frame byte
// before it (LAME), or of the first 190 (FFmpeg, whose libmp3lame files say "Lavc"). The CRC is
// checked so that a stray "Info" in damaged data cannot invent a delay.
func parseXing(frame []byte, h header) (xingTag, bool) {
	tag := xingTag{frames: -1}
	if len(frame) >= 36+26 && string(frame[36:40]) == "VBRI" {
		// Fraunhofer's VBRI header: frame count at offset 14; no usable gapless information.
		tag.frames = int64(binary.BigEndian.Uint32(frame[36+14:]))
		return tag, true
	}
	p := h.dataOffset() + h.sideInfoSize()
	if len(frame) < p+8 {
		return tag, false
	}
	if id := string(frame[p : p+4]); id != "Xing" && id != "Info" {
		return tag, false
	}
	flags := binary.BigEndian.Uint32(frame[p+4:])
	p += 8
	if flags&1 != 0 {
		if len(frame) < p+4 {
			return tag, true
		}
		tag.frames = int64(binary.BigEndian.Uint32(frame[p:]))
		p += 4
	}
	if flags&2 != 0 {
		p += 4 // stream bytes
	}
	if flags&4 != 0 {
		p += 100 // seek table
	}
	if flags&8 != 0 {
		p += 4 // quality
	}
	if len(frame) < p+36 {
		return tag, true
	}
	lame := frame[p : p+36]
	if sum := binary.BigEndian.Uint16(lame[34:]); sum != crc16(frame[:p+34]) && sum != ffmpegCRC(frame, p+34) {
		return tag, true
	}
	tag.gapless = true
	tag.delay = int(lame[21])<<4 | int(lame[22])>>4
	tag.padding = int(lame[22]&0x0F)<<8 | int(lame[23])
	return tag, true
}

// ffmpegCRC is the tag CRC as FFmpeg's MP3 muxer computes it: over the first 190 bytes of the
// frame, with the CRC field still zero and zeros past the end of a shorter frame.
func ffmpegCRC(frame []byte, at int) uint16 {
	var b [190]byte
	copy(b[:], frame)
	if at+2 <= len(b) {
		b[at], b[at+1] = 0, 0
	}
	return crc16(b[:])
}

// crc16 is the CRC-16/ARC checksum (polynomial 0x8005, reflected, initial value 0) that LAME
// stores over its Info tag.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}
