// Package assets holds the media hearth ships inside its binary, so a fresh
// install can play the guided meditation into a room without downloading
// anything or depending on files beside the executable.
//
// The files are generated: make-meditation.sh renders meditation.mp3 from
// meditation.txt, and everything here is dedicated to the public domain under
// CC0 1.0 (see LICENSE.md).
package assets

import (
	_ "embed"
	"strconv"
	"strings"
)

// The MP3 is embedded as a string rather than a []byte so that no caller can
// change the bytes every other caller sees.
//
//go:embed meditation.mp3
var meditationMP3 string

//go:embed meditation.txt
var meditationScript string

//go:embed ambience.mp3
var ambienceMP3 string

// Ambience returns a 40 s soft drone that loops without a seam (made by make-ambience.sh), played
// quietly while the doors are open before a session starts, so early arrivals know they are in
// the right place.
func Ambience() []byte { return []byte(ambienceMP3) }

// MeditationTitle is the meditation's title, matching the ID3 title tag, so
// the room can name what is playing without parsing the file.
const MeditationTitle = "Evening breathing meditation"

// Meditation returns the guided breathing meditation as an MP3 (44.1 kHz
// stereo, a little over four minutes, ID3v2 tagged). Each call returns a
// fresh copy, so callers may keep or modify it freely; read it once and reuse
// it rather than calling this per listener.
func Meditation() []byte {
	return []byte(meditationMP3)
}

// MeditationText returns the words of the meditation as a readable
// transcript, for captions and for people who would rather read than listen.
// The renderer's pause markers become paragraph breaks, since that is where
// the recording goes quiet.
func MeditationText() string {
	var b strings.Builder
	paragraph := false
	for line := range strings.Lines(meditationScript) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case isPause(line):
			paragraph = b.Len() > 0
		default:
			if paragraph {
				b.WriteString("\n")
				paragraph = false
			}
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// isPause reports whether a trimmed script line is a "[pause N]" marker, which
// is a cue for the renderer and not something anyone should read.
func isPause(line string) bool {
	rest, ok := strings.CutPrefix(line, "[pause")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, "]")
	if !ok || rest == strings.TrimLeft(rest, " \t") {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	return err == nil
}
