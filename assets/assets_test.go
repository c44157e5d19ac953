package assets

import (
	"strings"
	"testing"
)

// TestEmbedded guards against a build that embeds an empty or wrong file, for
// example after a failed render or a Git LFS pointer checked out in its place.
func TestEmbedded(t *testing.T) {
	mp3 := Meditation()
	id3 := len(mp3) >= 3 && string(mp3[:3]) == "ID3"
	frameSync := len(mp3) >= 2 && mp3[0] == 0xFF && mp3[1]&0xE0 == 0xE0
	if !id3 && !frameSync {
		t.Errorf("Meditation() starts with % x, want an ID3 tag or an MPEG frame sync", mp3[:min(len(mp3), 4)])
	}
	if len(mp3) <= 1<<20 {
		t.Errorf("Meditation() is %d bytes, want more than 1 MiB", len(mp3))
	}
	text := MeditationText()
	if strings.TrimSpace(text) == "" {
		t.Error("MeditationText() is empty")
	}
	if strings.Contains(text, "[pause") {
		t.Error("MeditationText() still contains pause markers")
	}
}
