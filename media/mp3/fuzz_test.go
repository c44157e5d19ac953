package mp3

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds seeds a fuzz target with the first 4 KB of every fixture, and with small files carrying
// the tags that live at the end. Seeds stay small because the fuzzer minimises every new input in
// time quadratic in its length.
func addSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/*.mp3")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	tone, err := os.ReadFile("testdata/tone_16000_mono_vbr.mp3")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append(id3v2(30, true), withTrailingTags(tone)...))
}

var sentinels = []error{ErrNotMP3, ErrMPEG25, ErrFreeFormat, ErrLayer, ErrCorrupt, ErrTruncated, ErrEmpty}

// checkErr fails unless err wraps one of the package's sentinels.
func checkErr(t *testing.T, err error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error without a sentinel: %v", err)
}

func FuzzProbe(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Probe(bytes.NewReader(data))
		if err != nil {
			checkErr(t, err)
			return
		}
		if in.Frames <= 0 || in.Layer != 3 || in.Samples() <= 0 || in.AudioBytes > int64(len(data)) ||
			in.JunkBytes > int64(len(data))/5 || (in.Version != 1 && in.Version != 2) {
			t.Fatalf("implausible Info for %d bytes: %+v", len(data), in)
		}
	})
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			checkErr(t, err)
			return
		}
		n := d.Length()
		if n <= 0 || n > int64(len(data))*1152 {
			t.Fatalf("Length() = %d for %d bytes", n, len(data))
		}
		buf := make([]float32, 4096)
		var got int64
		// Every Read returns at least one frame or ends, so this bound is never reached
		// by a correct decoder.
		for i := int64(0); i <= n/2048+2; i++ {
			k, err := d.Read(buf)
			got += int64(k / 2)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				checkErr(t, err)
				return
			}
		}
		if got != n {
			t.Fatalf("read %d frames, Length() %d", got, n)
		}
		for _, v := range buf {
			if v < -1 || v > 1 || v != v {
				t.Fatalf("sample %v out of range", v)
			}
		}
		if err := d.Seek(n / 3); err != nil {
			checkErr(t, err)
			return
		}
		if _, err := d.Read(buf); err != nil && !errors.Is(err, io.EOF) {
			checkErr(t, err)
		}
	})
}
