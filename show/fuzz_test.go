package show

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzOpenRecording feeds damaged recordings to OpenRecording and plays what it accepts: a
// recording on disk may be cut short by a full disk or changed by hand, and must then be refused
// (the room draws live instead), never crash the room or read out of bounds.
func FuzzOpenRecording(f *testing.F) {
	s, err := New(smallConfig(), []Photo{{Ref: "a", Image: solid(32, 18, red)}}, 5600*time.Millisecond)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{})
	f.Add(ivfHeader(s.cfg, s.Frames()))
	// A header and one tiny "keyframe" record.
	one := append(ivfHeader(s.cfg, s.Frames()), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10)
	f.Add(one)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.ivf")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := OpenRecording(p, s)
		if err != nil {
			if !errors.Is(err, ErrRecording) {
				t.Fatalf("error %v is not ErrRecording", err)
			}
			return
		}
		defer rec.Close()
		var buf []byte
		for n := int64(0); n < rec.Len(); n++ {
			if buf, err = rec.Frame(buf[:0], n); err != nil {
				t.Fatalf("frame %d of an accepted recording: %v", n, err)
			}
		}
	})
}
