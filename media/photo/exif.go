package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// The EXIF reader below looks for one thing only, the Orientation tag (0x0112) of IFD0, because
// that is all Hearth keeps from a photo's metadata: everything else, GPS first, is dropped with the
// original bytes. It is written here rather than taken from an EXIF library because it is small
// enough to check by eye: it follows a single offset (IFD0's), bounds-checks every read against the
// segment it was handed, and has no loops whose length the file controls beyond a 16-bit count.

const (
	pngSignature   = "\x89PNG\r\n\x1a\n"
	exifHeader     = "Exif\x00\x00"
	tagOrientation = 0x0112
)

// orientationOf returns the EXIF orientation (1-8) of a JPEG or PNG, or 1 when the file has none
// or a broken one: a photo shown as stored is a better failure than a rejected upload. WebP and GIF
// files are taken as stored (apps that write WebP store the pixels upright, and browsers disagree
// about applying WebP EXIF).
func orientationOf(format string, data []byte) int {
	var tiff []byte
	switch format {
	case "jpeg":
		tiff = jpegExif(data)
	case "png":
		tiff = pngExif(data)
	}
	if o, ok := tiffOrientation(tiff); ok {
		return o
	}
	return 1
}

// jpegExif returns the TIFF structure inside the first APP1 "Exif" segment of a JPEG, or nil. It
// walks the marker segments from SOI and stops at the first scan, since metadata precedes it.
func jpegExif(data []byte) []byte {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return nil
	}
	i := 2
	for {
		if i >= len(data) || data[i] != 0xff {
			return nil
		}
		for i < len(data) && data[i] == 0xff { // fill bytes may precede a marker
			i++
		}
		if i >= len(data) {
			return nil
		}
		marker := data[i]
		i++
		switch {
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return nil
		case marker == 0x01 || marker == 0xd8 || marker >= 0xd0 && marker <= 0xd7:
			continue // markers without a length
		}
		if i+2 > len(data) {
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || n > len(data)-i {
			return nil
		}
		seg := data[i+2 : i+n]
		i += n
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte(exifHeader)) {
			return seg[len(exifHeader):]
		}
	}
}

// pngExif returns the contents of a PNG's eXIf chunk, or nil when there is none or its CRC is
// wrong. The chunk is looked for anywhere in the file: writers do not all put it before IDAT.
func pngExif(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		return nil
	}
	for i := len(pngSignature); len(data)-i >= 12; {
		n := binary.BigEndian.Uint32(data[i:])
		if uint64(n) > uint64(len(data)-i-12) {
			return nil
		}
		end := i + 8 + int(n)
		typ := string(data[i+4 : i+8])
		switch typ {
		case "eXIf":
			if crc32.ChecksumIEEE(data[i+4:end]) != binary.BigEndian.Uint32(data[end:]) {
				return nil
			}
			// Some writers keep the JPEG segment's "Exif\0\0" prefix; the PNG spec has none.
			return bytes.TrimPrefix(data[i+8:end], []byte(exifHeader))
		case "IEND":
			return nil
		}
		i = end + 4
	}
	return nil
}

// tiffOrientation reads the Orientation tag from IFD0 of a TIFF structure (the body of an EXIF
// block). It reports false when the structure is malformed or the tag absent or out of range.
func tiffOrientation(b []byte) (int, bool) {
	if len(b) < 8 {
		return 0, false
	}
	var order binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0, false
	}
	if order.Uint16(b[2:]) != 42 {
		return 0, false
	}
	ifd := uint64(order.Uint32(b[4:]))
	if ifd < 8 || ifd+2 > uint64(len(b)) {
		return 0, false
	}
	count := int(order.Uint16(b[ifd:]))
	entries := b[ifd+2:]
	for k := 0; k < count && 12*k+12 <= len(entries); k++ {
		e := entries[12*k : 12*k+12]
		if order.Uint16(e) != tagOrientation {
			continue
		}
		if order.Uint32(e[4:]) < 1 { // value count
			return 0, false
		}
		var v uint32
		switch order.Uint16(e[2:]) { // value type
		case 3: // SHORT, as the spec says
			v = uint32(order.Uint16(e[8:]))
		case 4: // LONG, written by a few tools
			v = order.Uint32(e[8:])
		default:
			return 0, false
		}
		if v < 1 || v > 8 {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}
