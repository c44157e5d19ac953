package photo

// maxJPEGScans bounds the scans of a JPEG. Every scan of a progressive JPEG makes the decoder walk
// every block of the image again, and a scan can be a dozen bytes long: a 40 KB file of repeated
// scans takes Go's decoder seconds, a 25 MB one hours, and the decoder cannot be interrupted
// between reads. Cameras and editors write 1 to 4 scans (baseline) or about 10 (progressive;
// mozjpeg's searched scripts stay around 20), so 100 rejects no real photo.
const maxJPEGScans = 100

// jpegScans counts the scans of a JPEG, stopping once it has counted more than limit. It walks the
// file exactly as image/jpeg's top-level loop does, skipping each segment by its length and
// entropy-coded data byte by byte up to the next marker, so it never counts fewer scans than the
// decoder would decode; it stops at EOI, after which the decoder reads nothing.
func jpegScans(data []byte, limit int) int {
	i, scans := 2, 0
	for scans <= limit {
		if i+2 > len(data) {
			return scans
		}
		a, b := data[i], data[i+1]
		i += 2
		for a != 0xff { // extraneous bytes, entropy-coded data
			if i >= len(data) {
				return scans
			}
			a, b = b, data[i]
			i++
		}
		if b == 0x00 { // a stuffed 0xff inside entropy-coded data
			continue
		}
		for b == 0xff { // fill bytes before a marker
			if i >= len(data) {
				return scans
			}
			b = data[i]
			i++
		}
		switch {
		case b == 0xd9: // EOI
			return scans
		case b >= 0xd0 && b <= 0xd7: // RSTn, no length
			continue
		}
		if i+2 > len(data) {
			return scans
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < 2 {
			return scans
		}
		i += n
		if b == 0xda { // SOS; its entropy-coded data follows the header just skipped
			scans++
		}
	}
	return scans
}
