package media

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzAnalyze feeds arbitrary bytes, under both names, through the whole upload check: sniffing,
// probing, decoding to the end and measuring. It must return an asset or one of the package's
// errors, never panic or hang.
func FuzzAnalyze(f *testing.F) {
	for _, name := range []string{"tone523_44k.mp3", "tone1k_48k.wav", "bad_truncated.mp3", "bad_mpeg25.mp3", "bad_freeformat.mp3"} {
		b, err := os.ReadFile(filepath.Join("..", "assets", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 64<<10 {
			b = b[:64<<10]
		}
		f.Add(b, filepath.Ext(name) == ".wav")
	}
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), true)
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, asWAV bool) {
		name := "upload.mp3"
		if asWAV {
			name = "upload.wav"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		limits := DefaultLimits
		a, err := Analyze(ctx, bytes.NewReader(data), name, limits)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLong) && !errors.Is(err, ErrTimeout) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if a.Frames <= 0 || a.SampleRate < 8000 {
			t.Fatalf("accepted an asset with no audio: %+v", a)
		}
	})
}
